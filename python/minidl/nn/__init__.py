"""minidl.nn: modules, layers, activations, losses and initialisation (PyTorch's API)."""
from . import functional  # noqa: F401
