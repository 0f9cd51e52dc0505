"""cross_entropy, nll_loss and the multi-class focal_loss: forward against NumPy references
written here (float32 and float64, every reduction, weights, ignore_index, label_smoothing,
probability targets, (N, C, d) inputs, non-contiguous inputs), gradients by gradcheck,
stability at logits of +-1000, and errors."""
import math

import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
from minidl.autograd import gradcheck

from loss_helpers import FLOATS, REDUCTIONS, T, leaf, npv, tol  # noqa: F401

RNG = np.random.default_rng(4)


# ------------------------------------------------------------------ NumPy references

def np_log_softmax(z, axis):
    z = z.astype(np.float64)
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def class_last(a):
    """(C,) -> (1, C); (N, C, d1, ...) -> (N * d1 * ..., C): one row per sample."""
    if a.ndim == 1:
        return a[None, :]
    return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1])


def sample_shape(z):
    return () if z.ndim == 1 else (z.shape[0],) + z.shape[2:]


def reduce_ref(per, out_shape, reduction, denom):
    if reduction == "none":
        return per.reshape(out_shape)
    if reduction == "sum":
        return per.sum()
    return per.sum() / denom


def np_cross_entropy(z, y, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    C = z.shape[0] if z.ndim == 1 else z.shape[1]
    eps = label_smoothing
    lp = class_last(np_log_softmax(z, axis=0 if z.ndim == 1 else 1))
    w = np.ones(C) if weight is None else weight.astype(np.float64)
    if y.dtype.kind == "f":  # class probabilities
        t = class_last(y.astype(np.float64)) * (1 - eps) + eps / C
        per = -(t * w * lp).sum(axis=1)
        return reduce_ref(per, sample_shape(z), reduction, per.size)
    yf = y.reshape(-1)
    keep = yf != ignore_index
    ys = np.where(keep, yf, 0)
    nll = -w[ys] * lp[np.arange(yf.size), ys]
    smooth = -(w * lp).sum(axis=1)
    per = np.where(keep, (1 - eps) * nll + eps / C * smooth, 0.0)
    return reduce_ref(per, sample_shape(z), reduction, (w[ys] * keep).sum())


def np_nll(x, y, weight=None, ignore_index=-100, reduction="mean"):
    C = x.shape[0] if x.ndim == 1 else x.shape[1]
    rows = class_last(x.astype(np.float64))
    w = np.ones(C) if weight is None else weight.astype(np.float64)
    yf = y.reshape(-1)
    keep = yf != ignore_index
    ys = np.where(keep, yf, 0)
    per = np.where(keep, -w[ys] * rows[np.arange(yf.size), ys], 0.0)
    return reduce_ref(per, sample_shape(x), reduction, (w[ys] * keep).sum())


def np_focal(z, y, gamma=2.0, alpha=None, reduction="mean"):
    C = z.shape[0] if z.ndim == 1 else z.shape[1]
    lp = class_last(np_log_softmax(z, axis=0 if z.ndim == 1 else 1))
    yf = y.reshape(-1)
    logpt = lp[np.arange(yf.size), yf]
    a = np.ones(C) if alpha is None else np.asarray(alpha, dtype=np.float64) * np.ones(C)
    per = -a[yf] * (1 - np.exp(logpt)) ** gamma * logpt
    return reduce_ref(per, sample_shape(z), reduction, per.size)


def logits(shape, dtype, layout="contiguous", scale=2.0):
    """Logits of `shape` as contiguous, transposed (class dim strided) or sliced memory."""
    if layout == "contiguous":
        return (scale * RNG.standard_normal(shape)).astype(dtype)
    if layout == "transposed":
        return (scale * RNG.standard_normal(shape[::-1])).astype(dtype).T
    big = (scale * RNG.standard_normal(tuple(2 * s + 1 for s in shape))).astype(dtype)
    return big[tuple(slice(1, None, 2) for _ in shape)]


def classes(shape, C, ignore_frac=0.0, ignore_index=-100):
    y = RNG.integers(0, C, size=shape).astype(np.int64)
    if ignore_frac:
        y[RNG.random(shape) < ignore_frac] = ignore_index
    return y


# ------------------------------------------------------------------ cross_entropy forward

def test_zero_logits_ten_classes_is_ln10():
    z = minidl.zeros(8, 10)
    y = T(np.arange(8) % 10)
    assert F.cross_entropy(z, y).item() == pytest.approx(math.log(10), abs=1e-6)
    assert F.cross_entropy(z, y).item() == pytest.approx(2.302585, abs=1e-6)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
def test_cross_entropy_indices(dtype, reduction, layout):
    z = logits((7, 5), dtype, layout)
    y = classes((7,), 5)
    out = F.cross_entropy(T(z), T(y), reduction=reduction)
    assert out.dtype == T(z).dtype
    np.testing.assert_allclose(npv(out), np_cross_entropy(z, y, reduction=reduction), **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_cross_entropy_options(dtype, reduction, eps, weighted, ignore):
    z = logits((9, 6), dtype)
    y = classes((9,), 6, ignore_frac=0.3 if ignore else 0.0, ignore_index=2 if ignore else -100)
    w = RNG.uniform(0.2, 2.0, 6).astype(dtype) if weighted else None
    kw = dict(weight=T(w) if weighted else None, reduction=reduction, label_smoothing=eps)
    if ignore:
        kw["ignore_index"] = 2
    out = F.cross_entropy(T(z), T(y), **kw)
    ref = np_cross_entropy(z, y, weight=w, ignore_index=2 if ignore else -100, reduction=reduction,
                           label_smoothing=eps)
    np.testing.assert_allclose(npv(out), ref, **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5), (4, 3, 1)])
