# Type stubs of the native extension (python/src). The documented surface is __init__.py.
__version__: str

class InputError(ValueError): ...
