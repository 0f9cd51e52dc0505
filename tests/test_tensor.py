"""Tensor basics: attributes, dtype promotion, Python conversions, repr, in-place ops."""
import numpy as np
import pytest
from helpers import assert_close, noncontig, rand_np, transposed

import minidl

F32, F64, I64, B = minidl.float32, minidl.float64, minidl.int64, minidl.bool


# ---- attributes -----------------------------------------------------------------

def test_attributes():
    t = minidl.zeros(3, 5, 7)
    assert t.shape == (3, 5, 7)
    assert t.size() == (3, 5, 7) and t.size(1) == 5 and t.size(-1) == 7
    assert t.ndim == 3 and t.dim() == 3 and t.numel() == 105
    assert t.dtype == F32 and t.is_floating_point()
    assert t.stride() == (35, 7, 1) and t.stride(0) == 35
    assert t.is_contiguous() and t.storage_offset() == 0
    assert t.element_size() == 4 and t.nbytes == 420
    assert not t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None


def test_zero_dim_attributes():
    t = minidl.tensor(3.5)
    assert t.shape == () and t.ndim == 0 and t.numel() == 1 and t.stride() == ()


def test_strides_of_a_numpy_view():
    a = np.zeros((4, 6), dtype=np.float64)
    t = minidl.from_numpy(a[::2, 1::3])
    assert t.shape == (2, 2) and t.stride() == (12, 3) and not t.is_contiguous()


def test_dtypes():
    assert repr(F32) == "minidl.float32" and str(F64) == "minidl.float64"
    assert minidl.float is F32 and minidl.double is F64 and minidl.long is I64
    assert F32.is_floating_point and not I64.is_floating_point and not B.is_floating_point
    assert [d.itemsize for d in (F32, F64, I64, B)] == [4, 8, 8, 1]


# ---- promotion (PyTorch's rules) -----------------------------------------------

def t_of(dtype, shape=(2,)):
    return minidl.ones(*shape, dtype=dtype)


@pytest.mark.parametrize("a,b,expected", [
    (F32, F32, F32), (F32, F64, F64), (F64, F32, F64), (I64, F32, F32), (F32, I64, F32),
    (I64, F64, F64), (B, I64, I64), (B, F32, F32), (B, B, B), (I64, I64, I64), (B, F64, F64),
])
def test_promotion_between_dimensioned_tensors(a, b, expected):
    assert (t_of(a) + t_of(b)).dtype == expected
    assert (t_of(a) * t_of(b)).dtype == expected
    assert minidl.maximum(t_of(a), t_of(b)).dtype == expected
    assert minidl.where(t_of(B), t_of(a), t_of(b)).dtype == expected


@pytest.mark.parametrize("tensor_dtype,scalar,expected", [
    (F32, 2.5, F32), (F32, 2, F32), (F32, True, F32),
    (F64, 2.5, F64), (F64, 2, F64),
    (I64, 2.5, F32), (I64, 2, I64), (I64, True, I64),
    (B, 2, I64), (B, 2.5, F32), (B, True, B),
])
def test_promotion_with_python_scalars(tensor_dtype, scalar, expected):
    t = t_of(tensor_dtype)
    assert (t + scalar).dtype == expected
    assert (scalar + t).dtype == expected
    assert (t * scalar).dtype == expected
    assert (scalar * t).dtype == expected
    assert minidl.maximum(t, scalar).dtype == expected


def test_python_float_never_raises_float32_to_float64():
    x = minidl.tensor([1.0, 2.0])
    for y in (x + 0.1, 0.1 - x, x * 1e-300, x / 3.0, x ** 0.5, 2.0 ** x, x - 1e10):
        assert y.dtype == F32
    assert minidl.where(x > 1, x, 0.5).dtype == F32
    assert x.clamp(0.5, 1.5).dtype == F32


def test_numpy_scalars_behave_like_python_numbers():
    x = minidl.tensor([1.0, 2.0])
    assert (x * np.float64(2.0)).dtype == F32
    assert (minidl.tensor([1, 2]) + np.int64(3)).dtype == I64
    y = np.float64(2.0) * x
    assert isinstance(y, minidl.Tensor) and y.dtype == F32
    assert_close(y, np.array([2.0, 4.0], dtype=np.float32))


def test_true_division():
    assert (minidl.tensor([1, 2]) / minidl.tensor([2, 2])).dtype == F32
    assert (minidl.tensor([3]) / 2).dtype == F32
    assert (7 / minidl.tensor([2])).dtype == F32
    assert_close(minidl.tensor([1, 3]) / 2, np.array([0.5, 1.5], dtype=np.float32))
    assert (minidl.tensor([True]) / minidl.tensor([True])).dtype == F32
    assert (t_of(F64) / t_of(I64)).dtype == F64


