"""The expert multi-label view of the ImageNet validation set, from Python.

Grade a model exactly as the dataset's authors prescribe (``evaluate``), read the
annotations (``load_annotations``, ``classes``), download them (``fetch``), build the
dataset (``build``) and read it back (``Dataset``) -- the same Rust core as the ``imagenet-multilabel`` command, in process.

    >>> import imagenet_multilabel as iml
    >>> report = iml.evaluate(logits)          # numpy [50000, 1000], ids [N], top-k [N, k], a dict, a path
    >>> print(report)                          # the table `imagenet-multilabel eval` prints
    >>> report.multilabel_accuracy.value

Bad input raises ``InputError`` (a ``ValueError``) naming the file, row or key; environment
failures raise ``OSError``. numpy is the only requirement; pandas and tqdm are used when
installed.
"""

from __future__ import annotations

from . import _native
from ._data import Annotations, build, classes, fetch, load_annotations
from ._evaluate import evaluate
from ._native import InputError
from ._report import Counts, Coverage, Estimate, ImagenetM, MistakeSeverity, RealCounts, Report
from .dataset import Dataset

__version__: str = _native.__version__

__all__ = [
    "Annotations",
    "Counts",
    "Coverage",
    "Estimate",
    "Dataset",
    "ImagenetM",
    "MistakeSeverity",
    "InputError",
    "RealCounts",
    "Report",
    "__version__",
    "build",
    "classes",
    "evaluate",
    "fetch",
    "load_annotations",
]
