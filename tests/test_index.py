"""Indexing: x[...] and x[...] = value against NumPy (basic and advanced), index_select,
gather, index_add, scatter_add, nonzero; gradients, in-place autograd rules, errors."""
import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck

from view_helpers import DTYPES, check, leaf, mt, noncontig, sample  # noqa: F401


def to_minidl_index(idx):
    """The same index with NumPy arrays turned into minidl tensors."""
    conv = lambda i: mt(i) if isinstance(i, np.ndarray) else i  # noqa: E731
    return tuple(conv(i) for i in idx) if isinstance(idx, tuple) else conv(idx)


A3 = sample((4, 5, 6))
BASIC = [0, -1, 3, (1, 2), (-1, -2, -3), slice(None), slice(1, 3), slice(None, None, 2), slice(-3, None),
         slice(1, -1, 3), slice(10, 20), slice(-20, 2), slice(3, 1), (slice(None), 2), (Ellipsis, 1),
         (1, Ellipsis),
         (None,), (None, 1, None), (Ellipsis, None), (slice(None), None, slice(1, 4, 2)), (), Ellipsis,
         (1, slice(None), -2), (slice(2, None), Ellipsis, slice(None, None, 4)), (None, Ellipsis, None)]
ADVANCED = [[0, 2], [-1, 0, 0], (slice(None), [1, 3]), ([0, 1], [2, 3]), ([[0], [3]], [1, 2, 4]),
            (slice(None), [0, 1], [2, 3]), ([0, 1], slice(None), [2, 3]), (0, slice(None), [1, 5]),
            (slice(1, 3), 2, [0, -1]), (Ellipsis, [1, 2]), ([1, 2], Ellipsis, [0, 5]), ([0, 1], None, [1, 2]),
            (None, [0, 1], [1, 2]), (np.array([[1, 2], [3, 0]]),),
            (slice(None), np.array([], dtype=np.int64)),
            ([], ), ([0, 0, 0],), (2, [1, 1], slice(None, None, 2)), (A3 > 0,), (A3[..., 0] > 0,),
            (slice(None), A3[0, :, 0] > 0), (A3[:, 0, 0] > 0, 1), (A3[:, :, 0] > 0, 2),
            (slice(None), A3[0] > 0), (A3[:, 0, 0] > 0, slice(None), 0)]


# ---- __getitem__ -------------------------------------------------------------

@pytest.mark.parametrize("idx", BASIC, ids=repr)
def test_basic_indexing_matches_numpy_and_is_a_view(idx):
    for x in (mt(A3), noncontig(A3)):
        y = x[to_minidl_index(idx)]
        check(y, A3[idx])
        assert y._base_storage_id == x._base_storage_id


@pytest.mark.parametrize("dtype", DTYPES)
def test_basic_indexing_dtypes(dtype):
    a = sample((3, 5, 7), dtype)
    x = noncontig(a)
    for idx in [(1, slice(None, None, 3)), (Ellipsis, 0), (slice(1, None), None, -1)]:
        check(x[idx], a[idx])


def test_views_from_indexing_write_through():
    a = np.zeros((3, 4))
    x = minidl.from_numpy(a)
    x[1].numpy()[2] = 5.0
    x[:, 3].numpy()[0] = 6.0
    x[..., None][2, 1].numpy()[0] = 7.0
    assert a[1, 2] == 5.0 and a[0, 3] == 6.0 and a[2, 1] == 7.0


@pytest.mark.parametrize("idx", ADVANCED, ids=lambda i: repr(i)[:40])
def test_advanced_indexing_matches_numpy(idx):
    as_array = lambda i: np.asarray(i, dtype=np.int64) if isinstance(i, list) else i  # noqa: E731
    np_idx = tuple(as_array(i) for i in idx) if isinstance(idx, tuple) else as_array(idx)
    expected = A3[np_idx]
    for x in (mt(A3), noncontig(A3)):
        check(x[idx], expected)                     # lists as given
        y = x[to_minidl_index(np_idx)]              # the same with tensors
        check(y, expected)
        assert y._base_storage_id != x._base_storage_id


@pytest.mark.parametrize("dtype", DTYPES)
def test_advanced_indexing_dtypes(dtype):
    a = sample((3, 5, 7), dtype)
    x = noncontig(a)
    for idx in [(1, [0, 4, 4]), (a[..., 0] != 0,), (slice(None), np.array([[0, 1]]), np.array([[2], [6]]))]:
        check(x[to_minidl_index(idx)], a[idx])


