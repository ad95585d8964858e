"""Checks what `imagenet-multilabel build` wrote, read with the Python libraries researchers
use, against the annotations file itself (not against anything our code produced):

- the expected labels are derived here, independently, the way the TFDS builder derives them:
  `json.load` of the annotations, wnid -> index in the sorted wnid list, original label from
  `validation_labels.txt` by image number, `is_problematic` from the keys of
  `problematic_images`; image bytes from the tar with Python's `tarfile`;
- Parquet through Hugging Face `datasets` (`load_dataset("parquet", ...)`): every row's labels
  and image bytes, a few images decoded to PIL;
- WebDataset shards through `webdataset`: every sample's `.cls`, `.json` labels and `.jpg`
  bytes, a few decoded.

Usage: check_python_build.py ANNOTATIONS.json TAR LABELS.txt VALIDATION_LABELS.txt PARQUET_DIR WDS_DIR
"""

import glob
import io
import os
import json
import sys
import tarfile

import datasets
import webdataset as wds
from PIL import Image

ann_path, tar_path, labels_path, val_labels_path, parquet_dir, wds_dir = sys.argv[1:7]
wnids = open(labels_path).read().split()
index = {w: i for i, w in enumerate(wnids)}
originals = [index[w] for w in open(val_labels_path).read().split()]
ann = json.load(open(ann_path))
problematic = set(ann["problematic_images"])
expected = {}
for name, labels in ann["initial_annots"].items():
    if not name.startswith("ILSVRC2012_val_"):
        continue
    number = int(name[len("ILSVRC2012_val_"):-len(".JPEG")])
    expected[name] = {
        "original_label": originals[number - 1],
        "correct_multi_labels": [index[w] for w in labels.get("correct", [])],
        "wrong_multi_labels": [index[w] for w in labels.get("wrong", [])],
        "unclear_multi_labels": [index[w] for w in labels.get("unclear", [])],
        "is_problematic": name in problematic,
    }
with tarfile.open(tar_path) as tar:
    jpeg = {m.name.split("/")[-1]: tar.extractfile(m).read() for m in tar if m.isfile()}
imagenet_m = set(ann.get("imagenet_m", []))
LISTS = ("correct_multi_labels", "wrong_multi_labels", "unclear_multi_labels")


def fail(what):
    raise SystemExit(f"FAILED: {what}")


# Parquet through datasets.
for split, names in (("validation", set(expected)), ("imagenet_m", imagenet_m)):
    files = sorted(glob.glob(f"{parquet_dir}/data/{split}-*.parquet"))
    ds = datasets.load_dataset("parquet", data_files=files, split="train")
    if set(ds["file_name"]) != names or len(ds) != len(names):
        fail(f"parquet {split}: {len(ds)} rows, expected {len(names)}")
    decoded = 0
    for row in ds.cast_column("image", datasets.Image(decode=False)):
        e = expected[row["file_name"]]
        for key in ("original_label", "is_problematic") + LISTS:
            if row[key] != e[key]:
                fail(f"parquet {split} {row['file_name']} {key}: {row[key]} != {e[key]}")
        if row["image"]["bytes"] != jpeg[row["file_name"]]:
            fail(f"parquet {split} {row['file_name']}: image bytes differ from the tar")
    for row in ds.select(range(min(5, len(ds)))):
        if not isinstance(row["image"], Image.Image) or row["image"].size[0] <= 0:
            fail(f"parquet {split}: image does not decode to PIL")
        decoded += 1
    names_feature = ds.features["original_label"].names
    if names_feature[:2] != wnids[:2]:
        fail(f"parquet {split}: original_label is not a ClassLabel named by wnid")
    print(f"parquet {split}: {len(ds)} rows match the annotations and the tar; {decoded} decoded")

# The dataset card: `load_dataset(PARQUET_DIR)` finds both splits, under their names.
# An absolute path: a bare "parquet" would name the packaged builder, not the folder.
by_card = datasets.load_dataset(os.path.abspath(parquet_dir))
if sorted(by_card) != ["imagenet_m", "validation"]:
    fail(f"load_dataset(dir) found splits {sorted(by_card)}")
if len(by_card["validation"]) != len(expected) or len(by_card["imagenet_m"]) != len(imagenet_m):
    fail("load_dataset(dir): row counts differ from the annotations")
print(f"load_dataset(dir): splits {sorted(by_card)} with the expected row counts")

# WebDataset through webdataset.
for split, names in (("validation", set(expected)), ("imagenet_m", imagenet_m)):
    shards = sorted(glob.glob(f"{wds_dir}/data/{split}-*.tar"))
    seen = set()
    for sample in wds.WebDataset(shards, shardshuffle=False, empty_check=False):
        meta = json.loads(sample["json"])
        name = meta["file_name"]
        e = expected[name]
        if int(sample["cls"]) != e["original_label"]:
            fail(f"webdataset {split} {name}: cls {sample['cls']!r}")
        if sample["jpg"] != jpeg[name]:
            fail(f"webdataset {split} {name}: image bytes differ from the tar")
        if len(seen) < 5:
            Image.open(io.BytesIO(sample["jpg"])).convert("RGB")
        seen.add(name)
    if seen != names:
        fail(f"webdataset {split}: {len(seen)} samples, expected {len(names)}")
    print(f"webdataset {split}: {len(seen)} samples match the annotations and the tar")
print("ALL OK")
