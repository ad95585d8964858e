#!/usr/bin/env bash
# Two builds of `imagenet-multilabel eval` side by side (say, the binary of an earlier commit
# against the current one), interleaved, each with its own warm parse cache (cache formats may
# differ between versions), on the data `bench/eval.sh` generates.
#
#   bench/eval_ab.sh OLD_BIN NEW_BIN [DATA_DIR] [RUNS]
#       (default /tmp/imagenet-multilabel-bench-eval/data, 15 runs; medians in ms)
set -euo pipefail
old=$1; new=$2; data=${3:-/tmp/imagenet-multilabel-bench-eval/data}; runs=${4:-15}
work=$(mktemp -d /tmp/eval-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
run() { # which binary
  local bin=$old; [ "$1" = new ] && bin=$new
  IMAGENET_MULTILABEL_HOME="$work/$1" "$bin" eval --annotations "$data/human_accuracy_v3.0.0.json" \
    "$data/strong_model.npy" >/dev/null 2>&1
}
run old; run new   # fill each cache
for i in $(seq "$runs"); do
  for which in old new; do
    start=$(date +%s%N); run "$which"; end=$(date +%s%N)
    echo $(( (end - start) / 1000 )) >> "$work/$which.txt"
  done
done
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'; }
o=$(median "$work/old.txt"); n=$(median "$work/new.txt")
echo "old: median $o ms   new: median $n ms   new / old = $(awk -v o="$o" -v n="$n" 'BEGIN { printf "%.2f", n / o }')x"
