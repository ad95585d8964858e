"""`evaluate` against the CLI's `eval --json` (every field), the TFDS README recipe (the
committed golden that TFDS itself computed, and the recipe run here on the same arrays), and
on every kind of input."""

from __future__ import annotations

import csv
import json
import math
import struct

import numpy as np
import pytest

import imagenet_multilabel as iml
from conftest import ANNOTATIONS, GOLDENS, RECIPE_PREDICTIONS, cli_json, cli_stdout

A = str(ANNOTATIONS)


def bits(x: float) -> str:
    return f"{struct.unpack('<Q', struct.pack('<d', x))[0]:016x}"


def test_recipe_golden_made_by_tfds():
    """The figures TFDS's README recipe gave on the committed fixture, to the last bit."""
    golden = json.loads((GOLDENS / "recipe.json").read_text())
    r = iml.evaluate(RECIPE_PREDICTIONS, annotations=A)
    assert bits(r.multilabel_accuracy.value) == golden["multilabel_accuracy"]["f64_bits"]
    assert bits(r.multilabel_accuracy_strict.value) == golden["multilabel_accuracy_strict"]["f64_bits"]
    assert (r.imagenet_m.correct, r.imagenet_m.total) == (
        golden["imagenet_m"]["correct"],
        golden["imagenet_m"]["total"],
    )


def csv_predictions():
    with open(RECIPE_PREDICTIONS, newline="") as f:
        return {row["file_name"]: int(row["prediction"]) for row in csv.DictReader(f)}


def test_dict_and_id_array_match_the_file():
    by_file = iml.evaluate(RECIPE_PREDICTIONS, annotations=A).to_dict()
    preds = csv_predictions()
    by_dict = iml.evaluate(preds, annotations=A, name=str(RECIPE_PREDICTIONS)).to_dict()
    assert by_dict == by_file
    names = list(preds)
    ids = np.array([preds[n] for n in names], dtype=np.int16)
    by_ids = iml.evaluate(ids, file_names=names, annotations=A, name=str(RECIPE_PREDICTIONS))
    assert by_ids.to_dict() == by_file
    by_list = iml.evaluate(ids.tolist(), file_names=names, annotations=A, name=str(RECIPE_PREDICTIONS))
    assert by_list.to_dict() == by_file


def test_every_field_matches_the_cli(tmp_path, annotated, logits):
    """The same scores saved as .npz (with file names) and graded by the CLI: every field
    of the JSON entry, the table, the per-class and mistakes tables."""
    names, _, _ = annotated
    path = tmp_path / "model.npz"
    np.savez(path, logits=logits, file_names=np.array(names))
    per_class, mistakes = tmp_path / "classes.csv", tmp_path / "mistakes.csv"
    cli = cli_json("--annotations", A, "--per-class", str(per_class), "--mistakes", str(mistakes), str(path))
    report = iml.evaluate(logits, file_names=names, annotations=A, name=str(path))
    assert report.to_dict() == cli["models"][0]
    full = report.to_json_report()
    assert full["annotations"] == cli["annotations"]
    assert full["schema"] == cli["schema"] == 1
    assert full["tool_version"] == cli["tool_version"]
    # The table, exactly as the CLI prints it.
    assert str(report) == cli_stdout("eval", "--annotations", A, str(path))
    # The typed attributes are the JSON's values.
    d = report.to_dict()
    assert report.multilabel_accuracy.value == d["multilabel_accuracy"]["value"]
    assert list(report.multilabel_accuracy.ci95) == d["multilabel_accuracy"]["ci95"]
    assert report.multilabel_top5_accuracy is not None
    assert report.multilabel_top5_accuracy.value == d["multilabel_top5_accuracy"]["value"]
    assert report.counts.graded == d["counts"]["graded"] == 1837
    assert report.coverage.k == 5 and report.real_counts.graded == d["real_counts"]["graded"]
    assert report.imagenet_m.total == 68
    severity = d["mistake_severity"]
    assert report.mistake_severity.n == severity["n"] > 0
    assert report.mistake_severity.mean == severity["mean"]
    assert list(report.mistake_severity.histogram) == severity["histogram"]
    # Tables: the CSVs the CLI wrote, value for value.
    for rows, path in ((report.per_class(), per_class), (report.mistakes(), mistakes)):
        rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
        with open(path, newline="") as f:
            written = list(csv.DictReader(f))
        assert len(rows) == len(written) > 0
        for ours, theirs in zip(rows, written):
            assert list(ours) == list(theirs)
            for key, value in ours.items():
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    # An empty cell: None, which a pandas column of numbers holds as NaN.
                    assert theirs[key] == "", (key, theirs[key])
                elif isinstance(value, bool):
                    assert str(value).lower() == theirs[key]
                elif isinstance(value, float):
                    assert value == float(theirs[key])
                else:
                    assert str(value) == theirs[key]


