#!/bin/sh
# Two builds of `imagenet-multilabel` side by side on the same inputs (say, the binary of an
# earlier commit against the current one), interleaved with `cat TAR > /dev/null`, so that a
# change's cost is measured on the same box at the same moment.
#
#   bench/build_ab.sh OLD_BIN NEW_BIN [WORK_DIR] [RUNS]   (default /tmp/build-bench, 7 runs)
#
# WORK_DIR/in must hold the real-size inputs that bench/build.sh generates. Warm cache; each
# output folder is removed before its run, outside the timing. Prints medians and ratios.
set -eu
OLD=$1; NEW=$2; WORK=${3:-/tmp/build-bench}; RUNS=${4:-7}
TAR=$WORK/in/ILSVRC2012_img_val.tar
JSON=$WORK/in/human_accuracy_v3.0.0.json
cat "$TAR" > /dev/null; cat "$TAR" > /dev/null

measure() {
  /usr/bin/time -f '%e %M %U %S' -o "$WORK/time.txt" "$@" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log"; exit 1; }
  awk '{ printf "%s %.0f %.2f\n", $1, $2 / 1024, $3 + $4 }' "$WORK/time.txt"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: > "$WORK/ab_cat.txt"; : > "$WORK/ab_old.txt"; : > "$WORK/ab_new.txt"
for i in $(seq "$RUNS"); do
  measure sh -c "cat \"$TAR\" > /dev/null" >> "$WORK/ab_cat.txt"
  for which in old new; do
    if [ "$which" = old ]; then BIN=$OLD; else BIN=$NEW; fi
    rm -rf "$WORK/ab_out"
    measure "$BIN" build "$TAR" --out "$WORK/ab_out" --annotations "$JSON" --no-cache --quiet >> "$WORK/ab_$which.txt"
  done
done
rm -rf "$WORK/ab_out"
for which in cat old new; do
  f=$WORK/ab_$which.txt
  echo "$which runs: $(cut -d' ' -f1 "$f" | tr '\n' ' ') median $(cut -d' ' -f1 "$f" | median) s, CPU $(cut -d' ' -f3 "$f" | median) s, peak RSS $(cut -d' ' -f2 "$f" | sort -n | tail -1) MB"
done
awk -v c="$(cut -d' ' -f1 "$WORK/ab_cat.txt" | median)" -v o="$(cut -d' ' -f1 "$WORK/ab_old.txt" | median)" \
    -v n="$(cut -d' ' -f1 "$WORK/ab_new.txt" | median)" \
    'BEGIN { printf "new / old = %.2fx   old / cat = %.2fx   new / cat = %.2fx\n", n / o, o / c, n / c }'
