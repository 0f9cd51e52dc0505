"""Classification metrics: accuracy, top-k accuracy, confusion matrix (note 004, section 2.7.1).

Every function takes ``(input, target)`` in PyTorch's loss order (scikit-learn writes
``(y_true, y_pred)``, the other way round). ``input`` may be:

- (N, C) float scores, logits or probabilities: the prediction is the argmax over the classes
  ((N, C, d1, ...) as ``cross_entropy`` takes is also accepted); a target of the same (N, C) shape
  is one-hot (or class probabilities) and is read as its argmax;
- (N,) or (N, 1) float probabilities of class 1, with 0/1 targets: the prediction is
  ``input > threshold``, ``threshold=0.5`` by default; for logits pass ``threshold=0.0``
  (values outside [0, 1] without a threshold raise ValueError instead of being misread);
- (N,) integer (or whole-number float, or bool) labels.

Targets are class labels: integers, or floats holding whole numbers (the float 0/1 targets of
``binary_cross_entropy``). Inputs may be minidl tensors, NumPy arrays or lists.
"""
import numpy as np

from ._inputs import (as_labels, as_tensor, check_lengths, check_no_nan, check_range, class_predictions,
                      num_classes_of, squeeze_column, to_numpy)

__all__ = ["accuracy", "top_k_accuracy", "confusion_matrix"]


def accuracy(input, target, threshold=None):
    """Accuracy (准确率, note 004 eq. 32): the fraction of samples predicted correctly.

    ``accuracy = (number correct) / N = (TP + TN) / (TP + TN + FP + FN)`` for two classes.

    See the module docstring for how ``input`` becomes predictions. Returns a Python float.
    Misleading on imbalanced classes (predicting the majority class of a 99:1 set scores 0.99):
    look at ``precision``, ``recall``, ``f1_score`` and ``confusion_matrix`` too.

    >>> accuracy(logits, y)                     # (N, C) logits, (N,) class indices
    >>> accuracy(minidl.sigmoid(z), y)          # probabilities, threshold 0.5
    >>> accuracy(z, y, threshold=0.0)           # logits of one output
    """
    pred, true, _ = class_predictions(input, target, threshold)
    return float(np.mean(pred == true))


def top_k_accuracy(input, target, k=5):
    """Top-k accuracy: the fraction of samples whose true class is among the k highest scores.

    ``input`` is (N, C) scores (logits or probabilities), ``target`` (N,) class indices.
    A sample counts as correct when fewer than k classes score strictly higher than its true
    class, so ties are resolved in the true class's favour (scikit-learn's
    ``top_k_accuracy_score`` breaks ties by class order instead; without ties they agree).
    ``k=1`` is ``accuracy`` up to ties. ``k`` must be between 1 and C.
    """
    scores = to_numpy(input, "input")
    tgt = squeeze_column(to_numpy(target, "target"))
    check_lengths(scores, tgt)
    if scores.ndim != 2 or scores.dtype.kind != "f":
        raise ValueError(f"top_k_accuracy needs (N, C) float scores, got shape {tuple(scores.shape)} "
                         f"of dtype {scores.dtype}")
    if tgt.ndim != 1:
        raise ValueError(f"top_k_accuracy needs (N,) class indices as target, got shape {tuple(tgt.shape)}")
    n_classes = scores.shape[1]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if not 1 <= k <= n_classes:
        raise ValueError(f"k must be between 1 and the number of classes C={n_classes}, got k={k}")
    check_no_nan(scores, "input")
    true = as_labels(tgt, "target")
    check_range(true, n_classes, "target")
    true_score = np.take_along_axis(scores, true[:, None], axis=1)
    rank = np.count_nonzero(scores > true_score, axis=1)
    return float(np.mean(rank < k))


def confusion_matrix(input, target, num_classes=None, normalize=None, threshold=None):
    """Confusion matrix (混淆矩阵): ``M[i, j]`` = number of samples of true class i predicted as j.

    Rows are true classes and columns predicted ones, as in scikit-learn. For two classes
    ``M = [[TN, FP], [FN, TP]]`` (class 1 positive). Labels are class indices 0..C-1; C is
    ``num_classes``, else the score width of an (N, C) input, else the largest label + 1.

    ``normalize``: None (counts, an int64 tensor), ``'true'`` (each row divided by its sum: row
    i holds the recall of class i on the diagonal), ``'pred'`` (columns: precision on the
    diagonal) or ``'all'`` (divided by N); rows or columns without samples stay 0.
    Returns a (C, C) minidl tensor.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")
    pred, true, n_scores = class_predictions(input, target, threshold)
    n = num_classes_of(pred, true, num_classes, n_scores)
    counts = np.bincount(true * n + pred, minlength=n * n).reshape(n, n)
    if normalize is None:
        return as_tensor(counts)
    counts = counts.astype(np.float64)
    if normalize == "all":
        return as_tensor(counts / counts.sum())
    axis = 1 if normalize == "true" else 0
    sums = counts.sum(axis=axis, keepdims=True)
    return as_tensor(np.divide(counts, sums, out=np.zeros_like(counts), where=sums != 0))

