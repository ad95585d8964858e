"""Reads what `write_sample` wrote with the Python libraries researchers use, and compares
every example with `expected.json`:

- Parquet with Hugging Face `datasets`: `load_dataset(folder)` (through the dataset card),
  `load_dataset("parquet", data_files=...)` and streaming; the image column must decode to
  PIL, the labels must be `ClassLabel`s named by wnid.
- WebDataset shards with `webdataset`: `.jpg` decodes to PIL, `.cls` is the original label,
  `.json` names every label; and the same shards through `datasets`' own WebDataset loader.

Usage: check_python_formats.py DIR   (DIR holds parquet/, webdataset/, expected.json)
"""

import glob
import io
import json
import os
import sys

import datasets
import pyarrow.parquet as pq
import webdataset as wds
from PIL import Image

LISTS = ("correct_multi_labels", "wrong_multi_labels", "unclear_multi_labels")
checked = []


def check(condition, what):
    if not condition:
        raise SystemExit(f"FAILED: {what}")


def check_image(image, want, where, mode=None):
    mode = mode or want["mode"]
    check(isinstance(image, Image.Image), f"{where}: image is a PIL image, got {type(image)}")
    check(image.size == (want["width"], want["height"]), f"{where}: size {image.size}")
    check(image.mode == mode, f"{where}: mode {image.mode}, want {mode}")
    image.load()  # decode the pixels, not only the header


def check_parquet(root, expected):
    folder = os.path.join(root, "parquet")
    names = None

    # 1. The folder as a dataset: the card's `configs` name both splits.
    dd = datasets.load_dataset(folder)
    check(sorted(dd) == sorted(expected), f"splits {sorted(dd)}")
    for split, rows in expected.items():
        ds = dd[split]
        f = ds.features
        check(isinstance(f["image"], datasets.Image), f"image feature {f['image']!r}")
        check(isinstance(f["original_label"], datasets.ClassLabel), "original_label is ClassLabel")
        names = f["original_label"].names
        check(len(names) == 1000 and names[0] == "n01440764", "ClassLabel names are the wnids")
        for name in LISTS:
            inner = getattr(f[name], "feature", None)
            check(isinstance(inner, datasets.ClassLabel), f"{name} is a list of ClassLabel: {f[name]!r}")
            check(inner.names == names, f"{name} names")
        check(f["file_name"] == datasets.Value("string"), "file_name is a string")
        check(f["is_problematic"] == datasets.Value("bool"), "is_problematic is a bool")
        check(ds.num_rows == len(rows), f"{split}: {ds.num_rows} rows, want {len(rows)}")
        for i, (got, want) in enumerate(zip(ds, rows)):
            where = f"parquet {split}[{i}] {want['file_name']}"
            check_image(got["image"], want, where)
            for key in ("file_name", "original_label", "is_problematic", *LISTS):
                check(got[key] == want[key], f"{where}: {key} {got[key]!r} != {want[key]!r}")
        checked.append(f"parquet {split}: {ds.num_rows} rows, images decode, labels equal")

    # 2. Explicit data files, and the raw bytes: what `datasets` stores is what we wrote.
    files = sorted(glob.glob(os.path.join(folder, "validation-*.parquet")))
    ds = datasets.load_dataset("parquet", data_files={"validation": files}, split="validation")
    raw = ds.cast_column("image", datasets.Image(decode=False))
    for got, want in zip(raw, expected["validation"]):
        check(got["image"]["path"] == want["file_name"], "image.path is the file name")
        check(len(got["image"]["bytes"]) == want["jpeg_bytes"], "image bytes untouched")
    check(ds.features["original_label"].int2str(expected["validation"][0]["original_label"])
          == names[expected["validation"][0]["original_label"]], "int2str")
    checked.append(f"parquet data_files: {len(files)} files, image bytes and paths as written")

    # 3. Streaming reads row group by row group.
    it = datasets.load_dataset("parquet", data_files={"validation": files}, split="validation",
                               streaming=True)
    first = next(iter(it))
    check_image(first["image"], expected["validation"][0], "streamed row 0")
    checked.append("parquet streaming: first row decodes")

    # 4. The schema is the one `datasets` derives from these features itself.
    schema = pq.read_schema(files[0])
    own = ds.features.arrow_schema
    for field in own:
        got = schema.field(field.name).type
        same = got == field.type or str(got).replace("element", "item") == str(field.type).replace("element", "item")
        check(same, f"column {field.name}: {got} vs datasets' {field.type}")
    check(b"huggingface" in pq.ParquetFile(files[0]).metadata.metadata, "key-value metadata")
    checked.append("parquet schema: same Arrow types as datasets' own")
    return names


