"""minidl.nn.functional.batch_norm and layer_norm: NumPy references, running statistics, gradients."""
import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
from minidl.autograd import gradcheck

RNG = np.random.default_rng(99)
DTYPES = [np.float32, np.float64]


def randn(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def t(a):
    return minidl.from_numpy(a)


def leaf(a):
    return minidl.from_numpy(np.ascontiguousarray(a, dtype=np.float64)).requires_grad_(True)


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-11)


# ---------------------------------------------------------------- batch_norm

def channel_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def bcast(v, x):
    """A per-channel vector shaped to broadcast along dim 1 of x."""
    return np.asarray(v, dtype=np.float64).reshape((1, -1) + (1,) * (x.ndim - 2))


def bn_ref(x, mean, var, w=None, b=None, eps=1e-5):
    x = x.astype(np.float64)
    y = (x - bcast(mean, x)) / np.sqrt(bcast(var, x) + eps)
    if w is not None:
        y = y * bcast(w, x)
    if b is not None:
        y = y + bcast(b, x)
    return y


SHAPES = [(6, 3), (5, 4, 7), (3, 2, 3, 5), (2, 70)]  # (N, C), (N, C, L), (N, C, H, W); 70 channels: 2 blocks


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_training_matches_numpy(shape, affine, dtype):
    x = (randn(*shape) * 3 + 2).astype(dtype)
    c = shape[1]
    w, b = (randn(c, dtype=dtype), randn(c, dtype=dtype)) if affine else (None, None)
    y = F.batch_norm(t(x), None, None, t(w) if affine else None, t(b) if affine else None, training=True)
    x64 = x.astype(np.float64)
    ref = bn_ref(x, x64.mean(channel_axes(x)), x64.var(channel_axes(x)), w, b)  # biased variance
    assert y.dtype == t(x).dtype
    np.testing.assert_allclose(y.numpy(), ref, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_eval_uses_running_statistics(shape, dtype):
    x = randn(*shape, dtype=dtype)
    c = shape[1]
    rm, rv = randn(c, dtype=dtype), RNG.uniform(0.5, 2.0, c).astype(dtype)
    w, b = randn(c, dtype=dtype), randn(c, dtype=dtype)
    trm, trv = t(rm.copy()), t(rv.copy())
    y = F.batch_norm(t(x), trm, trv, t(w), t(b), training=False)
    np.testing.assert_allclose(y.numpy(), bn_ref(x, rm, rv, w, b), **tol(dtype))
    np.testing.assert_array_equal(trm.numpy(), rm)  # eval never updates them
    np.testing.assert_array_equal(trv.numpy(), rv)


def test_batch_norm_non_contiguous_input():
    base = randn(4, 9) * 2 + 1
    for x in (base.T, base[:, ::2], randn(3, 4, 10)[:, :, ::3]):  # (9, 4), (4, 5), (3, 4, 4)
        y = F.batch_norm(t(x), None, None, training=True)
        ref = bn_ref(x, x.mean(channel_axes(x)), x.var(channel_axes(x)))
        np.testing.assert_allclose(y.numpy(), ref, rtol=1e-10, atol=1e-11)


def test_batch_norm_large_mean_keeps_precision():
    # two-pass variance: a mean of 1e4 with unit spread still normalises to ~1e-3 accuracy in float32
    x = (randn(256, 3) + 1e4).astype(np.float32)
    y = F.batch_norm(t(x), None, None, training=True).numpy()
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(y, bn_ref(x64, x64.mean(0), x64.var(0)), atol=2e-3)


@pytest.mark.parametrize("momentum,steps", [(0.1, 5), (0.01, 5), (None, 6)])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_batch_norm_running_statistics_over_steps(momentum, steps, shape):
    c = shape[1]
    rm, rv = minidl.zeros(c), minidl.ones(c)  # float32 buffers, as nn.BatchNorm1d makes them
    ref_m, ref_v = np.zeros(c), np.ones(c)
    for n in range(1, steps + 1):
        x = (randn(*shape) * n + n).astype(np.float32)
        # momentum=None: the module's cumulative average, momentum = 1 / num_batches_tracked
        mom = 1.0 / n if momentum is None else momentum
        F.batch_norm(t(x), rm, rv, training=True, momentum=mom)
        x64 = x.astype(np.float64)
        m = x.shape[0] * (x.size // (x.shape[0] * c))
        ref_m = (1 - mom) * ref_m + mom * x64.mean(channel_axes(x))
        ref_v = (1 - mom) * ref_v + mom * x64.var(channel_axes(x)) * m / (m - 1)  # unbiased
        np.testing.assert_allclose(rm.numpy(), ref_m, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(rv.numpy(), ref_v, rtol=1e-5, atol=1e-6)


def test_batch_norm_cumulative_mode_is_mean_of_batch_statistics():
    rm, rv = minidl.zeros(2, dtype=minidl.float64), minidl.ones(2, dtype=minidl.float64)
    batches = [randn(5, 2) * (i + 1) + i for i in range(4)]
    for n, x in enumerate(batches, 1):
        F.batch_norm(t(x), rm, rv, training=True, momentum=1.0 / n)
    np.testing.assert_allclose(rm.numpy(), np.mean([x.mean(0) for x in batches], axis=0), rtol=1e-12)
    np.testing.assert_allclose(rv.numpy(), np.mean([x.var(0, ddof=1) for x in batches], axis=0), rtol=1e-12)


def test_batch_norm_running_stats_are_not_autograd_history():
    rm, rv = minidl.zeros(3, dtype=minidl.float64), minidl.ones(3, dtype=minidl.float64)
    x = leaf(randn(4, 3))
    y = F.batch_norm(x, rm, rv, training=True)
    assert y.requires_grad and not rm.requires_grad and rm.grad_fn is None and rv.grad_fn is None


def test_batch_norm_train_then_eval_differ():
    x = randn(16, 3) * 2 + 5
    rm, rv = minidl.zeros(3, dtype=minidl.float64), minidl.ones(3, dtype=minidl.float64)
    y_train = F.batch_norm(t(x), rm, rv, training=True).numpy()
    y_eval = F.batch_norm(t(x), rm, rv, training=False).numpy()
    np.testing.assert_allclose(y_train.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(y_eval, bn_ref(x, rm.numpy(), rv.numpy()), rtol=1e-12)
    assert np.abs(y_eval - y_train).max() > 1.0


@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4), (2, 2, 2, 3)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradcheck(shape, affine, training):
    c = shape[1]
    x = leaf(randn(*shape) * 2 + 1)
    rm, rv = t(randn(c)), t(RNG.uniform(0.5, 2.0, c))
    if affine:
        def fn(a, w, b):
            return F.batch_norm(a, rm, rv, w, b, training=training, momentum=0.0)
        assert gradcheck(fn, (x, leaf(randn(c)), leaf(randn(c))))
    else:
        assert gradcheck(lambda a: F.batch_norm(a, rm, rv, training=training, momentum=0.0), (x,))


def test_batch_norm_gradcheck_weight_only_and_non_contiguous():
    x = minidl.from_numpy(randn(3, 6).T).requires_grad_(True)  # (6, 3)
    w = leaf(randn(3))
    assert gradcheck(lambda a, m: F.batch_norm(a, None, None, m, None, training=True), (x, w))
    x2 = t(randn(6, 3))
    assert gradcheck(lambda m: F.batch_norm(x2, None, None, m, None, training=True), (w,))


def test_batch_norm_gradients_match_formulas():
    x, g, w = randn(7, 3), randn(7, 3), randn(3)
    tx, tw, tb = leaf(x), leaf(w), leaf(randn(3))
    F.batch_norm(tx, None, None, tw, tb, training=True, eps=1e-5).backward(t(g))
    mean, var = x.mean(0), x.var(0)
    inv = 1 / np.sqrt(var + 1e-5)
    xhat = (x - mean) * inv
    dxhat = g * w
    ref_dx = inv / 7 * (7 * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0))  # the notes' form
    np.testing.assert_allclose(tx.grad.numpy(), ref_dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tw.grad.numpy(), (g * xhat).sum(0), rtol=1e-10)
    np.testing.assert_allclose(tb.grad.numpy(), g.sum(0), rtol=1e-12)


def test_batch_norm_grad_fn_name():
    y = F.batch_norm(leaf(randn(3, 2)), None, None, training=True)
    assert y.grad_fn.name() == "NativeBatchNormBackward0"


def test_batch_norm_errors():
    x = minidl.zeros(4, 3)
    with pytest.raises(ValueError, match=r"running_mean has 5 elements but the input has 3 features "
                                         r"\(dim 1 of "
                                         r"shape \[4, 3\]\)"):
        F.batch_norm(x, minidl.zeros(5), minidl.ones(5), training=True)
    with pytest.raises(ValueError, match="weight has 4 elements but the input has 3 features"):
        F.batch_norm(x, minidl.zeros(3), minidl.ones(3), weight=minidl.ones(4))
    with pytest.raises(ValueError, match="bias has 2 elements but the input has 3 features"):
        F.batch_norm(x, minidl.zeros(3), minidl.ones(3), bias=minidl.ones(2))
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training.*\[1, 3\]"):
        F.batch_norm(minidl.zeros(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are required when training=False"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match=r"shape \(N, C\).*got shape \[4\]"):
        F.batch_norm(minidl.zeros(4), None, None, training=True)
    with pytest.raises(TypeError, match="momentum must be a number"):
        F.batch_norm(x, minidl.zeros(3), minidl.ones(3), training=True, momentum=None)
    with pytest.raises(TypeError, match="floating"):
        F.batch_norm(minidl.zeros(4, 3, dtype=minidl.int64), None, None, training=True)


def test_batch_norm_error_changes_nothing():
    rm, rv = minidl.zeros(3), minidl.ones(3)
    rv_bad = minidl.ones(3, dtype=minidl.float64).requires_grad_(True)
    with pytest.raises(ValueError, match="running_var must not require grad"):
        F.batch_norm(t(randn(4, 3)), rm, rv_bad, training=True)
    np.testing.assert_array_equal(rm.numpy(), np.zeros(3))
    with pytest.raises(ValueError, match="weight has 2 elements"):
        F.batch_norm(t(randn(4, 3)), rm, rv, weight=minidl.ones(2), training=True)
    np.testing.assert_array_equal(rm.numpy(), np.zeros(3))
    np.testing.assert_array_equal(rv.numpy(), np.ones(3))


# ---------------------------------------------------------------- layer_norm

def ln_ref(x, k, w=None, b=None, eps=1e-5):
    x = x.astype(np.float64)
    axes = tuple(range(x.ndim - k, x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


LN_CASES = [((4, 5), 5), ((4, 5), (5,)), ((2, 3, 7), (7,)), ((2, 3, 7), (3, 7)), ((3, 2, 3, 4), (2, 3, 4)),
            ((9,), 9)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,ns", LN_CASES)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_numpy(shape, ns, affine, dtype):
    x = (randn(*shape) * 3 + 1).astype(dtype)
    nst = (ns,) if isinstance(ns, int) else ns
    w, b = (randn(*nst, dtype=dtype), randn(*nst, dtype=dtype)) if affine else (None, None)
    y = F.layer_norm(t(x), ns, t(w) if affine else None, t(b) if affine else None)
    assert y.dtype == t(x).dtype
    np.testing.assert_allclose(y.numpy(), ln_ref(x, len(nst), w, b), **tol(dtype))


def test_layer_norm_non_contiguous_and_eps():
    x = randn(6, 4).T  # (4, 6)
    np.testing.assert_allclose(F.layer_norm(t(x), (6,), eps=0.5).numpy(), ln_ref(x, 1, eps=0.5), rtol=1e-12)
    x = randn(5, 12)[:, ::2]
    np.testing.assert_allclose(F.layer_norm(t(x), [6]).numpy(), ln_ref(x, 1), rtol=1e-12)


def test_layer_norm_large_rows_parallel():
    x = (randn(300, 257) + 100).astype(np.float32)
    np.testing.assert_allclose(F.layer_norm(t(x), 257).numpy(), ln_ref(x, 1), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("shape,ns", [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((3, 2, 2, 3), (2, 2, 3))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_gradcheck(shape, ns, affine):
    x = leaf(randn(*shape) * 2)
    if affine:
        assert gradcheck(lambda a, w, b: F.layer_norm(a, ns, w, b), (x, leaf(randn(*ns)), leaf(randn(*ns))))
    else:
        assert gradcheck(lambda a: F.layer_norm(a, ns), (x,))


def test_layer_norm_gradcheck_weight_without_bias_non_contiguous():
    x = minidl.from_numpy(randn(5, 3).T).requires_grad_(True)  # (3, 5)
    assert gradcheck(lambda a, w: F.layer_norm(a, 5, w), (x, leaf(randn(5))))


def test_layer_norm_grad_fn_name():
    assert F.layer_norm(leaf(randn(2, 3)), 3).grad_fn.name() == "NativeLayerNormBackward0"


def test_layer_norm_errors():
    with pytest.raises(ValueError, match=r"normalized_shape \[4\] expects an input of shape \[\*, 4\], "
                                         r"got shape \[2, 5\]"):
        F.layer_norm(minidl.zeros(2, 5), (4,))
    with pytest.raises(ValueError, match=r"expects an input of shape \[\*, 2, 3\], got shape \[3\]"):
        F.layer_norm(minidl.zeros(3), (2, 3))
    with pytest.raises(ValueError, match=r"weight must have shape \[4\] \(normalized_shape\), "
                                         r"got shape \[3\]"):
        F.layer_norm(minidl.zeros(2, 4), 4, weight=minidl.ones(3))
    with pytest.raises(ValueError, match=r"bias must have shape \[2, 4\]"):
        F.layer_norm(minidl.zeros(2, 4), (2, 4), bias=minidl.ones(4))
    with pytest.raises(ValueError, match="at least one dim"):
        F.layer_norm(minidl.zeros(2, 4), ())


# ---------------------------------------------------------------- big inputs: the threaded paths

@pytest.mark.parametrize("shape", [(512, 200), (64, 8, 300)])
def test_batch_norm_large_inputs_and_thread_independence(shape):
    x = (randn(*shape) * 2 + 3).astype(np.float32)
    g = randn(*shape).astype(np.float32)
    c = shape[1]
    w = randn(c).astype(np.float32)
    results = []
    old = minidl.get_num_threads()
    try:
        for threads in (1, 2, 4):
            minidl.set_num_threads(threads)
            tx, tw = t(x).requires_grad_(True), t(w).requires_grad_(True)
            y = F.batch_norm(tx, None, None, tw, None, training=True)
            y.backward(t(g))
            results.append((y.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()))
    finally:
        minidl.set_num_threads(old)
    for r in results[1:]:  # each channel is summed in a fixed order, whatever the thread count
        for a, b in zip(results[0], r):
            np.testing.assert_array_equal(a, b)
    x64 = x.astype(np.float64)
    ref = bn_ref(x64, x64.mean(channel_axes(x)), x64.var(channel_axes(x)), w)
    np.testing.assert_allclose(results[0][0], ref, rtol=1e-4, atol=1e-4)


def test_layer_norm_large_input_gradients_match_formulas():
    x, g = randn(300, 129), randn(300, 129)
    w, b = randn(129), randn(129)
    tx, tw, tb = leaf(x), leaf(w), leaf(b)
    F.layer_norm(tx, 129, tw, tb).backward(t(g))
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    inv = 1 / np.sqrt(var + 1e-5)
    xhat = (x - mean) * inv
    h = g * w
    ref_dx = inv * (h - h.mean(1, keepdims=True) - xhat * (h * xhat).mean(1, keepdims=True))
    np.testing.assert_allclose(tx.grad.numpy(), ref_dx, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(tw.grad.numpy(), (g * xhat).sum(0), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(tb.grad.numpy(), g.sum(0), rtol=1e-12)
