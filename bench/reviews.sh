#!/usr/bin/env bash
# The review store under concurrent writers (issue 9): THREADS threads adding reviews back to
# back for SECONDS, each add durable before it returns (WAL, synchronous=FULL); throughput,
# add latency p50/p99/max, a check that every acknowledged review is stored exactly once, and
# the time of `decisions` over what was written. RUNS runs; read the medians.
#
# Usage: bench/reviews.sh [THREADS] [SECONDS] [RUNS]   (defaults 32 30 3)
# The database goes to a temporary folder on the same disk as /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-32}
seconds=${2:-30}
runs=${3:-3}
cargo build --release --locked -q -p imagenet-multilabel-reviews --example store_bench
dir=$(mktemp -d /tmp/reviews-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
for run in $(seq "$runs"); do
    echo "run $run: $(target/release/examples/store_bench "$dir" "$threads" "$seconds")"
done
