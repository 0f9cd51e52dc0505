"""minidl.metrics ROC curve and AUC: a hand-computed curve, scikit-learn, and the pairwise definition."""
import numpy as np
import pytest
from sklearn import metrics as skm

import minidl
from minidl import metrics


def test_roc_curve_hand_computed():
    # scores sorted: 0.8 (pos), 0.4 (neg), 0.35 (pos), 0.1 (neg)
    fpr, tpr, thr = metrics.roc_curve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    for t in (fpr, tpr, thr):
        assert isinstance(t, minidl.Tensor) and t.dtype == minidl.float64
    np.testing.assert_allclose(fpr.numpy(), [0, 0, 0.5, 0.5, 1])
    np.testing.assert_allclose(tpr.numpy(), [0, 0.5, 0.5, 1, 1])
    np.testing.assert_allclose(thr.numpy(), [np.inf, 0.8, 0.4, 0.35, 0.1])
    assert metrics.roc_auc_score([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == pytest.approx(0.75)


def _scores(n=300, seed=0, decimals=1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = np.round(rng.normal(size=n) + y, decimals)  # rounded: many ties
    return s, y


@pytest.mark.parametrize("drop", [False, True])
@pytest.mark.parametrize("decimals", [1, 6])
def test_roc_curve_against_sklearn(drop, decimals):
    s, y = _scores(decimals=decimals)
    fpr, tpr, thr = metrics.roc_curve(minidl.from_numpy(s.astype(np.float32)), minidl.tensor(y),
                                      drop_intermediate=drop)
    rf, rt, rthr = skm.roc_curve(y, s.astype(np.float32), drop_intermediate=drop)
    np.testing.assert_allclose(fpr.numpy(), rf, rtol=1e-12)
    np.testing.assert_allclose(tpr.numpy(), rt, rtol=1e-12)
    np.testing.assert_allclose(thr.numpy(), rthr, rtol=1e-7)


def _pairwise_auc(s, y):
    """P(score of a random positive > score of a random negative), ties counting 1/2."""
    pos, neg = s[y == 1][:, None], s[y == 0][None, :]
    return np.mean((pos > neg) + 0.5 * (pos == neg))


@pytest.mark.parametrize("decimals", [0, 1, 6])
def test_auc_against_pairwise_definition_and_sklearn(decimals):
    s, y = _scores(decimals=decimals, seed=decimals)
    auc = metrics.roc_auc_score(s, y)
    assert type(auc) is float
    assert auc == pytest.approx(_pairwise_auc(s, y), rel=1e-12)
    assert auc == pytest.approx(skm.roc_auc_score(y, s), rel=1e-12)


def test_auc_extremes_and_logits():
    y = np.array([0, 0, 1, 1])
    assert metrics.roc_auc_score([0.1, 0.2, 0.8, 0.9], y) == 1.0
    assert metrics.roc_auc_score([0.9, 0.8, 0.2, 0.1], y) == 0.0
    assert metrics.roc_auc_score([0.5, 0.5, 0.5, 0.5], y) == 0.5
    z = minidl.tensor([[-3.0], [-1.0], [2.0], [0.5]])  # (N, 1) logits of a one-output model
    assert metrics.roc_auc_score(z, minidl.tensor([0.0, 1.0, 1.0, 0.0])) == pytest.approx(0.75)


def test_infinite_scores_tie_with_each_other():
    s = np.array([np.inf, np.inf, 0.0, -np.inf])
    y = np.array([1, 0, 1, 0])
    fpr, tpr, thr = metrics.roc_curve(s, y)
    np.testing.assert_allclose(thr.numpy(), [np.inf, np.inf, 0.0, -np.inf])
    np.testing.assert_allclose(fpr.numpy(), [0, 0.5, 0.5, 1])
    assert metrics.roc_auc_score(s, y) == pytest.approx(_pairwise_auc(s, y))


@pytest.mark.parametrize("labels,pos", [((0, 1), 0), ((-1, 1), 1), ((-1, 1), -1), ((2, 5), 5)])
def test_pos_label(labels, pos):
    s, y01 = _scores(n=80, seed=4)
    y = np.where(y01 == 1, labels[1], labels[0])
    fpr, tpr, _ = metrics.roc_curve(s, y, pos_label=pos)
    rf, rt, _ = skm.roc_curve(y, s, pos_label=pos, drop_intermediate=False)
    np.testing.assert_allclose(fpr.numpy(), rf)
    np.testing.assert_allclose(tpr.numpy(), rt)
    ref = _pairwise_auc(s, (y == pos).astype(int))
    assert metrics.roc_auc_score(s, y, pos_label=pos) == pytest.approx(ref)


def test_errors():
    with pytest.raises(ValueError, match=r"\(target == 1\) and negative samples, but all 3 are negative"):
        metrics.roc_auc_score([0.1, 0.2, 0.3], [0, 0, 0])
    with pytest.raises(ValueError, match="all 2 are positive"):
        metrics.roc_curve([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match=r"two classes, but target holds 3 labels \[0, 1, 2\]"):
        metrics.roc_curve([0.1, 0.2, 0.3], [0, 1, 2])
    with pytest.raises(ValueError, match=r"one score per sample, shape \(N,\), got \(3, 2\)"):
        metrics.roc_auc_score(np.zeros((3, 2)), [0, 1, 1])
    with pytest.raises(ValueError, match="input contains NaN"):
        metrics.roc_auc_score([0.1, np.nan], [0, 1])
    with pytest.raises(ValueError, match="different numbers of samples: 2 and 3"):
        metrics.roc_curve([0.1, 0.2], [0, 1, 1])
    with pytest.raises(ValueError, match="empty"):
        metrics.roc_curve([], [])
