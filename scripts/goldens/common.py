"""What the golden scripts share: the class tables and the synthetic inputs that are defined
by a formula rather than committed (the image bytes, the real-size annotations).

The Rust tests in crates/imagenet-multilabel/tests/goldens.rs implement the same formulas
independently; if the two ever disagree, the golden comparison fails (the serialized sizes,
hence `numBytes` and the shard split, would differ).

Standard library only.
"""

import io
import json
import os
import tarfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CRATE = os.path.join(REPO, "crates", "imagenet-multilabel")
GOLDENS = os.path.join(CRATE, "tests", "goldens")
DATA = os.path.join(CRATE, "data")

NUM_IMAGES = 50_000


def file_name(n):
    return f"ILSVRC2012_val_{n:08d}.JPEG"


def wnids():
    """The 1000 sorted wnids; class id = line index (TFDS's labels.txt)."""
    with open(os.path.join(DATA, "imagenet2012_labels.txt")) as f:
        out = f.read().split()
    assert len(out) == 1000 and out == sorted(out)
    return out


def original_labels():
    """original[n] = class id of image n (index 0 unused), from validation_labels.txt."""
    index = {w: i for i, w in enumerate(wnids())}
    with open(os.path.join(DATA, "imagenet2012_validation_labels.txt")) as f:
        lines = f.read().split()
    assert len(lines) == NUM_IMAGES
    return [None] + [index[w] for w in lines]


# ---- image bytes: a fake JPEG of a given length, the same formula in goldens.rs ----------

_BASE = bytes((k * 29) & 0xFF for k in range(256))


def image_bytes(n, length):
    """SOI + APP0 marker, then byte k (k = 0..length-7) = (n*131 + k*29) mod 256, then EOI.

    TFDS stores the bytes unchecked, so only their length and identity matter."""
    assert length >= 6
    body_len = length - 6
    shift = (n * 131) & 0xFF
    table = bytes((b + shift) & 0xFF for b in range(256))
    body = (_BASE * (body_len // 256 + 1))[:body_len].translate(table)
    return b"\xff\xd8\xff\xe0" + body + b"\xff\xd9"


def tiny_len(n):
    """Image length in the tiny build (every member of the tar)."""
    return 64 + (n * 7919) % 449


def realsize_len(n):
    """Annotated image length in the real-size build: 90,000..139,999 bytes, mean about
    the real 112 KB serialized example, so that the split needs 32 shards as the real one."""
    return 90_000 + (n * 7919) % 50_000


def unannotated_len(n):
    """Unannotated members of the real-size tar: only their names matter to TFDS."""
    return 16 + n % 50


def write_tar(path, length_of):
    """All 50,000 members in shuffled-by-formula order (TFDS sorts the names itself).

    Written header by header so that a 2.3 GB tar costs no more memory than one image."""
    order = sorted(range(1, NUM_IMAGES + 1), key=lambda n: (n * 7907) % 50_021)
    with open(path, "wb") as out, tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for n in order:
            data = image_bytes(n, length_of(n))
            info = tarfile.TarInfo(file_name(n))
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))


# ---- the real-size annotations: 20 images per class, lists by formula ---------------------


def realsize_annotations():
    """The JSON (real schema, only the keys TFDS reads) of the real-size build.

    Annotated: the first 20 images of every class in image order (20,000, as the real set).
    correct = [original]; wrong = [original+1] when n % 7 == 0; unclear = [original+2]
    when n % 11 == 0 (ids mod 1000); problematic when n % 13 == 0; imagenet_m = every
    294th annotated image in image order (68)."""
    names = wnids()
    original = original_labels()
    seen = [0] * 1000
    chosen = []
    for n in range(1, NUM_IMAGES + 1):
        c = original[n]
        if seen[c] < 20:
            seen[c] += 1
            chosen.append(n)
    assert len(chosen) == 20_000
    annots = {}
    for n in chosen:
        c = original[n]
        entry = {"correct": [names[c]]}
        if n % 7 == 0:
            entry["wrong"] = [names[(c + 1) % 1000]]
        if n % 11 == 0:
            entry["unclear"] = [names[(c + 2) % 1000]]
        annots[file_name(n)] = entry
    problematic = {file_name(n): {"reason": "formula"} for n in chosen if n % 13 == 0}
    imagenet_m = [file_name(chosen[k * 294]) for k in range(68)]
    return {"initial_annots": annots, "problematic_images": problematic, "imagenet_m": imagenet_m}, chosen


def dump_json(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(", ", ": "))
