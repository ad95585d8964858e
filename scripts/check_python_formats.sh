#!/usr/bin/env bash
# Checks that the Parquet and WebDataset writers' output loads in the Python libraries
# researchers use (Hugging Face `datasets`, `webdataset`, Pillow), example by example.
#
#   scripts/check_python_formats.sh [N]      # N validation examples (default 25)
#
# The venv is made once under /tmp (VENV=... to choose) and reused; everything else goes to
# a fresh temporary folder, including the `datasets` cache, so no earlier run can mask a change.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
venv=${VENV:-/tmp/imagenet-multilabel-formats-venv}
n=${1:-25}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import datasets, webdataset, PIL' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet datasets webdataset pillow
fi

work=$(mktemp -d /tmp/imagenet-multilabel-formats-check.XXXXXX)
trap 'rm -rf "$work"' EXIT

(cd "$root" && cargo run --quiet -p imagenet-multilabel-formats --example write_sample -- "$work/data" "$n")
HF_HOME="$work/hf" HF_DATASETS_OFFLINE=1 "$venv/bin/python" "$here/check_python_formats.py" "$work/data"
