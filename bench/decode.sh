#!/usr/bin/env bash
# JPEG decoding throughput, one thread, side by side on the same files: ours
# (`images::decode_rgb_with` as tfds.load and as Pillow, and `images::check`) against
# TensorFlow's `decode_image` in a tf.data pipeline (as tfds.load) and Pillow's
# `Image.open().convert("RGB")` (as torchvision).
#
# Usage: bench/decode.sh [N] [REPEATS]   (default 300 JPEGs, 7 runs; medians are reported)
# Env:   PYTHON: a python with tensorflow, pillow and numpy (default the TFDS peer venv,
#        /tmp/tfds-peer/venv/bin/python). WORK (default /tmp/imagenet-multilabel-bench-decode).
# Data:  N camera-like 500×375 JPEGs (the mean ImageNet validation size), Pillow quality 90
#        4:2:0, the scene of scripts/jpeg_goldens.py: smooth light, objects, texture, noise.
set -euo pipefail

n=${1:-300}
repeats=${2:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-/tmp/tfds-peer/venv/bin/python}
work=${WORK:-/tmp/imagenet-multilabel-bench-decode}
target=${CARGO_TARGET_DIR:-$root/target}
mkdir -p "$work/jpegs"

ROOT="$root" "$py" -c '
import os, sys
sys.path.insert(0, os.path.join(os.environ["ROOT"], "scripts"))
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
from PIL import Image
from jpeg_goldens import scene
out, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    Image.fromarray(scene(500, 375, 1000 + i)).save(f"{out}/{i:05d}.jpg", quality=90)
' "$work/jpegs" "$n"

cargo build --release -q -p imagenet-multilabel --example decode_bench --manifest-path "$root/Cargo.toml"
echo "# images/s, one thread, median of $repeats runs over $n JPEGs of $(du -sh "$work/jpegs" | cut -f1)"
"$target/release/examples/decode_bench" "$work/jpegs" "$repeats"
"$py" "$root/bench/decode_peers.py" "$work/jpegs" "$repeats"
