"""The expert multi-label view of the ImageNet validation set, from Python.

Grade a model exactly as the dataset's authors prescribe (``evaluate``), read the
annotations (``load_annotations``, ``classes``), download them (``fetch``), build the
dataset (``build``) and read it back (``Dataset``) -- the same Rust core as the
``imagenet-multilabel`` command, in process.

    >>> import imagenet_multilabel as iml
    >>> report = iml.evaluate(logits)          # numpy [50000, 1000], ids [N], top-k [N, k], a dict, a path
    >>> print(report)                          # the table `imagenet-multilabel eval` prints
    >>> report.multilabel_accuracy.value

Bad input raises ``InputError`` (a ``ValueError``) naming the file, row or key; environment
failures raise ``OSError``. numpy is the only requirement; pandas and tqdm are used when
installed. None of them is imported by ``import imagenet_multilabel``: numpy is loaded when an
array is graded or ``Dataset`` is first used, pandas when a table is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _native
from ._data import Annotations, build, classes, fetch, load_annotations
from ._evaluate import evaluate
from ._native import InputError
from ._report import Counts, Coverage, Estimate, ImagenetM, MistakeSeverity, RealCounts, Report

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    # `Dataset` needs numpy, which takes longer to import than this whole package: it is
    # loaded on first use (PEP 562), so grading a dict or a file never pays for it.
    if name == "Dataset":
        from .dataset import Dataset

        globals()["Dataset"] = Dataset
        return Dataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
