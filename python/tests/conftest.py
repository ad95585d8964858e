"""Shared fixtures: the committed golden annotations (scripts/goldens; figures made by the
real TFDS recipe), the CLI binary to compare with, and small prediction files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDENS = REPO / "crates" / "imagenet-multilabel" / "tests" / "goldens"
ANNOTATIONS = GOLDENS / "fixture" / "human_accuracy_v3.0.0.json"
RECIPE_PREDICTIONS = GOLDENS / "fixture" / "predictions.csv"

# The TFDS README recipe and the notebook's loader, as scripts/goldens transcribed them
# (plain Python, no TensorFlow at import time).
sys.path.insert(0, str(REPO / "scripts" / "goldens"))


def cli_path() -> Path:
    """The `imagenet-multilabel` binary: $IMAGENET_MULTILABEL_CLI, else the workspace's
    debug or release build."""
    given = os.environ.get("IMAGENET_MULTILABEL_CLI")
    if given:
        return Path(given)
    for profile in ("debug", "release"):
        path = REPO / "target" / profile / "imagenet-multilabel"
        if path.is_file():
            return path
    pytest.fail(
        "the imagenet-multilabel binary is not built: run scripts/pytest.sh, or "
        "cargo build -p imagenet-multilabel-cli (or set IMAGENET_MULTILABEL_CLI)"
    )


def cli_json(*args: str) -> dict:
    """`imagenet-multilabel eval --json ARGS` as parsed JSON."""
    out = subprocess.run(
        [str(cli_path()), "eval", "--json", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def cli_stdout(*args: str) -> str:
    out = subprocess.run(
        [str(cli_path()), *args], check=True, capture_output=True, text=True
    )
    return out.stdout


@pytest.fixture(scope="session", autouse=True)
def private_home(tmp_path_factory):
    """A private home (parse cache, fetched annotations) for the whole session."""
    home = tmp_path_factory.mktemp("home")
    os.environ["IMAGENET_MULTILABEL_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def annotated():
    """The fixture's annotated images: names (file order by image number), original labels,
    and the notebook's examples (for the recipe)."""
    import make_goldens

    val, imagenet_m = make_goldens.notebook_examples(str(ANNOTATIONS))
    names = sorted(e["file_name"].numpy().decode() for e in val)
    return names, val, imagenet_m


@pytest.fixture(scope="session")
def logits(annotated):
    """Random float32 scores [N, 1000] for the annotated images, with a bias to the
    original label so the figures are not at chance."""
    names, val, _ = annotated
    rng = np.random.default_rng(7)
    x = rng.standard_normal((len(names), 1000), dtype=np.float32)
    original = {e["file_name"].numpy().decode(): int(e["original_label"].numpy()) for e in val}
    for i, n in enumerate(names):
        if rng.random() < 0.6:
            x[i, original[n]] += 4.0
    return x
