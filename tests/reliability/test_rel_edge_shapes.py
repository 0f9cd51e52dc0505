"""Edge shapes behave as NumPy (and PyTorch where NumPy only warns): zero-size dims, 0-d
tensors, size-1 broadcasting, and tensors of more than 2**31 elements (MINIDL_BIG_TESTS=1)."""
import os

import numpy as np
import pytest

import minidl

big = pytest.mark.skipif(os.environ.get("MINIDL_BIG_TESTS") != "1",
                         reason="needs ~11 GiB of memory: set MINIDL_BIG_TESTS=1")


def arr(shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(dtype)


def check(t, expected, dtype=None):
    got = t.detach().numpy()
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    if dtype is not None:
        assert got.dtype == dtype
    np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)


# ---- zero-size dimensions ---------------------------------------------------------------------

@pytest.mark.parametrize("sa, sb", [((0,), (0,)), ((0,), (1,)), ((0, 3), (1, 3)), ((0, 3), (3,)),
                                    ((2, 0, 4), (2, 1, 4)), ((3, 0), (1, 1)), ((0, 3), ())])
def test_elementwise_on_empty_broadcasts_like_numpy(sa, sb):
    a, b = arr(sa), arr(sb, seed=1)
    ta, tb = minidl.from_numpy(a), minidl.from_numpy(b)
    for op in (np.add, np.multiply, np.maximum):
        check({np.add: ta + tb, np.multiply: ta * tb, np.maximum: minidl.maximum(ta, tb)}[op], op(a, b))
    check(ta > tb, a > b)
    check(minidl.exp(ta), np.exp(a))


def test_broadcast_of_zero_against_two_fails_like_numpy():
    with pytest.raises(ValueError, match=r"\[0\].*\[2\]"):
        minidl.zeros(0) + minidl.zeros(2)


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 4)])
def test_sum_any_all_logsumexp_over_empty(shape):
    a = arr(shape)
    t = minidl.from_numpy(a)
    check(t.sum(), np.float64(0.0))
    for d in range(len(shape)):
        check(t.sum(dim=d), a.sum(axis=d))
        check(t.sum(dim=d, keepdim=True), a.sum(axis=d, keepdims=True))
        check(minidl.any(t, dim=d), np.any(a, axis=d))
        check(minidl.all(t, dim=d), np.all(a, axis=d))
    assert minidl.any(t).item() is False and minidl.all(t).item() is True
    assert minidl.logsumexp(t, dim=tuple(range(len(shape)))).item() == -np.inf
    assert minidl.zeros(shape, dtype=minidl.int64).sum().item() == 0
    assert minidl.zeros(shape, dtype=minidl.bool).sum().dtype == minidl.int64


@pytest.mark.parametrize("fn", ["mean", "var", "std"])
def test_mean_var_std_over_empty_are_nan_as_in_pytorch(fn):
    t = minidl.zeros(0, 3)
    assert np.isnan(getattr(t, fn)().item())
    out = getattr(t, fn)(dim=0)
    assert out.shape == (3,) and np.isnan(out.numpy()).all()
    assert getattr(t, fn)(dim=1).shape == (0,)


@pytest.mark.parametrize("fn", ["max", "min", "argmax", "argmin"])
def test_max_min_argmax_over_empty_raise(fn):
    t = minidl.zeros(0, 3)
    with pytest.raises((ValueError, IndexError, RuntimeError), match="empty|zero|0|numel"):
        getattr(t, fn)()
    with pytest.raises((ValueError, IndexError, RuntimeError), match="empty|zero|0|numel"):
        getattr(t, fn)(dim=0)
    out = getattr(t, fn)(dim=1)  # reducing a non-empty dim of an empty tensor is fine
    assert (out.values if fn in ("max", "min") else out).shape == (0,)


