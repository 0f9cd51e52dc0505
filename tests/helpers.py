"""Shared test helpers: NumPy references with dtype-aware tolerances, and layouts that stress the loops."""
import numpy as np

import minidl

NP_DTYPE = {minidl.float32: np.float32, minidl.float64: np.float64,
            minidl.int64: np.int64, minidl.bool: np.bool_}
MD_DTYPE = {v: k for k, v in NP_DTYPE.items()}

# float32 kernels may differ from NumPy's libm by a few ulps (and by more through exp/log/pow chains).
_TOL = {np.dtype(np.float32): (1e-5, 1e-6), np.dtype(np.float64): (1e-12, 1e-13)}


def to_np(t):
    """A copy of a tensor's values as an ndarray (detached)."""
    return np.array(t.detach().numpy(), copy=True)


def assert_close(actual, expected, rtol=None, atol=None, check_dtype=True):
    """`actual` (Tensor) equals the NumPy reference `expected` in shape, dtype and values (NaN == NaN)."""
    assert isinstance(actual, minidl.Tensor), f"expected a minidl.Tensor, got {type(actual).__name__}"
    expected = np.asarray(expected)
    got = to_np(actual)
    assert got.shape == expected.shape, f"shape {got.shape} != expected {expected.shape}"
    if check_dtype:
        assert got.dtype == expected.dtype, f"dtype {got.dtype} != expected {expected.dtype}"
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected)
        return
    r, a = _TOL.get(got.dtype, (1e-5, 1e-6))
    np.testing.assert_allclose(got, expected.astype(got.dtype), rtol=rtol if rtol is not None else r,
                               atol=atol if atol is not None else a, equal_nan=True)


def noncontig(arr):
    """The same values as `arr` in a non-contiguous layout (a strided view into a bigger array).

    Every dim of the result has a stride that is not the C-contiguous one, so the
    tensor made from it by from_numpy goes through the general strided loops.
    """
    arr = np.asarray(arr)
    if arr.ndim == 0:
        return arr
    big = np.zeros(tuple(2 * s for s in arr.shape), dtype=arr.dtype)
    view = big[tuple(slice(None, None, 2) for _ in arr.shape)]
    view[...] = arr
    assert not view.flags.c_contiguous or arr.size <= 1
    return view


def transposed(arr):
    """The same values as `arr` in Fortran order (a transposed view), so strides are reversed."""
    arr = np.asarray(arr)
    return np.ascontiguousarray(arr.T).T


def rand_np(shape, dtype=np.float64, low=-2.0, high=2.0, seed=0):
    rng = np.random.default_rng(seed)
    return np.asarray(rng.uniform(low, high, size=shape), dtype=dtype)  # 0-d array for shape (), not a scalar


def leaf(arr, dtype=None):
    """A float tensor leaf that requires grad, holding a copy of `arr`."""
    return minidl.tensor(np.asarray(arr), dtype=dtype, requires_grad=True)


def backward_with_ones(y):
    """Backward of sum(y) without relying on reductions: seed every output element with 1."""
    minidl.autograd.backward(y, grad_tensors=minidl.ones_like(y))