@pytest.mark.parametrize("dimmed,zero_d,expected", [
    (F32, F64, F32),   # same category: the dimensioned tensor decides
    (F64, F32, F64),
    (I64, F64, F64),   # higher category: the 0-d tensor decides
    (I64, F32, F32),
    (B, I64, I64),
    (F32, I64, F32),
    (I64, B, I64),
])
def test_zero_dim_tensors_rank_below_dimensioned(dimmed, zero_d, expected):
    a, s = t_of(dimmed, (3,)), minidl.ones((), dtype=zero_d)
    assert (a + s).dtype == expected
    assert (s + a).dtype == expected
    assert (a * s).dtype == expected


def test_zero_dim_with_zero_dim_promotes_normally():
    assert (minidl.ones((), dtype=F32) + minidl.ones((), dtype=F64)).dtype == F64
    assert (minidl.tensor(2) + 2.5).dtype == F32
    assert (minidl.tensor(2.0, dtype=F64) * 3).dtype == F64


def test_large_python_ints_are_exact_with_int64_tensors():
    big = 2 ** 53 + 1  # not representable as a double
    t = minidl.tensor([0, 1])
    assert (t + big).tolist() == [big, big + 1]
    assert (big - t).tolist() == [big, big - 1]
    assert (minidl.tensor([big]) == big).tolist() == [True]
    assert minidl.full((2,), big).tolist() == [big, big]


def test_promoted_values_are_right():
    a = minidl.tensor([1, 2, 3])
    assert_close(a + 0.5, np.array([1.5, 2.5, 3.5], dtype=np.float32))
    assert_close(minidl.tensor([True, False]) + 2, np.array([3, 2]))
    x64 = minidl.tensor(np.array([0.1, 0.2]))
    assert_close(x64 + minidl.tensor([1.0, 1.0]), np.array([1.1, 1.2]))
    assert_close(x64 * 0.1, np.array([0.1, 0.2]) * 0.1)


# ---- Python numbers -------------------------------------------------------------

def test_item_and_python_conversions():
    assert minidl.tensor(2.5).item() == 2.5 and isinstance(minidl.tensor(2.5).item(), float)
    assert minidl.tensor([7]).item() == 7 and isinstance(minidl.tensor([7]).item(), int)
    assert minidl.tensor([[True]]).item() is True
    assert minidl.tensor(0.1, dtype=F64).item() == 0.1
    assert float(minidl.tensor([1.5])) == 1.5
    assert int(minidl.tensor(3.9)) == 3 and int(minidl.tensor(-3.9)) == -3
    assert int(minidl.tensor(5)) == 5
    assert bool(minidl.tensor([1.0])) is True and bool(minidl.tensor(0)) is False
    assert [10, 20, 30][minidl.tensor(1)] == 20  # __index__
    assert f"{minidl.tensor(2.5):.2f}" == "2.50"


def test_multi_element_conversions_raise():
    t = minidl.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="2 elements"):
        t.item()
    with pytest.raises(ValueError, match="one element"):
        float(t)
    with pytest.raises(ValueError, match="one element"):
        int(t)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(t)
    with pytest.raises(RuntimeError, match="ambiguous"):
        if minidl.tensor([1, 2]) > 0:
            pass
    with pytest.raises(TypeError):
        [1, 2][minidl.tensor(1.0)]


def test_tolist():
    assert minidl.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert minidl.tensor([0.5, 1.5]).tolist() == [0.5, 1.5]
    assert minidl.tensor(2.0).tolist() == 2.0
    assert minidl.tensor([True, False]).tolist() == [True, False]
    assert minidl.zeros(2, 0).tolist() == [[], []]
    assert minidl.from_numpy(transposed(np.arange(6).reshape(2, 3))).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_len():
    assert len(minidl.zeros(4, 2)) == 4
    assert len(minidl.zeros(0)) == 0
    with pytest.raises(TypeError, match="0-d"):
        len(minidl.tensor(1.0))


# ---- repr --------------------------------------------------------------------

@pytest.mark.parametrize("make,expected", [
    (lambda: minidl.tensor([1., 2.]), "tensor([1., 2.])"),
    (lambda: minidl.tensor([1.5, 2.]), "tensor([1.5000, 2.0000])"),
    (lambda: minidl.tensor([1.5, -2.]), "tensor([ 1.5000, -2.0000])"),
    (lambda: minidl.tensor(2.5), "tensor(2.5000)"),
    (lambda: minidl.tensor(3.), "tensor(3.)"),
    (lambda: minidl.tensor([[1, 2], [3, 4]]), "tensor([[1, 2],\n        [3, 4]])"),
    (lambda: minidl.tensor([True, False]), "tensor([ True, False])"),
    (lambda: minidl.tensor([1., 2.], dtype=minidl.float64), "tensor([1., 2.], dtype=minidl.float64)"),
    (lambda: minidl.tensor([1., 2.], requires_grad=True), "tensor([1., 2.], requires_grad=True)"),
    (lambda: minidl.tensor([1., 2.], requires_grad=True) * 2, "tensor([2., 4.], grad_fn=<MulBackward0>)"),
    (lambda: minidl.tensor([1., 2.], dtype=minidl.float64, requires_grad=True),
     "tensor([1., 2.], dtype=minidl.float64, requires_grad=True)"),
    (lambda: minidl.zeros(0), "tensor([])"),
    (lambda: minidl.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: minidl.zeros(0, dtype=minidl.int64), "tensor([], dtype=minidl.int64)"),
    (lambda: minidl.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: minidl.tensor([float("nan"), float("inf"), 1.]), "tensor([nan, inf, 1.])"),
])
def test_repr_like_pytorch(make, expected):
    assert repr(make()) == expected
    assert str(make()) == expected


