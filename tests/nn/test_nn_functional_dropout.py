"""minidl.nn.functional.dropout: kept fraction, inverted scaling, eval identity, seeds, gradient."""
import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
from minidl.autograd import gradcheck

RNG = np.random.default_rng(7)


def ones(n, dtype=minidl.float32):
    return minidl.ones(n, dtype=dtype)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [minidl.float32, minidl.float64])
def test_kept_fraction_and_scaling(p, dtype):
    n = 200_000
    minidl.manual_seed(11)
    y = F.dropout(ones(n, dtype), p=p).numpy()
    kept = y != 0
    # the kept fraction of n Bernoulli(1 - p) draws: standard deviation sqrt(p (1 - p) / n) <= 0.0012,
    # so 0.01 is more than 8 standard deviations
    assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)  # inverted scaling
    assert abs(y.mean() - 1.0) < 0.03  # E[y] = x


def test_values_are_input_times_scale():
    x = RNG.standard_normal((37, 11)) + 3  # nonzero everywhere
    y = F.dropout(minidl.from_numpy(x), p=0.25).numpy()
    kept = y != 0
    assert 0 < kept.sum() < x.size
    np.testing.assert_allclose(y[kept], x[kept] / 0.75, rtol=1e-14)


def test_non_contiguous_input():
    base = RNG.standard_normal((20, 30)) + 5
    x = base.T[::2]  # (15, 20), strided
    y = F.dropout(minidl.from_numpy(x), p=0.5).numpy()
    kept = y != 0
    assert 0 < kept.sum() < x.size
    np.testing.assert_allclose(y[kept], 2 * x[kept], rtol=1e-14)


def test_eval_is_identity():
    x = minidl.from_numpy(RNG.standard_normal((4, 5)))
    for p in (0.0, 0.5, 1.0):
        y = F.dropout(x, p=p, training=False)
        np.testing.assert_array_equal(y.numpy(), x.numpy())
    np.testing.assert_array_equal(F.dropout(x, p=0.0).numpy(), x.numpy())  # p = 0 keeps everything


def test_p_one_gives_zeros():
    y = F.dropout(minidl.from_numpy(RNG.standard_normal(1000)), p=1.0).numpy()
    np.testing.assert_array_equal(y, np.zeros(1000))


def test_seed_reproducibility():
    x = ones(1000)
    minidl.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    b = F.dropout(x, 0.5).numpy()
    minidl.manual_seed(3)
    c = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, c)
    assert (a != b).any()  # successive calls draw new masks
    minidl.manual_seed(4)
    assert (F.dropout(x, 0.5).numpy() != a).any()


def test_gradient_is_mask_over_keep_probability():
    x = minidl.from_numpy(RNG.standard_normal((50, 20)) + 4).requires_grad_(True)
    g = RNG.standard_normal((50, 20))
    y = F.dropout(x, p=0.3)
    y.backward(minidl.from_numpy(g))
    mask = (y.detach().numpy() != 0) / 0.7
    np.testing.assert_allclose(x.grad.numpy(), g * mask, rtol=1e-14)
    assert y.grad_fn.name() == "MulBackward0"


def test_gradcheck_with_fixed_seed():
    def fn(a):
        minidl.manual_seed(5)  # the same mask on every evaluation finite differences make
        return F.dropout(a, p=0.4)
    x = minidl.from_numpy(RNG.standard_normal((3, 4))).requires_grad_(True)
    assert gradcheck(fn, (x,))


def test_eval_gradient_is_identity():
    x = minidl.from_numpy(RNG.standard_normal(6)).requires_grad_(True)
    F.dropout(x, 0.5, training=False).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(6))


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_bad_p_raises(p):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got"):
        F.dropout(ones(3), p=p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(ones(3), p=p, training=False)


def test_bad_types_raise():
    with pytest.raises(TypeError, match="floating"):
        F.dropout(minidl.ones(3, dtype=minidl.int64), 0.5)
    with pytest.raises(TypeError, match="p must be a number"):
        F.dropout(ones(3), p="0.5")
