"""no_grad / enable_grad / set_grad_enabled: context managers and decorators.

Grad mode is thread-local (kept in C++), as in PyTorch: ``with minidl.no_grad():`` in one
thread does not stop another thread from recording its graph.
"""
import functools

from . import _C


class _GradModeContext:
    """Base: sets grad mode on entry, restores the previous mode on exit; usable as a decorator.

    One instance may be entered several times (nested, or by a decorated function that
    recurses): each entry pushes the mode it found and its exit pops it.
    """

    _enabled = True

    def __new__(cls, orig_func=None):
        # `@minidl.no_grad` without parentheses, as PyTorch allows
        if orig_func is not None and callable(orig_func):
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func=None):
        self._prev = []

    def __enter__(self):
        self._prev.append(_C.is_grad_enabled())
        _C._set_grad_enabled(self._enabled)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev.pop())
        return False

    def __call__(self, fn):
        mode = self._enabled

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = _C.is_grad_enabled()
            _C._set_grad_enabled(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _C._set_grad_enabled(prev)
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

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self._enabled = bool(mode)
        self._prev = [_C.is_grad_enabled()]
        _C._set_grad_enabled(self._enabled)

    def __enter__(self):
        return self  # __init__ already switched; __exit__ restores what it found

    def __call__(self, fn):
        # Used as a decorator: __init__ already switched the mode; switch it back until fn runs.
        _C._set_grad_enabled(self._prev.pop())
        return super().__call__(fn)
