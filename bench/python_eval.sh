#!/usr/bin/env bash
# The Python package's grading speed (bench/python_eval.py): builds the release extension into
# a venv, writes the demo data (50,000 x 1000 float32 scores and synthetic annotations in the
# real schema) and times evaluate against the vectorised NumPy recipe in one process.
#
# Usage: bench/python_eval.sh [RUNS]     (default 15; medians are reported)
# Env:   WORK (default /tmp/imagenet-multilabel-bench-python): venv, data and cache live here.
set -euo pipefail

runs=${1:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-/tmp/imagenet-multilabel-bench-python}
mkdir -p "$work"

if [ ! -x "$work/venv/bin/python" ]; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q maturin numpy
fi
echo "building the release extension..." >&2
(cd "$root/python" && VIRTUAL_ENV="$work/venv" PATH="$work/venv/bin:$PATH" maturin develop --release --quiet)

data="$work/data"
if [ ! -f "$data/strong_model.npy" ]; then
    echo "generating the demo data in $data..." >&2
    cargo run -q -p imagenet-multilabel-cli --manifest-path "$root/Cargo.toml" -- demo --keep "$data" >/dev/null
fi

IMAGENET_MULTILABEL_HOME="$work/home" "$work/venv/bin/python" "$root/bench/python_eval.py" "$data" "$runs"
