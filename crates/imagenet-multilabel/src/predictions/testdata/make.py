"""Writes the files in this directory with real NumPy, so the tests read what numpy writes
(not only what our own fixture writer writes). Regenerate with any numpy >= 1.17:

    python crates/imagenet-multilabel/src/predictions/testdata/make.py

`expected.json` holds, for each file, the top-5 class ids per image as NumPy ranks them
(a stable argsort of the negated scores: ties go to the lower class id, as argmax does), or
the error the file must produce.
"""
import json
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2020)
images = [3, 17, 4242, 50000, 1, 29999]
names = [f"val/n01440764/ILSVRC2012_val_{n:08d}.JPEG" for n in images]
expected = {}


def top5(scores):
    return np.argsort(-scores, axis=1, kind="stable")[:, :5].tolist()


def record(file, ranked):
    expected[file] = {os.path.basename(n): r for n, r in zip(names, ranked)}


# np.savez: stored members; float32 logits with a unicode name array.
logits = rng.standard_normal((6, 1000)).astype(np.float32)
np.savez(os.path.join(here, "savez_f32_names.npz"), logits=logits, file_names=np.array(names))
record("savez_f32_names.npz", top5(logits))

# np.savez_compressed: deflated; float16 scores (with ties) and byte-string names.
half = (rng.standard_normal((6, 1000)) * 2).astype(np.float16)
np.savez_compressed(
    os.path.join(here, "savez_compressed_f16_bytes_names.npz"),
    probs=half,
    file_names=np.array([n.encode() for n in names]),
)
record("savez_compressed_f16_bytes_names.npz", top5(half.astype(np.float32)))

# A TF-slim model: 1001 float64 columns, background at 0 (needs --background-class).
slim = rng.standard_normal((6, 1001))
np.savez(os.path.join(here, "slim_1001_f64.npz"), predictions=slim, file_names=np.array(names))
record("slim_1001_f64.npz", top5(slim[:, 1:]))

# Fortran-ordered int16 top-5 class ids, big-endian for good measure.
ids = np.asfortranarray(rng.integers(0, 1000, size=(6, 5)).astype(">i2"))
np.savez(os.path.join(here, "ids_fortran_i2_big_endian.npz"), scores=ids, file_names=np.array(names))
record("ids_fortran_i2_big_endian.npz", ids.tolist())

# File names as an object array: numpy pickles it; the reader must refuse, with advice.
np.savez(
    os.path.join(here, "object_names.npz"),
    logits=logits,
    file_names=np.array(names, dtype=object),
    allow_pickle=True,
)
expected["object_names.npz"] = {"error": "np.array(names, dtype=str)"}

with open(os.path.join(here, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, sort_keys=True)
    f.write("\n")
