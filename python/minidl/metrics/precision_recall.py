"""Precision, recall and F1 (note 004 eqs. 33-35), for two classes or averaged over C classes.

Inputs as in ``minidl.metrics.classification`` (``(input, target)`` order; scores, probabilities
or labels). The averages follow scikit-learn's ``precision_score`` & co.:

- ``'binary'`` (default): only class ``pos_label`` (1) counts as positive; the labels must take
  at most two values (any two integers, e.g. 0/1 or -1/+1).
- ``'micro'``: TP, FP and FN summed over the classes first (for single-label data micro
  precision = micro recall = micro F1 = accuracy).
- ``'macro'``: the plain mean of the per-class values (every class weighs the same).
- ``'weighted'``: the per-class values weighted by each class's support (true count).
- ``None``: the per-class values as a float64 tensor.

Classes are ``0..num_classes-1`` when ``num_classes`` is given or the input is (N, C) scores,
else the labels that appear in ``input`` or ``target`` (scikit-learn's default).

``zero_division``: the value used where a ratio is 0/0 (no sample predicted as a class, or none
in it): ``'warn'`` (0.0 with an ``UndefinedMetricWarning``), ``0.0``, ``1.0`` or ``nan``
(nan values are then left out of the macro/weighted means, as scikit-learn does).
"""
import math
import warnings

import numpy as np

from ._inputs import as_tensor, class_predictions, num_classes_of

__all__ = ["precision", "recall", "f1_score", "UndefinedMetricWarning"]

_AVERAGES = ("binary", "micro", "macro", "weighted", None)


class UndefinedMetricWarning(UserWarning):
    """A precision, recall or F1 was 0/0 and has been set to 0.0 (see ``zero_division``)."""


def precision(input, target, average="binary", pos_label=1, num_classes=None, zero_division="warn",
              threshold=None):
    """Precision (精确率, note 004 eq. 33): ``TP / (TP + FP)``, of the samples predicted positive
    the fraction that are positive. scikit-learn's ``precision_score`` with ``(input, target)`` order.
    """
    tp, predicted, actual, classes = _counts(input, target, average, pos_label, num_classes, threshold)
    values = _divide(tp, predicted, zero_division, "Precision", "predicted", classes)
    return _reduce(values, average, actual)


def recall(input, target, average="binary", pos_label=1, num_classes=None, zero_division="warn",
           threshold=None):
    """Recall (召回率, note 004 eq. 34; sensitivity, TPR): ``TP / (TP + FN)``, of the positive
    samples the fraction predicted positive. scikit-learn's ``recall_score`` with ``(input, target)``.
    """
    tp, predicted, actual, classes = _counts(input, target, average, pos_label, num_classes, threshold)
    values = _divide(tp, actual, zero_division, "Recall", "true", classes)
    return _reduce(values, average, actual)


def f1_score(input, target, average="binary", pos_label=1, num_classes=None, zero_division="warn",
             threshold=None):
    """F1 score (F1 分数, note 004 eq. 35): the harmonic mean of precision P and recall R,
    ``F1 = 2 P R / (P + R) = 2 TP / (2 TP + FP + FN)``.

    Computed from the counts (the right-hand form), so a class with TP = 0 but some FP or FN
    scores 0 even where P or R alone is 0/0; ``zero_division`` applies only when
    ``2 TP + FP + FN = 0``. scikit-learn's ``f1_score`` with ``(input, target)`` order.
    """
    tp, predicted, actual, classes = _counts(input, target, average, pos_label, num_classes, threshold)
    values = _divide(2 * tp, predicted + actual, zero_division, "F-score", "true nor predicted", classes)
    return _reduce(values, average, actual)


def _counts(input, target, average, pos_label, num_classes, threshold):
    """(TP, predicted count, true count, class ids) per class, or one entry for binary/micro."""
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of 'binary', 'micro', 'macro', 'weighted' or None, "
                         f"got {average!r}")
    pred, true, n_scores = class_predictions(input, target, threshold)
    if average == "binary":
        present = np.union1d(pred, true)
        if len(present) > 2 or (n_scores or 0) > 2:
            shown = present.tolist() if len(present) <= 10 else present[:10].tolist() + ["..."]
            raise ValueError(f"average='binary' needs two classes, but the labels are {shown}"
                             + (f" (scores for {n_scores} classes)" if n_scores else "")
                             + "; choose average='macro', 'micro', 'weighted' or None")
        if len(present) == 2 and pos_label not in present:
            raise ValueError(f"pos_label={pos_label!r} is not one of the labels {present.tolist()}")
        if num_classes is not None:
            num_classes_of(pred, true, num_classes, n_scores)
        is_pred, is_true = pred == pos_label, true == pos_label
        counts = [np.count_nonzero(is_pred & is_true), np.count_nonzero(is_pred), np.count_nonzero(is_true)]
        return (*(np.array([c], dtype=np.int64) for c in counts), np.array([pos_label]))
    n = num_classes_of(pred, true, num_classes, n_scores)
    tp = np.bincount(true[pred == true], minlength=n)
    predicted = np.bincount(pred, minlength=n)
    actual = np.bincount(true, minlength=n)
    classes = np.arange(n)
    if num_classes is None and n_scores is None:
        classes = np.union1d(pred, true)
        tp, predicted, actual = tp[classes], predicted[classes], actual[classes]
    if average == "micro":
        tp, predicted, actual = (np.array([a.sum()]) for a in (tp, predicted, actual))
    return tp, predicted, actual, classes


def _divide(num, den, zero_division, what, missing, classes):
    if not (zero_division == "warn" or (isinstance(zero_division, (int, float, np.floating))
                                        and not isinstance(zero_division, bool)
                                        and (zero_division in (0, 1) or math.isnan(zero_division)))):
        raise ValueError(f"zero_division must be 'warn', 0.0, 1.0 or nan, got {zero_division!r}")
    zero = den == 0
    out = num / np.where(zero, 1, den).astype(np.float64)
    if zero.any():
        out[zero] = 0.0 if zero_division == "warn" else float(zero_division)
        if zero_division == "warn":
            ids = classes[zero].tolist() if len(classes) == len(zero) else "all"
            warnings.warn(f"{what} is ill-defined (0/0) for classes {ids}, which have no {missing} samples, "
                          "and is set to 0.0; pass zero_division=0.0, 1.0 or nan to choose the value",
                          UndefinedMetricWarning, stacklevel=3)
    return out


def _reduce(values, average, support):
    if average is None:
        return as_tensor(values)
    if average in ("binary", "micro"):
        return float(values[0])
    keep = ~np.isnan(values)
    if not keep.any():
        return math.nan
    weights = support[keep] if average == "weighted" else None
    if weights is not None and weights.sum() == 0:
        weights = None
    return float(np.average(values[keep], weights=weights))