def test_matmul_with_zero_inner_or_outer_dims():
    check(minidl.zeros(2, 0) @ minidl.zeros(0, 3), np.zeros((2, 3)).astype(np.float32))
    assert (minidl.zeros(0, 2) @ minidl.zeros(2, 3)).shape == (0, 3)
    assert minidl.bmm(minidl.zeros(0, 2, 3), minidl.zeros(0, 3, 4)).shape == (0, 2, 4)
    assert minidl.dot(minidl.zeros(0), minidl.zeros(0)).item() == 0.0
    a = arr((4, 0))
    x = minidl.from_numpy(a).requires_grad_()
    (x @ minidl.ones(0, 5, dtype=minidl.float64)).sum().backward()
    assert x.grad.shape == (4, 0)


def test_shape_ops_and_indexing_on_empty():
    a = arr((0, 3))
    t = minidl.from_numpy(a)
    check(t.reshape(3, 0), a.reshape(3, 0))
    check(t.reshape(-1, 3), a.reshape(-1, 3))
    with pytest.raises(ValueError):
        t.reshape(0, -1)  # -1 is ambiguous when another dim is 0 (NumPy and PyTorch refuse too)
    check(t.t(), a.T)
    check(minidl.cat([t, minidl.from_numpy(arr((2, 3)))]), np.concatenate([a, arr((2, 3))]))
    check(t[1:], a[1:])
    check(t[:, 1], a[:, 1])
    check(t[t > 0], a[a > 0])
    with pytest.raises(IndexError):
        t[0]
    idx = minidl.zeros(0, dtype=minidl.int64)
    check(minidl.index_select(minidl.from_numpy(arr((4, 3))), 0, idx), np.zeros((0, 3)))
    assert minidl.nonzero(t).shape == (0, 2)
    assert minidl.softmax(t, dim=1).shape == (0, 3)
    assert t.tolist() == [] and "size=(0, 3)" in repr(t)


# ---- 0-d tensors ------------------------------------------------------------------------------

def test_zero_dim_tensors_in_elementwise_ops_and_reductions():
    s = minidl.tensor(2.5, dtype=minidl.float64)
    a = arr((2, 3))
    t = minidl.from_numpy(a)
    assert s.shape == () and s.dim() == 0 and s.numel() == 1
    check(s + t, 2.5 + a)
    check(t / s, a / 2.5)
    check(s * s, np.float64(6.25))
    check(s.sum(), np.float64(2.5))
    check(s.sum(dim=0), np.float64(2.5))  # PyTorch: a 0-d tensor has dims 0 and -1
    check(s.max(), np.float64(2.5))
    assert s.argmax().item() == 0
    check(minidl.softmax(s, dim=0), np.float64(1.0))
    assert s.item() == 2.5 and float(s) == 2.5 and s.tolist() == 2.5


def test_zero_dim_dtype_promotion_follows_pytorch():
    # a 0-d tensor does not raise a dimensioned tensor's dtype within the same category
    t = minidl.ones(3)  # float32
    assert (t + minidl.tensor(1.0, dtype=minidl.float64)).dtype == minidl.float32
    assert (minidl.ones(3, dtype=minidl.int64) + minidl.tensor(1.5)).dtype == minidl.float32


def test_zero_dim_shape_ops_and_indexing():
    s = minidl.tensor(3.0)
    check(s.reshape(1), np.array([3.0], np.float32))
    check(s.unsqueeze(0), np.array([3.0], np.float32))
    check(s.unsqueeze(-1), np.array([3.0], np.float32))
    check(s.squeeze(), np.float32(3.0))
    check(s.t(), np.float32(3.0))
    check(s[None], np.array([3.0], np.float32))
    check(s[...], np.float32(3.0))
    check(s.flatten(), np.array([3.0], np.float32))
    with pytest.raises(IndexError):
        s[0]
    with pytest.raises(IndexError):
        s.unsqueeze(2)
    with pytest.raises(IndexError):
        s.sum(dim=1)
    with pytest.raises((ValueError, RuntimeError), match="0-d|1D|dimension|dim"):
        s @ s
    with pytest.raises((ValueError, RuntimeError, IndexError)):
        minidl.cat([s, s])
    check(minidl.stack([s, s]), np.array([3.0, 3.0], np.float32))


