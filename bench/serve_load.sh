#!/usr/bin/env bash
# `serve` under load, on the demo's real-size synthetic data (20,000 annotated images, a TFDS
# dataset, two models): 32 clients posting reviews for 30 s (every acknowledged review must be
# stored exactly once; p50/p90/p99 latency), then the browse page of 100 thumbnails rendered in
# headless Chromium, warm (thumbnails cached on disk by the first visit).
#
#   bench/serve_load.sh                      (release build; files under /tmp/imagenet-multilabel-bench/serve)
#   BIN=target/debug/imagenet-multilabel CLIENTS=32 SECONDS_=30 bench/serve_load.sh
#
# Needs cargo, python3 (stdlib only), chromium and chromedriver (for the browse figure).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${BENCH_DIR:-/tmp/imagenet-multilabel-bench/serve}
clients=${CLIENTS:-32}
seconds=${SECONDS_:-30}
port=${PORT:-8399}
if [ -z "${BIN:-}" ]; then
  cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p imagenet-multilabel-cli
  BIN=${CARGO_TARGET_DIR:-$root/target}/release/imagenet-multilabel
fi
mkdir -p "$dir"
export IMAGENET_MULTILABEL_HOME=$dir/home
[ -d "$dir/demo/tensorflow_datasets" ] || "$BIN" demo --keep "$dir/demo" >/dev/null
rm -f "$dir"/reviews.sqlite*
"$BIN" serve --dataset "$dir/demo/tensorflow_datasets" \
  --predictions "$dir/demo/strong_model.npy" "$dir/demo/weak_model.csv" \
  --db "$dir/reviews.sqlite" --port "$port" 2>"$dir/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q serving "$dir/serve.log" 2>/dev/null && break
  sleep 0.2
done
echo "== load: $clients clients posting for $seconds s ($BIN)"
python3 "$root/bench/serve_load.py" "127.0.0.1:$port" "$clients" "$seconds"
if command -v chromedriver >/dev/null 2>&1; then
  echo "== browse page, 100 thumbnails, warm"
  python3 "$root/bench/serve_browse.py" "127.0.0.1:$port" "${RUNS:-15}"
fi
