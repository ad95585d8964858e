#!/usr/bin/env bash
# The Parquet and WebDataset writers against what a Python user would run to write the same
# 200 × 110 KB examples (datasets' to_parquet, webdataset's TarWriter), one after the other
# in one run. VENV: a venv with datasets and webdataset (scripts/check_python_formats.sh
# makes one).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-/tmp/imagenet-multilabel-formats-venv}
cd "$root"
cargo bench -p imagenet-multilabel-formats --bench writers 2>&1 | grep -E "^write_|time:|thrpt:"
"$venv/bin/python" bench/formats_python_peers.py
