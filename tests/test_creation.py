"""Creation functions and the random generator."""
import numpy as np
import pytest
from helpers import assert_close, noncontig

import minidl

F32, F64, I64, B = minidl.float32, minidl.float64, minidl.int64, minidl.bool


# ---- tensor() ---------------------------------------------------------------

@pytest.mark.parametrize("data,expected", [
    ([1.0, 2.5], np.array([1.0, 2.5], dtype=np.float32)),
    ([[1, 2], [3, 4]], np.array([[1, 2], [3, 4]], dtype=np.int64)),
    ([[True], [False]], np.array([[True], [False]])),
    ([1, 2.5], np.array([1.0, 2.5], dtype=np.float32)),
    ([True, 2], np.array([1, 2], dtype=np.int64)),
    (3.5, np.array(3.5, dtype=np.float32)),
    (7, np.array(7, dtype=np.int64)),
    (False, np.array(False)),
    ([], np.zeros(0, dtype=np.float32)),
    ([[[1.0]], [[2.0]]], np.array([[[1.0]], [[2.0]]], dtype=np.float32)),
    ((1.0, 2.0), np.array([1.0, 2.0], dtype=np.float32)),
])
def test_tensor_from_python_data(data, expected):
    assert_close(minidl.tensor(data), expected)


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_tensor_from_numpy_copies_and_keeps_dtype(np_dtype):
    a = np.arange(6).reshape(2, 3).astype(np_dtype)
    t = minidl.tensor(a)
    assert_close(t, a)
    a[0, 0] = 1 - a[0, 0]
    assert t.tolist()[0][0] != a[0, 0]  # a copy, unlike from_numpy
    assert_close(minidl.tensor(noncontig(a)), a)


def test_tensor_from_other_numpy_dtypes_maps_to_supported():
    assert_close(minidl.tensor(np.array([1, 2], dtype=np.int32)), np.array([1, 2], dtype=np.int64))
    assert_close(minidl.tensor(np.array([1.5], dtype=np.float16)), np.array([1.5], dtype=np.float32))


@pytest.mark.parametrize("dtype,np_dtype", [(F32, np.float32), (F64, np.float64), (I64, np.int64),
                                            (B, np.bool_),
                                            (float, np.float64), (int, np.int64), (bool, np.bool_),
                                            ("float32", np.float32), (np.float64, np.float64)])
def test_tensor_dtype_argument(dtype, np_dtype):
    data = [[0.0, 1.0, 2.0]]
    assert_close(minidl.tensor(data, dtype=dtype), np.array(data).astype(np_dtype))


def test_tensor_float64_from_python_floats_keeps_full_precision():
    # 0.1 must not pass through float32 on its way to float64
    t = minidl.tensor([0.1, 1 / 3], dtype=minidl.float64)
    assert t.tolist() == [0.1, 1 / 3]
    assert minidl.tensor(0.1, dtype=minidl.float64).item() == 0.1
    big = 2 ** 53 + 1
    assert minidl.tensor([big]).item() == big
    assert minidl.tensor([big], dtype=minidl.int64).item() == big


def test_tensor_from_tensors():
    a = minidl.tensor([1.0, 2.0], requires_grad=True)
    b = minidl.tensor(a)
    assert not b.requires_grad and b.tolist() == [1.0, 2.0]
    from_tensors = minidl.tensor([minidl.tensor(1.0), minidl.tensor(2.0)])
    assert_close(from_tensors, np.array([1.0, 2.0], dtype=np.float32))


def test_tensor_requires_grad():
    t = minidl.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError, match="floating point"):
        minidl.tensor([1, 2], requires_grad=True)


@pytest.mark.parametrize("bad", ["abc", None, [[1, 2], [3]], {"a": 1}, [1, "x"]])
def test_tensor_rejects_bad_data(bad):
    with pytest.raises((TypeError, ValueError)):
        minidl.tensor(bad)


def test_as_tensor_shares_numpy_memory():
    a = np.zeros(3)
    t = minidl.as_tensor(a)
    a[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]
    assert minidl.as_tensor(t) is t


# ---- zeros / ones / full / empty ----------------------------------------------