def test_cross_entropy_spatial(dtype, reduction, shape):
    z = logits(shape, dtype)
    y = classes((shape[0],) + shape[2:], shape[1], ignore_frac=0.2)
    w = RNG.uniform(0.5, 1.5, shape[1]).astype(dtype)
    out = F.cross_entropy(T(z), T(y), weight=T(w), reduction=reduction, label_smoothing=0.05)
    ref = np_cross_entropy(z, y, weight=w, reduction=reduction, label_smoothing=0.05)
    assert out.shape == np.shape(ref)
    np.testing.assert_allclose(npv(out), ref, **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_single_sample(dtype):
    z = logits((7,), dtype)
    out = F.cross_entropy(T(z), T(np.array(3)), reduction="none")
    assert out.shape == ()
    np.testing.assert_allclose(npv(out), np_cross_entropy(z, np.array(3), reduction="none"), **tol(dtype))
    np.testing.assert_allclose(F.cross_entropy(T(z), T(np.array(3))).item(), -np_log_softmax(z, 0)[3], **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5), (5,)])
@pytest.mark.parametrize("eps", [0.0, 0.2])
def test_cross_entropy_probabilities(dtype, reduction, shape, eps):
    z = logits(shape, dtype)
    axis = 0 if len(shape) == 1 else 1
    p = np.exp(np_log_softmax(RNG.standard_normal(shape), axis)).astype(dtype)
    w = RNG.uniform(0.5, 2, shape[axis]).astype(dtype)
    for weight in (None, w):
        out = F.cross_entropy(T(z), T(p), weight=None if weight is None else T(weight), reduction=reduction,
                              label_smoothing=eps)
        ref = np_cross_entropy(z, p, weight=weight, reduction=reduction, label_smoothing=eps)
        np.testing.assert_allclose(npv(out), ref, **tol(dtype))


def test_one_hot_probabilities_equal_indices():
    z = logits((5, 4), np.float64)
    y = classes((5,), 4)
    onehot = np.eye(4)[y]
    np.testing.assert_allclose(F.cross_entropy(T(z), T(onehot)).item(), F.cross_entropy(T(z), T(y)).item(),
                               rtol=1e-12)


