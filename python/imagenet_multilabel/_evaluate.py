"""``evaluate``: turn what a notebook holds (an array, a tensor, a dict, a list, a path) into
the one native call that grades it; no grading logic lives here.

numpy is imported only when an array is graded: ``import imagenet_multilabel`` stays fast
(numpy alone takes longer to import than the whole package), and dicts and paths never need it.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Union

from . import _native
from ._native import InputError
from ._report import Report

if TYPE_CHECKING:
    import numpy as np

PathLike = Union[str, "os.PathLike[str]"]


def evaluate(
    predictions: Any,
    *,
    file_names: Optional[Iterable[Any]] = None,
    annotations: Optional[PathLike] = None,
    dataset: Optional[PathLike] = None,
    class_ids: str = "sorted",
    background_class: bool = False,
    allow_missing: bool = False,
    format: Optional[str] = None,
    name: Optional[str] = None,
) -> Report:
    """Grade a model's predictions on the expert multi-labels, as ``imagenet-multilabel eval``.

    Args:
        predictions: what the model predicted, one of
            - an array of scores ``[N, 1000]`` (any float dtype; ``[N, 1001]`` with
              ``background_class=True``), of class ids ``[N]`` or of ranked top-k ids
              ``[N, k]`` (any integer dtype): a NumPy array, or anything exposing the
              buffer protocol, ``__array__`` or ``__dlpack__`` (a CPU torch tensor: torch
              is never imported). Contiguous arrays are read in place, never copied.
              Without ``file_names`` the rows must be the 50,000 validation images in
              order (``ILSVRC2012_val_00000001`` first).
            - a dict ``{file_name: class}`` (the reference notebook's ``predictions``):
              a class is an id, a wnid (``"n01440764"``) or a ranked list of them.
            - a list of ids or of ranked lists (read as an array).
            - a path (``str`` or ``os.PathLike``) to a file in any format the CLI reads:
              ``.npy``, ``.npz``, CSV/TSV, JSON, JSON Lines (sniffed by content).
        file_names: one image name per row of an array (``ILSVRC2012_val_00000001.JPEG``;
            a directory and any extension are fine, as ``ImageFolder`` gives them).
        annotations: the annotations file (default: the one ``fetch()`` stored).
        dataset: take the labels from a built dataset (TFDS layout) instead.
        class_ids: how integer ids are numbered: ``"sorted"`` (0..999, TFDS, torchvision,
            timm), ``"devkit"`` (ILSVRC2012_ID 1..1000) or ``"one-based"``.
        background_class: the model has 1001 outputs with background at 0 (TF-slim).
        allow_missing: grade the annotated images that have a prediction (a subset) and
            report coverage, instead of failing when some are missing.
        format: force the file format of a path (``npy``, ``npz``, ``csv``, ``tsv``,
            ``json``, ``jsonl``) instead of sniffing it.
        name: the model's name in the table and in ``to_dict()["predictions"]`` (default:
            the path, or ``"array"`` / ``"dict"``).

    Returns:
        A :class:`Report`: ``print(report)`` shows the CLI's table.

    Raises:
        InputError: (a ``ValueError``) bad predictions or annotations; the message names
            the row, key or file and what was expected.
        OSError: a file that cannot be read, no annotations fetched yet.

    The index of the annotations is loaded once per process (and from the parse cache on
    disk), so a second ``evaluate`` costs only the grading; the grading runs with the GIL
    released.
    """
    common = dict(
        annotations=_path_or_none(annotations, "annotations"),
        dataset=_path_or_none(dataset, "dataset"),
        class_ids=str(class_ids),
        background_class=bool(background_class),
        allow_missing=bool(allow_missing),
    )
    if isinstance(predictions, (str, bytes, os.PathLike)):
        if file_names is not None:
            raise InputError("file_names= applies to arrays; a file carries its own names")
        path = os.fsdecode(os.fspath(predictions))
        native = _native.evaluate_path(path, format, **common)
    elif isinstance(predictions, Mapping):
        if file_names is not None:
            raise InputError("file_names= applies to arrays; a dict's keys are the names")
        text = _dict_json(predictions)
        native = _native.evaluate_json(text, name or "dict", **common)
    else:
        array = _as_array(predictions)
        names = None if file_names is None else _names(file_names)
        if format is not None:
            raise InputError("format= applies to a file path, not to an array")
        if array.flags.c_contiguous:
            fortran = False
        elif array.flags.f_contiguous:
            fortran = True
        else:
            # A strided view (a slice with steps): one copy to read it.
            array = array.copy(order="C")
            fortran = False
        native = _native.evaluate_array(
            array,
            array.ctypes.data,
            array.nbytes,
            array.dtype.str,
            list(array.shape),
            fortran,
            names,
            name or "array",
            **common,
        )
    report = Report(native)
    for message in native.warnings:
        warnings.warn(message, stacklevel=2)
    return report


def _path_or_none(value: Optional[PathLike], keyword: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise InputError(f"{keyword}= must be a path, not {type(value).__name__}")
    return os.path.expanduser(os.fsdecode(os.fspath(value)))


def _as_array(value: Any) -> np.ndarray:
    """``value`` as a NumPy array without copying where it can be shared."""
    import numpy as np

    if isinstance(value, np.ndarray):
        array = value
    elif hasattr(value, "__dlpack__") and not hasattr(value, "__array_interface__"):
        # A torch tensor and the like: shared, not copied (CPU memory only).
        try:
            array = np.from_dlpack(value)
        except (TypeError, BufferError, RuntimeError, ValueError) as err:
            try:
                array = np.asarray(value)
            except Exception:
                raise InputError(
                    f"cannot read the {type(value).__name__} as an array ({err}); pass a CPU "
                    "array of float scores or integer ids (e.g. tensor.detach().cpu().float())"
                ) from err
    else:
        try:
            array = np.asarray(value)
        except Exception as err:
            raise InputError(
                f"cannot read the {type(value).__name__} as an array (a ragged list? every "
                f"row needs the same number of ranked ids): {err}"
            ) from err
    if array.dtype == object:
        raise InputError(
            "the predictions are not a regular array (a ragged list, or objects): give "
            "scores [N, 1000], ids [N] or ranked ids [N, k] (the same k for every row)"
        )
    if array.dtype.kind == "f" and array.dtype.itemsize > 8:
        # long double: NumPy's own formats stop at float64.
        array = array.astype(np.float64)
    return array


def _names(file_names: Iterable[Any]) -> list:
    names = []
    for i, n in enumerate(file_names):
        if isinstance(n, bytes):
            n = n.decode("utf-8", "replace")
        elif isinstance(n, os.PathLike):
            n = os.fspath(n)
        elif isinstance(n, str):
            n = str(n)  # a numpy.str_ (a str subclass) as a plain str
        if not isinstance(n, str):
            raise InputError(
                f"file_names[{i}] is {type(n).__name__}: expected a file name such as "
                "ILSVRC2012_val_00000001.JPEG"
            )
        names.append(n)
    return names


def _json_value(value: Any) -> Any:
    """A value ``json`` cannot write itself (numpy scalars and arrays) as one it can."""
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.str_, np.bytes_)):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not a class id, wnid or list of them")


def _dict_json(predictions: Mapping[Any, Any]) -> bytes:
    """The dict as JSON text for the library's JSON reader (its messages name the key)."""
    for key in predictions:
        if not isinstance(key, str):
            raise InputError(
                f"key {key!r} is {type(key).__name__}: expected a file name such as "
                "ILSVRC2012_val_00000001.JPEG"
            )
    try:
        return json.dumps(predictions, default=_json_value).encode()
    except (TypeError, ValueError) as err:
        bad = next(
            (k for k, v in predictions.items() if not _serialisable(v)), None
        )
        where = f"key {bad!r}: " if bad is not None else ""
        raise InputError(f"{where}{err}") from None


def _serialisable(value: Any) -> bool:
    try:
        json.dumps(value, default=_json_value)
        return True
    except (TypeError, ValueError):
        return False
