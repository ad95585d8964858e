#!/usr/bin/env bash
# Times `imagenet-multilabel fetch` on a synthetic file of the real v3.0.0 size (200,417,830
# bytes) beside the obvious peers, in the same run:
#   import   `fetch --from FILE --force`         vs  `sha256sum FILE && cp FILE DEST`
#   no-op    `fetch` with a verified copy cached  vs  `sha256sum DEST`
#   download `fetch --url` from a local server    vs  `curl -o` (+ `sha256sum`) from the same server
# The local server is python's http.server on 127.0.0.1, which is itself the bottleneck of the
# download rows: they show that fetch's hashing and writing keep up with a fast link, not a
# network speed. Prints the median of N runs of each (default 5).
#
# Usage: cargo build --release -p imagenet-multilabel-cli && bench/fetch.sh
#        (BIN=path/to/imagenet-multilabel N=9 bench/fetch.sh to change the binary or run count)
set -euo pipefail

BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/imagenet-multilabel}
N=${N:-5}
SIZE=200417830
work=$(mktemp -d /tmp/fetch-bench.XXXXXX)
server=
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

head -c "$SIZE" /dev/urandom >"$work/src.json"
sum=$(sha256sum "$work/src.json" | cut -c1-64)
export IMAGENET_MULTILABEL_HOME="$work/home"
fetch() { "$BIN" fetch --quiet --expect-size "$SIZE" --expect-sha256 "$sum" "$@" >/dev/null; }

port=$((20000 + RANDOM % 20000))
(cd "$work" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server=$!
for _ in $(seq 50); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$port/src.json" && break; sleep 0.1; done
url="http://127.0.0.1:$port/src.json"

# median SECONDS of N runs of "$@"
median() {
    local times=()
    for _ in $(seq "$N"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$@"
        t1=$(date +%s.%N)
        times+=("$(echo "$t1 - $t0" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'
}

peer_import() { sha256sum "$work/src.json" >/dev/null && cp "$work/src.json" "$work/copy.json"; }
peer_check() { sha256sum "$IMAGENET_MULTILABEL_HOME/human_accuracy_v3.0.0.json" >/dev/null; }
peer_download() { curl -s -o "$work/curl.json" "$url" && sha256sum "$work/curl.json" >/dev/null; }
fetch_download() { fetch --url "$url" --force; }

row() { printf '%-10s %-34s %8ss   %-38s %8ss   %5.2fx\n' "$1" "$2" "$3" "$4" "$5" "$(echo "$3 / $5" | bc -l)"; }

a=$(median fetch --from "$work/src.json" --force); b=$(median peer_import)
row import "fetch --from --force" "$a" "sha256sum + cp" "$b"
a=$(median fetch --from "$work/src.json"); b=$(median peer_check)
row no-op "fetch (verified copy cached)" "$a" "sha256sum" "$b"
a=$(median fetch_download); b=$(median peer_download)
row download "fetch --url (python http.server)" "$a" "curl -o + sha256sum (same server)" "$b"
