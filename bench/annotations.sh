#!/usr/bin/env bash
# Loading human_accuracy_v3.0.0.json: our first load (parse + sha256), our cached load, and
# Python's json.load (what TFDS does), on the same generated ~200 MB file, interleaved run by
# run so machine load affects all three alike. Prints per-run figures (load time measured in
# the process, process wall time, process CPU time user + sys — robust when the machine is
# shared — and peak RSS), then medians and ratios.
#
#   bench/annotations.sh            (RUNS=5, files under /tmp/imagenet-multilabel-bench)
#   RUNS=9 BENCH_DIR=/some/dir bench/annotations.sh
#
# Needs cargo, python3 (stdlib only), GNU /usr/bin/time and bc. Python's json.load takes
# ~1.7 GB of memory and tens of seconds per run on a busy 2-core machine.
set -euo pipefail
runs=${RUNS:-5}
dir=${BENCH_DIR:-/tmp/imagenet-multilabel-bench}
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

cargo build --quiet --release --manifest-path "$root/Cargo.toml" \
  -p imagenet-multilabel --example annotations_bench
bin=$target/release/examples/annotations_bench
mkdir -p "$dir"
file=$dir/human_accuracy.json
[ -s "$file" ] || "$bin" gen "$file"
cache=$dir/cache
rm -rf "$cache"
"$bin" load "$file" "$cache" >/dev/null # fill the cache (and the page cache)
cat "$file" >/dev/null

results=$dir/results.tsv
: >"$results"
run() { # name, command...
  local name=$1
  shift
  local inner
  inner=$(/usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$@" | cut -d' ' -f1)
  read -r wall user sys rss_kb <"$dir/time"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$inner" "$wall" "$(echo "$user + $sys" | bc)" "$rss_kb" | tee -a "$results"
}
echo "file: $file ($(stat -c %s "$file") bytes); runs: $runs; nproc: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$runs"); do
  run ours_first_load "$bin" load "$file"
  run ours_cached_load "$bin" load "$file" "$cache"
  run python_json_load python3 -c 'import json, sys, time
t = time.perf_counter()
d = json.load(open(sys.argv[1], "rb"))
print(time.perf_counter() - t)
assert "initial_annots" in d' "$file"
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
med = {}
for name in dict.fromkeys(r[0] for r in rows):
    rs = [r for r in rows if r[0] == name]
    med[name] = [statistics.median(float(r[i]) for r in rs) for i in (1, 2, 3, 4)]
print(f"\n{'median of':<18}{'load s':>9}{'wall s':>9}{'cpu s':>9}{'peak RSS MB':>13}")
for name, (inner, wall, cpu, rss) in med.items():
    print(f"{name:<18}{inner:>9.4f}{wall:>9.3f}{cpu:>9.3f}{rss / 1024:>13.1f}")
py, first, cached = med["python_json_load"], med["ours_first_load"], med["ours_cached_load"]
print(f"\npython / ours first load: load {py[0] / first[0]:.1f}x, wall {py[1] / first[1]:.1f}x, "
      f"cpu {py[2] / first[2]:.1f}x, peak RSS {py[3] / first[3]:.1f}x")
print(f"python / ours cached load: load {py[0] / cached[0]:.0f}x")
PY