def test_repr_of_large_tensor_is_summarised():
    r = repr(minidl.arange(5000))
    assert r.startswith("tensor([   0,    1,    2,") and "..." in r and r.endswith("4999])")
    assert len(r) < 200


# ---- in place ---------------------------------------------------------------

def test_inplace_ops_values_and_identity():
    a = rand_np((3, 4), np.float64, seed=1)
    b = rand_np((4,), np.float64, 0.5, 2.0, seed=2)
    t = minidl.tensor(a)
    ptr = t.data_ptr()
    t.add_(minidl.tensor(b))
    t.sub_(minidl.tensor(b), alpha=2.0)
    t.mul_(minidl.tensor(b))
    t.div_(2.0)
    assert_close(t, (a + b - 2 * b) * b / 2.0)
    assert t.data_ptr() == ptr
    t.zero_()
    assert_close(t, np.zeros((3, 4)))
    t.fill_(1.5)
    assert_close(t, np.full((3, 4), 1.5))
    t.copy_(minidl.tensor(b))
    assert_close(t, np.broadcast_to(b, (3, 4)))
    t.copy_(minidl.tensor([1, 2, 3, 4]))  # copy_ casts
    assert_close(t, np.broadcast_to(np.arange(1.0, 5.0), (3, 4)))


def test_augmented_assignment_is_in_place():
    t = minidl.tensor([1.0, 2.0])
    alias = t
    t += 1
    t *= 2
    t -= minidl.tensor([1.0, 1.0])
    t /= 2
    assert_close(alias, np.array([1.5, 2.5], dtype=np.float32))
    assert alias.data_ptr() == t.data_ptr()


def test_inplace_on_noncontiguous_numpy_view_writes_through():
    base = np.arange(24.0).reshape(4, 6)
    view = base[::2, 1::2]
    t = minidl.from_numpy(view)
    t.mul_(10.0)
    expected = np.arange(24.0).reshape(4, 6)
    expected[::2, 1::2] *= 10
    np.testing.assert_array_equal(base, expected)


def test_inplace_large_strided():
    a = rand_np((400, 300), np.float32, seed=3)
    arr = noncontig(a)
    t = minidl.from_numpy(arr)
    t.add_(minidl.tensor(np.ones(300, dtype=np.float32)), alpha=0.5)
    np.testing.assert_allclose(arr, a + 0.5, rtol=1e-6)


def test_inplace_with_aliasing_source():
    # writing a tensor from a shifted view of its own memory must read the old values
    base = np.arange(6.0)
    dst, src = minidl.from_numpy(base[1:]), minidl.from_numpy(base[:-1])
    dst.add_(src)
    np.testing.assert_array_equal(base, [0, 1, 3, 5, 7, 9])
    base = np.arange(6.0)
    minidl.from_numpy(base[1:]).copy_(minidl.from_numpy(base[:-1]))
    np.testing.assert_array_equal(base, [0, 0, 1, 2, 3, 4])


def test_inplace_self_operand():
    t = minidl.tensor([1.0, 2.0, 3.0])
    t.mul_(t)
    assert_close(t, np.array([1.0, 4.0, 9.0], dtype=np.float32))
    t.sub_(t)
    assert_close(t, np.zeros(3, dtype=np.float32))


def test_inplace_dtype_rules():
    t = minidl.tensor([1, 2])
    t.add_(3)
    assert_close(t, np.array([4, 5]))
    with pytest.raises(TypeError, match="can't be cast"):
        t.add_(0.5)
    with pytest.raises(ValueError, match=r"\[2\].*\[3, 2\]|\[3, 2\].*\[2\]"):
        t.add_(minidl.ones(3, 2, dtype=minidl.int64))
    f = minidl.tensor([1.0, 2.0])
    f.add_(minidl.tensor([1, 1]))  # int into float: fine
    assert_close(f, np.array([2.0, 3.0], dtype=np.float32))
    assert_close(t, np.array([4, 5]))  # failed ops changed nothing


def test_inplace_bumps_version():
    t = minidl.zeros(3)
    v = t._version
    t.add_(1.0)
    assert t._version == v + 1
    t.fill_(2.0)
    assert t._version == v + 2
    assert t.detach()._version == t._version  # shared with views of the same memory


def test_writing_into_expanded_memory_is_refused():
    arr = np.broadcast_to(np.zeros(3), (4, 3)).copy()
    t = minidl.from_numpy(np.lib.stride_tricks.as_strided(arr, shape=(4, 3), strides=(0, 8)))
    with pytest.raises(RuntimeError, match="single memory location"):
        t.add_(1.0)
