#!/usr/bin/env bash
# End-to-end timing of `imagenet-multilabel eval` on a 50,000 × 1000 float32 .npy, side by
# side (same run, same files) with a vectorised NumPy version of the reference recipe:
# json.load the annotations, np.load the scores, argmax, per-class accuracy over the
# non-problematic annotated images (top-1 in correct ∪ unclear), mean over the classes.
# Both figures are printed and must agree, so the timing compares equal work.
#
# Usage: bench/eval.sh [RUNS]          (default 7 timed runs of each; medians are reported)
# Env:   WORK (default /tmp/imagenet-multilabel-bench-eval): venv, data and cache live here.
#        CARGO_TARGET_DIR as usual.
# Data:  `imagenet-multilabel demo --keep` writes both inputs: a synthetic
#        human_accuracy_v3.0.0.json in the real schema (20 images per class, no filler keys)
#        and strong_model.npy, 50,000 × 1000 float32 scores.
# Needs: cargo, python3 with venv; numpy is installed into a venv under $WORK on first run.
set -euo pipefail

runs=${1:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-/tmp/imagenet-multilabel-bench-eval}
mkdir -p "$work"
target=${CARGO_TARGET_DIR:-$root/target}

echo "building the release binary..." >&2
cargo build --release -q -p imagenet-multilabel-cli --manifest-path "$root/Cargo.toml"
bin="$target/release/imagenet-multilabel"

if [ ! -x "$work/venv/bin/python" ]; then
    echo "creating a venv with numpy in $work/venv..." >&2
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q numpy
fi
py="$work/venv/bin/python"

data="$work/data"
if [ ! -f "$data/strong_model.npy" ]; then
    echo "generating the demo data in $data..." >&2
    "$bin" demo --keep "$data" >/dev/null
fi

cat >"$work/recipe.py" <<'PY'
"""The reference recipe, vectorised where NumPy can: argmax and the per-class means."""
import json
import re
import sys

import numpy as np

NAME = re.compile(r"ILSVRC2012_val_(\d{8})\.JPEG")


def multilabel_accuracy(annotations_path, npy_path, labels_path, val_labels_path):
    with open(annotations_path) as f:
        data = json.load(f)
    annots, problematic = data["initial_annots"], data["problematic_images"]
    wnids = open(labels_path).read().split()
    index = {w: i for i, w in enumerate(wnids)}
    original = np.array([index[w] for w in open(val_labels_path).read().split()])
    top1 = np.load(npy_path).argmax(axis=1)
    rows, hits = [], []
    for name, a in annots.items():
        m = NAME.fullmatch(name)
        if not m or name in problematic:
            continue  # ImageNetV2 entries and problematic images are not graded
        n = int(m.group(1)) - 1
        ok = set(a.get("correct") or []) | set(a.get("unclear") or [])
        rows.append(n)
        hits.append(wnids[top1[n]] in ok)
    labels = original[np.array(rows)]
    per_class = np.bincount(labels, weights=np.array(hits, float), minlength=1000) / np.bincount(
        labels, minlength=1000
    )
    return per_class.mean()


if __name__ == "__main__":
    print(repr(multilabel_accuracy(*sys.argv[1:5])))
PY

cat >"$work/drive.py" <<'PY'
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from recipe import multilabel_accuracy  # noqa: E402

bin, py, data, root, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
ann = os.path.join(data, "human_accuracy_v3.0.0.json")
npy = os.path.join(data, "strong_model.npy")
tables = os.path.join(root, "crates/imagenet-multilabel/data")
args = [ann, npy, os.path.join(tables, "imagenet2012_labels.txt"),
        os.path.join(tables, "imagenet2012_validation_labels.txt")]
eval_cmd = [bin, "eval", "--annotations", ann, npy]


def median(f):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(cmd):
    # stderr is kept for failures only: on synthetic data eval rightly warns that the
    # annotations are not the verified release.
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr.decode()}")
    return p.stdout


# Figures first: the timings compare equal work only if the answers agree.
report = json.loads(run(eval_cmd + ["--json"]))  # also warms the annotations cache
ours = report["models"][0]["multilabel_accuracy"]["value"]
theirs = float(multilabel_accuracy(*args))
print(f"multi-label accuracy: imagenet-multilabel {ours!r}, NumPy recipe {theirs!r}")
assert abs(ours - theirs) < 1e-12, "the two figures differ"

rows = [
    ("imagenet-multilabel eval (release, cached index)", median(lambda: run(eval_cmd))),
    ("imagenet-multilabel eval --no-cache", median(lambda: run(eval_cmd + ["--no-cache"]))),
    ("NumPy recipe in process (after import)", median(lambda: multilabel_accuracy(*args))),
    ("NumPy recipe end to end (python + import)",
     median(lambda: run([py, os.path.join(os.path.dirname(__file__), "recipe.py")] + args))),
]
print(f"medians of {runs} runs, {os.cpu_count()} cores:")
for name, t in rows:
    print(f"  {name:<46} {t * 1000:8.1f} ms   x{t / rows[0][1]:.2f}")
PY

IMAGENET_MULTILABEL_HOME="$work/home" "$py" "$work/drive.py" "$bin" "$py" "$data" "$root" "$runs"