def test_numpy_index_arrays_and_scalars():
    x = mt(A3)
    check(x[np.array([3, 0])], A3[[3, 0]])
    check(x[np.int64(2), np.int32(1)], A3[2, 1])
    check(x[np.array(2)], A3[2])
    check(x[[True, False, True, True]], A3[[True, False, True, True]])
    check(x[minidl.tensor(1)], A3[1])               # a 0-d int64 tensor
    check(x[(0, 1), :], A3[(0, 1), :])              # a tuple inside the index is a sequence


def _random_index(rng, shape, unique=False):
    """A random NumPy-valid index over `shape` mixing every kind of item."""
    items, dim, used_ellipsis = [], 0, False  # dim: the next dim an item indexes
    while dim < len(shape) and rng.random() < 0.8:
        n = shape[dim]
        kind = rng.choice(["int", "slice", "none", "ellipsis", "array", "mask"])
        if kind == "int":
            items.append(int(rng.integers(-n, n)))
            dim += 1
        elif kind == "slice":
            lo = rng.choice([None, int(rng.integers(-n - 2, n + 2))])
            hi = rng.choice([None, int(rng.integers(-n - 2, n + 2))])
            items.append(slice(lo, hi, int(rng.choice([1, 1, 2, 3]))))
            dim += 1
        elif kind == "none":
            items.append(None)
        elif kind == "ellipsis" and not used_ellipsis:
            used_ellipsis = True
            items.append(Ellipsis)
            if dim < len(shape) and rng.random() < 0.5:   # one item on the last dim after it
                n_last = shape[-1]
                items.append(int(rng.integers(-n_last, n_last)) if rng.random() < 0.5 else slice(1, None, 2))
            break
        elif kind == "array":
            k = int(rng.integers(1, n + 1))
            vals = rng.permutation(n)[:k] if unique else rng.integers(0, n, size=k)
            vals = np.where(rng.random(k) < 0.3, vals - n, vals)   # some negative
            items.append(vals.reshape((k,) if rng.random() < 0.5 else (k, 1)))
            dim += 1
        elif kind == "mask":
            items.append(rng.random(n) < 0.5)
            dim += 1
    return tuple(items)


def test_random_indexing_matches_numpy():
    rng = np.random.default_rng(7)
    for shape in [(4, 5, 6), (3, 1, 4, 2), (6,), (2, 7)]:
        a = sample(shape, seed=3)
        x, xn = mt(a), noncontig(a)
        for _ in range(150):
            idx = _random_index(rng, shape)
            try:
                expected = a[idx]
            except IndexError:        # two arrays that do not broadcast: must fail here too
                with pytest.raises(IndexError):
                    x[to_minidl_index(idx)]
                continue
            check(x[to_minidl_index(idx)], expected)
            check(xn[to_minidl_index(idx)], expected)


# ---- __setitem__ -------------------------------------------------------------

@pytest.mark.parametrize("idx", BASIC + ADVANCED, ids=lambda i: repr(i)[:40])
def test_setitem_scalar_matches_numpy(idx):
    a = A3.copy()
    a[idx] = -3.5
    x = mt(A3)
    x[idx] = -3.5
    check(x, a)


@pytest.mark.parametrize("idx", BASIC + ADVANCED, ids=lambda i: repr(i)[:40])
def test_setitem_tensor_matches_numpy(idx):
    a = A3.copy()
    shape = a[idx].shape
    val = sample(shape[1:], seed=5)                      # broadcast along the first dim
    positions = np.arange(a.size).reshape(a.shape)[idx]
    if np.unique(positions).size < np.size(positions):
        val = np.float64(1.25)                           # repeated targets: the same value in any order
    a[idx] = val
    x = noncontig(A3)
    x[to_minidl_index(idx)] = mt(val)
    check(x, a)


def test_setitem_random_matches_numpy():
    rng = np.random.default_rng(11)
    for shape in [(4, 5, 6), (3, 1, 4, 2)]:
        for _ in range(100):
            idx = _random_index(rng, shape, unique=True)
            a = sample(shape, seed=3)
            try:
                target_shape = a[idx].shape
            except IndexError:
                continue
            val = sample(target_shape, seed=int(rng.integers(1000)))
            x = noncontig(a)
            a[idx] = val
            x[to_minidl_index(idx)] = mt(val)
            check(x, a)


