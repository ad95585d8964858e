"""load_annotations, classes, fetch (import of a local copy) and build, against the CLI and
the committed fixture."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

import imagenet_multilabel as iml
from conftest import ANNOTATIONS, cli_json, cli_stdout

A = str(ANNOTATIONS)


def test_load_annotations_matches_the_file():
    ann = iml.load_annotations(A)
    raw = json.loads(ANNOTATIONS.read_text())
    val = [k for k in raw["initial_annots"] if k.startswith("ILSVRC2012_val_")]
    assert len(ann) == len(val) == 1999
    rows = {r["file_name"]: r for r in ann}
    assert set(rows) == set(val)
    wnids = [c["wnid"] for c in iml.classes()] if isinstance(iml.classes(), list) else list(iml.classes()["wnid"])
    for name in val[:50]:
        entry = raw["initial_annots"][name]
        row = rows[name]
        for key in ("correct", "wrong", "unclear"):
            assert [wnids[i] for i in row[key]] == entry.get(key, [])
        assert row["is_problematic"] == (name in raw["problematic_images"])
        assert row["is_imagenet_m"] == (name in raw["imagenet_m"])
        assert row["wnid"] == wnids[row["original_label"]]
    assert sum(ann.columns["is_imagenet_m"]) == len(raw["imagenet_m"]) == 68
    assert ann.version == "unrecognised file" and ann.path == A


def test_to_pandas():
    pd = pytest.importorskip("pandas")
    df = iml.load_annotations(A).to_pandas()
    assert list(df.columns) == [
        "file_name", "original_label", "wnid", "correct", "wrong", "unclear",
        "is_problematic", "is_imagenet_m",
    ]
    assert len(df) == 1999 and df["is_imagenet_m"].sum() == 68
    assert isinstance(iml.classes(), pd.DataFrame)


def test_classes():
    classes = iml.classes()
    rows = classes.to_dict("records") if hasattr(classes, "to_dict") else classes
    assert len(rows) == 1000
    assert rows[0] == {"id": 0, "wnid": "n01440764", "name": "tench", "is_dog": False, "is_organism": True}
    assert sum(r["is_dog"] for r in rows) == 118  # ids 151..=268


def test_fetch_refuses_a_copy_that_is_not_the_file(tmp_path):
    with pytest.raises(iml.InputError, match="not the expected annotations file"):
        iml.fetch(from_path=ANNOTATIONS, progress=False)
    with pytest.raises(iml.InputError):
        iml.fetch(from_path=tmp_path / "absent.json", progress=False)


def small_tar(path, names):
    """A validation tar holding `names` (bytes need not decode: the build stores them)."""
    with tarfile.open(path, "w") as tar:
        for n in names:
            data = f"not a jpeg: {n}".encode()
            info = tarfile.TarInfo(n)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_build_then_grade_from_the_dataset(tmp_path, annotated, logits):
    names, _, _ = annotated
    tar = tmp_path / "ILSVRC2012_img_val.tar"
    small_tar(tar, names)
    events = []
    summary = iml.build(tar, tmp_path / "tfds", annotations=A, progress=lambda *e: events.append(e))
    assert summary["format"] == "tfds"
    assert summary["splits"]["validation"]["examples"] == 1999
    assert summary["splits"]["imagenet_m"]["examples"] == 68
    assert summary["missing"] == []
    assert events[0][0] == "planned" and events[-1][0] in ("image", "planned")
    # The CLI sees what we built.
    assert "validation" in cli_stdout("inspect", str(tmp_path / "tfds"))
    # Refused a second time without force; replaced with it.
    with pytest.raises(iml.InputError, match="already holds"):
        iml.build(tar, tmp_path / "tfds", annotations=A, progress=False)
    iml.build(tar, tmp_path / "tfds", annotations=A, force=True, progress=False)
    # Grading from the dataset = the CLI's eval --dataset.
    import numpy as np

    npz = tmp_path / "m.npz"
    np.savez(npz, logits=logits, file_names=np.array(names))
    r = iml.evaluate(logits, file_names=names, dataset=tmp_path / "tfds", name=str(npz))
    cli = cli_json("--dataset", str(tmp_path / "tfds"), str(npz))
    assert r.to_dict() == cli["models"][0]
    assert str(r) == cli_stdout("eval", "--dataset", str(tmp_path / "tfds"), str(npz))
    ann = iml.load_annotations(dataset=tmp_path / "tfds")
    assert len(ann) == 1999


def test_build_parquet_and_webdataset(tmp_path, annotated):
    names, _, _ = annotated
    tar = tmp_path / "val.tar"
    small_tar(tar, names[:100])
    with pytest.raises(iml.InputError, match="not in the tar"):
        iml.build(tar, tmp_path / "pq", "parquet", annotations=A, progress=False)
    for fmt in ("parquet", "webdataset"):
        s = iml.build(tar, tmp_path / fmt, fmt, annotations=A, allow_missing=True, progress=False)
        assert s["format"] == fmt and len(s["missing"]) == 1899
        assert s["splits"]["validation"]["examples"] == 100
        assert all(p.startswith(str(tmp_path / fmt)) for p in map(str, s["splits"]["validation"]["files"]))
    with pytest.raises(iml.InputError, match="unknown format"):
        iml.build(tar, tmp_path / "x", "zip", annotations=A, progress=False)
    with pytest.raises(iml.InputError, match="no such file"):
        iml.build(tmp_path / "absent.tar", tmp_path / "y", annotations=A, progress=False)


def test_default_progress_without_tqdm(tmp_path, annotated, capsys, monkeypatch):
    names, _, _ = annotated
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    tar = tmp_path / "val.tar"
    small_tar(tar, names[:10])
    iml.build(tar, tmp_path / "wds", "webdataset", annotations=A, allow_missing=True)
    err = capsys.readouterr().err
    assert "build:" in err and "100%" in err
