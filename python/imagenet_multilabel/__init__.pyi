from ._native import InputError as InputError
from .dataset import Dataset as Dataset

__version__: str