def test_cross_entropy_is_nll_of_log_softmax():
    z = logits((6, 5), np.float64)
    y = classes((6,), 5)
    w = RNG.uniform(0.5, 2, 5)
    a = F.cross_entropy(T(z), T(y), weight=T(w))
    b = F.nll_loss(F.log_softmax(T(z), 1), T(y), weight=T(w))
    assert a.item() == pytest.approx(b.item(), rel=1e-12)


def test_mean_with_weights_divides_by_sum_of_target_weights():
    # 2 samples, classes 0 and 1 with weights 3 and 1: mean = (3 l0 + 1 l1) / 4
    z = np.array([[0.0, 1.0], [2.0, -1.0]])
    y = np.array([0, 1])
    w = np.array([3.0, 1.0])
    lp = np_log_softmax(z, 1)
    expected = (3 * -lp[0, 0] + 1 * -lp[1, 1]) / 4
    assert F.cross_entropy(T(z), T(y), weight=T(w)).item() == pytest.approx(expected, rel=1e-12)


def test_all_ignored_mean_is_nan_and_sum_zero():
    z = T(np.zeros((3, 4)))
    y = T(np.full(3, -100))
    assert math.isnan(F.cross_entropy(z, y).item())
    assert F.cross_entropy(z, y, reduction="sum").item() == 0.0


# ------------------------------------------------------------------ nll_loss and focal_loss forward

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(7, 5), (3, 4, 5), (5,)])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss(dtype, reduction, shape, weighted):
    axis = 0 if len(shape) == 1 else 1
    x = np_log_softmax(logits(shape, np.float64, "transposed"), axis).astype(dtype)
    y = classes(() if len(shape) == 1 else (shape[0],) + shape[2:], shape[axis])
    if len(shape) > 1:
        y.reshape(-1)[0] = 1  # a class index equal to ignore_index below
    w = RNG.uniform(0.5, 2, shape[axis]).astype(dtype) if weighted else None
    out = F.nll_loss(T(x), T(y), weight=None if w is None else T(w), ignore_index=1, reduction=reduction)
    np.testing.assert_allclose(npv(out), np_nll(x, y, w, 1, reduction), **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("alpha", [None, 0.25, "per-class"])
def test_focal_loss(dtype, reduction, gamma, alpha):
    z = logits((8, 4), dtype, "sliced")
    y = classes((8,), 4)
    a = RNG.uniform(0.1, 1, 4) if alpha == "per-class" else alpha
    arg = list(a) if alpha == "per-class" else a
    out = F.focal_loss(T(z), T(y), gamma=gamma, alpha=arg, reduction=reduction)
    np.testing.assert_allclose(npv(out), np_focal(z, y, gamma, a, reduction), **tol(dtype))


def test_focal_loss_spatial_and_alpha_tensor():
    z = logits((2, 3, 4), np.float64)
    y = classes((2, 4), 3)
    a = np.array([0.2, 0.3, 0.5])
    out = F.focal_loss(T(z), T(y), alpha=T(a), reduction="none")
    np.testing.assert_allclose(npv(out), np_focal(z, y, 2.0, a, "none"), rtol=1e-10)


def test_focal_loss_gamma_zero_is_cross_entropy():
    z = logits((6, 5), np.float64)
    y = classes((6,), 5)
    assert F.focal_loss(T(z), T(y), gamma=0.0).item() == pytest.approx(F.cross_entropy(T(z), T(y)).item(), rel=1e-12)


# ------------------------------------------------------------------ gradients

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.15])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_gradcheck(reduction, eps, weighted):
    z = leaf(logits((5, 4), np.float64, "transposed"))
    y = T(np.array([0, 3, -100, 1, 3]))
    w = T(RNG.uniform(0.5, 2, 4)) if weighted else None
    assert gradcheck(lambda z: F.cross_entropy(z, y, weight=w, reduction=reduction, label_smoothing=eps), (z,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_gradcheck_spatial(reduction):
    z = leaf(logits((2, 3, 4), np.float64))
    y = T(np.array([[0, 2, 1, 7], [2, 2, 0, 1]]))
    w = T(np.array([0.5, 1.0, 2.0]))
    assert gradcheck(lambda z: F.cross_entropy(z, y, weight=w, ignore_index=7, reduction=reduction,
                                               label_smoothing=0.1), (z,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2), (5,)])
def test_cross_entropy_gradcheck_probabilities(reduction, shape):
    axis = 0 if len(shape) == 1 else 1
    z = leaf(logits(shape, np.float64))
    p = leaf(np.exp(np_log_softmax(RNG.standard_normal(shape), axis)))
    w = T(RNG.uniform(0.5, 2, shape[axis]))
    assert gradcheck(lambda z, p: F.cross_entropy(z, p, weight=w, reduction=reduction, label_smoothing=0.1), (z, p))


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    z = logits((4, 6), np.float64)
    y = classes((4,), 6)
    zt = T(z.copy(), requires_grad=True)
    F.cross_entropy(zt, T(y), reduction="sum").backward()
    soft = np.exp(np_log_softmax(z, 1))
    np.testing.assert_allclose(zt.grad.numpy(), soft - np.eye(6)[y], atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3), (4,)])
