"""no_grad / enable_grad / set_grad_enabled: context managers and decorators.

Grad mode is thread-local (kept in C++), as in PyTorch: ``with minidl.no_grad():`` in one
thread does not stop another thread from recording its graph.
"""
import functools

from . import _C


class _GradModeContext:
    """Base: sets grad mode on entry, restores the previous mode on exit; usable as a decorator."""

    _enabled = True

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Do not record operations for autograd (inference, parameter updates).

    >>> with minidl.no_grad():
    ...     w -= lr * w.grad
    """

    _enabled = False


class enable_grad(_GradModeContext):
    """Record operations again inside a ``no_grad`` block."""

    _enabled = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` is ``no_grad()``; also works as a plain function call."""

    def __init__(self, mode):
        self._enabled = bool(mode)
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._enabled)

    def __enter__(self):
        return self

    def __call__(self, fn):
        # Used as a decorator: __init__ already switched the mode; switch it back until fn runs.
        _C._set_grad_enabled(self._prev)
        mode = self._enabled

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper
