"""Regression, KL, binary and margin losses of minidl.nn.functional: forward against NumPy
references written here (float32 and float64, every reduction, weights, odd shapes, non-contiguous
inputs), gradients by gradcheck (float64), stability at logits of +-1000, and errors."""
import math

import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
from minidl.autograd import gradcheck
from minidl.nn import _functional_losses

from loss_helpers import FLOATS, REDUCTIONS, T, leaf, npv, tol  # noqa: F401

RNG = np.random.default_rng(7)
SHAPE = (3, 5, 7)


def layout(a, kind):
    """The same values as contiguous, transposed-memory or sliced (strided) arrays."""
    if kind == "contiguous":
        return np.ascontiguousarray(a)
    if kind == "transposed":
        return np.ascontiguousarray(a.T).T
    big = np.zeros(tuple(2 * s + 1 for s in a.shape), dtype=a.dtype)
    view = big[tuple(slice(1, None, 2) for _ in a.shape)]
    view[...] = a
    return view


def np_reduce(l, reduction, denom=None):
    if reduction == "none":
        return l
    if reduction == "sum":
        return l.sum()
    return l.sum() / (l.size if denom is None else denom)


# ------------------------------------------------------------------ NumPy references

def np_huber(d, delta):
    return np.where(np.abs(d) <= delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


def np_smooth_l1(d, beta):
    if beta == 0:
        return np.abs(d)
    return np.where(np.abs(d) < beta, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)


REGRESSION = {
    "mse": (lambda x, y, **kw: F.mse_loss(x, y, **kw), lambda d: d * d),
    "l1": (lambda x, y, **kw: F.l1_loss(x, y, **kw), np.abs),
    "huber_0.5": (lambda x, y, **kw: F.huber_loss(x, y, delta=0.5, **kw), lambda d: np_huber(d, 0.5)),
    "huber_1": (lambda x, y, **kw: F.huber_loss(x, y, **kw), lambda d: np_huber(d, 1.0)),
    "huber_2": (lambda x, y, **kw: F.huber_loss(x, y, delta=2.0, **kw), lambda d: np_huber(d, 2.0)),
    "smooth_l1_0": (lambda x, y, **kw: F.smooth_l1_loss(x, y, beta=0.0, **kw), lambda d: np_smooth_l1(d, 0.0)),
    "smooth_l1_0.5": (lambda x, y, **kw: F.smooth_l1_loss(x, y, beta=0.5, **kw), lambda d: np_smooth_l1(d, 0.5)),
    "smooth_l1_1": (lambda x, y, **kw: F.smooth_l1_loss(x, y, **kw), lambda d: np_smooth_l1(d, 1.0)),
}


def np_kl(x, y, log_target):
    if log_target:
        return np.exp(y) * (y - x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, y * (np.log(np.where(y > 0, y, 1)) - x), 0.0)


def np_bce(x, y, w=1.0):
    with np.errstate(divide="ignore"):
        return -w * (y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log(1 - x), -100))


def np_bce_logits(x, y, w=1.0, pw=1.0):
    log_s, log_1ms = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    return -w * (pw * y * log_s + (1 - y) * log_1ms)


def np_sigmoid_focal(x, y, alpha, gamma):
    p = np.exp(-np.logaddexp(0, -x))
    ce = np_bce_logits(x, y)
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return loss


def np_multi_margin(x, y, p, margin, w=None):
    x2 = np.atleast_2d(x).astype(np.float64)
    y1 = np.atleast_1d(y)
    C = x2.shape[1]
    out = np.zeros(len(y1))
    for n, t in enumerate(y1):
        for i in range(C):
            if i != t:
                out[n] += max(0.0, margin - x2[n, t] + x2[n, i]) ** p
        out[n] *= (1.0 if w is None else w[t]) / C
    return out.reshape(np.shape(y))


def np_pdist(a, b, p, eps):
    return (np.abs(a - b + eps) ** p).sum(-1) ** (1.0 / p)


def np_triplet(a, pos, neg, margin, p, eps, swap):
    d_ap, d_an = np_pdist(a, pos, p, eps), np_pdist(a, neg, p, eps)
    if swap:
        d_an = np.minimum(d_an, np_pdist(pos, neg, p, eps))
    return np.maximum(d_ap - d_an + margin, 0.0)


