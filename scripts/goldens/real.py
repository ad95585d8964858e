"""Goldens for ReaL accuracy (Beyer et al. 2020), made by independent transcriptions of the
two reference implementations, never by our own code:

- the NumPy snippet in google-research/reassessed-imagenet's README ("Example code for
  computing ReaL accuracy"): top-1 is the argmax of the scores; an image counts when its
  list is not empty; `np.mean` of the booleans. Its second variant (images named, not in
  order) is written with its evident intent: the published text has two slips (the key is
  built from `i+i` in one revision and from `i` in another, while the file numbers start at
  1; and `if real_labels[i]` indexes the name-keyed dict with a position). Both variants are
  run; they must agree.
- timm's `RealLabelsImagenet` (timm/data/real_labels.py): keys `ILSVRC2012_val_{i+1:08d}.JPEG`,
  basename of each file name, `topk(maxk)` of the scores (sorted, largest first), an image
  counts when its list is not empty, top-k hit when any of the first k is in the list;
  `get_accuracy` returns `float(np.mean(...)) * 100`. timm asserts that the file names cover
  all 50,000 images; on the partial files below its per-image logic is applied to the images
  given (that is how `eval` reports ReaL on partial coverage, with its coverage beside it).

It writes small prediction files in this repository's input formats with a fixed seed, runs
both transcriptions on each, and writes `expected.json` (floats also as their IEEE-754 bits,
so the comparison is exact whatever the JSON parser). Run from the repository root with any
numpy >= 1.17:

    python scripts/goldens/real.py

The ReaL labels are the embedded copy (crates/imagenet-multilabel/data/reassessed_imagenet_real.json).
"""
import csv
import json
import os
import struct

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "crates", "imagenet-multilabel", "data")
OUT = os.path.join(ROOT, "crates", "imagenet-multilabel", "tests", "data", "real")
N = 50_000

with open(os.path.join(DATA, "reassessed_imagenet_real.json")) as f:
    REAL = json.load(f)
assert len(REAL) == N
with open(os.path.join(DATA, "imagenet2012_labels.txt")) as f:
    WNIDS = f.read().split()
with open(os.path.join(DATA, "imagenet2012_validation_labels.txt")) as f:
    ORIGINAL = [WNIDS.index(w) for w in f.read().split()]

rng = np.random.default_rng(2006_07159)


def fname(i):
    """The file name of 0-based image i."""
    return f"ILSVRC2012_val_{i + 1:08d}.JPEG"


def plausible_ranking(i, k):
    """k distinct classes for 0-based image i: often led by a ReaL label, sometimes by the
    original label, otherwise by a random class (so hits, misses and top-5-only hits occur)."""
    u = rng.random()
    if u < 0.6 and REAL[i]:
        first = int(rng.choice(REAL[i]))
    elif u < 0.8:
        first = ORIGINAL[i]
    else:
        first = int(rng.integers(1000))
    ranked = [first]
    # A near miss: a neighbour of a ReaL label in position 2..5 now and then.
    pool = list(REAL[i]) + [ORIGINAL[i]] if rng.random() < 0.5 else []
    while len(ranked) < k:
        c = int(rng.choice(pool)) if pool and rng.random() < 0.3 else int(rng.integers(1000))
        if c not in ranked:
            ranked.append(c)
    return ranked


# --- the two transcriptions ------------------------------------------------------------

def upstream_ordered(predictions):
    """README variant 1: predictions for all 50,000 images, in file order."""
    real_labels = REAL
    is_correct = [pred in real_labels[i] for i, pred in enumerate(predictions) if real_labels[i]]
    return np.mean(is_correct), len(is_correct)


def upstream_named(predictions, val_fnames):
    """README variant 2 (names given), with its evident intent (see the module docstring)."""
    real_labels = {f"ILSVRC2012_val_{i + 1:08d}.JPEG": labels for i, labels in enumerate(REAL)}
    is_correct = [
        pred in real_labels[val_fnames[i]]
        for i, pred in enumerate(predictions)
        if real_labels[val_fnames[i]]
    ]
    if not is_correct:
        return None, 0
    return np.mean(is_correct), len(is_correct)


class TimmReal:
    """timm's RealLabelsImagenet, its logic on NumPy arrays (no torch)."""

    def __init__(self, filenames, topk=(1, 5)):
        self.real_labels = {f"ILSVRC2012_val_{i + 1:08d}.JPEG": labels for i, labels in enumerate(REAL)}
        self.filenames = filenames
        self.topk = topk
        self.is_correct = {k: [] for k in topk}
        self.sample_idx = 0

    def add_ranked(self, pred_batch):
        for pred in pred_batch:
            filename = os.path.basename(self.filenames[self.sample_idx])
            if self.real_labels[filename]:
                for k in self.topk:
                    self.is_correct[k].append(any([p in self.real_labels[filename] for p in pred[:k]]))
            self.sample_idx += 1

    def add_scores(self, output):
        # torch's output.topk(maxk, 1, True, True): the maxk largest, largest first. The
        # generated scores have no ties within a row, so the order is unique.
        maxk = max(self.topk)
        self.add_ranked(np.argsort(-output, axis=1, kind="stable")[:, :maxk])

    def get_accuracy(self, k):
        if not self.is_correct[k]:
            return None
        return float(np.mean(self.is_correct[k])) * 100


