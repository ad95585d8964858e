"""The annotations and class tables, the download and the build: thin calls of the Rust
library (``imagenet-multilabel-fetch``, ``imagenet_multilabel_formats::build``)."""

from __future__ import annotations

import os
import warnings
from typing import Any, Dict, Iterator, List, Optional, Sequence, Union

from . import _native
from ._native import InputError
from ._progress import bar
from ._tables import frame

PathLike = Union[str, "os.PathLike[str]"]

ANNOTATION_COLUMNS = (
    "file_name",
    "original_label",
    "wnid",
    "correct",
    "wrong",
    "unclear",
    "is_problematic",
    "is_imagenet_m",
)


def _path(value: Optional[PathLike], keyword: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise InputError(f"{keyword}= must be a path, not {type(value).__name__}")
    return os.path.expanduser(os.fsdecode(os.fspath(value)))


class Annotations:
    """The annotated validation images, one row per image (20,000 in v3.0.0), by image
    number: ``file_name, original_label, wnid, correct, wrong, unclear, is_problematic,
    is_imagenet_m`` (label lists are class ids in the file's order).

    ``to_pandas()`` gives a DataFrame; ``columns`` the same as plain lists; iterating gives
    one dict per image.
    """

    def __init__(self, columns: Dict[str, List[Any]], source: Sequence[Any]) -> None:
        self.columns: Dict[str, List[Any]] = columns
        path, sha256, size, version = source
        self.path: str = path
        """The annotations file or built dataset they came from."""
        self.sha256: str = sha256
        self.size: int = size
        self.version: str = version
        """``v3.0.0 (verified)`` or ``unrecognised file``."""

    def __len__(self) -> int:
        return len(self.columns["file_name"])

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        names = list(ANNOTATION_COLUMNS)
        for row in zip(*(self.columns[c] for c in names)):
            yield dict(zip(names, row))

    def to_pandas(self) -> Any:
        """One row per annotated image as a pandas DataFrame (pandas must be installed)."""
        import pandas as pd

        return pd.DataFrame({c: self.columns[c] for c in ANNOTATION_COLUMNS})

    def __repr__(self) -> str:
        return f"<Annotations {len(self)} images from {self.path} ({self.version})>"


def load_annotations(
    path: Optional[PathLike] = None, dataset: Optional[PathLike] = None
) -> Annotations:
    """The expert annotations: from ``path`` (``human_accuracy_v3.0.0.json``; default: the
    copy ``fetch()`` stored) or from a built dataset (``dataset=``, TFDS layout).

    Loaded once per process and through the parse cache the CLI uses. Raises
    ``InputError`` for a file that is not the annotations, ``OSError`` when none is there.
    """
    columns, source, notes = _native.annotation_columns(
        _path(path, "path"), _path(dataset, "dataset")
    )
    for message in notes:
        warnings.warn(message, stacklevel=2)
    return Annotations(columns, source)


def classes() -> Any:
    """The 1000 ImageNet classes by id (the index in the sorted wnids, as TFDS, torchvision
    and timm number them): ``id, wnid, name, is_dog, is_organism``. A pandas DataFrame when
    pandas is installed, else a list of dicts."""
    columns = _native.class_columns()
    names = ["id", "wnid", "name", "is_dog", "is_organism"]
    return frame(names, list(zip(*(columns[c] for c in names))))


def fetch(
    from_path: Optional[PathLike] = None,
    *,
    url: Optional[str] = None,
    force: bool = False,
    retries: int = 5,
    timeout: float = 30.0,
    progress: Any = True,
) -> str:
    """Put the verified v3.0.0 annotations in the cache and return their path.

    Downloads from the authors' location (resuming an interrupted download), from a mirror
    (``url=``), or imports a local copy (``from_path=``); any copy is checked by size and
    sha256 and gets its final name only then. A verified copy already in place is only
    checked (``force=True`` fetches again). ``progress``: True for a bar (tqdm when
    installed), False for none, or a callable ``(kind, done, total, message)``.

    Raises ``InputError`` for a copy that is not the file or a mirror URL that is refused,
    ``OSError`` for network or disk failures (and a refusal at the official location).
    """
    callback = bar(progress, "annotations")
    try:
        path, _outcome = _native.fetch_annotations(
            _path(from_path, "from_path"), url, force, retries, timeout, callback
        )
    finally:
        if hasattr(callback, "close"):
            callback.close()
    return os.fspath(path)


def build(
    tar: PathLike,
    out: PathLike,
    format: str = "tfds",
    *,
    annotations: Optional[PathLike] = None,
    split: Optional[Union[str, Sequence[str]]] = None,
    allow_missing: bool = False,
    verify_images: bool = False,
    force: bool = False,
    shard_size: Optional[int] = None,
    sync: bool = False,
    progress: Any = True,
) -> Dict[str, Any]:
    """Build the dataset from your ``ILSVRC2012_img_val.tar`` into ``out``, as
    ``imagenet-multilabel build`` does: ``format="tfds"`` (``out`` is a TFDS data_dir;
    ``tfds.load`` reads it), ``"parquet"`` (Hugging Face) or ``"webdataset"``.

    Output appears only when complete; ``force=True`` replaces a previous build of ours and
    never anything else. Returns the summary: ``format``, ``dir``, ``splits`` (examples and
    files per split), ``images``, ``missing``, ``checks`` (with ``verify_images``), ….
    """
    splits: List[str]
    if split is None:
        splits = []
    elif isinstance(split, str):
        splits = [split]
    else:
        splits = list(split)
    callback = bar(progress, "build")
    try:
        return _native.build_dataset(
            _path(tar, "tar"),
            _path(out, "out"),
            str(format),
            _path(annotations, "annotations"),
            splits,
            allow_missing,
            verify_images,
            force,
            shard_size,
            sync,
            callback,
        )
    finally:
        if hasattr(callback, "close"):
            callback.close()