def np_contrastive(x1, x2, y, margin):
    d = np.sqrt(((x1.astype(np.float64) - x2) ** 2).sum(-1))
    return y * 0.5 * d ** 2 + (1 - y) * 0.5 * np.maximum(0.0, margin - d) ** 2


# ------------------------------------------------------------------ regression

@pytest.mark.parametrize("name", list(REGRESSION))
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kinds", [("contiguous", "contiguous"), ("transposed", "sliced"), ("sliced", "transposed")])
def test_regression_forward(name, dtype, reduction, kinds):
    fn, ref = REGRESSION[name]
    x = (2 * RNG.standard_normal(SHAPE)).astype(dtype)
    y = (2 * RNG.standard_normal(SHAPE)).astype(dtype)
    out = fn(T(layout(x, kinds[0])), T(layout(y, kinds[1])), reduction=reduction)
    assert out.dtype == T(x).dtype
    expected = np_reduce(ref(x.astype(np.float64) - y), reduction)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(npv(out), expected, **tol(dtype))


@pytest.mark.parametrize("name", list(REGRESSION))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_gradcheck(name, reduction):
    fn, _ = REGRESSION[name]
    x = leaf(RNG.standard_normal((3, 4)))
    y = leaf(RNG.standard_normal((3, 4)))
    assert gradcheck(lambda x, y: fn(x, y, reduction=reduction), (x, y))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_regression(dtype, reduction):
    x, y = RNG.standard_normal((4, 5)).astype(dtype), RNG.standard_normal((4, 5)).astype(dtype)
    w = RNG.uniform(0.1, 2, (4, 5)).astype(dtype)
    d = x.astype(np.float64) - y
    # PyTorch's rules: mse and l1 'mean' divide by sum(w), huber's by the element count
    np.testing.assert_allclose(npv(F.mse_loss(T(x), T(y), reduction=reduction, weight=T(w))),
                               np_reduce(w * d * d, reduction, w.sum()), **tol(dtype))
    np.testing.assert_allclose(npv(F.l1_loss(T(x), T(y), reduction=reduction, weight=T(w))),
                               np_reduce(w * np.abs(d), reduction, w.sum()), **tol(dtype))
    np.testing.assert_allclose(npv(F.huber_loss(T(x), T(y), reduction=reduction, delta=0.7, weight=T(w))),
                               np_reduce(w * np_huber(d, 0.7), reduction), **tol(dtype))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_regression_gradcheck(reduction):
    x, y, w = leaf(RNG.standard_normal((2, 3))), leaf(RNG.standard_normal((2, 3))), leaf(RNG.uniform(0.5, 2, (2, 3)))
    for fn in (F.mse_loss, F.l1_loss, F.huber_loss):
        assert gradcheck(lambda x, y, w: fn(x, y, reduction=reduction, weight=w), (x, y, w))


def test_notes_half_sum_mse():
    # notes 001/003: E = 1/2 sum (y - y_hat)^2; here (0 + 1 + 4) / 2
    x, y = T(np.array([1.0, 2.0, 3.0])), T(np.array([1.0, 1.0, 1.0]))
    assert (0.5 * F.mse_loss(x, y, reduction="sum")).item() == 2.5
    assert F.mse_loss(x, y).item() == pytest.approx(5 / 3)


def test_mse_gradient_formula():
    x = T(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    F.mse_loss(x, T(np.zeros(3))).backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.array([1.0, 2.0, 4.0]) / 3)


# ------------------------------------------------------------------ kl_div

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(dtype, reduction, log_target):
    logq = np.log(RNG.dirichlet(np.ones(5), size=4)).astype(dtype)
    p = RNG.dirichlet(np.ones(5), size=4)
    p[0, 1] = 0.0  # 0 log 0 = 0
    tgt = (np.log(p + 1e-3) if log_target else p).astype(dtype)
    out = F.kl_div(T(layout(logq, "transposed")), T(tgt), reduction=reduction, log_target=log_target)
    l = np_kl(logq.astype(np.float64), tgt.astype(np.float64), log_target)
    expected = l.sum() / 4 if reduction == "batchmean" else np_reduce(l, reduction)
    np.testing.assert_allclose(npv(out), expected, **tol(dtype))


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(reduction, log_target):
    x = leaf(np.log(RNG.dirichlet(np.ones(4), size=3)))
    p = RNG.dirichlet(np.ones(4), size=3)
    y = leaf(np.log(p) if log_target else p)
    assert gradcheck(lambda x, y: F.kl_div(x, y, reduction=reduction, log_target=log_target), (x, y))


