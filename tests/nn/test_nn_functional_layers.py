"""minidl.nn.functional: linear and the activations, against NumPy and finite differences."""
import math

import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
from minidl.autograd import gradcheck

RNG = np.random.default_rng(1234)
DTYPES = [np.float32, np.float64]


def randn(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def leaf(a):
    """A float64 leaf that requires grad, for gradcheck."""
    return minidl.from_numpy(np.ascontiguousarray(a, dtype=np.float64)).requires_grad_(True)


def away_from(a, kinks, gap=0.05):
    """a with every value at least `gap` from each kink (finite differences straddle no kink)."""
    a = a.copy()
    for k in kinks:
        near = np.abs(a - k) < gap
        a[near] = k + np.where(a[near] >= k, gap, -gap) * 2
    return a


def tol(dtype):
    return dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)


# ---------------------------------------------------------------- linear

def linear_ref(x, w, b=None):
    y = x.astype(np.float64) @ w.astype(np.float64).T
    return y if b is None else y + b.astype(np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("in_shape", [(5,), (3, 5), (2, 3, 5), (2, 1, 3, 5), (1, 5), (0, 5)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_numpy(in_shape, with_bias, dtype):
    x, w, b = randn(*in_shape, dtype=dtype), randn(7, 5, dtype=dtype), randn(7, dtype=dtype)
    y = F.linear(minidl.from_numpy(x), minidl.from_numpy(w), minidl.from_numpy(b) if with_bias else None)
    assert tuple(y.shape) == in_shape[:-1] + (7,)
    assert y.dtype == minidl.from_numpy(x).dtype
    np.testing.assert_allclose(y.numpy(), linear_ref(x, w, b if with_bias else None), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("out_features", [1, 4])
def test_linear_non_contiguous_operands(dtype, out_features):
    # x.T of a row-major array has unit row stride (gemm reads it transposed); a column slice
    # has row stride > cols; the weight is itself a transpose.
    xt = randn(5, 3, dtype=dtype)        # x = xt.T is (3, 5)
    xs = randn(3, 11, dtype=dtype)[:, ::2][:, :5]  # (3, 5), column stride 2: copied
    wt = randn(5, out_features, dtype=dtype)      # w = wt.T is (out, 5)
    b = randn(out_features, dtype=dtype)
    for x in (xt.T, xs, randn(4, 3, 5, dtype=dtype)[:, 1]):
        y = F.linear(minidl.from_numpy(x), minidl.from_numpy(wt.T), minidl.from_numpy(b))
        np.testing.assert_allclose(y.numpy(), linear_ref(x, wt.T, b), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("in_f,out_f", [(1, 1), (3, 5), (16, 4), (17, 7), (33, 9), (784, 128), (100, 130)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_one_sample(dtype, in_f, out_f, with_bias):
    # One sample goes through minidl's own gemv (rows of W four at a time, SIMD over in_f, a
    # scalar tail): sizes off the SIMD width and off the 4-row blocks, and a weight whose rows
    # are not adjacent in memory (a column slice, leading dim > in_f).
    x = randn(1, in_f, dtype=dtype)
    b = randn(out_f, dtype=dtype)
    for w in (randn(out_f, in_f, dtype=dtype), randn(out_f, in_f + 3, dtype=dtype)[:, 1:in_f + 1]):
        for xin in (x, x[0]):
            y = F.linear(minidl.from_numpy(xin), minidl.from_numpy(w), minidl.from_numpy(b) if with_bias else None)
            # rounding grows with the length of the dot products (and the summation order differs
            # between SIMD widths): the usual probabilistic bound, 4 eps sqrt(n) sum |x_k w_jk|
            scale = np.abs(xin.astype(np.float64)) @ np.abs(w.astype(np.float64)).T
            atol = 4 * np.finfo(dtype).eps * np.sqrt(in_f) * scale + tol(dtype)["atol"]
            err = np.abs(y.numpy() - linear_ref(xin, w, b if with_bias else None))
            assert np.all(err <= atol), f"max error {err.max():.3g}, allowed {atol.flat[err.argmax()]:.3g}"


def test_linear_3d_input_noncontiguous_leading_dims():
    x = randn(3, 4, 5)[:, ::2]  # (3, 2, 5), leading dims do not fold into one stride
    w, b = randn(6, 5), randn(6)
    y = F.linear(minidl.from_numpy(x), minidl.from_numpy(w), minidl.from_numpy(b))
    np.testing.assert_allclose(y.numpy(), linear_ref(x, w, b), rtol=1e-12, atol=1e-12)


def test_linear_zero_in_features_gives_bias():
    x, w, b = np.zeros((3, 0)), np.zeros((2, 0)), np.array([1.5, -2.0])
    y = F.linear(minidl.from_numpy(x), minidl.from_numpy(w), minidl.from_numpy(b))
    np.testing.assert_array_equal(y.numpy(), np.tile(b, (3, 1)))
    y = F.linear(minidl.from_numpy(x), minidl.from_numpy(w))
    np.testing.assert_array_equal(y.numpy(), np.zeros((3, 2)))


def test_linear_mixed_dtypes_promote():
    x, w = randn(3, 4, dtype=np.float32), randn(2, 4, dtype=np.float64)
    y = F.linear(minidl.from_numpy(x), minidl.from_numpy(w))
    assert y.dtype == minidl.float64
    np.testing.assert_allclose(y.numpy(), linear_ref(x, w), rtol=1e-12)


@pytest.mark.parametrize("in_shape", [(5,), (3, 5), (2, 3, 5), (1, 5)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_gradcheck(in_shape, with_bias):
    x, w = leaf(randn(*in_shape)), leaf(randn(4, 5))
    if with_bias:
        assert gradcheck(lambda a, m, c: F.linear(a, m, c), (x, w, leaf(randn(4))))
    else:
        assert gradcheck(lambda a, m: F.linear(a, m), (x, w))


def test_linear_gradcheck_single_output_and_transposed_operands():
    x = minidl.from_numpy(randn(5, 3).T).requires_grad_(True)  # (3, 5), read transposed
    w = minidl.from_numpy(randn(5, 1).T).requires_grad_(True)  # (1, 5): gemv paths
    assert gradcheck(lambda a, m, c: F.linear(a, m, c), (x, w, leaf(randn(1))))


@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_gradients_match_formulas(dtype):
    # y.sum() sends an expanded (stride 0) gradient: the gradient gemms must copy it
    x, w, b = randn(2, 3, 5, dtype=dtype), randn(4, 5, dtype=dtype), randn(4, dtype=dtype)
    g = randn(2, 3, 4, dtype=dtype)
    tx, tw, tb = (minidl.from_numpy(a).requires_grad_(True) for a in (x, w, b))
    F.linear(tx, tw, tb).backward(minidl.from_numpy(g))
    g2, x2 = g.reshape(-1, 4).astype(np.float64), x.reshape(-1, 5).astype(np.float64)
    np.testing.assert_allclose(tx.grad.numpy(), (g2 @ w.astype(np.float64)).reshape(x.shape), **tol(dtype))
    np.testing.assert_allclose(tw.grad.numpy(), g2.T @ x2, **tol(dtype))
    np.testing.assert_allclose(tb.grad.numpy(), g2.sum(0), **tol(dtype))
    for t in (tx, tw, tb):
        t.grad = None
    F.linear(tx, tw, tb).sum().backward()
    ref_dx = np.broadcast_to(w.astype(np.float64).sum(0), x.shape)
    np.testing.assert_allclose(tx.grad.numpy(), ref_dx, **tol(dtype))
    np.testing.assert_allclose(tw.grad.numpy(), np.broadcast_to(x2.sum(0), (4, 5)), **tol(dtype))
    np.testing.assert_allclose(tb.grad.numpy(), np.full(4, 6.0), **tol(dtype))


def test_linear_grad_fn_names():
    x, w, b = leaf(randn(3, 5)), leaf(randn(4, 5)), leaf(randn(4))
    assert F.linear(x, w, b).grad_fn.name() == "AddmmBackward0"
    assert F.linear(x, w).grad_fn.name() == "MmBackward0"
    assert F.linear(leaf(randn(2, 3, 5)), w, b).grad_fn.name() == "ViewBackward0"


def test_linear_only_weight_requires_grad():
    x = minidl.from_numpy(randn(3, 5))
    w = leaf(randn(4, 5))
    F.linear(x, w).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.broadcast_to(x.numpy().sum(0), (4, 5)), rtol=1e-12)


def test_linear_wrong_width_names_sizes():
    with pytest.raises(ValueError, match=r"linear: input has 5 features \(last dim of shape \[2, 5\]\) "
                                         r"but weight expects 4"):
        F.linear(minidl.zeros(2, 5), minidl.zeros(3, 4))


def test_linear_bad_weight_and_bias():
    with pytest.raises(ValueError, match=r"weight must be 2-D.*\[4\]"):
        F.linear(minidl.zeros(2, 4), minidl.zeros(4))
    with pytest.raises(ValueError, match=r"bias must have shape \[3\].*got shape \[4\]"):
        F.linear(minidl.zeros(2, 4), minidl.zeros(3, 4), minidl.zeros(4))
    with pytest.raises(ValueError, match="0-d"):
        F.linear(minidl.zeros(()), minidl.zeros(3, 1))
    with pytest.raises(TypeError, match="floating"):
        F.linear(minidl.zeros(2, 4, dtype=minidl.int64), minidl.zeros(3, 4, dtype=minidl.int64))


# ---------------------------------------------------------------- pointwise activations

def gelu_ref(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_tanh_ref(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def softplus_ref(x, beta=1.0, threshold=20.0):
    z = beta * x
    return np.where(z > threshold, x, np.logaddexp(0, z) / beta)


# (name, minidl function, NumPy reference, kinks to keep gradcheck away from)
ACTIVATIONS = [
    ("leaky_relu", lambda t: F.leaky_relu(t), lambda x: np.where(x > 0, x, 0.01 * x), [0]),
    ("leaky_relu_0.2", lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), [0]),
    ("elu", lambda t: F.elu(t), lambda x: np.where(x > 0, x, np.expm1(x)), [0]),
    ("elu_0.5", lambda t: F.elu(t, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), [0]),
    ("silu", F.silu, lambda x: x / (1 + np.exp(-x)), []),
    ("gelu", F.gelu, gelu_ref, []),
    ("gelu_tanh", lambda t: F.gelu(t, approximate="tanh"), gelu_tanh_ref, []),
    ("softplus", F.softplus, softplus_ref, []),
    ("softplus_beta2_th1", lambda t: F.softplus(t, beta=2, threshold=1), lambda x: softplus_ref(x, 2, 1),
     [0.5]),
    ("hardtanh", F.hardtanh, lambda x: np.clip(x, -1, 1), [-1, 1]),
    ("hardtanh_-0.5_2", lambda t: F.hardtanh(t, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0), [-0.5, 2.0]),
    ("relu", F.relu, lambda x: np.maximum(x, 0), [0]),
]
IDS = [a[0] for a in ACTIVATIONS]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,ref,kinks", ACTIVATIONS, ids=IDS)
def test_activation_matches_numpy(name, fn, ref, kinks, dtype):
    # 3 x 5 x 7 = 105 values: the vector body and a partial last batch; scaled to reach the tails
    x = (randn(3, 5, 7) * 4).astype(dtype)
    y = fn(minidl.from_numpy(x))
    assert y.dtype == minidl.from_numpy(x).dtype and tuple(y.shape) == x.shape
    np.testing.assert_allclose(y.numpy(), ref(x.astype(np.float64)), **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,fn,ref,kinks", ACTIVATIONS, ids=IDS)
def test_activation_non_contiguous_input(name, fn, ref, kinks, dtype):
    base = (randn(7, 10) * 3).astype(dtype)
    for x in (base.T, base[:, ::3]):
        np.testing.assert_allclose(fn(minidl.from_numpy(x)).numpy(), ref(x.astype(np.float64)), **tol(dtype))


def test_activation_large_input_uses_parallel_path():
    x = randn(300, 1001).astype(np.float32) * 5
    for name, fn, ref, _ in ACTIVATIONS:
        np.testing.assert_allclose(fn(minidl.from_numpy(x)).numpy(), ref(x.astype(np.float64)),
                                   **tol(np.float32),
                                   err_msg=name)


@pytest.mark.parametrize("name,fn,ref,kinks", ACTIVATIONS, ids=IDS)
def test_activation_gradcheck(name, fn, ref, kinks):
    x = away_from(randn(3, 5) * 2, kinks)
    assert gradcheck(fn, (leaf(x),))


@pytest.mark.parametrize("name,fn,ref,kinks", ACTIVATIONS, ids=IDS)
def test_activation_gradcheck_non_contiguous(name, fn, ref, kinks):
    x = minidl.from_numpy(away_from(randn(4, 3) * 2, kinks).T).requires_grad_(True)
    assert gradcheck(fn, (x,))


def grad_at(fn, values):
    x = leaf(np.array(values, dtype=np.float64))
    fn(x).sum().backward()
    return x.grad.numpy()


def test_derivatives_at_kinks_follow_pytorch():
    np.testing.assert_array_equal(grad_at(lambda t: F.leaky_relu(t, 0.1), [0.0, 1.0, -1.0]), [0.1, 1.0, 0.1])
    np.testing.assert_allclose(grad_at(lambda t: F.elu(t, 0.5), [0.0, 1.0, -1.0]),
                               [0.5, 1.0, 0.5 * math.exp(-1)])
    np.testing.assert_array_equal(grad_at(lambda t: F.hardtanh(t, -0.5, 1.0), [-0.5, 1.0, 0.0, 2.0, -3.0]),
                                  [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(grad_at(F.relu, [0.0, 2.0]), [0, 1])
    w = leaf(np.array([0.3]))
    x = leaf(np.array([0.0, -2.0, 3.0]))
    F.prelu(x, w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.3, 0.3, 1.0])
    np.testing.assert_allclose(w.grad.numpy(), [-2.0])


def test_softplus_threshold_and_extremes():
    x = np.array([-1000.0, -30.0, 0.0, 19.0, 21.0, 1000.0])
    y = F.softplus(minidl.from_numpy(x)).numpy()
    np.testing.assert_allclose(y, softplus_ref(x), rtol=1e-13, atol=0)
    assert y[-2] == 21.0 and y[-1] == 1000.0  # above the threshold: x itself
    # a huge threshold still gives finite values (log(1 + e^z) computed without overflow)
    y = F.softplus(minidl.from_numpy(np.array([500.0, 100.0], dtype=np.float32)), threshold=1e9).numpy()
    np.testing.assert_allclose(y, [500.0, 100.0], rtol=1e-6)
    np.testing.assert_allclose(grad_at(lambda t: F.softplus(t, threshold=1e9), [500.0, 0.0]), [1.0, 0.5])


@pytest.mark.parametrize("dtype", DTYPES)
def test_smooth_activations_finite_at_extremes(dtype):
    x = np.array([-1000.0, -88.0, -20.0, 20.0, 88.0, 1000.0], dtype=dtype)
    for fn in (F.silu, F.gelu, lambda t: F.gelu(t, approximate="tanh"), F.softplus, F.elu):
        t = minidl.from_numpy(x.copy()).requires_grad_(True)
        y = fn(t)
        y.sum().backward()
        assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(t.grad.numpy()))
    np.testing.assert_allclose(F.silu(minidl.from_numpy(x)).numpy()[[0, -1]], [0.0, 1000.0], atol=1e-30)
    np.testing.assert_allclose(F.gelu(minidl.from_numpy(x)).numpy()[[0, -1]], [0.0, 1000.0], atol=1e-30)


def test_gelu_left_tail_is_accurate():
    # x Phi(x) for x = -8: Phi(-8) = 6.22e-16, which 1 + erf(x / sqrt 2) cannot resolve in float32
    y = F.gelu(minidl.from_numpy(np.array([-8.0, -5.0], dtype=np.float32))).numpy()
    np.testing.assert_allclose(y, [-8 * 6.220960574271785e-16, -5 * 2.866515718791939e-07], rtol=1e-4)


def test_activation_errors():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(minidl.zeros(3), approximate="fast")
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(minidl.zeros(3), 1.0, -1.0)
    for fn in (F.leaky_relu, F.elu, F.silu, F.gelu, F.softplus, F.hardtanh):
        with pytest.raises(TypeError, match="floating"):
            fn(minidl.zeros(3, dtype=minidl.int64))


def test_activation_grad_fn_names():
    x = leaf(randn(3))
    names = {"LeakyReluBackward0": F.leaky_relu, "EluBackward0": F.elu, "SiluBackward0": F.silu,
             "GeluBackward0": F.gelu, "SoftplusBackward0": F.softplus, "HardtanhBackward0": F.hardtanh,
             "SignBackward0": F.sign, "StepBackward0": F.step}
    for name, fn in names.items():
        assert fn(x).grad_fn.name() == name


# ---------------------------------------------------------------- prelu

PRELU_CASES = [((7,), False), ((4, 3), False), ((4, 3), True), ((2, 3, 5), False), ((2, 3, 5), True),
               ((2, 3, 2, 3), True)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,per_channel", PRELU_CASES)
def test_prelu_matches_numpy(shape, per_channel, dtype):
    x = randn(*shape, dtype=dtype)
    c = shape[1] if per_channel else 1
    w = (RNG.uniform(0.05, 0.5, c)).astype(dtype)
    wb = w.reshape((c,) + (1,) * (len(shape) - 2)) if per_channel else w
    y = F.prelu(minidl.from_numpy(x), minidl.from_numpy(w))
    np.testing.assert_allclose(y.numpy(), np.where(x > 0, x, wb * x), **tol(dtype))


def test_prelu_non_contiguous_input():
    x = randn(5, 4).T  # (4, 5): 5 channels
    w = RNG.uniform(0.05, 0.5, 5)
    np.testing.assert_allclose(F.prelu(minidl.from_numpy(x), minidl.from_numpy(w)).numpy(),
                               np.where(x > 0, x, w * x), rtol=1e-14)


@pytest.mark.parametrize("shape,per_channel", PRELU_CASES[:-1])
def test_prelu_gradcheck(shape, per_channel):
    x = away_from(randn(*shape), [0])
    w = RNG.uniform(0.05, 0.5, shape[1] if per_channel else 1)
    assert gradcheck(lambda a, b: F.prelu(a, b), (leaf(x), leaf(w)))


def test_prelu_scalar_weight_gradient_shape():
    w = minidl.from_numpy(np.array(0.25)).requires_grad_(True)  # 0-d weight
    x = minidl.from_numpy(np.array([[-1.0, 2.0], [-3.0, 4.0]]))
    F.prelu(x, w).sum().backward()
    assert tuple(w.grad.shape) == ()
    assert w.grad.item() == -4.0


def test_prelu_errors():
    with pytest.raises(ValueError, match=r"weight has 3 elements but the input has 4 channels.*\[2, 4\]"):
        F.prelu(minidl.zeros(2, 4), minidl.zeros(3))
    with pytest.raises(ValueError, match="0-d or 1-D"):
        F.prelu(minidl.zeros(2, 4), minidl.zeros(2, 2))
    with pytest.raises(ValueError, match="no channel dim"):
        F.prelu(minidl.zeros(4), minidl.zeros(4))


# ---------------------------------------------------------------- step and sign

@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_step_and_sign_values(dtype):
    x = np.array([[-2, 0, 3], [5, -1, 0]], dtype=dtype)
    for fn, ref in ((F.step, (x >= 0).astype(dtype)), (F.sign, np.sign(x))):
        y = fn(minidl.from_numpy(x))
        assert y.dtype == minidl.from_numpy(x).dtype
        np.testing.assert_array_equal(y.numpy(), ref)
        np.testing.assert_array_equal(fn(minidl.from_numpy(x.T)).numpy(), ref.T)


def test_step_and_sign_nan_give_zero_like_pytorch():
    x = minidl.from_numpy(np.array([np.nan, -0.0]))
    np.testing.assert_array_equal(F.step(x).numpy(), [0.0, 1.0])
    np.testing.assert_array_equal(F.sign(x).numpy(), [0.0, 0.0])


@pytest.mark.parametrize("fn", [F.step, F.sign])
def test_step_and_sign_gradient_is_zero(fn):
    x = leaf(randn(3, 4))
    y = fn(x)
    assert y.requires_grad
    (y * minidl.from_numpy(randn(3, 4))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((3, 4)))
    assert gradcheck(fn, (leaf(away_from(randn(5), [0])),))


def test_functional_all_lists_public_names():
    from minidl.nn import _functional_layers as mod
    public = {n for n in dir(mod) if not n.startswith("_") and callable(getattr(mod, n))
              and getattr(getattr(mod, n), "__module__", "") == mod.__name__}
    assert public == set(mod.__all__)
    for n in mod.__all__:
        assert getattr(F, n) is getattr(mod, n)
        assert getattr(mod, n).__doc__


def test_linear_and_prelu_large_inputs():
    x, w, b = randn(300, 130), randn(70, 130), randn(70)
    y = F.linear(minidl.from_numpy(x), minidl.from_numpy(w), minidl.from_numpy(b))
    np.testing.assert_allclose(y.numpy(), linear_ref(x, w, b), rtol=1e-11, atol=1e-11)
    x = randn(40, 6, 500)
    a = RNG.uniform(0.05, 0.5, 6)
    np.testing.assert_allclose(F.prelu(minidl.from_numpy(x), minidl.from_numpy(a)).numpy(),
                               np.where(x > 0, x, a.reshape(6, 1) * x), rtol=1e-15)
    tx, ta = leaf(x), leaf(a)
    g = randn(40, 6, 500)
    F.prelu(tx, ta).backward(minidl.from_numpy(g))
    np.testing.assert_allclose(tx.grad.numpy(), np.where(x > 0, g, a.reshape(6, 1) * g), rtol=1e-15)
    np.testing.assert_allclose(ta.grad.numpy(), np.where(x > 0, 0, x * g).sum((0, 2)), rtol=1e-10)
