"""What the metrics receive (tensors, NumPy arrays, lists) as NumPy arrays, and as class labels.

Tensors are read through zero-copy ``.detach().numpy()`` views; nothing here copies data that it
does not have to, and nothing loops over elements in Python.
"""
import numpy as np

from .._C import Tensor
from .._C import from_numpy

__all__ = ["to_numpy", "as_tensor", "squeeze_column", "class_predictions", "as_labels", "check_no_nan",
           "check_lengths", "check_range", "num_classes_of"]


def to_numpy(x, name):
    """``x`` (a minidl tensor, NumPy array, list or number) as an ndarray of numbers."""
    if isinstance(x, Tensor):
        return x.detach().numpy()
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers (a minidl tensor, a NumPy array or a list), "
                        f"got {type(x).__name__} of dtype {arr.dtype}")
    return arr


def as_tensor(arr):
    """A NumPy result as a minidl tensor (float64 for fractions, int64 for counts)."""
    arr = np.asarray(arr)
    arr = arr.astype(np.int64 if arr.dtype.kind in "biu" else np.float64, copy=False)
    return from_numpy(np.ascontiguousarray(arr))


def squeeze_column(arr):
    """An (N, 1) array (the output of a one-output model) as its (N,) column."""
    return arr[:, 0] if arr.ndim == 2 and arr.shape[1] == 1 else arr


def check_no_nan(arr, name):
    if arr.dtype.kind == "f":
        nan = np.isnan(arr)
        if nan.any():
            where = tuple(int(i) for i in np.unravel_index(int(np.argmax(nan)), arr.shape))
            where = where[0] if len(where) == 1 else where
            raise ValueError(f"{name} contains NaN ({int(nan.sum())} of {arr.size} values, the first at "
                             f"index {where}); a NaN loss or prediction has no meaningful metric")


def check_lengths(inp, tgt, what="input and target"):
    if inp.ndim == 0 or tgt.ndim == 0:
        raise ValueError(f"{what} must be arrays of samples, got shapes {tuple(inp.shape)} and "
                         f"{tuple(tgt.shape)}")
    if inp.shape[0] != tgt.shape[0]:
        raise ValueError(f"{what} have different numbers of samples: {inp.shape[0]} and {tgt.shape[0]} "
                         f"(shapes {tuple(inp.shape)} and {tuple(tgt.shape)})")
    if inp.shape[0] == 0:
        raise ValueError(f"{what} are empty: a metric needs at least one sample")


def as_labels(arr, name):
    """Class labels as int64: integers, booleans, or floats holding whole numbers (0., 1., ...)."""
    if arr.dtype.kind in "biu":
        return arr.astype(np.int64, copy=False)
    check_no_nan(arr, name)
    frac = arr != np.floor(arr)
    if frac.any():
        i = int(np.argmax(frac.ravel()))
        raise ValueError(f"{name} must hold class labels (whole numbers), but {name}[{i}] = "
                         f"{arr.ravel()[i].item()!r}")
    return arr.astype(np.int64)


def class_predictions(input, target, threshold=None):
    """(predicted labels, true labels, number of score columns or None), both label arrays 1-D int64.

    The rules (documented on every classification metric):

    - ``input`` (N, C) float (or (N, C, d1, ...) as ``cross_entropy`` takes): scores or logits,
      the prediction is the argmax over dim 1. A target of the same (N, C) shape is one-hot or
      class probabilities and is read as its argmax.
    - ``input`` (N,) or (N, 1) float: with ``threshold`` given, ``input > threshold`` (0/1).
      Without, whole numbers are hard labels (0., 1., 2. or -1., 1.), and values in [0, 1] are
      probabilities of class 1 (targets must be 0/1), thresholded at 0.5. Other values (logits)
      raise ValueError: pass ``threshold=0.0`` for logits (sigmoid(z) > 0.5 exactly when z > 0).
    - integer or boolean ``input``: labels.
    """
    inp = squeeze_column(to_numpy(input, "input"))
    tgt = squeeze_column(to_numpy(target, "target"))
    check_lengths(inp, tgt)
    n_scores = None
    if inp.ndim >= 2:
        if inp.dtype.kind != "f":
            raise ValueError(f"a {inp.ndim}-D input must hold float scores or logits (N, C, ...), got dtype "
                             f"{inp.dtype} of shape {tuple(inp.shape)}; labels are 1-D (N,)")
        check_no_nan(inp, "input")
        n_scores = inp.shape[1]
        if tgt.shape == inp.shape and inp.ndim == 2:
            check_no_nan(tgt, "target")
            tgt = tgt.argmax(axis=1)
        expected = inp.shape[:1] + inp.shape[2:]
        if tgt.shape != expected:
            raise ValueError(f"input of shape {tuple(inp.shape)} (scores over dim 1) needs a target of "
                             f"shape {expected} (class indices) or {tuple(inp.shape)} (one-hot), got "
                             f"{tuple(tgt.shape)}")
        return inp.argmax(axis=1).ravel(), as_labels(tgt, "target").ravel(), n_scores
    if tgt.ndim != 1:
        raise ValueError(f"a 1-D input of {inp.shape[0]} predictions needs a 1-D target, got shape "
                         f"{tuple(tgt.shape)}")
    true = as_labels(tgt, "target")
    if inp.dtype.kind != "f":
        return inp.astype(np.int64, copy=False), true, None
    check_no_nan(inp, "input")
    if threshold is None:
        whole = np.all(inp == np.floor(inp))
        if whole:
            return inp.astype(np.int64), true, None
        lo, hi = float(inp.min()), float(inp.max())
        if lo < 0.0 or hi > 1.0:
            raise ValueError(f"1-D float input must be probabilities of class 1 in [0, 1] or whole-number "
                             f"labels, but it holds fractions in [{lo:g}, {hi:g}]: for logits pass "
                             "threshold=0.0 (sigmoid(z) > 0.5 exactly when z > 0), or apply minidl.sigmoid")
        threshold = 0.5
    outside = (true != 0) & (true != 1)
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(f"1-D float input is read as probabilities of class 1, which needs 0/1 targets, "
                         f"but target[{i}] = {true[i]}; for C classes give (N, C) scores or integer labels")
    return (inp > threshold).astype(np.int64), true, None


def check_range(labels, n, name):
    bad = (labels < 0) | (labels >= n)
    if bad.any():
        i = int(np.argmax(bad))
        raise IndexError(f"{name}[{i}] = {labels[i]} is not a class index in [0, {n - 1}] ({n} classes)")


def num_classes_of(pred, true, num_classes, n_scores):
    """C from ``num_classes``, else from the scores' width, else from the largest label; checks the labels."""
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
        if n_scores is not None and n_scores != num_classes:
            raise ValueError(f"num_classes={num_classes} but the input has scores for {n_scores} classes")
        n = int(num_classes)
    elif n_scores is not None:
        n = n_scores
    else:
        for labels, name in ((true, "target"), (pred, "predicted label")):
            if labels.min() < 0:
                i = int(np.argmax(labels < 0))
                raise IndexError(f"{name}[{i}] = {labels[i]}: class labels must be indices 0..C-1 "
                                 "(map -1/+1 labels with (y + 1) // 2)")
        n = int(max(pred.max(), true.max())) + 1
    check_range(true, n, "target")
    check_range(pred, n, "predicted label")
    return n
