#!/usr/bin/env bash
# The project's one test command (README, .ci/run): the Rust workspace's tests, then the
# Python package's (scripts/pytest.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked
scripts/pytest.sh