def readme_recipe_numpy(logits, names, examples):
    """The TFDS README recipe, vectorised with NumPy: top-1 = argmax; drop problematic;
    hit = top-1 in correct or unclear; per-class mean, summed in class order."""
    top1 = dict(zip(names, np.argmax(logits, axis=1).tolist()))
    hits = np.zeros(1000)
    count = np.zeros(1000)
    for e in examples:
        if e["is_problematic"].numpy():
            continue
        c = int(e["original_label"].numpy())
        p = top1[e["file_name"].numpy().decode()]
        count[c] += 1
        ok = p in list(e["correct_multi_labels"].numpy()) + list(e["unclear_multi_labels"].numpy())
        hits[c] += ok
    total = 0.0
    for cid in range(1000):
        total += hits[cid] / count[cid]
    return total / 1000


def test_the_readme_recipe_on_the_same_array(annotated, logits):
    import make_goldens

    names, val, imagenet_m = annotated
    report = iml.evaluate(logits, file_names=names, annotations=A)
    assert report.multilabel_accuracy.value == readme_recipe_numpy(logits, names, val)
    # And the README's own (unvectorised) code, as scripts/goldens transcribed it.
    preds = {n.encode(): p for n, p in zip(names, np.argmax(logits, axis=1).tolist())}
    assert report.multilabel_accuracy.value == make_goldens.readme_recipe(val, preds)
    assert report.multilabel_accuracy_strict.value == make_goldens.readme_recipe(val, preds, strict=True)
    assert report.imagenet_m.correct == make_goldens.notebook_imagenet_m_correct(imagenet_m, preds)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_any_float_dtype_and_layout(annotated, logits, dtype):
    names, _, _ = annotated
    x = logits.astype(dtype)
    expected = iml.evaluate(x, file_names=names, annotations=A).to_dict()
    # Fortran order is read in place; a strided view is copied once; big-endian is read.
    fortran = np.asfortranarray(x)
    assert iml.evaluate(fortran, file_names=names, annotations=A).to_dict() == expected
    wide = np.zeros((x.shape[0], 2000), dtype=dtype)
    wide[:, ::2] = x
    assert iml.evaluate(wide[:, ::2], file_names=names, annotations=A).to_dict() == expected
    swapped = x.astype(x.dtype.newbyteorder(">"))
    assert iml.evaluate(swapped, file_names=names, annotations=A).to_dict() == expected


def test_top_k_ids_match_scores(annotated, logits):
    names, _, _ = annotated
    scores = iml.evaluate(logits, file_names=names, annotations=A)
    order = np.argsort(-logits, axis=1, kind="stable")[:, :5]
    topk = iml.evaluate(order, file_names=names, annotations=A)
    assert topk.multilabel_accuracy == scores.multilabel_accuracy
    assert topk.multilabel_top5_accuracy == scores.multilabel_top5_accuracy
    top1 = iml.evaluate(order[:, 0].copy(), file_names=names, annotations=A)
    assert top1.multilabel_accuracy == scores.multilabel_accuracy
    assert top1.multilabel_top5_accuracy is None


class BufferOnly:
    """An object with only the buffer protocol (through a memoryview)."""

    def __init__(self, a):
        self._a = a

    def __buffer__(self, flags):  # Python 3.12+
        return memoryview(self._a)


class ArrayOnly:
    def __init__(self, a):
        self._a = a

    def __array__(self, dtype=None, copy=None):
        return self._a


class DlpackOnly:
    """What a torch CPU tensor offers, without torch."""

    def __init__(self, a):
        self._a = a

    def __dlpack__(self, **kwargs):
        return self._a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


def test_array_likes(annotated, logits):
    names, _, _ = annotated
    expected = iml.evaluate(logits, file_names=names, annotations=A).to_dict()
    for wrapped in (ArrayOnly(logits), DlpackOnly(logits), memoryview(logits)):
        got = iml.evaluate(wrapped, file_names=names, annotations=A)
        assert got.to_dict() == expected, type(wrapped).__name__


