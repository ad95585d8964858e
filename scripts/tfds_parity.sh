#!/bin/sh
# Parity of our TFDS writer (and reader) with the real TFDS builder, at a given scale.
#   scripts/tfds_parity.sh [PER_CLASS [MEAN_IMAGE_BYTES [SEED]]]     (default 2 2000 1)
# Writes a synthetic ILSVRC2012_img_val.tar (all 50,000 members, shuffled) and a
# human_accuracy_v3.0.0.json in the real schema, builds the dataset with our writer, builds
# it again with the unmodified TFDS builder (../shared/peer/tfds/parity.sh beside the repository
# root, or PEER=path/to/parity.sh; ~1 min),
# and compares every example, its position and shard through TFDS's own reader. Then our
# reader reads TFDS's output and ours and compares them example by example.
# Exit 0 when all agree. Needs the TFDS venv that parity.sh sets up (TFDS_PEER_VENV).
set -e
PER_CLASS=${1:-2}; MEAN=${2:-2000}; SEED=${3:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# The peer lives beside the repository, never at a path of one machine.
PEER=${PEER:-$ROOT/../shared/peer/tfds/parity.sh}
[ -x "$PEER" ] || { echo "tfds_parity.sh: no TFDS peer at $PEER (set PEER=.../parity.sh)" >&2; exit 1; }
OUT=$(mktemp -d /tmp/tfds-parity-ours.XXXXXX)
cd "$ROOT"
# PROFILE=release times our writer fairly (the fixture prints its wall time).
PROFILE=${PROFILE:-debug}
FLAG=; [ "$PROFILE" = release ] && FLAG=--release
cargo build -q $FLAG -p imagenet-multilabel --example tfds_parity_fixture --example tfds_compare
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/examples
"$BIN/tfds_parity_fixture" "$OUT" "$PER_CLASS" "$MEAN" "$SEED" >/dev/null
"$PEER" "$OUT/ILSVRC2012_img_val.tar" "$OUT/human_accuracy_v3.0.0.json" "$OUT/ours"
# parity.sh leaves TFDS's build (and build.log with its timings) in a /tmp/tfds-parity.*/
# of its own; ours is the one whose manual dir links to our tar (others may run it too).
WORK=$(dirname "$(dirname "$(dirname "$(find /tmp -maxdepth 4 -path '/tmp/tfds-parity.*/scratch/manual/ILSVRC2012_img_val.tar' -lname "$OUT/*" | head -1)")")")
grep -E '"seconds_(download_and_prepare|total)"|maxrss' "$WORK/build.log" >&2 || true
"$BIN/tfds_compare" "$WORK/tfds" "$OUT/ours"
rm -rf "$OUT" "$WORK"
