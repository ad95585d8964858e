#!/bin/sh
# Re-makes the committed goldens under crates/imagenet-multilabel/tests/goldens/ with the real
# TensorFlow Datasets (tensorflow-datasets 4.9.10, tensorflow-cpu 2.20), never with our code:
#   scripts/goldens/regenerate.sh [tiny] [realsize]      (default: both; ~2 min + ~6 min)
# The venv is the TFDS peer's (../shared/peer/tfds/setup_venv.sh, beside the repository root;
# TFDS_PEER_VENV overrides its place). realsize needs about 5 GB free under $TMPDIR (/tmp).
# The committed inputs (goldens/fixture/) come from make_fixture.py (standard library,
# seeded); re-run it only to change the fixture, then this script.
# Afterwards `git diff --stat crates/imagenet-multilabel/tests/goldens` must be empty unless
# TFDS's behaviour (or the fixture) changed, and `cargo test -p imagenet-multilabel --test
# goldens` compares the crate with the new files.
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PEER=$ROOT/../shared/peer/tfds
VENV=${TFDS_PEER_VENV:-/tmp/tfds-peer/venv}
[ -d "$PEER" ] || { echo "regenerate.sh: no TFDS peer at $PEER" >&2; exit 1; }
"$PEER/setup_venv.sh" "$VENV" >/dev/null
TF_CPP_MIN_LOG_LEVEL=2 "$VENV/bin/python" "$ROOT/scripts/goldens/make_goldens.py" "$@"