def test_dict_with_wnids_and_ranked_lists(annotated, logits):
    names, _, _ = annotated
    wnids = iml.classes()
    wnids = list(wnids["wnid"]) if hasattr(wnids, "columns") else [c["wnid"] for c in wnids]
    order = np.argsort(-logits, axis=1, kind="stable")[:, :5]
    expected = iml.evaluate(order, file_names=names, annotations=A, name="dict").to_dict()
    as_wnids = {n: [wnids[i] for i in row] for n, row in zip(names, order.tolist())}
    assert iml.evaluate(as_wnids, annotations=A).to_dict() == expected
    as_numpy = {n: row for n, row in zip(names, order)}
    assert iml.evaluate(as_numpy, annotations=A).to_dict() == expected


def test_files_in_every_format_match_the_cli(tmp_path, annotated, logits):
    names, _, _ = annotated
    top1 = np.argmax(logits, axis=1)
    files = {
        "p.csv": "file_name,prediction\n" + "".join(f"{n},{p}\n" for n, p in zip(names, top1)),
        "p.tsv": "file\tpred\n" + "".join(f"{n}\t{p}\n" for n, p in zip(names, top1)),
        "p.json": json.dumps({n: int(p) for n, p in zip(names, top1)}),
        "p.jsonl": "".join(json.dumps({"file_name": n, "prediction": int(p)}) + "\n" for n, p in zip(names, top1)),
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        assert iml.evaluate(path, annotations=A).to_dict() == cli_json("--annotations", A, str(path))["models"][0], name


def test_subset_with_allow_missing(annotated, logits):
    names, val, _ = annotated
    # Leave out one graded image of each of 10 classes that have two or more.
    graded = {}
    for e in val:
        if not e["is_problematic"].numpy():
            graded.setdefault(int(e["original_label"].numpy()), []).append(e["file_name"].numpy().decode())
    dropped = {images[0] for images in list(v for v in graded.values() if len(v) > 1)[:10]}
    keep = [i for i, n in enumerate(names) if n not in dropped]
    subset, subset_names = logits[keep], [names[i] for i in keep]
    with pytest.raises(iml.InputError, match="10 of the .* have no prediction"):
        iml.evaluate(subset, file_names=subset_names, annotations=A)
    r = iml.evaluate(subset, file_names=subset_names, annotations=A, allow_missing=True)
    assert r.coverage.missing == 10 and r.coverage.predicted + 10 == r.counts.graded
    assert "PARTIAL coverage" in str(r)


def test_class_ids_and_background(annotated, logits, tmp_path):
    names, _, _ = annotated
    top1 = np.argmax(logits, axis=1)
    base = iml.evaluate(top1, file_names=names, annotations=A).multilabel_accuracy
    # one-based ids: refused as sorted with advice, graded right when said.
    with pytest.raises(iml.InputError, match="one-based"):
        iml.evaluate(top1 + 1, file_names=names, annotations=A)
    assert iml.evaluate(top1 + 1, file_names=names, annotations=A, class_ids="one-based").multilabel_accuracy == base
    # 1001 outputs with background at 0.
    wide = np.concatenate([np.full((len(names), 1), -1e9, np.float32), logits], axis=1)
    with pytest.raises(iml.InputError, match="background"):
        iml.evaluate(wide, file_names=names, annotations=A)
    r = iml.evaluate(wide, file_names=names, annotations=A, background_class=True)
    assert r.multilabel_accuracy == iml.evaluate(logits, file_names=names, annotations=A).multilabel_accuracy
    # And the CLI agrees on the same file.
    path = tmp_path / "wide.npz"
    np.savez(path, logits=wide, file_names=np.array(names))
    cli = cli_json("--annotations", A, "--background-class", str(path))
    assert iml.evaluate(wide, file_names=names, annotations=A, background_class=True, name=str(path)).to_dict() == cli["models"][0]


def test_the_index_is_loaded_once(annotated, logits, tmp_path):
    names, _, _ = annotated
    copy = tmp_path / "annotations.json"
    copy.write_bytes(ANNOTATIONS.read_bytes())
    with pytest.warns(UserWarning, match="unrecognised file"):
        iml.evaluate(logits, file_names=names, annotations=copy)
    # Loaded: no second warning, no second parse.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iml.evaluate(logits, file_names=names, annotations=copy)
    # A changed file is loaded again.
    copy.write_bytes(ANNOTATIONS.read_bytes() + b"\n")
    with pytest.warns(UserWarning, match="unrecognised file"):
        iml.evaluate(logits, file_names=names, annotations=copy)