@pytest.mark.parametrize("name,np_fn", [("zeros", np.zeros), ("ones", np.ones)])
def test_zeros_ones(name, np_fn):
    fn = getattr(minidl, name)
    assert_close(fn(2, 3), np_fn((2, 3), dtype=np.float32))
    assert_close(fn((2, 3)), np_fn((2, 3), dtype=np.float32))
    assert_close(fn([4]), np_fn(4, dtype=np.float32))
    assert_close(fn(3, 0, 2, dtype=minidl.float64), np_fn((3, 0, 2)))
    assert_close(fn((), dtype=minidl.int64), np_fn((), dtype=np.int64))
    assert_close(fn(5, dtype=minidl.bool), np_fn(5, dtype=bool))
    t = fn(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword(name):
    t = getattr(minidl, name)(size=(2, 3), dtype=minidl.float64)
    assert t.shape == (2, 3) and t.dtype == F64
    with pytest.raises(TypeError, match="size"):
        getattr(minidl, name)(2, size=(2, 3))


def test_empty():
    t = minidl.empty(3, 4, dtype=minidl.float64)
    assert t.shape == (3, 4) and t.dtype == F64 and t.is_contiguous()
    assert minidl.empty((0,)).shape == (0,)


def test_full():
    assert_close(minidl.full((2, 3), 1.5), np.full((2, 3), 1.5, dtype=np.float32))
    assert_close(minidl.full((2,), 7), np.full(2, 7, dtype=np.int64))
    assert_close(minidl.full((2,), True), np.full(2, True))
    assert_close(minidl.full((2,), 7, dtype=minidl.float64), np.full(2, 7.0))
    assert_close(minidl.full([3], -0.25, dtype=minidl.float64), np.full(3, -0.25))


def test_like_functions():
    x = minidl.tensor([[1.0, 2.0, 3.0]], dtype=minidl.float64)
    assert_close(minidl.zeros_like(x), np.zeros((1, 3)))
    assert_close(minidl.ones_like(x), np.ones((1, 3)))
    assert_close(minidl.full_like(x, 2.5), np.full((1, 3), 2.5))
    assert_close(minidl.ones_like(x, dtype=minidl.int64), np.ones((1, 3), dtype=np.int64))
    assert minidl.empty_like(x).shape == (1, 3) and minidl.empty_like(x).dtype == F64
    r = minidl.rand_like(x)
    assert r.dtype == F64 and r.shape == (1, 3)
    assert minidl.randn_like(x).shape == (1, 3)
    assert minidl.zeros_like(x, requires_grad=True).requires_grad
    assert_close(minidl.full_like(minidl.tensor([1, 2]), 3), np.array([3, 3]))


# ---- arange / linspace / eye --------------------------------------------------

@pytest.mark.parametrize("args,np_args,dtype", [
    ((5,), (5,), np.int64),
    ((2, 9), (2, 9), np.int64),
    ((2, 9, 3), (2, 9, 3), np.int64),
    ((10, 0, -3), (10, 0, -3), np.int64),
    ((5, 5), (5, 5), np.int64),
    ((0.0, 1.0, 0.125), (0.0, 1.0, 0.125), np.float32),
    ((1, 2.5), (1, 2.5), np.float32),
    ((3.0,), (3.0,), np.float32),
    ((1.0, -1.0, -0.25), (1.0, -1.0, -0.25), np.float32),
    ((0, 1, 0.1), (0, 1, 0.1), np.float32),
])
def test_arange(args, np_args, dtype):
    assert_close(minidl.arange(*args), np.arange(*np_args).astype(dtype))


def test_arange_dtype_and_keywords():
    assert_close(minidl.arange(4, dtype=minidl.float64), np.arange(4.0))
    assert_close(minidl.arange(start=1, end=4, step=2), np.array([1, 3]))
    assert minidl.arange(3.0, requires_grad=True).requires_grad


def test_arange_errors():
    with pytest.raises(ValueError, match="step"):
        minidl.arange(0, 5, 0)
    with pytest.raises(ValueError, match="inconsistent"):
        minidl.arange(0, 5, -1)


@pytest.mark.parametrize("start,end,steps", [(0, 1, 5), (-2.5, 7, 11), (3, 10, 1), (1, 0, 4), (0, 1, 0),
                                             (5, 5, 3),
                                             (0, 1, 1000)])
def test_linspace(start, end, steps):
    expected = np.linspace(start, end, steps)
    assert_close(minidl.linspace(start, end, steps, dtype=minidl.float64), expected)
    assert_close(minidl.linspace(start, end, steps), expected.astype(np.float32))


def test_linspace_ends_exactly():
    t = minidl.linspace(0.1, 0.7, 7, dtype=minidl.float64).tolist()
    assert t[0] == 0.1 and t[-1] == 0.7


@pytest.mark.parametrize("n,m", [(3, None), (2, 4), (4, 2), (0, None), (1, 1)])
def test_eye(n, m):
    assert_close(minidl.eye(n, m), np.eye(n, m, dtype=np.float32))
    assert_close(minidl.eye(n, m, dtype=minidl.int64), np.eye(n, m, dtype=np.int64))


# ---- random -----------------------------------------------------------------

N = 200_000
# mean of N U(0,1) draws has sd 0.29/sqrt(N) ~ 6.5e-4; 0.01 is > 15 sd: never flaky


def test_rand_statistics():
    minidl.manual_seed(1)
    x = minidl.rand(N).numpy()
    assert x.dtype == np.float32
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01
    assert abs(x.std() - np.sqrt(1 / 12)) < 0.01
    # every tenth of [0, 1) gets about a tenth of the draws
    counts = np.histogram(x, bins=10, range=(0, 1))[0] / N
    assert np.all(np.abs(counts - 0.1) < 0.01)


def test_randn_statistics():
    minidl.manual_seed(2)
    x = minidl.randn(N, dtype=minidl.float64).numpy()
    assert x.dtype == np.float64
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1) < 0.02
    assert abs(np.mean(np.abs(x) < 1) - 0.6827) < 0.01
    assert np.all(np.isfinite(x))