def test_kl_div_of_equal_distributions_is_zero():
    p = RNG.dirichlet(np.ones(6), size=3)
    assert F.kl_div(T(np.log(p)), T(p), reduction="batchmean").item() == pytest.approx(0.0, abs=1e-15)


# ------------------------------------------------------------------ binary cross-entropy

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("wshape", [None, (5,), (4, 5)])
def test_bce(dtype, reduction, wshape):
    x = RNG.uniform(0.01, 0.99, (4, 5)).astype(dtype)
    y = RNG.uniform(0, 1, (4, 5)).astype(dtype)
    w = None if wshape is None else RNG.uniform(0.1, 2, wshape).astype(dtype)
    out = F.binary_cross_entropy(T(layout(x, "sliced")), T(y), weight=None if w is None else T(w), reduction=reduction)
    ref = np_bce(x.astype(np.float64), y, 1.0 if w is None else w)
    np.testing.assert_allclose(npv(out), np_reduce(ref, reduction), **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_at_zero_and_one_is_finite(dtype):
    x = T(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    y = T(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype))
    out = F.binary_cross_entropy(x, y, reduction="none")
    np.testing.assert_allclose(npv(out), [100.0, 100.0, 0.0, 0.0])
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_gradcheck(reduction):
    x = leaf(RNG.uniform(0.1, 0.9, (3, 4)))
    y = leaf(RNG.uniform(0, 1, (3, 4)))
    w = leaf(RNG.uniform(0.5, 2, (4,)))
    assert gradcheck(lambda x, y, w: F.binary_cross_entropy(x, y, weight=w, reduction=reduction), (x, y, w))
    assert gradcheck(lambda x, y: F.binary_cross_entropy(x, y, reduction=reduction), (x, y))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos", [False, True])
def test_bce_with_logits(dtype, reduction, weighted, pos):
    x = (3 * RNG.standard_normal((6, 3))).astype(dtype)
    y = (RNG.random((6, 3)) < 0.5).astype(dtype)
    w = RNG.uniform(0.1, 2, (6, 1)).astype(dtype) if weighted else None
    pw = RNG.uniform(0.5, 4, (3,)).astype(dtype) if pos else None
    out = F.binary_cross_entropy_with_logits(T(layout(x, "transposed")), T(y), weight=None if w is None else T(w),
                                             reduction=reduction, pos_weight=None if pw is None else T(pw))
    ref = np_bce_logits(x.astype(np.float64), y, 1.0 if w is None else w, 1.0 if pw is None else pw)
    np.testing.assert_allclose(npv(out), np_reduce(ref, reduction), **tol(dtype))


def test_bce_with_logits_equals_bce_of_sigmoid():
    x = RNG.standard_normal((5, 2))
    y = RNG.random((5, 2))
    a = F.binary_cross_entropy_with_logits(T(x), T(y)).item()
    b = F.binary_cross_entropy(minidl.sigmoid(T(x)), T(y)).item()
    assert a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_gradcheck(reduction):
    x = leaf(2 * RNG.standard_normal((3, 4)))
    y = leaf(RNG.uniform(0, 1, (3, 4)))
    w = leaf(RNG.uniform(0.5, 2, (3, 1)))
    pw = leaf(RNG.uniform(0.5, 3, (4,)))
    assert gradcheck(lambda x, y, w, pw: F.binary_cross_entropy_with_logits(x, y, weight=w, reduction=reduction,
                                                                            pos_weight=pw), (x, y, w, pw))


def test_bce_with_logits_gradient_is_sigmoid_minus_target():
    x = RNG.standard_normal(6)
    y = (RNG.random(6) < 0.5).astype(np.float64)
    xt = T(x.copy(), requires_grad=True)
    F.binary_cross_entropy_with_logits(xt, T(y), reduction="sum").backward()
    np.testing.assert_allclose(xt.grad.numpy(), 1 / (1 + np.exp(-x)) - y, rtol=1e-12)


@pytest.mark.parametrize("dtype", FLOATS)
def test_bce_with_logits_stable_at_1000(dtype):
    x = T(np.array([1000, -1000, 1000, -1000], dtype=dtype), requires_grad=True)
    y = T(np.array([0, 1, 1, 0], dtype=dtype))
    pw = T(np.array([2.0], dtype=dtype))
    out = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(npv(out), [1000, 1000, 0, 0])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1, -1, 0, 0])
    x.grad = None
    out = F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=pw)
    np.testing.assert_allclose(npv(out), [1000, 2000, 0, 0])
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


