from ._native import InputError as InputError

__version__: str