def bits(x):
    return None if x is None else struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def golden(upstream, graded, timm, ks, excluded_empty, missing):
    g = {
        "upstream_numpy": {"real_accuracy": None if upstream is None else float(upstream),
                           "real_accuracy_bits": bits(upstream), "graded": graded},
        "timm": {},
        "excluded_empty": excluded_empty,
        "missing": missing,
    }
    for k in ks:
        pct = timm.get_accuracy(k)
        g["timm"][f"top{k}_percent"] = pct
        g["timm"][f"top{k}_percent_bits"] = bits(pct)
        g["timm"][f"top{k}_graded"] = len(timm.is_correct[k])
    return g


def counts(images):
    covered = set(images)
    excluded = sum(1 for i in covered if not REAL[i])
    missing = sum(1 for i in range(N) if REAL[i] and i not in covered)
    return excluded, missing


os.makedirs(OUT, exist_ok=True)
expected = {}

# 1. All 50,000 images in file order, top-1 class ids (int16 .npy, 100 KB).
top1 = np.array([plausible_ranking(i, 1)[0] for i in range(N)], dtype=np.int16)
np.save(os.path.join(OUT, "all_top1.npy"), top1)
acc, graded = upstream_ordered(top1.tolist())
acc2, graded2 = upstream_named(top1.tolist(), [fname(i) for i in range(N)])
assert (acc, graded) == (acc2, graded2)
timm = TimmReal([fname(i) for i in range(N)], topk=(1,))
timm.add_ranked(top1.reshape(-1, 1).tolist())
expected["all_top1.npy"] = golden(acc, graded, timm, (1,), *counts(range(N)))

# 2. 1,500 images in shuffled order, named with directories, ranked top-5 (CSV).
chosen = rng.choice(N, size=1500, replace=False)
rows = [(i, plausible_ranking(int(i), 5)) for i in chosen]
with open(os.path.join(OUT, "partial_top5.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["file_name", "top1", "top2", "top3", "top4", "top5"])
    for i, ranked in rows:
        w.writerow([f"val/{WNIDS[ORIGINAL[i]]}/{fname(int(i))}"] + ranked)
names = [f"val/{WNIDS[ORIGINAL[i]]}/{fname(int(i))}" for i, _ in rows]
acc, graded = upstream_named([r[0] for _, r in rows], [os.path.basename(n) for n in names])
timm = TimmReal(names)
timm.add_ranked([r for _, r in rows])
expected["partial_top5.csv"] = golden(acc, graded, timm, (1, 5), *counts(int(i) for i in chosen))

# 3. 48 named images with full float16 score vectors (np.savez_compressed), ranked by
#    argmax / topk. Scores are a permutation of 0..999 per row (exact in float16, no ties),
#    with a ReaL label lifted to the top or to ranks 2..5 now and then.
chosen = rng.choice(N, size=48, replace=False)
scores = np.empty((48, 1000), dtype=np.float16)
for r, i in enumerate(chosen):
    row = rng.permutation(1000).astype(np.float64)
    if REAL[i] and rng.random() < 0.7:
        c = int(rng.choice(REAL[i]))
        rank = 0 if rng.random() < 0.6 else int(rng.integers(1, 5))
        target = 999 - rank
        j = int(np.where(row == target)[0][0])
        row[j], row[c] = row[c], target
    scores[r] = row.astype(np.float16)
names = [f"ILSVRC2012_val_{int(i) + 1:08d}.JPEG" for i in chosen]
np.savez_compressed(os.path.join(OUT, "named_scores_f16.npz"), scores=scores, file_names=np.array(names))
acc, graded = upstream_named(np.argmax(scores, -1).tolist(), names)
timm = TimmReal(names)
timm.add_scores(scores.astype(np.float32))
expected["named_scores_f16.npz"] = golden(acc, graded, timm, (1, 5), *counts(int(i) for i in chosen))

# 4. Only images whose ReaL list is empty: nothing to grade (null, not 0).
empty = [i for i in range(N) if not REAL[i]][:3]
with open(os.path.join(OUT, "only_empty.json"), "w") as f:
    json.dump({fname(i): ORIGINAL[i] for i in empty}, f)
acc, graded = upstream_named([ORIGINAL[i] for i in empty], [fname(i) for i in empty])
timm = TimmReal([fname(i) for i in empty], topk=(1,))
timm.add_ranked([[ORIGINAL[i]] for i in empty])
expected["only_empty.json"] = golden(acc, graded, timm, (1,), *counts(empty))

with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump({"numpy": np.__version__, "files": expected}, f, indent=1, sort_keys=True)
    f.write("\n")
print(json.dumps(expected, indent=1, sort_keys=True))
