#!/bin/sh
# `iml.Dataset` iteration with decoding against `tfds.load(...).as_numpy_iterator()` and
# torchvision-style PIL loading (one process, and a pool of one process per core, as DataLoader
# workers), side by side in one run, on a real-size fixture: JPEGs of ~110 KB (as the real
# validation images), PER_CLASS annotated images per class.
#
#   bench/python_dataset.sh [WORK_DIR] [PER_CLASS] [RUNS]    (default /tmp/imagenet-multilabel-bench-ds 4 3)
#
# CAMERA=1 (when WORK_DIR is first made): the colour JPEGs are camera-like 500 x 375 pictures
# (~60 KB, the mean ImageNet pixel count) instead of the fixture's noise squares (240 x 240,
# ~110 KB: the mean byte size, but a third of the pixels and nearly all entropy decoding).
#
# IML_VENV: a venv with the package installed in release mode (`maturin develop --release` in
# python/) plus Pillow; TFDS_PEER_VENV: the TFDS peer's venv (../shared/peer/tfds/setup_venv.sh).
# Needs ~1 GB free under WORK_DIR per 4 images per class (the tar holds only the annotated
# images). Every reader runs RUNS times, interleaved, warm page cache; medians are printed, with ratios.
# `rust-*` rows are the ceiling: the same split read and decoded in Rust alone
# (examples/dataset_bench.rs: one thread decoding JPEGs already in memory, and read + decode on
# every core), timed in the same run.
set -eu
WORK=${1:-/tmp/imagenet-multilabel-bench-ds}
PER_CLASS=${2:-4}
RUNS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IML_PY=${IML_VENV:-/tmp/venv-ds}/bin/python
TFDS_PY=${TFDS_PEER_VENV:-/tmp/tfds-peer/venv}/bin/python
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$WORK"

if [ ! -d "$WORK/data/imagenet2012_multilabel/3.0.0" ]; then
  cargo build --release -q -p imagenet-multilabel --example val_tar --example dataset_bench
  # The build is not timed here: the debug CLI does.
  cargo build -q -p imagenet-multilabel-cli
  rm -rf "$WORK/in" "$WORK/data" "$WORK/jpeg"
  "$TARGET/release/examples/val_tar" "$WORK/in" --per-class "$PER_CLASS" --image-bytes 110000 --annotated-only \
    --cmyk 1 --grayscale 2 --seed 1
  if [ "${CAMERA:-0}" = 1 ]; then
    TF_CPP_MIN_LOG_LEVEL=3 "$TFDS_PY" "$ROOT/bench/python_dataset.py" camera "$WORK/in/ILSVRC2012_img_val.tar"
  fi
  "$TARGET/debug/imagenet-multilabel" build "$WORK/in/ILSVRC2012_img_val.tar" \
    --annotations "$WORK/in/human_accuracy_v3.0.0.json" --out "$WORK/data" --no-cache --quiet
  rm "$WORK/in/ILSVRC2012_img_val.tar"
fi
[ -f "$WORK/jpeg/order.txt" ] || "$IML_PY" "$ROOT/bench/python_dataset.py" extract "$WORK/data" "$WORK/jpeg"
N=$(wc -l < "$WORK/jpeg/order.txt")
cat "$WORK"/data/imagenet2012_multilabel/3.0.0/*validation* "$WORK"/jpeg/*.JPEG > /dev/null   # warm the page cache
cargo build --release -q -p imagenet-multilabel --example dataset_bench
echo "$N images of $(du -sh "$WORK/jpeg" | cut -f1); $(nproc) cores; $RUNS runs each, interleaved; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

: > "$WORK/results.txt"
for i in $(seq "$RUNS"); do
  "$IML_PY" "$ROOT/bench/python_dataset.py" ours "$WORK/data" "$N" >> "$WORK/results.txt"
  "$IML_PY" "$ROOT/bench/python_dataset.py" ours-random "$WORK/data" "$N" >> "$WORK/results.txt"
  TF_CPP_MIN_LOG_LEVEL=2 "$TFDS_PY" "$ROOT/bench/python_dataset.py" tfds "$WORK/data" "$N" >> "$WORK/results.txt" 2>/dev/null
  "$IML_PY" "$ROOT/bench/python_dataset.py" pil "$WORK/jpeg" "$N" >> "$WORK/results.txt"
  "$IML_PY" "$ROOT/bench/python_dataset.py" pil-pool "$WORK/jpeg" "$N" >> "$WORK/results.txt"
  "$IML_PY" "$ROOT/bench/python_dataset.py" pil-pool-bound "$WORK/jpeg" "$N" >> "$WORK/results.txt"
  "$TARGET/release/examples/dataset_bench" "$WORK/data" 1 | awk '$1 == "decode_1" || $1 == "read_decode_all" { print "rust-" $1, $2 }' >> "$WORK/results.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$WORK/results.txt"
median() { grep "^$1 " "$WORK/results.txt" | cut -d' ' -f2 | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
OURS=$(median ours)
echo "median images/s:"
for m in ours ours-random tfds pil pil-pool pil-pool-bound rust-decode_1 rust-read_decode_all; do
  M=$(median $m)
  echo "$m $M $(awk -v a="$OURS" -v b="$M" 'BEGIN { printf "ours/this = %.2fx", a / b }')"
done
