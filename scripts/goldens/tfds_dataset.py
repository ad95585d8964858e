#!/usr/bin/env python3
"""Writes scripts/goldens/tfds_dataset.json: what the real TensorFlow Datasets yields for the
small dataset of dataset_fixture.py, which python/tests/test_dataset.py compares
`imagenet_multilabel.Dataset` with (without TensorFlow). Run it with the TFDS peer's venv
(tensorflow-datasets 4.9.10, tensorflow-cpu 2.20, Pillow):

    /tmp/tfds-peer/venv/bin/python scripts/goldens/tfds_dataset.py

The dataset is built by our tools (dataset_fixture.make), then read only by TFDS
(`tfds.builder_from_directory(...).as_dataset(split, shuffle_files=False)`, `tfds.as_numpy`),
once decoded (as `tfds.load` yields it) and once with `SkipDecoding` (the JPEG bytes), and the
JPEG bytes are also decoded with `PIL.Image.open(f).convert("RGB")` (torchvision's loader).
For each split the file records, in TFDS's order:
  - `dtypes`: each feature's numpy dtype and number of dimensions (the first example's; every
    example is checked to have the same);
  - `columns` and `rows`: per example, the label features' values, the image's shape and the
    sha256 of the decoded pixels (TFDS), of the Pillow pixels and of the JPEG bytes, and the
    JPEG's colour mode (Pillow's); `rows` keeps the first FIRST examples and every grayscale or
    CMYK one (with its position); `all_sha256` is the sha256 of every row's compact JSON less
    the mode, joined by "\n" (row_json below), so that the file stays small and still pins
    every example.
"""

import hashlib
import io
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset_fixture  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow_datasets as tfds  # noqa: E402
from PIL import Image  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfds_dataset.json")
LISTS = ["correct_multi_labels", "wrong_multi_labels", "unclear_multi_labels"]


def sha(b):
    return hashlib.sha256(b).hexdigest()


def dtype_of(v):
    if isinstance(v, bytes):
        return ["bytes", 0]
    return [str(v.dtype), int(np.ndim(v))]


FIRST = 40
COLUMNS = ["index", "file_name", "original_label"] + LISTS + [
    "is_problematic", "shape", "pixels_sha256", "pillow_sha256", "jpeg_sha256", "jpeg_mode"]


def row_json(row):
    """The compact JSON of one row, as the test recomputes it."""
    return json.dumps(row, separators=(",", ":"))


def split_goldens(builder, split):
    decoded = tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False))
    raw = tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False,
                                           decoders={"image": tfds.decode.SkipDecoding()}))
    dtypes = None
    rows = []
    lines = []
    for i, (ex, r) in enumerate(zip(decoded, raw)):
        types = {k: dtype_of(v) for k, v in sorted(ex.items())}
        if dtypes is None:
            dtypes = dict(types)
            dtypes["image (decode=None)"] = dtype_of(r["image"])
        assert {k: v for k, v in dtypes.items() if k in types} == types, (types, dtypes)
        assert r["file_name"] == ex["file_name"]
        img = Image.open(io.BytesIO(r["image"]))
        mode = img.mode
        pil = np.asarray(img.convert("RGB"))
        assert pil.shape == ex["image"].shape
        row = [i, ex["file_name"].decode(), int(ex["original_label"])] + [
            [int(x) for x in ex[k]] for k in LISTS] + [
            bool(ex["is_problematic"]), list(ex["image"].shape), sha(ex["image"].tobytes()),
            sha(pil.tobytes()), sha(r["image"]), mode]
        lines.append(row_json(row[:-1]))
        if i < FIRST or mode != "RGB":
            rows.append(row)
    return {"dtypes": dtypes, "count": len(lines), "columns": COLUMNS, "rows": rows,
            "all_sha256": sha("\n".join(lines).encode())}


def dump(out):
    """JSON with one row per line: small diffs when TFDS (or the fixture) changes."""
    c = lambda v: json.dumps(v, separators=(",", ":"))  # noqa: E731
    parts = []
    for name, g in out["splits"].items():
        rows = ",\n".join("    " + row_json(r) for r in g["rows"])
        head = ", ".join(f"{c(k)}: {c(v)}" for k, v in g.items() if k != "rows")
        parts.append(f"  {c(name)}: {{{head},\n   \"rows\": [\n{rows}\n   ]}}")
    splits = ",\n".join(parts)
    return (f'{{"made_by": {c(out["made_by"])},\n "fixture": {c(out["fixture"])},\n'
            f' "splits": {{\n{splits}\n }}\n}}\n')


def main():
    with tempfile.TemporaryDirectory(prefix="tfds-dataset-goldens.") as work:
        data_dir = dataset_fixture.make(work)
        builder = tfds.builder_from_directory(
            os.path.join(data_dir, "imagenet2012_multilabel", "3.0.0"))
        out = {
            "made_by": "scripts/goldens/tfds_dataset.py with tensorflow-datasets "
                       f"{tfds.__version__}, Pillow {Image.__version__}, numpy {np.__version__}",
            "fixture": {"val_tar": dataset_fixture.VAL_TAR_ARGS},
            "splits": {s: split_goldens(builder, s) for s in ("validation", "imagenet_m")},
        }
    with open(OUT + ".tmp", "w") as f:
        f.write(dump(out))
    os.replace(OUT + ".tmp", OUT)
    n = {s: (v["count"], len(v["rows"])) for s, v in out["splits"].items()}
    print(f"wrote {OUT}: {n}")


if __name__ == "__main__":
    main()
