#!/usr/bin/env bash
# The Python package's tests: makes (or reuses) a venv, installs what the tests need, builds
# the extension into it (`maturin develop`, debug profile: the tests grade small inputs) and
# runs pytest. The parity tests run the CLI too, so it is built first (a no-op after
# `cargo test --workspace`). Extra arguments go to pytest.
#   IMAGENET_MULTILABEL_VENV   the venv (default: target/py-venv)
#   PYTHON                     the interpreter that makes it (default: python3, ≥ 3.9)
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${IMAGENET_MULTILABEL_VENV:-target/py-venv}"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import maturin, pytest, numpy" >/dev/null 2>&1; then
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet maturin pytest numpy
fi
# pandas is optional for the package; with it the DataFrame paths are tested too.
"$venv/bin/python" -c "import pandas" >/dev/null 2>&1 ||
  "$venv/bin/python" -m pip install --quiet pandas ||
  echo "pandas not installed: the DataFrame tests are skipped"

cargo build -p imagenet-multilabel-cli --locked
export IMAGENET_MULTILABEL_CLI="$PWD/target/debug/imagenet-multilabel"
(cd python && VIRTUAL_ENV="$PWD/../$venv" PATH="$PWD/../$venv/bin:$PATH" \
  maturin develop --locked --quiet)
"$venv/bin/python" -m pytest -q python/tests "$@"