def test_zero_dim_gradient():
    s = minidl.tensor(2.0, requires_grad=True)
    (s * minidl.ones(4)).sum().backward()
    assert s.grad.shape == () and s.grad.item() == 4.0


# ---- size-1 broadcasting ----------------------------------------------------------------------

@pytest.mark.parametrize("sa, sb", [((3, 1), (1, 4)), ((2, 1, 3), (4, 1)), ((1,), (5,)), ((1, 1), (3, 2)),
                                    ((5, 1, 1), (1, 2, 1)), ((), (1, 1, 2))])
def test_size_one_broadcasting_and_gradients(sa, sb):
    a, b = arr(sa), arr(sb, seed=1)
    ta = minidl.from_numpy(a.copy()).requires_grad_()
    tb = minidl.from_numpy(b.copy()).requires_grad_()
    out = ta * tb
    check(out, a * b)
    out.sum().backward()
    # d(sum(a*b))/da sums b over every broadcast dim back to a's shape
    full = np.broadcast_shapes(sa, sb)
    ga = np.broadcast_to(b, full).copy()
    ga = ga.sum(axis=tuple(range(len(full) - len(sa)))) if len(full) > len(sa) else ga
    ga = ga.sum(axis=tuple(i for i, s in enumerate(sa) if s == 1), keepdims=True) if sa else ga.sum()
    check(ta.grad, ga)
    assert tb.grad.shape == sb


def test_size_one_broadcast_in_place_and_reductions():
    t = minidl.zeros(3, 4, dtype=minidl.float64)
    t.add_(minidl.from_numpy(np.arange(4.0).reshape(1, 4)))
    check(t, np.tile(np.arange(4.0), (3, 1)))
    with pytest.raises(ValueError):
        minidl.zeros(3, 1).add_(minidl.zeros(1, 4))  # the result would not fit in place
    check(minidl.from_numpy(arr((1, 5))).sum(dim=0), arr((1, 5)).sum(axis=0))
    check(minidl.from_numpy(arr((1, 5))).max(dim=0).values, arr((1, 5)).max(axis=0))


# ---- more than 2**31 elements -------------------------------------------------------------------

N_BIG = 2 ** 31 + 11


@big
def test_big_bool_tensor_sum_index_and_select():
    t = minidl.ones(N_BIG, dtype=minidl.bool)
    assert t.sum().item() == N_BIG  # counted in int64
    hi = 2 ** 31 + 7
    t[hi] = False
    assert t[hi].item() is False and t[hi - 2 ** 31].item() is True
    assert t.sum().item() == N_BIG - 1
    idx = minidl.tensor([0, hi, N_BIG - 1, 2 ** 31])
    assert minidl.index_select(t, 0, idx).tolist() == [True, False, True, True]
    assert t.narrow(0, hi - 1, 3).tolist() == [True, False, True]
    assert minidl.argmin(t).item() == hi
    assert t.numpy()[hi] == False  # noqa: E712  (the NumPy view sees the same byte)
    del t


@big
def test_big_float_tensor_reshape_argmax_and_strided_views():
    t = minidl.zeros(N_BIG, dtype=minidl.float32)
    hi = 2 ** 31 + 3
    t[hi] = 5.0
    assert minidl.argmax(t).item() == hi
    assert t.max().item() == 5.0 and t.sum().item() == 5.0
    v = t[1:].reshape(2, (N_BIG - 1) // 2)  # a view with a row stride > 2**30
    row, col = divmod(hi - 1, (N_BIG - 1) // 2)
    assert v[row, col].item() == 5.0
    assert v.sum(dim=1).tolist() == ([0.0, 5.0] if row else [5.0, 0.0])
    assert t[::2 ** 20].shape == (2049,)
    del t, v
