#!/bin/sh
# The cost of report thumbnails: `thumbnails()` for ~300 annotated images spread over the
# set, from a real-size ILSVRC2012_img_val.tar (50,000 real JPEGs of ~110 KB: ~5.6 GB) and
# from the dataset `build` makes of it (20,000 annotated images), warm page cache.
#
#   bench/thumbnails.sh [WORK_DIR] [N] [RUNS]    (default /tmp/imagenet-multilabel-bench-thumbs, 300, 5)
#
# Needs ~9 GB free under WORK_DIR. Prints each source's median wall time and the
# thumbnails' total JPEG size; `cat` of the tar is timed beside them for scale.
set -eu
WORK=${1:-/tmp/imagenet-multilabel-bench-thumbs}
N=${2:-300}
RUNS=${3:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$WORK"

cargo build --release -q -p imagenet-multilabel-cli
cargo build --release -q -p imagenet-multilabel --example val_tar --example thumbnails_bench
BIN=$TARGET/release/imagenet-multilabel
GEN=$TARGET/release/examples/val_tar
BENCH=$TARGET/release/examples/thumbnails_bench

TAR=$WORK/in/ILSVRC2012_img_val.tar
JSON=$WORK/in/human_accuracy_v3.0.0.json
if [ ! -f "$TAR" ]; then
  echo "generating the real-size inputs in $WORK/in ..."
  "$GEN" "$WORK/in" --per-class 20 --image-bytes 110000 --cmyk 1 --grayscale 2 --seed 1
fi
if [ ! -d "$WORK/data/imagenet2012_multilabel/3.0.0" ]; then
  "$BIN" build "$TAR" --out "$WORK/data" --annotations "$JSON" --no-cache --quiet
fi
ls -l "$TAR"
du -sh "$WORK/data"

cat "$TAR" > /dev/null; cat "$TAR" > /dev/null   # warm the page cache
start=$(date +%s.%N); cat "$TAR" > /dev/null; end=$(date +%s.%N)
echo "cat tar: $(echo "$end - $start" | bc) s"
"$BENCH" tar "$TAR" "$JSON" "$N" "$RUNS"
"$BENCH" dataset "$WORK/data" "$JSON" "$N" "$RUNS"
