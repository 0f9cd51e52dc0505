"""The Python side of Tensor: construction from data, repr, tolist, iteration.

Everything per-element happens in C++; this file only adds what Python does best.
"""
import builtins

import numpy as np

from . import _C
from ._C import Tensor

_NUMPY_DTYPES = {
    _C.dtype.float32: np.float32,
    _C.dtype.float64: np.float64,
    _C.dtype.int64: np.int64,
    _C.dtype.bool: np.bool_,
}


def _infer_numpy(data, dtype=None):
    """Python data -> ndarray: of NumPy dtype ``dtype`` when given, else with minidl's defaults
    (Python floats -> float32, ints -> int64; arrays and NumPy scalars keep float32/float64/int64/bool).

    With ``dtype`` given the data is converted once, straight to it: Python floats never pass
    through float32 on their way to float64.
    """
    if isinstance(data, Tensor):
        arr = data.detach().numpy()
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
    else:
        if isinstance(data, (list, tuple)):
            data = [(_infer_numpy(x) if isinstance(x, Tensor) else x) for x in data]
        arr = np.asarray(data)
        if dtype is None and arr.dtype.kind == "f":
            arr = arr.astype(np.float32)  # Python floats -> float32, minidl's default (as torch)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"could not make a tensor from {type(data).__name__} of NumPy dtype {arr.dtype}: "
                        "expected numbers (bool, int, float), possibly nested in lists")
    if dtype is not None:
        return arr.astype(dtype)
    if arr.dtype.kind == "f" and arr.dtype.itemsize not in (4, 8):
        arr = arr.astype(np.float32)
    elif arr.dtype.kind in "iu" and arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    elif not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, NumPy arrays, tensors).

    Python floats give float32 and Python ints int64 unless ``dtype`` says otherwise;
    NumPy arrays keep their dtype (float32, float64, int64, bool).
    """
    arr = _infer_numpy(data, None if dtype is None else _NUMPY_DTYPES[_as_dtype(dtype)])
    t = _C.from_numpy(np.array(arr, copy=True, order="C"))
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None):
    """Like ``tensor`` but shares memory with a NumPy array (or returns a Tensor as is) when it can."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _as_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and dtype is None and data.dtype in (np.float32, np.float64, np.int64, np.bool_):
        return _C.from_numpy(data)
    return tensor(data, dtype=dtype)


def _as_dtype(d):
    if isinstance(d, _C.dtype):
        return d
    return {np.dtype(np.float32): _C.dtype.float32, np.dtype(np.float64): _C.dtype.float64,
            np.dtype(np.int64): _C.dtype.int64, np.dtype(np.bool_): _C.dtype.bool}.get(np.dtype(d)) \
        or _raise_dtype(d)


def _raise_dtype(d):
    raise TypeError(f"minidl supports the dtypes float32, float64, int64 and bool; got {d!r}")


# ---- repr, like PyTorch's -------------------------------------------------
# PyTorch's rules (torch/_tensor_str.py): floats print with 4 decimals, or as "1." when every
# value is an integer, or in scientific notation when the magnitudes span more than 1000x or
# leave [1e-4, 1e8]; every element is right-aligned to the widest; more than 1000 elements
# are summarised to the first and last 3 along each dim.

_PRECISION, _THRESHOLD, _EDGEITEMS, _LINEWIDTH = 4, 1000, 3, 80


class _Formatter:
    def __init__(self, values):
        values = np.asarray(values).ravel()
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            for v in values.tolist():
                self.width = max(self.width, len(str(v)))
            return
        vals = values.astype(np.float64)
        nz = vals[np.isfinite(vals) & (vals != 0)]
        if nz.size == 0:
            return
        lo, hi = np.abs(nz).min(), np.abs(nz).max()
        self.int_mode = bool(np.all(nz == np.ceil(nz)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or (not self.int_mode and lo < 1.0e-4)
        if self.sci_mode:
            strs = [f"{v:.{_PRECISION}e}" for v in nz.tolist()]
        elif self.int_mode:
            strs = [f"{v:.0f}." for v in nz.tolist()]
        else:
            strs = [f"{v:.{_PRECISION}f}" for v in nz.tolist()]
        self.width = max(len(x) for x in strs)

    def format(self, v):
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:{self.width}.{_PRECISION}e}"
        elif self.int_mode:
            s = f"{v:.0f}" + ("" if np.isinf(v) or np.isnan(v) else ".")
        else:
            s = f"{v:.{_PRECISION}f}"
        return " " * (self.width - len(s)) + s


def _summarized(arr):
    """The elements that will be shown: the first and last _EDGEITEMS along every long dim."""
    for d in builtins.range(arr.ndim):
        if arr.shape[d] > 2 * _EDGEITEMS:
            n = arr.shape[d]
            idx = list(builtins.range(_EDGEITEMS)) + list(builtins.range(n - _EDGEITEMS, n))
            arr = np.take(arr, idx, axis=d)
    return arr


def _body(arr, indent, summarize, fmt):
    if arr.ndim == 0:
        return fmt.format(arr.item())
    n = arr.shape[0]
    skip = summarize and n > 2 * _EDGEITEMS
    rows = list(builtins.range(_EDGEITEMS)) + [None] + list(builtins.range(n - _EDGEITEMS, n)) if skip \
        else list(builtins.range(n))
    if arr.ndim == 1:
        items = [fmt.format(arr[i].item()) if i is not None else " ..." for i in rows]
        per_line = max(1, (_LINEWIDTH - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in builtins.range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    parts = [_body(arr[i], indent + 1, summarize, fmt) if i is not None else "..." for i in rows]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _repr(self):
    arr = self.detach().numpy()
    prefix = "tensor("
    extras = []
    if arr.size == 0:
        body = "[]"
        if arr.ndim != 1:
            extras.append(f"size={tuple(arr.shape)}")
        if self.dtype != _C.dtype.float32:  # nothing to infer the dtype from
            extras.append(f"dtype={self.dtype!r}")
    else:
        summarize = arr.size > _THRESHOLD
        fmt = _Formatter(_summarized(arr) if summarize else arr)
        body = _body(arr, len(prefix), summarize, fmt)
        if self.dtype not in (_C.dtype.float32, _C.dtype.int64, _C.dtype.bool):
            extras.append(f"dtype={self.dtype!r}")
    if self.grad_fn is not None:
        extras.append(f"grad_fn=<{self.grad_fn.name()}>")
    elif self.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"


def _tolist(self):
    """Nested Python lists of Python numbers."""
    return self.detach().numpy().tolist()


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self[i] for i in builtins.range(self.shape[0]))


def _format(self, spec):
    if self.ndim == 0:
        return self.item().__format__(spec)
    return _repr(self).__format__(spec)


def _deepcopy(self, memo):
    """copy.deepcopy(t): a new leaf with its own copy of the data (and of .grad), same requires_grad.

    Used by copy.deepcopy(model) and deepcopy(model.state_dict()) (early stopping keeps the best weights).
    """
    if id(self) in memo:
        return memo[id(self)]
    new = self.detach().clone()  # (nn.Parameter defines its own __deepcopy__)
    if self.requires_grad:
        new.requires_grad_(True)
    if self.grad is not None:
        new.grad = self.grad.detach().clone()
    memo[id(self)] = new
    return new


Tensor.__repr__ = _repr
Tensor.__deepcopy__ = _deepcopy
Tensor.__str__ = _repr
Tensor.tolist = _tolist
Tensor.__iter__ = _iter
Tensor.__format__ = _format
Tensor.__array_priority__ = 1000  # `ndarray + tensor` asks the tensor first
