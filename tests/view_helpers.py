"""Helpers shared by test_shape.py and test_index.py: sample arrays of every dtype, minidl
copies in contiguous and column-major layouts, float64 leaves, exact comparisons."""
import numpy as np

import minidl

DTYPES = [np.float32, np.float64, np.int64, np.bool_]


def sample(shape, dtype=np.float64, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape) * 4
    return (a > 0) if dtype == np.bool_ else a.astype(dtype)


def mt(a):
    """A contiguous minidl copy of a."""
    return minidl.from_numpy(np.array(a))


def noncontig(a):
    """Same values as a, column-major strides (not contiguous for ndim >= 2)."""
    t = minidl.from_numpy(np.asfortranarray(a))
    assert a.ndim < 2 or a.size <= 1 or not t.is_contiguous()
    return t


def leaf(a, contiguous=True):
    a = np.asarray(a, dtype=np.float64)
    return minidl.from_numpy(np.array(a) if contiguous else np.asfortranarray(a)).requires_grad_()


def check(t, expected, rtol=0.0):
    """t equals the NumPy result: same shape, same dtype, same values (exactly unless rtol)."""
    r = t.numpy()
    assert r.shape == expected.shape, (r.shape, expected.shape)
    assert r.dtype == expected.dtype, (r.dtype, expected.dtype)
    if rtol:
        np.testing.assert_allclose(r, expected, rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(r, expected)