@pytest.mark.parametrize("dtype", DTYPES)
def test_setitem_casts_value_to_dtype(dtype):
    a = sample((3, 4), dtype)
    x = mt(a)
    x[1] = 2.75
    x[:, [0, 2]] = mt(np.array([[-1.5], [0.0], [3.0]]))
    a[1] = 2.75
    a[:, [0, 2]] = np.array([[-1.5], [0.0], [3.0]])
    check(x, a)


def test_setitem_values_from_lists_and_arrays():
    a = np.zeros((3, 4), np.float32)
    x = mt(a)
    x[0] = [1, 2, 3, 4]
    x[1:, 1] = np.array([7.5, 8.5])
    x[2, [True, False, False, True]] = True
    a[0] = [1, 2, 3, 4]
    a[1:, 1] = [7.5, 8.5]
    a[2, [True, False, False, True]] = True
    check(x, a)


def test_setitem_drops_leading_ones_of_the_value():
    x = minidl.zeros(2, 3)
    x[1, 2] = minidl.tensor([[4.5]])
    x[0] = minidl.tensor([[[1.0, 2.0, 3.0]]])
    check(x, np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 4.5]], np.float32))
    v = leaf(np.array([[2.0]]))
    y = leaf(np.zeros((2, 3))) * 1.0
    y[:, [0, 1]] = v
    y.backward(minidl.ones(2, 3, dtype=minidl.float64))
    np.testing.assert_array_equal(v.grad.numpy(), [[4.0]])


def test_setitem_last_write_wins_on_repeated_indices():
    x = minidl.zeros(4)
    x[[1, 1, 1]] = minidl.tensor([1.0, 2.0, 3.0])
    assert x.numpy()[1] == 3.0


def test_setitem_writes_through_to_the_viewed_memory_and_bumps_version():
    a = np.zeros((4, 5))
    x = minidl.from_numpy(a)
    v0 = x._version
    x[1:3, [0, 4]] = 9.0
    assert a[1, 0] == a[2, 4] == 9.0 and x._version > v0
    v1 = x._version
    x[0] = 1.0
    assert (a[0] == 1.0).all() and x._version > v1
    col = x[:, 2]
    col[[0, 3]] = 5.0                                  # setitem on a view writes into the base
    assert a[0, 2] == a[3, 2] == 5.0


def test_setitem_from_overlapping_self():
    a = np.arange(10.0)
    x = mt(a)
    x[1:] = x[:-1]
    a[1:] = a[:-1].copy()
    check(x, a)
    x[[0, 1, 2]] = x[[2, 1, 0]]
    a[[0, 1, 2]] = a[[2, 1, 0]]
    check(x, a)


# ---- gradients -------------------------------------------------------------------

@pytest.mark.parametrize("idx", [
    1, -2, (1, 2), slice(1, 3), (slice(None), slice(None, None, 2)), (None, 1), (Ellipsis, 2),
    (slice(None), None, 2), [0, 2, 2, 3], (slice(None), [1, 1, 0]), ([0, 3], slice(None), [4, 0]),
    ([[0], [1]], [2, 0]), (1, [0, 2], slice(1, None, 3)), ([0, 2], None, [1, 1]), A3[:, 0, 0] > 0,
    (slice(None), np.array([True, False, True])),
    (A3[:, :3, 0] > 0, slice(1, None, 2)),
], ids=lambda i: repr(i)[:40])
@pytest.mark.parametrize("contiguous", [True, False])
def test_getitem_gradients(idx, contiguous):
    x = leaf(sample((4, 3, 5)), contiguous)
    m_idx = to_minidl_index(idx)
    assert gradcheck(lambda t: t[m_idx], (x,))


def test_getitem_gradient_sums_repeated_indices():
    x = leaf(np.zeros(4))
    y = x[[1, 1, 3, 1]]
    y.backward(minidl.tensor([1.0, 2.0, 3.0, 4.0], dtype=minidl.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 7.0, 0.0, 3.0])


def test_index_grad_fn_names():
    x = leaf(sample((3, 4)))
    assert x[1].grad_fn.name() == "SelectBackward0"
    assert x[1:].grad_fn.name() == "SliceBackward0"
    assert x[[0, 1]].grad_fn.name() == "IndexBackward0"
    assert minidl.index_select(x, 0, minidl.tensor([0])).grad_fn.name() == "IndexSelectBackward0"
    assert minidl.gather(x, 1, minidl.tensor([[0], [1], [2]])).grad_fn.name() == "GatherBackward0"


