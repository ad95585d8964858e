#!/usr/bin/env bash
# `imagenet-multilabel build --format parquet|webdataset` on a generated tar, read back with
# Hugging Face `datasets` and `webdataset` and compared with the annotations file itself.
#
#   scripts/check_python_build.sh [PER_CLASS]     (default 2; the venv is made once under /tmp)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
venv=${VENV:-/tmp/imagenet-multilabel-formats-venv}
per_class=${1:-2}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import datasets, webdataset, PIL' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet datasets webdataset pillow
fi
work=$(mktemp -d /tmp/imagenet-multilabel-build-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$root"
cargo build --quiet --release -p imagenet-multilabel-cli
cargo run --quiet --release -p imagenet-multilabel --example val_tar -- "$work/in" \
    --per-class "$per_class" --shuffle --grayscale 2 --cmyk 2 --seed 5 >/dev/null
bin=${CARGO_TARGET_DIR:-$root/target}/release/imagenet-multilabel
for format in parquet webdataset; do
    "$bin" build "$work/in/ILSVRC2012_img_val.tar" --annotations "$work/in/human_accuracy_v3.0.0.json" \
        --format "$format" --out "$work/$format" --quiet --no-cache 2>/dev/null
done
data=$root/crates/imagenet-multilabel/data
HF_HOME="$work/hf" HF_DATASETS_OFFLINE=1 "$venv/bin/python" "$here/check_python_build.py" \
    "$work/in/human_accuracy_v3.0.0.json" "$work/in/ILSVRC2012_img_val.tar" \
    "$data/imagenet2012_labels.txt" "$data/imagenet2012_validation_labels.txt" \
    "$work/parquet" "$work/webdataset"