# ------------------------------------------------------------------ sigmoid focal loss

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha", [0.25, -1.0])
@pytest.mark.parametrize("gamma", [0.0, 1.5, 2.0])
def test_sigmoid_focal(dtype, reduction, alpha, gamma):
    x = (2 * RNG.standard_normal((5, 3))).astype(dtype)
    y = (RNG.random((5, 3)) < 0.4).astype(dtype)
    out = F.sigmoid_focal_loss(T(x), T(y), alpha=alpha, gamma=gamma, reduction=reduction)
    np.testing.assert_allclose(npv(out), np_reduce(np_sigmoid_focal(x.astype(np.float64), y, alpha, gamma), reduction),
                               **tol(dtype))


def test_sigmoid_focal_default_reduction_is_none():
    x = RNG.standard_normal((2, 3))
    assert F.sigmoid_focal_loss(T(x), T(np.ones((2, 3)))).shape == (2, 3)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha", [0.25, -1.0])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_sigmoid_focal_gradcheck(reduction, alpha, gamma):
    x = leaf(2 * RNG.standard_normal((3, 3)))
    y = leaf(RNG.uniform(0, 1, (3, 3)))
    assert gradcheck(lambda x, y: F.sigmoid_focal_loss(x, y, alpha=alpha, gamma=gamma, reduction=reduction), (x, y))


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_focal_stable_at_1000(dtype):
    x = T(np.array([1000, -1000, 1000, -1000], dtype=dtype), requires_grad=True)
    y = T(np.array([0, 1, 1, 0], dtype=dtype))
    out = F.sigmoid_focal_loss(x, y, reduction="none")
    np.testing.assert_allclose(npv(out), [0.75 * 1000, 0.25 * 1000, 0, 0])
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


# ------------------------------------------------------------------ multi_margin_loss

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin(dtype, reduction, p, weighted):
    x = RNG.standard_normal((6, 4)).astype(dtype)
    y = RNG.integers(0, 4, 6)
    w = RNG.uniform(0.5, 2, 4).astype(dtype) if weighted else None
    out = F.multi_margin_loss(T(layout(x, "transposed")), T(y), p=p, margin=0.8, weight=None if w is None else T(w),
                              reduction=reduction)
    np.testing.assert_allclose(npv(out), np_reduce(np_multi_margin(x, y, p, 0.8, w), reduction), **tol(dtype))