@pytest.mark.parametrize("idx", [1, (slice(None), 2), (slice(1, None), [0, 3]), ([0, 2], [1, 1]),
                                 (Ellipsis, None)], ids=repr)
def test_setitem_gradients(idx):
    x = leaf(sample((3, 4)))
    shape = sample((3, 4))[idx].shape
    v = leaf(sample(shape[1:], seed=2))              # broadcast: its gradient sums over dim 0

    def f(base, value):
        y = base * 1.0
        y[idx] = value
        return y
    assert gradcheck(f, (x, v))


def test_setitem_gradient_values():
    x = leaf(np.ones((2, 3)))
    v = leaf(np.array([5.0]))
    y = x * 2.0
    y[:, [0, 2]] = v
    y.backward(minidl.from_numpy(np.arange(6.0).reshape(2, 3)))
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 2.0, 0.0], [0.0, 8.0, 0.0]])
    np.testing.assert_array_equal(v.grad.numpy(), [0.0 + 2.0 + 3.0 + 5.0])
    assert y.grad_fn.name() == "IndexPutBackward0"


def test_setitem_autograd_restrictions():
    x = leaf(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x[0] = 1.0
    with pytest.raises(RuntimeError, match="view"):
        (x * 2.0)[0][1] = 3.0
    with minidl.no_grad():
        x[0, 0] = 7.0                                    # allowed under no_grad
    assert x.detach().numpy()[0, 0] == 7.0
    y = x * 1.0
    w = y * y                                           # saves y for backward
    y[1] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.backward(minidl.ones(2, 3, dtype=minidl.float64))


def test_setitem_refuses_expanded_destination():
    x = minidl.zeros(1, 3).expand(4, 3)
    with pytest.raises(RuntimeError, match="single memory location"):
        x[[0, 1]] = 1.0


# ---- index_select / gather / index_add / scatter_add / nonzero -------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_index_select_matches_take(dtype, dim):
    a = sample((3, 5, 7), dtype)
    n = a.shape[dim]
    idx = np.array([n - 1, 0, 1, 0], dtype=np.int64)
    for x in (mt(a), noncontig(a)):
        check(minidl.index_select(x, dim, mt(idx)), np.take(a, idx, axis=dim))
        check(x.index_select(dim, mt(idx)), np.take(a, idx, axis=dim))
    check(mt(a).index_select(dim, minidl.tensor(1)), np.take(a, [1], axis=dim))
    check(mt(a).index_select(dim, minidl.tensor([], dtype=minidl.int64)), np.take(a, [], axis=dim))
    # a contiguous view that starts past its storage's first element (rows copied whole)
    check(mt(a)[1:].index_select(0, mt(np.array([1, 0, 1]))), np.take(a[1:], [1, 0, 1], axis=0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_matches_take_along_axis(dtype, dim):
    a = sample((3, 4, 5), dtype)
    rng = np.random.default_rng(1)
    shape = list(a.shape)
    shape[dim] = 6                                    # more indices than the dim has: repeats
    idx = rng.integers(0, a.shape[dim], size=shape)
    for x in (mt(a), noncontig(a)):
        check(minidl.gather(x, dim, mt(idx)), np.take_along_axis(a, idx, axis=dim))
        check(x.gather(dim, noncontig(idx)), np.take_along_axis(a, idx, axis=dim))


def test_gather_with_smaller_index():
    a = sample((4, 5))
    idx = np.array([[4, 0], [1, 1]])                  # smaller than a off dim 1, as PyTorch allows
    expected = np.array([[a[i, idx[i, j]] for j in range(2)] for i in range(2)])
    check(mt(a).gather(1, mt(idx)), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_index_add_and_scatter_add_match_numpy(dtype):
    # rtol: the sums are added in another order than np.add.at adds them
    a = sample((4, 3), dtype, 1)
    src = sample((5, 3), dtype, 2)
    idx = np.array([0, 2, 0, 3, 0])
    expected = a.copy()
    np.add.at(expected, idx, src)
    check(minidl.index_add(mt(a), 0, mt(idx), noncontig(src)), expected, rtol=1e-6)
    expected2 = a.copy()
    np.add.at(expected2, idx, src * 2)
    check(mt(a).index_add(0, mt(idx), mt(src), alpha=2), expected2, rtol=1e-6)

    sidx = np.array([[0, 1, 3], [0, 0, 2]])
    ssrc = sample((2, 4), dtype, 3)                   # larger than the index: only its leading part is used
    expected3 = a.copy()
    for i in range(2):
        for j in range(3):
            expected3[sidx[i, j], j] += ssrc[i, j]
    check(minidl.scatter_add(mt(a), 0, mt(sidx), mt(ssrc)), expected3, rtol=1e-6)
    check(noncontig(a).scatter_add(0, mt(sidx), noncontig(ssrc)), expected3, rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nonzero_matches_numpy(dtype):
    a = sample((3, 5, 4), dtype)
    a[0] = 0
    for x in (mt(a), noncontig(a)):
        check(minidl.nonzero(x), np.argwhere(a).astype(np.int64))
        cols = x.nonzero(as_tuple=True)
        for c, e in zip(cols, np.nonzero(a)):
            check(c, e.astype(np.int64))
    check(minidl.nonzero(minidl.zeros(4)), np.zeros((0, 1), np.int64))
    check(minidl.nonzero(mt(np.array(2.0))), np.zeros((1, 0), np.int64))


def test_index_select_gather_gradients_with_repeats():
    x = leaf(sample((4, 3)))
    idx = minidl.tensor([2, 0, 2, 2, 3])
    assert gradcheck(lambda t: minidl.index_select(t, 0, idx), (x,))
    assert gradcheck(lambda t: t.index_select(1, minidl.tensor([1, 1, 0])), (leaf(sample((4, 3)), False),))
    gidx = minidl.tensor([[0, 0, 2, 2], [1, 1, 1, 0], [2, 2, 2, 2], [0, 1, 2, 0]])
    assert gradcheck(lambda t: t.gather(1, gidx), (x,))
    assert gradcheck(lambda t: minidl.gather(t, 0, minidl.tensor([[3, 3, 3], [0, 3, 1]])), (x,))
    y = leaf(np.zeros(3))
    minidl.index_select(y, 0, minidl.tensor([1, 1, 1])).backward(minidl.ones(3, dtype=minidl.float64))
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 3.0, 0.0])


def test_index_add_scatter_add_gradients():
    a, src = leaf(sample((4, 3), seed=1)), leaf(sample((5, 3), seed=2))
    idx = minidl.tensor([0, 2, 0, 3, 0])
    assert gradcheck(lambda p, q: minidl.index_add(p, 0, idx, q, alpha=0.5), (a, src))
    sidx = minidl.tensor([[0, 1, 3], [0, 0, 2]])
    big = leaf(sample((2, 3), seed=3))
    assert gradcheck(lambda p, q: minidl.scatter_add(p, 0, sidx, q), (a, big))


# ---- errors ----------------------------------------------------------------------

def test_out_of_range_integer_indices():
    x = minidl.zeros(3, 4)
    with pytest.raises(IndexError, match="index 3 is out of range for dimension 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match="index -5 is out of range for dimension 1 with size 4"):
        x[0, -5]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 1 with size 4"):
        x[:, [0, 7]]
    with pytest.raises(IndexError, match="index -4 is out of bounds for dimension 0 with size 3"):
        x[minidl.tensor([-4]), 1]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[3, [0]]                                   # an int among advanced indices
    with pytest.raises(IndexError, match="out of range"):
        x[2 ** 70]
    with pytest.raises(IndexError, match="index_select.*index 3 is out of bounds for dimension 0 "
                                         "with size 3"):
        minidl.index_select(x, 0, minidl.tensor([0, 3]))
    with pytest.raises(IndexError, match="out of bounds"):
        minidl.index_select(x, 0, minidl.tensor([-1]))   # as in PyTorch: no negative indices here
    with pytest.raises(IndexError, match="gather.*index 4 is out of bounds for dimension 1 with size 4"):
        minidl.gather(x, 1, minidl.tensor([[4]]))


def test_failed_setitem_leaves_tensor_unchanged():
    a = sample((3, 4))
    x = mt(a)
    v0 = x._version
    with pytest.raises(IndexError):
        x[[0, 1], [2, 9]] = 5.0
    with pytest.raises(IndexError):
        x[1, [0, 4]] = 5.0
    with pytest.raises(ValueError, match=r"shape mismatch: value tensor of shape \[3\] cannot be "
                                         r"broadcast to indexing result of shape \[2\]"):
        x[[0, 1], 0] = minidl.zeros(3)
    with pytest.raises(ValueError, match="shape mismatch"):
        x[0] = minidl.zeros(2)
    check(x, a)
    assert x._version == v0


def test_index_structure_errors():
    x = minidl.zeros(3, 4)
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="too many indices"):
        minidl.zeros(())[0]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., 0, ...]
    with pytest.raises(IndexError, match="mask"):
        x[minidl.tensor([True, False])]
    with pytest.raises(IndexError, match="could not be broadcast"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="Python bool"):
        x[True]
    with pytest.raises(IndexError, match="0-d bool"):
        x[minidl.tensor(True)]


def test_index_type_errors():
    x = minidl.zeros(3, 4)
    with pytest.raises(TypeError, match="valid indices.*float"):
        x[1.0]
    with pytest.raises(TypeError, match="valid indices.*str"):
        x["a"]
    with pytest.raises(TypeError, match="valid indices.*dict"):
        x[0, {}]
    with pytest.raises(IndexError, match="int64 or bool"):
        x[minidl.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match="integer or boolean type"):
        x[[0.5, 1.0]]
    with pytest.raises(TypeError):
        x[[[0, 1], [2]]]                             # ragged
    with pytest.raises(IndexError, match="int64"):
        minidl.index_select(x, 0, minidl.tensor([0.0]))
    with pytest.raises(IndexError, match="int64"):
        minidl.gather(x, 0, minidl.tensor([[True]]))
    with pytest.raises(IndexError, match="1-D"):
        minidl.index_select(x, 0, minidl.tensor([[0]]))
    with pytest.raises(ValueError, match="same number of dimensions"):
        minidl.gather(x, 0, minidl.tensor([0]))
    with pytest.raises(TypeError, match="can't assign"):
        x[0] = "abc"
    with pytest.raises(TypeError, match="match the input"):
        minidl.index_add(x, 0, minidl.tensor([0]), minidl.zeros(1, 4, dtype=minidl.float64))


@pytest.mark.parametrize("step", [0, -1, -2])
def test_non_positive_slice_step_raises(step):
    x = minidl.zeros(5)
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::step]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[None, ::step]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::step] = 1.0


