"""Zero-copy NumPy interop: from_numpy, .numpy(), np.asarray, and what is refused."""
import gc

import numpy as np
import pytest
from helpers import assert_close, noncontig, transposed

import minidl


@pytest.mark.parametrize("np_dtype,dtype", [(np.float32, minidl.float32), (np.float64, minidl.float64),
                                            (np.int64, minidl.int64), (np.bool_, minidl.bool)])
def test_from_numpy_dtypes(np_dtype, dtype):
    a = (np.arange(6).reshape(2, 3) % 2).astype(np_dtype)
    t = minidl.from_numpy(a)
    assert t.dtype == dtype and t.shape == (2, 3)
    assert_close(t, a)


def test_from_numpy_shares_memory_both_ways():
    a = np.zeros((2, 3), dtype=np.float32)
    t = minidl.from_numpy(a)
    a[0, 1] = 5.0
    assert t.tolist()[0][1] == 5.0
    t.add_(1.0)
    np.testing.assert_array_equal(a, [[1, 6, 1], [1, 1, 1]])
    assert t.data_ptr() == a.ctypes.data


@pytest.mark.parametrize("make", [noncontig, transposed, lambda a: a[:, ::3], lambda a: a[1:, 2:]],
                         ids=["strided", "transposed", "step", "offset"])
def test_from_numpy_views_share_memory(make):
    base = np.arange(48.0).reshape(6, 8)
    view = make(base)
    t = minidl.from_numpy(view)
    assert_close(t, np.array(view))
    t.mul_(-1.0)
    np.testing.assert_array_equal(view, -np.array(make(np.arange(48.0).reshape(6, 8))))


def test_from_numpy_keeps_array_alive():
    t = minidl.from_numpy(np.arange(5.0))
    gc.collect()
    assert t.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_from_numpy_zero_dim_and_empty():
    assert_close(minidl.from_numpy(np.array(2.5)), np.array(2.5))
    assert_close(minidl.from_numpy(np.zeros((0, 3))), np.zeros((0, 3)))
    assert_close(minidl.from_numpy(np.zeros((3, 0))[:, ::2]), np.zeros((3, 0)))


def test_from_read_only_array_copies_with_right_layout():
    layouts = (np.arange(12.0).reshape(3, 4), np.arange(12.0).reshape(3, 4).T,
               np.arange(24.0).reshape(4, 6)[::2, 1::2])
    for a in layouts:
        a = a.copy() if a.flags.owndata else a
        a.flags.writeable = False
        t = minidl.from_numpy(a)
        assert_close(t, np.array(a))
        t.add_(1.0)  # writable: it is a copy
        assert_close(t, np.array(a) + 1)
    b = np.broadcast_to(np.arange(3.0), (4, 3))  # read-only, stride 0
    assert_close(minidl.from_numpy(b), np.array(b))


@pytest.mark.parametrize("np_dtype", [np.int32, np.float16, np.uint8, np.int16, np.uint64, np.complex64,
                                      object])
def test_from_numpy_unsupported_dtypes(np_dtype):
    with pytest.raises(TypeError, match="float32, float64, int64 and bool"):
        minidl.from_numpy(np.zeros(3, dtype=np_dtype))


def test_from_numpy_negative_strides():
    with pytest.raises(ValueError, match="negative"):
        minidl.from_numpy(np.arange(5.0)[::-1])
    with pytest.raises(ValueError, match="negative"):
        minidl.from_numpy(np.arange(6.0).reshape(2, 3)[:, ::-1])


def test_from_numpy_non_native_byte_order():
    a = np.arange(3.0).astype(">f8")
    with pytest.raises(ValueError, match="byte order"):
        minidl.from_numpy(a)
    assert_close(minidl.tensor(a), np.arange(3.0))  # tensor() copies, so it may convert


def test_from_numpy_rejects_non_arrays():
    with pytest.raises(TypeError):
        minidl.from_numpy([1.0, 2.0])


def test_numpy_shares_memory():
    t = minidl.zeros(2, 3)
    a = t.numpy()
    assert a.dtype == np.float32 and a.shape == (2, 3)
    a[1, 2] = 7.0
    assert t.tolist()[1][2] == 7.0
    t.fill_(3.0)
    assert a[0, 0] == 3.0


def test_numpy_of_noncontiguous_tensor_shares_memory():
    base = np.arange(24.0).reshape(4, 6)
    t = minidl.from_numpy(base[::2, 1::2])
    a = t.numpy()
    np.testing.assert_array_equal(a, base[::2, 1::2])
    assert a.strides == base[::2, 1::2].strides
    a[0, 0] = -1.0
    assert base[0, 1] == -1.0
    tt = minidl.from_numpy(transposed(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_array_equal(tt.numpy(), np.arange(6.0).reshape(2, 3))


def test_numpy_outlives_tensor():
    a = minidl.arange(4.0).numpy()
    gc.collect()
    np.testing.assert_array_equal(a, [0.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_numpy_round_trip(dtype):
    t = minidl.ones(3, dtype=getattr(minidl, dtype))
    assert t.numpy().dtype == np.dtype(dtype)
    assert minidl.from_numpy(t.numpy()).data_ptr() == t.data_ptr()


def test_np_asarray():
    t = minidl.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, [[1, 2], [3, 4]])
    a[0, 0] = 9
    assert t.tolist()[0][0] == 9.0
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float64), [[9, 2], [3, 4]])
    np.testing.assert_array_equal(np.array(t), [[9, 2], [3, 4]])
    assert np.sum(t) == 18.0


def test_numpy_requires_grad_raises():
    t = minidl.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    with pytest.raises(RuntimeError, match="detach"):
        (t * 2).numpy()
    np.testing.assert_array_equal(t.detach().numpy(), [1.0, 2.0])


def test_numpy_of_zero_dim():
    a = minidl.tensor(2.5).numpy()
    assert a.shape == () and a == 2.5


def test_live_storages_freed_with_numpy_owner():
    before = minidl._C._live_counts()["storages"]
    for _ in range(100):
        t = minidl.from_numpy(np.ones(10))
        a = t.numpy()
        del t, a
    gc.collect()
    assert minidl._C._live_counts()["storages"] == before


def test_ndarray_operands_give_tensors():
    t = minidl.tensor([1.0, 2.0])
    a = np.array([10.0, 20.0], dtype=np.float32)
    for r in (t + a, a + t, t * a, a - t, minidl.maximum(t, a), minidl.where(t > 1, t, a)):
        assert isinstance(r, minidl.Tensor) and r.dtype == minidl.float32
    assert_close(a - t, np.array([9.0, 18.0], dtype=np.float32))
    assert (t + np.ones(2)).dtype == minidl.float64  # an ndarray is a dimensioned tensor operand
    assert_close(t == np.array([1.0, 0.0], dtype=np.float32), np.array([True, False]))


def test_ndarray_operand_keeps_autograd():
    x = minidl.tensor([1.0, 2.0], dtype=minidl.float64, requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert y.grad_fn.name() == "MulBackward0"
    y.backward(gradient=minidl.ones(2, dtype=minidl.float64))
    assert x.grad.tolist() == [3.0, 4.0]


def test_unsupported_ndarray_operand():
    with pytest.raises(TypeError, match="int32"):
        minidl.ones(2) + np.ones(2, dtype=np.int32)
