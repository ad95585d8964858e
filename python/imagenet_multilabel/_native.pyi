# Type stubs of the native extension (python/src). The documented surface is __init__.py.
import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

__version__: str

class InputError(ValueError): ...

_Progress = Optional[Callable[[str, int, int, Optional[str]], None]]
_Source = Tuple[str, str, int, str]

class Report:
    @property
    def warnings(self) -> List[str]: ...
    def table(self) -> str: ...
    def model_json(self) -> str: ...
    def report_json(self) -> str: ...
    def per_class(self) -> Tuple[List[str], List[Tuple[Any, ...]]]: ...
    def mistakes(self) -> Tuple[List[str], List[Tuple[Any, ...]]]: ...

def evaluate_array(
    array: Any,
    address: int,
    nbytes: int,
    descr: str,
    shape: Sequence[int],
    fortran_order: bool,
    file_names: Optional[Sequence[str]],
    label: str,
    annotations: Optional[str],
    dataset: Optional[str],
    class_ids: str,
    background_class: bool,
    allow_missing: bool,
) -> Report: ...
def evaluate_json(
    text: bytes,
    label: str,
    annotations: Optional[str],
    dataset: Optional[str],
    class_ids: str,
    background_class: bool,
    allow_missing: bool,
) -> Report: ...
def evaluate_path(
    path: str,
    format: Optional[str],
    annotations: Optional[str],
    dataset: Optional[str],
    class_ids: str,
    background_class: bool,
    allow_missing: bool,
) -> Report: ...
def annotation_columns(
    annotations: Optional[str] = None, dataset: Optional[str] = None
) -> Tuple[Dict[str, List[Any]], _Source, List[str]]: ...
def class_columns() -> Dict[str, List[Any]]: ...
def default_annotations_path() -> os.PathLike[str]: ...
def fetch_annotations(
    from_path: Optional[str] = None,
    url: Optional[str] = None,
    force: bool = False,
    retries: int = 5,
    timeout: float = 30.0,
    progress: _Progress = None,
) -> Tuple[os.PathLike[str], str]: ...
def build_dataset(
    tar: str,
    out: str,
    format: str,
    annotations: Optional[str],
    splits: List[str],
    allow_missing: bool,
    verify_images: bool,
    force: bool,
    shard_size: Optional[int],
    sync: bool,
    progress: _Progress,
) -> Dict[str, Any]: ...
# python/src/dataset.rs; imagenet_multilabel.Dataset wraps it.

_ExampleTuple = Tuple[Union[Pixels, bytes], int, int, bytes, int, List[int], List[int], List[int], bool]

class Pixels:
    """Decoded RGB pixels; ``np.asarray(p)`` views them without a copy."""
    @property
    def __array_interface__(self) -> Dict[str, Any]: ...

class DatasetReader:
    def __init__(self, path: str, split: str = "validation", decode: Optional[str] = "tfds") -> None: ...
    def __len__(self) -> int: ...
    def get(self, index: int) -> _ExampleTuple: ...
    def batch(self, start: int, count: int) -> List[_ExampleTuple]: ...
    def batches(self, start: int = 0, batch: int = 32) -> Batches: ...

class Batches:
    def __iter__(self) -> Iterator[List[_ExampleTuple]]: ...
    def __next__(self) -> List[_ExampleTuple]: ...