def check_webdataset(root, expected, names):
    for split, rows in expected.items():
        shards = sorted(glob.glob(os.path.join(root, "webdataset", f"{split}-*.tar")))
        check(shards, f"{split}: shards")
        pipeline = wds.WebDataset(shards, shardshuffle=False).decode("pil")
        samples = list(pipeline)
        check(len(samples) == len(rows), f"{split}: {len(samples)} samples, want {len(rows)}")
        raw = list(wds.WebDataset(shards, shardshuffle=False))
        for sample, undecoded, want in zip(samples, raw, rows):
            where = f"webdataset {split} {sample['__key__']}"
            check(sample["__key__"] == want["file_name"].split(".")[0], f"{where}: key")
            # decode("pil") converts to RGB; the stored bytes keep the JPEG's own mode.
            check_image(sample["jpg"], want, where, mode="RGB")
            check(len(undecoded["jpg"]) == want["jpeg_bytes"], f"{where}: JPEG bytes untouched")
            check_image(Image.open(io.BytesIO(undecoded["jpg"])), want, where + " (raw)")
            check(sample["cls"] == want["original_label"], f"{where}: cls {sample['cls']!r}")
            meta = sample["json"]
            check(meta["file_name"] == want["file_name"], f"{where}: file_name")
            check(meta["is_problematic"] == want["is_problematic"], f"{where}: is_problematic")
            labels = {"original_label": [meta["original_label"]]}
            labels.update({k: meta[k] for k in LISTS})
            for key, got in labels.items():
                ids = [label["id"] for label in got]
                wanted = want[key] if key in LISTS else [want[key]]
                check(ids == wanted, f"{where}: {key} {ids} != {wanted}")
                for label in got:
                    check(label["wnid"] == names[label["id"]], f"{where}: wnid of {label['id']}")
                    check(label["name"], f"{where}: name of {label['id']}")
        # The usual training-loop form.
        pairs = list(wds.WebDataset(shards, shardshuffle=False).decode("pil").to_tuple("jpg", "cls"))
        check([c for _, c in pairs] == [r["original_label"] for r in rows], f"{split}: to_tuple")
        checked.append(f"webdataset {split}: {len(shards)} shards, {len(samples)} samples, images decode, labels equal")

        # `datasets` reads the same shards with its own WebDataset loader.
        hf = datasets.load_dataset("webdataset", data_files={split: shards}, split=split)
        check(hf.num_rows == len(rows), f"datasets webdataset {split}: {hf.num_rows} rows")
        for got, want in zip(hf, rows):
            where = f"datasets webdataset {split} {got['__key__']}"
            check_image(got["jpg"], want, where)
            check(got["cls"] == want["original_label"], f"{where}: cls")
            check([l["id"] for l in got["json"]["correct_multi_labels"]] == want["correct_multi_labels"],
                  f"{where}: json")
        checked.append(f"datasets' webdataset loader {split}: {hf.num_rows} rows equal")


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "expected.json")) as f:
        expected = json.load(f)
    datasets.disable_progress_bars()
    names = check_parquet(root, expected)
    check_webdataset(root, expected, names)
    print(f"datasets {datasets.__version__}, webdataset {wds.__version__ if hasattr(wds, '__version__') else '?'}, "
          f"Pillow {Image.__version__}")
    for line in checked:
        print("ok:", line)
    print("ALL OK")


if __name__ == "__main__":
    main()
