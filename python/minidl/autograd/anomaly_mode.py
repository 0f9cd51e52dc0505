"""Anomaly detection: find the op whose gradient first became NaN or Inf (PyTorch's names).

In anomaly mode the C++ engine checks the gradients each backward node returns, right after
the node runs, and raises a RuntimeError naming it::

    >>> x = minidl.zeros(1, requires_grad=True)
    >>> with minidl.autograd.detect_anomaly():
    ...     (minidl.log(x) * 0).sum().backward()
    RuntimeError: Function 'LogBackward0' returned nan values in its 0th output.
    ...Traceback of the forward call that made it: ... minidl.log(x) ...

Ops recorded while the mode is on also keep the Python stack of their forward call, which
the error (and any other error raised inside their backward) quotes. The checks cost a
pass over every gradient and the stacks a few microseconds per op: use it for debugging.
The mode is process-wide, as in PyTorch. Unlike PyTorch, which checks for NaN only, an
infinite gradient raises too ("returned inf values"): in the notes' float32 training, an
Inf becomes a NaN one step later.
"""
import functools

from .. import _C


def is_anomaly_enabled():
    """True inside ``detect_anomaly()`` / after ``set_detect_anomaly(True)`` (torch.is_anomaly_enabled)."""
    return _C._is_anomaly_enabled()


def is_anomaly_check_nan_enabled():
    """True when anomaly mode also checks gradients for NaN/Inf (torch.is_anomaly_check_nan_enabled)."""
    return _C._is_anomaly_check_nan_enabled()


class set_detect_anomaly:
    """Turn anomaly mode on or off: a plain call, or a context manager restoring the previous mode.

    ``check_nan=False`` keeps only the forward stacks, without the NaN/Inf checks.
    """

    def __init__(self, mode, check_nan=True):
        self._prev = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        _C._set_detect_anomaly(bool(mode), bool(check_nan))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C._set_detect_anomaly(*self._prev)
        return False


class detect_anomaly:
    """Context manager (or decorator) for anomaly mode: ``with minidl.autograd.detect_anomaly(): ...``.

    Backward passes inside raise ``RuntimeError("Function 'XBackward0' returned nan values in
    its 0th output.")`` at the first node that returns a NaN (or Inf) gradient; the previous
    mode comes back on exit, also when the block raises.
    """

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)
        self._prev = []

    def __enter__(self):
        self._prev.append((is_anomaly_enabled(), is_anomaly_check_nan_enabled()))
        _C._set_detect_anomaly(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _C._set_detect_anomaly(*self._prev.pop())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper
