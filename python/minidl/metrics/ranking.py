"""The ROC curve and the area under it (ROC 曲线和 AUC, note 004 eqs. 36-37), for two classes.

``input`` is one score per sample, higher meaning "more likely positive": probabilities of
class 1, logits, or any real score ((N,) or (N, 1)); for (N, 2) class scores pass
``minidl.softmax(z, 1)[:, 1]``. ``target`` holds two label values, ``pos_label`` (1) being the
positive one. Both classes must occur, otherwise the rates divide by zero (ValueError).
"""
import numpy as np

from ._inputs import as_labels, as_tensor, check_lengths, check_no_nan, squeeze_column, to_numpy

__all__ = ["roc_curve", "roc_auc_score"]


def roc_curve(input, target, pos_label=1, drop_intermediate=False):
    """The ROC curve: false and true positive rates as the threshold sweeps down the scores.

    At threshold t a sample is predicted positive when ``score >= t``; then
    ``TPR = TP / (TP + FN)`` (recall) and ``FPR = FP / (FP + TN)``. The thresholds are the
    distinct scores in decreasing order, after a first ``inf`` (nothing predicted positive,
    the point (0, 0)); the last point is (1, 1).

    Returns ``(fpr, tpr, thresholds)`` as float64 tensors, like scikit-learn's ``roc_curve``
    (with ``(input, target)`` order). ``drop_intermediate=False`` (default, as torchmetrics)
    keeps every distinct threshold; ``True`` drops the points that lie on a straight segment
    between their neighbours, which is scikit-learn's default and leaves the area unchanged.
    """
    fps, tps, thresholds = _cumulative_counts(input, target, pos_label)
    if drop_intermediate and len(fps) > 3:
        # a point is kept where the curve turns: a second difference in FP or TP is non-zero;
        # the first point after (0, 0) always stays (scikit-learn drops before adding (0, 0))
        turn = np.logical_or(np.diff(fps[1:], 2), np.diff(tps[1:], 2))
        keep = np.flatnonzero(np.r_[True, True, turn, True])
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    return as_tensor(fps / fps[-1]), as_tensor(tps / tps[-1]), as_tensor(thresholds)


def roc_auc_score(input, target, pos_label=1):
    """AUC, the area under the ROC curve (trapezoidal rule), in [0, 1]; 0.5 is a random ranking.

    Equals the probability that a random positive sample scores higher than a random negative
    one, counting ties as 1/2 (note 004's interpretation; the Mann-Whitney U statistic / (P N)).
    scikit-learn's ``roc_auc_score`` for binary targets, with ``(input, target)`` order.
    """
    fps, tps, _ = _cumulative_counts(input, target, pos_label)
    fpr, tpr = fps / fps[-1], tps / tps[-1]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)


def _cumulative_counts(input, target, pos_label):
    """(FP, TP, thresholds) at each distinct score, from the highest down, after (0, 0, inf)."""
    scores = squeeze_column(to_numpy(input, "input"))
    tgt = squeeze_column(to_numpy(target, "target"))
    check_lengths(scores, tgt)
    if scores.ndim != 1:
        raise ValueError(f"the ROC curve needs one score per sample, shape (N,), got {tuple(scores.shape)}; "
                         "for (N, 2) class scores pass minidl.softmax(z, 1)[:, 1]")
    if tgt.ndim != 1:
        raise ValueError(f"target must be (N,) labels, got shape {tuple(tgt.shape)}")
    check_no_nan(scores, "input")
    labels = as_labels(tgt, "target")
    present = np.unique(labels)
    if len(present) > 2:
        raise ValueError(f"the ROC curve is for two classes, but target holds {len(present)} labels "
                         f"{present[:10].tolist()}")
    positive = labels == pos_label
    n_pos = int(np.count_nonzero(positive))
    if n_pos == 0 or n_pos == len(labels):
        raise ValueError(f"the ROC curve needs positive (target == {pos_label!r}) and negative samples, but "
                         f"all {len(labels)} are {'negative' if n_pos == 0 else 'positive'}")
    order = np.argsort(-scores.astype(np.float64), kind="stable")
    scores, positive = scores[order].astype(np.float64), positive[order]
    # the last index of each run of equal scores: all tied samples switch together
    last = np.r_[np.flatnonzero(scores[1:] != scores[:-1]), len(scores) - 1]
    tps = np.cumsum(positive)[last]
    fps = last + 1 - tps
    return (np.r_[0, fps].astype(np.float64), np.r_[0, tps].astype(np.float64),
            np.r_[np.inf, scores[last]])
