"""``Dataset``: the built dataset (ours or TFDS's own output) as a map-style and iterable
Python dataset, with the features and dtypes ``tfds.as_numpy`` yields."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, Optional, Union

import numpy as np

from . import _native

Example = Dict[str, Any]

# Examples read and decoded together when iterating (later batches are decoded while the
# current one is consumed).
_BATCH = 32


class Dataset:
    """One split of the ``imagenet2012_multilabel`` dataset in the TFDS format, read in Rust.

    ``path`` is a data dir (``~/tensorflow_datasets``), the dataset folder or its ``3.0.0``
    version folder: built by ``iml.build`` / ``imagenet-multilabel build`` or by TFDS itself.
    ``split`` is ``"validation"`` (every annotated image) or ``"imagenet_m"``. ``decode`` says
    what ``example["image"]`` is:

    - ``"tfds"`` (default): ``H x W x 3`` uint8 pixels, exactly as ``tfds.load`` decodes them;
    - ``"pillow"``: exactly what ``PIL.Image.open(f).convert("RGB")`` gives (torchvision);
    - ``None``: the JPEG bytes.

    An example is a dict of the seven TFDS features with ``tfds.as_numpy``'s types:
    ``image``, ``file_name`` (bytes), ``original_label`` (numpy int64),
    ``correct_multi_labels`` / ``wrong_multi_labels`` / ``unclear_multi_labels`` (int64 arrays)
    and ``is_problematic`` (numpy bool). Examples come in stored order, as ``tfds.load``
    with ``shuffle_files=False`` yields them.

        >>> ds = iml.Dataset("~/tensorflow_datasets")
        >>> len(ds), ds[0]["image"].shape
        >>> for ex in ds: ...        # sequential, decoded in parallel ahead of use

    ``ds[i]`` also makes it a PyTorch map-style dataset: it pickles as its arguments and opens
    its files anew in each process, so ``DataLoader`` workers (fork or spawn) work.
    Reading and decoding release the GIL. A corrupt shard or image raises
    ``InputError`` (a ``ValueError``) naming the file and the record's byte offset or the
    example; a missing file raises ``OSError``.
    """

    def __init__(self, path: Union[str, os.PathLike], split: str = "validation",
                 decode: Optional[str] = "tfds") -> None:
        self._path = os.path.expanduser(os.fspath(path))
        self._split = split
        self._decode = decode
        self._reader = _native.DatasetReader(self._path, split, decode)

    @property
    def path(self) -> str:
        """The path the dataset was opened with (``~`` expanded)."""
        return self._path

    @property
    def split(self) -> str:
        """The split: ``"validation"`` or ``"imagenet_m"``."""
        return self._split

    @property
    def decode(self) -> Optional[str]:
        """``"tfds"``, ``"pillow"`` or ``None``."""
        return self._decode

    def __len__(self) -> int:
        return len(self._reader)

    def __getitem__(self, index: int) -> Example:
        """Example ``index`` in stored order; negative counts from the end; IndexError past
        either end."""
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"Dataset indices are integers, not {type(index).__name__}")
        return _example(self._reader.get(int(index)))

    def __iter__(self) -> Iterator[Example]:
        for batch in self._reader.batches(0, _BATCH):
            for t in batch:
                yield _example(t)

    def __reduce__(self):
        # Only the arguments travel (to DataLoader workers started by spawn); the files are
        # opened in the receiving process.
        return (Dataset, (self._path, self._split, self._decode))

    def __repr__(self) -> str:
        return (f"Dataset({self._path!r}, split={self._split!r}, decode={self._decode!r})"
                f"  # {len(self)} examples")


def _example(t) -> Example:
    image, height, width, file_name, original, correct, wrong, unclear, problematic = t
    if height:
        # A writable view of the pixels decoded in Rust (_native.Pixels): no copy.
        image = np.asarray(image)
    return {
        "image": image,
        "file_name": file_name,
        "original_label": np.int64(original),
        "correct_multi_labels": np.array(correct, dtype=np.int64),
        "wrong_multi_labels": np.array(wrong, dtype=np.int64),
        "unclear_multi_labels": np.array(unclear, dtype=np.int64),
        "is_problematic": np.bool_(problematic),
    }
