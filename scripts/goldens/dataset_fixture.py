"""The small built dataset the `iml.Dataset` goldens are computed on, made with this project's
tools only (standard library here): `val_tar` (the crate's seeded generator of a synthetic
ILSVRC2012_img_val.tar of real JPEGs, grayscale and CMYK ones included, and its annotations
file) then `imagenet-multilabel build`. The same seed gives the same bytes on every machine,
so scripts/goldens/tfds_dataset.py (which reads the build with the real TFDS) and
python/tests/test_dataset.py (which reads it with `iml.Dataset`) see the same dataset.

    make(work_dir) -> the data dir holding imagenet2012_multilabel/3.0.0/
"""

import os
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# 1000 annotated images (one per class), 16x12 JPEGs; 3 grayscale and 3 CMYK among them.
VAL_TAR_ARGS = ["--per-class", "1", "--grayscale", "3", "--cmyk", "3", "--shuffle", "--seed", "7"]


def _binaries():
    """Builds (if needed) and returns the paths of the CLI and of the `val_tar` example."""
    subprocess.run(["cargo", "build", "--quiet", "-p", "imagenet-multilabel-cli",
                    "-p", "imagenet-multilabel", "--example", "val_tar"],
                   cwd=REPO, check=True)
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target")
    debug = os.path.join(target, "debug")
    return os.path.join(debug, "imagenet-multilabel"), os.path.join(debug, "examples", "val_tar")


def make(work_dir):
    cli, val_tar = _binaries()
    inputs = os.path.join(work_dir, "in")
    data_dir = os.path.join(work_dir, "data")
    subprocess.run([val_tar, inputs] + VAL_TAR_ARGS, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([cli, "build", os.path.join(inputs, "ILSVRC2012_img_val.tar"),
                    "--annotations", os.path.join(inputs, "human_accuracy_v3.0.0.json"),
                    "--out", data_dir, "--no-cache", "--quiet"], check=True)
    return data_dir
