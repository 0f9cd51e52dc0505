"""minidl.nn.utils: helpers around modules."""
from .params import count_parameters  # noqa: F401

__all__ = ["count_parameters"]
