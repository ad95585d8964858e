#!/bin/sh
# `imagenet-multilabel build` against the real TFDS builder and against `cat TAR > /dev/null`,
# side by side in one run, on a generated real-size ILSVRC2012_img_val.tar (50,000 real JPEGs
# of ~110 KB: ~5.6 GB) with a real-size annotations file (20,000 annotated images).
#
#   bench/build.sh [WORK_DIR] [RUNS]      (default /tmp/imagenet-multilabel-bench, 5 runs)
#
# Needs ~15 GB free under WORK_DIR, the TFDS venv of ../shared/peer/tfds beside the repository (setup_venv.sh)
# and enough RAM to keep the tar in the page cache (all timings are warm-cache). Ours and
# `cat` run RUNS times each, interleaved (medians reported), and ours with `--sync` (fsync
# before publishing) as many times; TFDS, at ~40 s a run, once.
set -eu
WORK=${1:-/tmp/imagenet-multilabel-bench}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER=${TFDS_PEER:-$ROOT/../shared/peer/tfds}
VENV=${TFDS_PEER_VENV:-/tmp/tfds-peer/venv}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p "$WORK"

cargo build --release -q -p imagenet-multilabel-cli
cargo build --release -q -p imagenet-multilabel --example val_tar
BIN=$TARGET/release/imagenet-multilabel
GEN=$TARGET/release/examples/val_tar

if [ ! -f "$WORK/in/ILSVRC2012_img_val.tar" ]; then
  echo "generating the real-size inputs in $WORK/in ..."
  "$GEN" "$WORK/in" --per-class 20 --image-bytes 110000 --cmyk 1 --grayscale 2 --real-size-json --seed 1
fi
TAR=$WORK/in/ILSVRC2012_img_val.tar
JSON=$WORK/in/human_accuracy_v3.0.0.json
ls -l "$TAR" "$JSON"

# Wall seconds, peak RSS (MB) and CPU seconds (user + sys) of one command, from GNU time.
measure() {
  /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.txt" "$@" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log"; exit 1; }
  awk '{ printf "%s %.0f %.2f\n", $1, $2 / 1024, $3 + $4 }' "$WORK/time.txt"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

cat "$TAR" > /dev/null; cat "$TAR" > /dev/null   # warm the page cache

: > "$WORK/cat.txt"; : > "$WORK/ours.txt"; : > "$WORK/sync.txt"
for i in $(seq "$RUNS"); do
  measure sh -c "cat \"$TAR\" > /dev/null" >> "$WORK/cat.txt"
  rm -rf "$WORK/ours"
  measure "$BIN" build "$TAR" --out "$WORK/ours" --annotations "$JSON" --no-cache --quiet >> "$WORK/ours.txt"
  rm -rf "$WORK/ours"
  measure "$BIN" build "$TAR" --out "$WORK/ours" --annotations "$JSON" --no-cache --quiet --sync >> "$WORK/sync.txt"
done
tail -1 "$WORK/last.log"
rm -rf "$WORK/tfds" "$WORK/tfds-scratch"
measure "$VENV/bin/python" "$PEER/tfds_build.py" --tar "$TAR" --json "$JSON" \
  --data-dir "$WORK/tfds" --work-dir "$WORK/tfds-scratch" > "$WORK/tfds.txt"

CAT=$(cut -d' ' -f1 "$WORK/cat.txt" | median)
OURS=$(cut -d' ' -f1 "$WORK/ours.txt" | median)
OURS_RSS=$(cut -d' ' -f2 "$WORK/ours.txt" | sort -n | tail -1)
TFDS=$(cut -d' ' -f1 "$WORK/tfds.txt")
TFDS_RSS=$(cut -d' ' -f2 "$WORK/tfds.txt")
echo "cat  runs: $(cut -d' ' -f1 "$WORK/cat.txt" | tr '\n' ' ') median $CAT s, CPU $(cut -d' ' -f3 "$WORK/cat.txt" | median) s"
echo "ours runs: $(cut -d' ' -f1 "$WORK/ours.txt" | tr '\n' ' ') median $OURS s, CPU $(cut -d' ' -f3 "$WORK/ours.txt" | median) s, peak RSS $OURS_RSS MB"
echo "ours --sync: $(cut -d' ' -f1 "$WORK/sync.txt" | tr '\n' ' ') median $(cut -d' ' -f1 "$WORK/sync.txt" | median) s"
echo "tfds run:  $TFDS s, CPU $(cut -d' ' -f3 "$WORK/tfds.txt") s, peak RSS $TFDS_RSS MB"
awk -v c="$CAT" -v o="$OURS" -v t="$TFDS" 'BEGIN { printf "TFDS / ours = %.1fx   ours / cat = %.2fx\n", t / o, o / c }'