def test_nll_gradcheck(reduction, shape):
    x = leaf(logits(shape, np.float64))
    y = classes(() if len(shape) == 1 else (shape[0],) + shape[2:], 4)
    w = T(RNG.uniform(0.5, 2, 4))
    assert gradcheck(lambda x: F.nll_loss(x, T(y), weight=w, ignore_index=2, reduction=reduction), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 3.0])
@pytest.mark.parametrize("alpha", [None, [0.1, 0.2, 0.3, 0.4]])
def test_focal_gradcheck(reduction, gamma, alpha):
    z = leaf(logits((5, 4), np.float64))
    y = T(classes((5,), 4))
    assert gradcheck(lambda z: F.focal_loss(z, y, gamma=gamma, alpha=alpha, reduction=reduction), (z,))


def test_focal_gradcheck_spatial():
    z = leaf(logits((2, 3, 4), np.float64))
    y = T(classes((2, 4), 3))
    assert gradcheck(lambda z: F.focal_loss(z, y, reduction="none"), (z,))


# ------------------------------------------------------------------ stability at logits of +-1000

@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_stable_at_1000(dtype):
    z = np.array([[1000, -1000, 0], [-1000, 1000, 0], [1000, 1000, -1000]], dtype=dtype)
    y = np.array([0, 0, 1])
    zt = T(z.copy(), requires_grad=True)
    out = F.cross_entropy(zt, T(y), reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), [0.0, 2000.0, math.log(2)], rtol=1e-6, atol=1e-6)
    out.sum().backward()
    g = zt.grad.numpy()
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g, [[0, 0, 0], [-1, 1, 0], [0.5, -0.5, 0]], atol=1e-6)
    for kw in (dict(label_smoothing=0.1), dict(weight=T(np.array([1, 2, 3], dtype=dtype)))):
        zt = T(z.copy(), requires_grad=True)
        loss = F.cross_entropy(zt, T(y), **kw)
        loss.backward()
        assert np.isfinite(loss.item()) and np.isfinite(zt.grad.numpy()).all()
    p = np.array([[0.5, 0.5, 0], [0, 0, 1], [1, 0, 0]], dtype=dtype)
    zt = T(z.copy(), requires_grad=True)
    loss = F.cross_entropy(zt, T(p))
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(zt.grad.numpy()).all()


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
def test_focal_stable_at_1000(dtype, gamma):
    z = np.array([[1000, -1000, 0], [-1000, 1000, 0]], dtype=dtype)
    zt = T(z, requires_grad=True)
    loss = F.focal_loss(zt, T(np.array([0, 0])), gamma=gamma, reduction="none")
    loss.sum().backward()
    # sample 0 is certain and right (loss 0), sample 1 certain and wrong (-log p = 2000, (1-p)^gamma = 1)
    np.testing.assert_allclose(loss.detach().numpy(), [0.0, 2000.0], rtol=1e-6)
    assert np.isfinite(zt.grad.numpy()).all()