def test_multi_margin_single_sample():
    x = RNG.standard_normal(5)
    out = F.multi_margin_loss(T(x), T(np.array(2)), reduction="none")
    assert out.shape == ()
    assert out.item() == pytest.approx(np_multi_margin(x, 2, 1, 1.0).item(), rel=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_gradcheck(reduction, p):
    x = leaf(RNG.standard_normal((4, 5)))
    y = T(RNG.integers(0, 5, 4))
    w = T(RNG.uniform(0.5, 2, 5))
    assert gradcheck(lambda x: F.multi_margin_loss(x, y, p=p, margin=0.9, weight=w, reduction=reduction), (x,))


# ------------------------------------------------------------------ triplet_margin_loss

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet(dtype, reduction, p, swap):
    a, pos, neg = (RNG.standard_normal((5, 4)).astype(dtype) for _ in range(3))
    out = F.triplet_margin_loss(T(a), T(layout(pos, "sliced")), T(neg), margin=1.5, p=p, swap=swap, reduction=reduction)
    ref = np_triplet(a.astype(np.float64), pos, neg, 1.5, p, 1e-6, swap)
    np.testing.assert_allclose(npv(out), np_reduce(ref, reduction), **tol(dtype))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_gradcheck(reduction, p, swap):
    a, pos, neg = (leaf(RNG.standard_normal((4, 3))) for _ in range(3))
    assert gradcheck(lambda a, q, n: F.triplet_margin_loss(a, q, n, margin=2.0, p=p, swap=swap, reduction=reduction),
                     (a, pos, neg))


def test_triplet_one_dim():
    a, pos, neg = (RNG.standard_normal(4) for _ in range(3))
    out = F.triplet_margin_loss(T(a), T(pos), T(neg), reduction="none")
    assert out.shape == ()
    assert out.item() == pytest.approx(float(np_triplet(a, pos, neg, 1.0, 2.0, 1e-6, False)), rel=1e-12)


# ------------------------------------------------------------------ contrastive loss (note 004 eq. 28)

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_contrastive(dtype, reduction):
    x1, x2 = RNG.standard_normal((6, 3)).astype(dtype), RNG.standard_normal((6, 3)).astype(dtype)
    y = np.array([1, 0, 1, 0, 0, 1])
    for label in (T(y), T(y.astype(dtype)), T(y.astype(bool))):
        out = F.contrastive_loss(T(x1), T(layout(x2, "transposed")), label, margin=2.0, reduction=reduction)
        np.testing.assert_allclose(npv(out), np_reduce(np_contrastive(x1, x2, y, 2.0), reduction), **tol(dtype))


def test_contrastive_label_one_means_similar():
    x = T(np.array([[1.0, 2.0], [1.0, 2.0]]))
    far = T(np.array([[4.0, 6.0], [4.0, 6.0]]))  # distance 5
    # identical pair: 0 when similar (label 1), 1/2 m^2 when dissimilar (label 0)
    np.testing.assert_allclose(npv(F.contrastive_loss(x, x, T(np.array([1, 0])), margin=3.0, reduction="none")),
                               [0.0, 4.5])
    # distance 5 > margin 3: 1/2 d^2 = 12.5 when similar, 0 when dissimilar
    np.testing.assert_allclose(npv(F.contrastive_loss(x, far, T(np.array([1, 0])), margin=3.0, reduction="none")),
                               [12.5, 0.0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_contrastive_gradcheck(reduction):
    x1, x2 = leaf(RNG.standard_normal((5, 3))), leaf(RNG.standard_normal((5, 3)))
    hard = T(np.array([1.0, 0.0, 1.0, 0.0, 0.0]))
    assert gradcheck(lambda a, b: F.contrastive_loss(a, b, hard, margin=3.0, reduction=reduction), (x1, x2))
    soft = leaf(np.array([0.9, 0.1, 0.3, 0.5, 0.7]))  # inside (0, 1): finite differences stay valid labels
    assert gradcheck(lambda a, b, y: F.contrastive_loss(a, b, y, margin=3.0, reduction=reduction), (x1, x2, soft))


def test_contrastive_zero_distance_gradient_is_finite():
    x = T(np.ones((2, 3)), requires_grad=True)
    F.contrastive_loss(x, T(np.ones((2, 3))), T(np.array([0, 1]))).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3)))


# ------------------------------------------------------------------ errors

POINTWISE = [F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss, F.kl_div, F.binary_cross_entropy,
             F.binary_cross_entropy_with_logits, F.sigmoid_focal_loss]


@pytest.mark.parametrize("fn", POINTWISE, ids=lambda f: f.__name__)
def test_mismatched_shapes_name_both(fn):
    x = T(np.full((4, 1), 0.5, dtype=np.float32))
    y = T(np.full((4,), 0.5, dtype=np.float32))
    with pytest.raises(ValueError, match=r"\[4\].*\[4, 1\]"):
        fn(x, y)


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss, F.huber_loss, F.smooth_l1_loss, F.binary_cross_entropy,
                                F.binary_cross_entropy_with_logits, F.kl_div],
                         ids=lambda f: f.__name__)
def test_bad_reduction_lists_valid_ones(fn):
    x = T(np.full(3, 0.5))
    with pytest.raises(ValueError, match=r"'mean', 'sum', 'none'.*got 'avg'"):
        fn(x, x, reduction="avg")