def test_randint_statistics_and_range():
    minidl.manual_seed(3)
    x = minidl.randint(-3, 4, (N,)).numpy()
    assert x.dtype == np.int64 and x.min() == -3 and x.max() == 3
    assert np.all(np.abs(np.bincount(x + 3) / N - 1 / 7) < 0.01)
    y = minidl.randint(5, (2, 3))
    assert y.shape == (2, 3) and y.dtype == I64 and 0 <= y.numpy().min() and y.numpy().max() < 5
    z = minidl.randint(0, 10, size=(4,))
    assert z.shape == (4,)
    w = minidl.randint(10, size=(3, 2))
    assert w.shape == (3, 2)


def test_randperm():
    minidl.manual_seed(4)
    p = minidl.randperm(1000)
    assert p.dtype == I64
    assert sorted(p.tolist()) == list(range(1000))
    assert p.tolist() != list(range(1000))
    assert minidl.randperm(0).shape == (0,)


def test_uniform_and_normal_in_place():
    minidl.manual_seed(5)
    x = minidl.empty(N, dtype=minidl.float64).uniform_(-2.0, 3.0).numpy()
    assert x.min() >= -2.0 and x.max() < 3.0 and abs(x.mean() - 0.5) < 0.02
    y = minidl.empty(N).normal_(1.0, 2.0).numpy()
    assert abs(y.mean() - 1.0) < 0.03 and abs(y.std() - 2.0) < 0.03


@pytest.mark.parametrize("make", [
    lambda: minidl.rand(5, 7), lambda: minidl.randn(100), lambda: minidl.randint(0, 100, (50,)),
    lambda: minidl.randperm(20), lambda: minidl.empty(9).uniform_(), lambda: minidl.empty(9).normal_(),
    lambda: minidl.rand(3, dtype=minidl.float64),
])
def test_manual_seed_reproducible(make):
    minidl.manual_seed(1234)
    a = make().numpy().copy()
    b = make().numpy().copy()
    minidl.manual_seed(1234)
    c = make().numpy().copy()
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)
    assert minidl.initial_seed() == 1234


def test_different_seeds_differ():
    minidl.manual_seed(1)
    a = minidl.rand(10).numpy().copy()
    minidl.manual_seed(2)
    assert not np.array_equal(a, minidl.rand(10).numpy())


def test_random_float_only():
    with pytest.raises(TypeError, match="floating"):
        minidl.rand(3, dtype=minidl.int64)
    with pytest.raises(TypeError, match="floating"):
        minidl.randn(3, dtype=minidl.bool)
    with pytest.raises(ValueError, match="low < high"):
        minidl.randint(5, 5, (2,))


def test_creation_errors():
    with pytest.raises(ValueError, match="negative dimension"):
        minidl.zeros(2, -1)
    with pytest.raises(TypeError, match="ints"):
        minidl.ones(2, 3.0)
    with pytest.raises(TypeError, match="dtype"):
        minidl.zeros(2, dtype=np.int32)
    with pytest.raises(TypeError, match="dtype"):
        minidl.zeros(2, dtype="complex64")
    with pytest.raises(ValueError, match="non-negative"):
        minidl.eye(-1)
    with pytest.raises(ValueError, match="non-negative"):
        minidl.linspace(0, 1, -2)