def test_iteration_uses_getitem():
    a = sample((3, 2))
    rows = list(mt(a))
    assert len(rows) == 3
    for r, e in zip(rows, a):
        check(r, e)


def test_large_tensors_on_the_threaded_paths():
    """Sizes above the parallel grain, so the OpenMP loops (and their race-freedom) are exercised."""
    threads = minidl.get_num_threads()
    minidl.set_num_threads(2)
    try:
        rng = np.random.default_rng(3)
        a = rng.standard_normal((400, 150))
        x = noncontig(a)
        idx = rng.integers(0, 400, 700)                     # many repeats
        check(minidl.index_select(x, 0, mt(idx)), a[idx])
        check(x[mt(idx), 3:], a[idx, 3:])
        expected = np.zeros_like(a)
        np.add.at(expected, idx, np.ones((700, 150)))
        check(minidl.index_add(minidl.zeros(400, 150, dtype=minidl.float64), 0, mt(idx),
                               minidl.ones(700, 150, dtype=minidl.float64)), expected)
        gidx = rng.integers(0, 400, (400, 150))
        check(x.gather(0, mt(gidx)), np.take_along_axis(a, gidx, 0))
        scattered = np.zeros_like(a)
        np.add.at(scattered, (gidx, np.arange(150)[None, :]), a)
        zeros = minidl.zeros(400, 150, dtype=minidl.float64)
        check(minidl.scatter_add(zeros, 0, mt(gidx), x), scattered, rtol=1e-12)
        b = a.copy()
        b[idx[:300], 5:] = 2.5
        y = mt(a)
        y[mt(idx[:300]), 5:] = 2.5
        check(y, b)
    finally:
        minidl.set_num_threads(threads)


def test_setitem_into_integer_tensor_records_no_gradient():
    x = minidl.zeros(3, dtype=minidl.int64)
    v = leaf(np.array([2.7]))
    x[1] = v
    assert not x.requires_grad and x.grad_fn is None
    check(x, np.array([0, 2, 0]))


def test_index_modified_after_use_is_caught_in_backward():
    x = leaf(sample((4, 3)))
    idx = minidl.tensor([0, 2])
    y = minidl.index_select(x, 0, idx)
    idx[0] = 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward(minidl.ones(2, 3, dtype=minidl.float64))
