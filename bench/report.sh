#!/bin/sh
# The extra time and the size of `eval --report`, without images, with images from a built
# dataset (--dataset) and from the validation tar (--images), against plain `eval` on the same
# inputs, interleaved in one run (medians of RUNS). Inputs: the real-size fixture of
# bench/build.sh (real-size annotations, 20 per class; a tar of all 50,000 synthetic JPEGs of
# IMAGE_BYTES each, 110,000 = the real average) built into the TFDS layout, and the demo's
# strong_model.npy (50,000 × 1000 float32 scores).
#
#   bench/report.sh [WORK_DIR] [RUNS]      (default /tmp/imagenet-multilabel-bench-report, 5)
#   IMAGE_BYTES=110000 (default)           bytes per generated JPEG; 0: the demo's inputs
#                                           instead (its tar of the 20,000 annotated images
#                                           as tiny 16×12 JPEGs and the dataset built from
#                                           it): quick, but decoding costs almost nothing
set -eu
WORK=${1:-/tmp/imagenet-multilabel-bench-report}
RUNS=${2:-5}
BYTES=${IMAGE_BYTES:-110000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$WORK"

# BIN=PATH times that binary instead of building the release one.
if [ -z "${BIN:-}" ]; then
  cargo build --release -q -p imagenet-multilabel-cli
  BIN=$TARGET/release/imagenet-multilabel
fi
export IMAGENET_MULTILABEL_HOME="$WORK/home"

if [ ! -f "$WORK/demo/strong_model.npy" ]; then
  "$BIN" demo --keep "$WORK/demo" > /dev/null
fi
NPY=$WORK/demo/strong_model.npy
if [ "$BYTES" = 0 ]; then
  TAR=$WORK/demo/ILSVRC2012_img_val.tar
  JSON=$WORK/demo/human_accuracy_v3.0.0.json
  DS=$WORK/demo/tensorflow_datasets
else
  cargo build --release -q -p imagenet-multilabel --features fixture --example val_tar
  GEN=$TARGET/release/examples/val_tar
  if [ ! -f "$WORK/in/ILSVRC2012_img_val.tar" ]; then
    echo "generating the real-size inputs in $WORK/in ..."
    "$GEN" "$WORK/in" --per-class 20 --image-bytes "$BYTES" --seed 1
  fi
  TAR=$WORK/in/ILSVRC2012_img_val.tar
  JSON=$WORK/in/human_accuracy_v3.0.0.json
  DS=$WORK/ds
  if [ ! -d "$DS" ]; then
    "$BIN" build "$TAR" --out "$DS" --annotations "$JSON" --quiet
  fi
fi
ls -l "$TAR" "$JSON" "$NPY"

# Wall seconds of one command (stdout and stderr kept for failures).
seconds() {
  start=$(date +%s.%N)
  "$@" > "$WORK/last.log" 2>&1 || { cat "$WORK/last.log"; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

"$BIN" eval --annotations "$JSON" "$NPY" > /dev/null 2>&1   # warm the parse cache
cat "$TAR" > /dev/null
for f in plain report dplain dataset images; do : > "$WORK/$f.txt"; done
for i in $(seq "$RUNS"); do
  seconds "$BIN" eval --annotations "$JSON" "$NPY" >> "$WORK/plain.txt"
  seconds "$BIN" eval --annotations "$JSON" "$NPY" --report "$WORK/report.html" >> "$WORK/report.txt"
  seconds "$BIN" eval --dataset "$DS" "$NPY" >> "$WORK/dplain.txt"
  seconds "$BIN" eval --dataset "$DS" "$NPY" --report "$WORK/report-dataset.html" >> "$WORK/dataset.txt"
  seconds "$BIN" eval --annotations "$JSON" "$NPY" --images "$TAR" --report "$WORK/report-tar.html" >> "$WORK/images.txt"
done
m() { median < "$WORK/$1.txt"; }
P=$(m plain); R=$(m report); DP=$(m dplain); D=$(m dataset); I=$(m images)
size() { stat -c %s "$1"; }
echo "medians of $RUNS runs, $(nproc) cores, warm cache; JPEGs of ~$BYTES bytes"
printf '%-58s %7.3f s\n' "eval --annotations (no report)" "$P"
printf '%-58s %7.3f s  +%.3f s  report %s bytes\n' "eval --annotations --report (no images)" "$R" "$(echo "$R - $P" | bc)" "$(size "$WORK/report.html")"
printf '%-58s %7.3f s  +%.3f s  report %s bytes\n' "eval --annotations --images TAR --report" "$I" "$(echo "$I - $P" | bc)" "$(size "$WORK/report-tar.html")"
printf '%-58s %7.3f s\n' "eval --dataset (no report)" "$DP"
printf '%-58s %7.3f s  +%.3f s  report %s bytes\n' "eval --dataset --report (images from the dataset)" "$D" "$(echo "$D - $DP" | bc)" "$(size "$WORK/report-dataset.html")"