# ------------------------------------------------------------------ errors

def test_out_of_range_class_raises_naming_index_and_count():
    z = T(np.zeros((3, 10), dtype=np.float32))
    for bad in (10, -1, 12):
        y = T(np.array([1, bad, 2]))
        for fn in (F.cross_entropy, F.nll_loss, F.focal_loss):
            with pytest.raises(IndexError, match=rf"{bad}.*10 classes"):
                fn(z, y)


def test_out_of_range_checked_before_anything_changes():
    z = T(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(IndexError):
        F.cross_entropy(z, T(np.array([0, 3])))
    assert z.grad is None and z.is_leaf


def test_target_shape_mismatch_names_both_shapes():
    z = T(np.zeros((4, 3, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\[4, 5\].*\[4, 3, 5\].*\[4, 6\]"):
        F.cross_entropy(z, T(np.zeros((4, 6), dtype=np.int64)))
    with pytest.raises(ValueError, match=r"\[4, 3, 5\].*\[4, 3\]"):
        F.cross_entropy(z, T(np.zeros((4, 3), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"\[2\].*\[2, 3\].*\[3\]"):
        F.nll_loss(T(np.zeros((2, 3))), T(np.zeros(3, dtype=np.int64)))


def test_bad_arguments():
    z = T(np.zeros((2, 3)))
    y = T(np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction.*'mean', 'sum', 'none'.*'avg'"):
        F.cross_entropy(z, y, reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(z, y, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have shape \[3\].*\[4\]"):
        F.cross_entropy(z, y, weight=T(np.ones(4)))
    with pytest.raises(ValueError, match=r"alpha must have shape \[3\]"):
        F.focal_loss(z, y, alpha=[0.1, 0.2])
    with pytest.raises(TypeError, match="int64"):
        F.nll_loss(z, T(np.array([0.0, 1.0])))
    with pytest.raises(TypeError, match="floating"):
        F.cross_entropy(T(np.zeros((2, 3), dtype=np.int64)), y)
    with pytest.raises(ValueError, match="0-d"):
        F.cross_entropy(T(np.array(1.0)), T(np.array(0)))
    with pytest.raises(ValueError, match="gamma"):
        F.focal_loss(z, y, gamma=-1.0)


def test_legacy_size_average_reduce():
    z = T(logits((4, 3), np.float64))
    y = T(classes((4,), 3))
    with pytest.warns(UserWarning):
        s = F.cross_entropy(z, y, size_average=False)
    assert s.item() == pytest.approx(F.cross_entropy(z, y, reduction="sum").item())
    with pytest.warns(UserWarning):
        n = F.nll_loss(z, y, reduce=False)
    assert n.shape == (4,)


def test_grad_fn_names():
    z = T(np.zeros((2, 3)), requires_grad=True)
    y = T(np.array([0, 1]))
    assert F.cross_entropy(z, y).grad_fn.name() == "CrossEntropyLossBackward0"
    assert F.nll_loss(z, y).grad_fn.name() == "NllLossBackward0"


# ------------------------------------------------------------------ every row length the SIMD paths meet

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("C", [1, 2, 7, 8, 9, 10, 15, 16, 17, 31, 33])
def test_cross_entropy_row_lengths(dtype, C):
    # Rows are summed in SIMD vectors of 16 floats / 8 doubles (AVX-512) with the remainder in
    # one padded vector: class counts below, at and across those widths, with logits of 1000.
    z = logits((6, C), dtype) * 3
    z[0, 0] = 1000
    y = classes((6,), C)
    zt = T(z.copy(), requires_grad=True)
    out = F.cross_entropy(zt, T(y), reduction="sum")
    np.testing.assert_allclose(npv(out), np_cross_entropy(z, y, reduction="sum"), **tol(dtype))
    out.backward()
    soft = np.exp(np_log_softmax(z.astype(np.float64), 1))
    np.testing.assert_allclose(zt.grad.numpy(), soft - np.eye(C)[y], **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("eps", [0.0, 0.2])
def test_cross_entropy_many_short_rows(dtype, eps):
    # Short rows (fewer classes than one SIMD vector) are handled in blocks of 64 rows: more rows
    # than one block, ignored samples, class weights and label smoothing.
    n, C = 200, 10
    z = logits((n, C), dtype) * 4
    y = classes((n,), C)
    y[::7] = -100
    w = RNG.uniform(0.5, 2, C).astype(dtype)
    zt = T(z.copy(), requires_grad=True)
    out = F.cross_entropy(zt, T(y), weight=T(w), label_smoothing=eps)
    np.testing.assert_allclose(npv(out), np_cross_entropy(z, y, weight=w, label_smoothing=eps), **tol(dtype))
    out.backward()
    # the gradient against float64 finite differences of the NumPy reference
    zd = z.astype(np.float64)
    num = np.zeros_like(zd)
    h = 1e-6
    for i in range(0, n, 37):
        for c in range(C):
            zp, zm = zd.copy(), zd.copy()
            zp[i, c] += h
            zm[i, c] -= h
            num[i, c] = (np_cross_entropy(zp, y, weight=w.astype(np.float64), label_smoothing=eps)
                         - np_cross_entropy(zm, y, weight=w.astype(np.float64), label_smoothing=eps)) / (2 * h)
    rows = np.arange(0, n, 37)
    np.testing.assert_allclose(zt.grad.numpy()[rows], num[rows], rtol=1e-4, atol=1e-6 if dtype == np.float64 else 2e-5)


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_short_rows_with_infinities(dtype):
    z = np.array([[0.0, 1.0, np.inf], [-np.inf, -np.inf, -np.inf], [1.0, 2.0, 3.0]], dtype=dtype)
    ref = F.cross_entropy(T(z.copy()), T(np.array([0, 1, 2])), reduction="none").numpy()
    assert np.isnan(ref[0]) or np.isinf(ref[0])
    assert np.isnan(ref[1]) or np.isinf(ref[1])
    np.testing.assert_allclose(ref[2], np_cross_entropy(z[2:], np.array([2]), reduction="none")[0], **tol(dtype))


def test_cross_entropy_module_follows_options_changed_after_construction():
    """nn.CrossEntropyLoss calls the kernel with its attributes as they are at call time
    (PyTorch reads them in forward too), legacy flags settled at construction."""
    z = logits((9, 6), np.float64)
    y = classes((9,), 6, ignore_frac=0.3, ignore_index=2)
    w = RNG.uniform(0.2, 2.0, 6)
    loss = minidl.nn.CrossEntropyLoss()
    np.testing.assert_allclose(npv(loss(T(z), T(y))), np_cross_entropy(z, y), rtol=1e-12)
    loss.reduction, loss.ignore_index, loss.label_smoothing = "sum", np.int64(2), 0.2
    loss.weight = T(w)
    want = np_cross_entropy(z, y, weight=w, ignore_index=2, reduction="sum", label_smoothing=0.2)
    np.testing.assert_allclose(npv(loss(T(z), T(y))), want, rtol=1e-12)
    with pytest.warns(UserWarning):
        legacy = minidl.nn.CrossEntropyLoss(size_average=False)
    np.testing.assert_allclose(npv(legacy(T(z), T(y))), np_cross_entropy(z, y, reduction="sum"), rtol=1e-12)