def test_more_errors():
    x = T(np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="batchmean"):
        F.mse_loss(x, x, reduction="batchmean")
    with pytest.raises(ValueError, match="between 0 and 1.*1.5"):
        F.binary_cross_entropy(T(np.array([0.5, 1.5])), T(np.array([0.0, 1.0])))
    with pytest.raises(ValueError, match="delta"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="beta"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match=r"weight of shape \[4\].*\[2, 3\]"):
        F.binary_cross_entropy_with_logits(x, x, weight=T(np.ones(4)))
    with pytest.raises(ValueError, match=r"pos_weight of shape \[2\].*\[2, 3\]"):
        F.binary_cross_entropy_with_logits(x, x, pos_weight=T(np.ones(2)))
    with pytest.raises(ValueError, match=r"weight shape \[3\].*\[2, 3\]"):
        F.mse_loss(x, x, weight=T(np.ones(3)))
    with pytest.raises(ValueError, match="p == 1 and p == 2"):
        F.multi_margin_loss(x, T(np.array([0, 1])), p=3)
    with pytest.raises(IndexError, match=r"\b3\b.*3 classes"):
        F.multi_margin_loss(x, T(np.array([0, 3])))
    with pytest.raises(ValueError, match=r"negative shape \[2, 4\].*\[2, 3\]"):
        F.triplet_margin_loss(x, x, T(np.zeros((2, 4))))
    with pytest.raises(ValueError, match=r"label.*\[2\].*\[3\]"):
        F.contrastive_loss(x, x, T(np.array([1, 0, 1])))
    with pytest.raises(ValueError, match="label 1 is 2"):
        F.contrastive_loss(x, x, T(np.array([1, 2])))
    with pytest.raises(TypeError, match="floating"):
        F.mse_loss(T(np.ones(3, dtype=np.int64)), T(np.ones(3, dtype=np.int64)))


def test_failed_call_leaves_inputs_untouched():
    x = T(np.full(3, 0.5), requires_grad=True)
    with pytest.raises(ValueError):
        F.binary_cross_entropy(x, T(np.ones(4)))
    assert x.grad is None and x.is_leaf and npv(x).tolist() == [0.5, 0.5, 0.5]


def test_all_names_exported_with_docstrings():
    for name in _functional_losses.__all__:
        fn = getattr(F, name)
        assert fn.__doc__ and ("=" in fn.__doc__ or "l_i" in fn.__doc__), name
    assert set(_functional_losses.__all__) >= {
        "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
        "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div", "sigmoid_focal_loss",
        "focal_loss", "multi_margin_loss", "triplet_margin_loss", "contrastive_loss"}


def test_large_batch_parallel_matches_reference():
    # big enough for several OpenMP chunks
    x = RNG.standard_normal((70000, 3))
    y = RNG.standard_normal((70000, 3))
    assert F.mse_loss(T(x), T(y)).item() == pytest.approx(((x - y) ** 2).mean(), rel=1e-12)
    z = RNG.standard_normal((50000, 10))
    c = RNG.integers(0, 10, 50000)
    lp = z - np.log(np.exp(z).sum(1, keepdims=True))
    assert F.cross_entropy(T(z), T(c)).item() == pytest.approx(-lp[np.arange(50000), c].mean(), rel=1e-12)
    assert math.isfinite(F.contrastive_loss(T(x), T(y), T(np.ones(70000))).item())


LOGIT_LOSSES = {
    "cross_entropy": lambda z: F.cross_entropy(z, T(np.array([0, 2, 1])), label_smoothing=0.1),
    "cross_entropy_probs": lambda z: F.cross_entropy(z, T(np.full((3, 3), 1 / 3, dtype=npv(z).dtype))),
    "nll_of_log_softmax": lambda z: F.nll_loss(F.log_softmax(z, 1), T(np.array([0, 2, 1]))),
    "focal_loss": lambda z: F.focal_loss(z, T(np.array([0, 2, 1])), alpha=[0.2, 0.3, 0.5]),
    "bce_with_logits": lambda z: F.binary_cross_entropy_with_logits(z, T(np.eye(3, dtype=npv(z).dtype)),
                                                                    pos_weight=T(np.full(3, 2.0, dtype=npv(z).dtype))),
    "sigmoid_focal_loss": lambda z: F.sigmoid_focal_loss(z, T(np.eye(3, dtype=npv(z).dtype)), reduction="mean"),
    "multi_margin_loss": lambda z: F.multi_margin_loss(z, T(np.array([0, 2, 1])), p=2),
    "kl_div_log_softmax": lambda z: F.kl_div(F.log_softmax(z, 1), T(np.full((3, 3), 1 / 3, dtype=npv(z).dtype)),
                                             reduction="batchmean"),
}


@pytest.mark.parametrize("name", list(LOGIT_LOSSES))
@pytest.mark.parametrize("dtype", FLOATS)
def test_every_logit_loss_finite_at_1000(name, dtype):
    z = T(np.array([[1000, -1000, 0], [-1000, 1000, -1000], [1000, 1000, -1000]], dtype=dtype), requires_grad=True)
    loss = LOGIT_LOSSES[name](z)
    loss.backward()
    assert np.isfinite(loss.item()), name
    assert np.isfinite(z.grad.numpy()).all(), name
