"""Shape ops: views (sharing memory), reshape, transpose, permute, squeeze, expand, flatten,
cat / stack / split / chunk, against NumPy, with gradchecks and error cases."""
import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck

from view_helpers import DTYPES, check, leaf, mt, noncontig, sample  # noqa: F401


def shares(a, b):
    return a._base_storage_id == b._base_storage_id


# ---- view / reshape ------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,new", [
    ((3, 5, 7), (15, 7)), ((3, 5, 7), (-1,)), ((3, 5, 7), (7, -1, 3)), ((4, 6), (2, 2, 3, 2)),
    ((1,), ()), ((), (1, 1)), ((0, 3), (3, 0)), ((0, 3), (-1, 3, 1))])
def test_view_and_reshape_match_numpy(dtype, shape, new):
    a = sample(shape, dtype)
    x = mt(a)
    expected = a.reshape(new)
    check(x.view(*new), expected)
    check(x.view(new), expected)
    check(x.reshape(*new), expected)
    check(x.reshape(new), expected)
    check(minidl.reshape(x, new), expected)
    assert shares(x.view(new), x)


def test_view_shares_memory_both_ways():
    a = sample((3, 4))
    x = mt(a)
    v = x.view(2, 6)
    v.numpy()[1, 5] = 100.0
    assert x.numpy()[2, 3] == 100.0
    x.numpy()[0, 1] = -7.0
    assert v.numpy()[0, 1] == -7.0


def test_view_of_non_contiguous_raises_and_reshape_copies():
    a = sample((3, 5, 7))
    x = noncontig(a)
    with pytest.raises(RuntimeError, match=r"view size .* not compatible.*reshape"):
        x.view(-1)
    with pytest.raises(RuntimeError, match="reshape"):
        mt(a).transpose(0, 1).view(-1)
    r = x.reshape(-1)
    check(r, a.reshape(-1))
    assert not shares(r, x)


def test_view_possible_on_some_non_contiguous_layouts():
    a = sample((4, 6, 5))
    x = mt(a)[1:3]            # rows of a contiguous tensor: still viewable
    v = x.view(2, 30)
    check(v, a[1:3].reshape(2, 30))
    assert shares(v, x)
    y = mt(a)[:, :, 1:4]      # the last dim is cut: only the leading dims merge
    check(y.view(24, 3), a[:, :, 1:4].reshape(24, 3))
    with pytest.raises(RuntimeError):
        y.view(-1)
    # size-1 dims may carry any stride: viewing must ignore it
    b = np.arange(12.0).reshape(3, 4)
    odd = np.lib.stride_tricks.as_strided(b, shape=(3, 1, 4), strides=(32, 999 * 8, 8))
    check(minidl.from_numpy(odd).view(12), b.reshape(12))


def _factorizations(n, rng, parts):
    """A random shape of `parts` dims (some of size 1) whose product is n."""
    dims = [1] * parts
    for p in (2, 3, 5, 7):
        while n % p == 0:
            n //= p
            dims[rng.integers(parts)] *= p
    return tuple(dims)


def test_view_succeeds_exactly_when_numpy_reshape_needs_no_copy():
    rng = np.random.default_rng(5)
    base = np.arange(2 * 3 * 4 * 5 * 6, dtype=np.float64).reshape(2, 3, 4, 5, 6)
    tried = viewed = 0
    for _ in range(300):
        a = base.transpose(rng.permutation(5)) if rng.random() < 0.5 else base
        cut = tuple(slice(None, None, int(rng.choice([1, 2]))) if rng.random() < 0.3 else slice(None)
                    for _ in range(5))
        a = a[cut]
        if rng.random() < 0.3:
            a = a[:, None]                                  # a size-1 dim with a made-up stride
        new = _factorizations(a.size, rng, int(rng.integers(1, 6)))
        r = a.reshape(new)
        x = minidl.from_numpy(a)
        tried += 1
        if np.shares_memory(r, a):
            viewed += 1
            v = x.view(new)
            check(v, r)
            assert shares(v, x)
        else:
            with pytest.raises(RuntimeError, match="view size"):
                x.view(new)
            check(x.reshape(new), r)
    assert 30 < viewed < tried - 30                     # both outcomes were exercised


def test_view_reshape_errors():
    x = minidl.zeros(2, 3)
    with pytest.raises(ValueError, match="invalid for input of size 6"):
        x.view(4)
    with pytest.raises(ValueError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(ValueError, match="invalid shape dimension -2"):
        x.reshape(-2, 3)
    with pytest.raises(TypeError):
        x.view(2.0, 3)


def test_view_as_reshape_as():
    a = sample((2, 6))
    x, other = mt(a), minidl.zeros(3, 4)
    check(x.view_as(other), a.reshape(3, 4))
    check(noncontig(a).reshape_as(other), a.reshape(3, 4))


# ---- transpose / permute / T / mT / t -------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_transpose_permute_match_numpy(dtype):
    a = sample((3, 5, 7), dtype)
    for x in (mt(a), noncontig(a)):
        check(x.transpose(0, 2), np.swapaxes(a, 0, 2))
        check(x.transpose(-1, 1), np.swapaxes(a, -1, 1))
        check(minidl.transpose(x, 1, 1), a)
        check(minidl.swapaxes(x, 0, 1), np.swapaxes(a, 0, 1))
        check(x.swapdims(0, -2), np.swapaxes(a, 0, -2))
        check(x.permute(2, 0, 1), a.transpose(2, 0, 1))
        check(x.permute((1, -1, 0)), a.transpose(1, 2, 0))
        check(x.permute([2, 1, 0]), a.transpose(2, 1, 0))
        check(minidl.permute(x, (-3, -1, -2)), a.transpose(0, 2, 1))
        check(x.T, a.T)
        check(x.mT, np.swapaxes(a, -1, -2))
        assert shares(x.permute(2, 0, 1), x) and shares(x.T, x) and shares(x.mT, x)


def test_t_and_T_small_dims():
    a = sample((3, 5))
    check(mt(a).t(), a.T)
    check(minidl.t(mt(a)), a.T)
    v = sample((4,))
    check(mt(v).t(), v)
    check(mt(v).T, v)
    s = np.array(2.5)
    check(mt(s).t(), s)
    check(mt(s).T, s)
    check(mt(sample((2, 3, 4, 5))).T, sample((2, 3, 4, 5)).T)


def test_transpose_writes_through():
    x = minidl.zeros(2, 3)
    x.t().numpy()[2, 1] = 5.0
    assert x.numpy()[1, 2] == 5.0


def test_transpose_permute_errors():
    x = minidl.zeros(2, 3, 4)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.transpose(0, 3)
    with pytest.raises(ValueError, match="number of dims"):
        x.permute(0, 1)
    with pytest.raises(ValueError, match="more than once"):
        x.permute(0, 1, -3)
    with pytest.raises(IndexError):
        x.permute(0, 1, 3)
    with pytest.raises(ValueError, match="<= 2 dimensions"):
        x.t()
    with pytest.raises(ValueError, match="mT"):
        minidl.zeros(3).mT


# ---- squeeze / unsqueeze --------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_squeeze_unsqueeze_match_numpy(dtype):
    a = sample((1, 3, 1, 5, 1), dtype)
    x = mt(a)
    check(x.squeeze(), a.squeeze())
    check(minidl.squeeze(x), a.squeeze())
    check(x.squeeze(0), a.squeeze(0))
    check(x.squeeze(-1), a.squeeze(-1))
    check(x.squeeze(1), a)                      # not of size 1: unchanged
    check(x.squeeze((0, 2)), a.squeeze((0, 2)))
    check(x.squeeze((-1, 0, 2)), a.squeeze((0, 2, 4)))
    check(x.squeeze((1, 2)), a.squeeze(2))
    b = sample((3, 5), dtype)
    y = noncontig(b)
    for d in range(-3, 3):
        check(y.unsqueeze(d), np.expand_dims(b, d))
        check(minidl.unsqueeze(y, d), np.expand_dims(b, d))
    check(mt(np.array(1.5)).unsqueeze(0), np.array([1.5]))
    check(mt(np.array([2.0])).squeeze(), np.array(2.0))
    assert shares(x.squeeze(), x) and shares(y.unsqueeze(1), y)


def test_squeeze_unsqueeze_errors():
    x = minidl.zeros(1, 3)
    with pytest.raises(IndexError):
        x.squeeze(2)
    with pytest.raises(IndexError):
        x.unsqueeze(3)
    with pytest.raises(IndexError):
        x.unsqueeze(-4)
    with pytest.raises(ValueError, match="more than once"):
        x.squeeze((0, -2))


# ---- expand / broadcast_to -------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_expand_matches_broadcast_to(dtype):
    a = sample((3, 1, 5), dtype)
    x = noncontig(a)
    check(x.expand(2, 3, 4, 5), np.broadcast_to(a, (2, 3, 4, 5)))
    check(x.expand((3, 4, -1)), np.broadcast_to(a, (3, 4, 5)))
    check(x.expand(-1, -1, -1), a)
    check(x.expand_as(minidl.zeros(6, 3, 2, 5)), np.broadcast_to(a, (6, 3, 2, 5)))
    check(minidl.broadcast_to(x, (7, 3, 3, 5)), np.broadcast_to(a, (7, 3, 3, 5)))
    e = x.expand(3, 4, 5)
    assert shares(e, x) and e.stride(1) == 0


def test_expand_errors_and_write_refused():
    x = minidl.zeros(3, 1)
    with pytest.raises(ValueError, match="must match the existing size"):
        x.expand(4, 2)
    with pytest.raises(ValueError, match="must be greater or equal"):
        x.expand(3)
    with pytest.raises(ValueError):
        x.expand(-1, 3, 2)
    with pytest.raises(ValueError, match="invalid size"):
        x.expand(3, -2)
    with pytest.raises(RuntimeError, match="single memory location"):
        x.expand(3, 4).fill_(1.0)


# ---- flatten / contiguous --------------------------------------------------------

@pytest.mark.parametrize("start,end", [(0, -1), (1, 2), (0, 1), (-2, -1), (2, 2), (1, -1)])
def test_flatten_matches_numpy(start, end):
    a = sample((2, 3, 4, 5))
    s, e = start % 4, end % 4
    expected = a.reshape(a.shape[:s] + (-1,) + a.shape[e + 1:])
    for x in (mt(a), noncontig(a)):
        check(x.flatten(start, end), expected)
        check(minidl.flatten(x, start_dim=start, end_dim=end), expected)
    check(mt(np.array(3.0)).flatten(), np.array([3.0]))
    with pytest.raises(ValueError, match="cannot come after"):
        mt(a).flatten(2, 1)


def test_contiguous():
    a = sample((3, 4))
    x = mt(a)
    assert x.contiguous()._base_storage_id == x._base_storage_id
    y = noncontig(a)
    c = y.contiguous()
    assert c.is_contiguous() and not shares(c, y)
    check(c, a)


# ---- slicing pieces: narrow / select / split / chunk / unbind ---------------------

def test_narrow_select_are_views():
    a = sample((4, 6))
    x = mt(a)
    n = x.narrow(1, 2, 3)
    check(n, a[:, 2:5])
    check(minidl.narrow(x, 0, -2, 2), a[-2:])
    s = x.select(1, -1)
    check(s, a[:, -1])
    check(minidl.select(x, 0, 2), a[2])
    n.numpy()[0, 0] = 42.0
    s.numpy()[3] = -42.0
    assert x.numpy()[0, 2] == 42.0 and x.numpy()[3, 5] == -42.0
    with pytest.raises(IndexError, match=r"index 6 is out of range for dimension 1 with size 6"):
        x.select(1, 6)
    with pytest.raises(IndexError, match=r"index -5 is out of range for dimension 0 with size 4"):
        x.select(0, -5)
    with pytest.raises(ValueError, match="exceeds dimension size"):
        x.narrow(0, 2, 3)
    with pytest.raises(ValueError, match="exceeds dimension size"):  # start + length overflows int64
        x.narrow(0, 1, 2**63 - 1)
    with pytest.raises(IndexError):
        mt(np.array(1.0)).select(0, 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_split_chunk_unbind(dtype):
    a = sample((7, 5), dtype)
    x = noncontig(a)
    parts = x.split(3)
    assert isinstance(parts, tuple) and len(parts) == 3
    for p, e in zip(parts, (a[0:3], a[3:6], a[6:7])):
        check(p, e)
        assert shares(p, x)
    for p, e in zip(minidl.split(x, [1, 4], dim=1), (a[:, :1], a[:, 1:])):
        check(p, e)
    for p, e in zip(x.chunk(3, -1), (a[:, 0:2], a[:, 2:4], a[:, 4:5])):
        check(p, e)
    assert len(minidl.chunk(x, 4)) == 4           # ceil(7/4) = 2 -> 4 pieces
    assert len(mt(sample((6,))).chunk(4)) == 3    # ceil(6/4) = 2 -> 3 pieces (PyTorch's rule)
    for p, e in zip(x.unbind(1), [a[:, i] for i in range(5)]):
        check(p, e)
    with pytest.raises(ValueError, match="sum to"):
        x.split([3, 3])
    with pytest.raises(ValueError, match="chunks must be greater than 0"):
        x.chunk(0)
    with pytest.raises(ValueError, match="split_size must be positive"):
        x.split(0)


# ---- cat / stack ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_cat_matches_numpy(dtype, dim):
    arrs = [sample((3, 5, 7), dtype, 1), sample((3, 5, 7), dtype, 2)]
    shape3 = list(arrs[0].shape)
    shape3[dim] = 2
    arrs.append(sample(tuple(shape3), dtype, 3))
    ts = [mt(arrs[0]), noncontig(arrs[1]), noncontig(arrs[2])]
    check(minidl.cat(ts, dim), np.concatenate(arrs, dim))
    check(minidl.cat(tuple(ts), dim=dim), np.concatenate(arrs, dim))
    check(minidl.concat(ts, dim), np.concatenate(arrs, dim))


@pytest.mark.parametrize("dim", [0, 1, 2, -1, -3])
def test_stack_matches_numpy(dim):
    arrs = [sample((3, 5), np.float32, i) for i in range(4)]
    ts = [mt(arrs[0]), noncontig(arrs[1]), mt(arrs[2]).t().t(), noncontig(arrs[3])]
    check(minidl.stack(ts, dim), np.stack(arrs, dim))
    check(minidl.stack(ts, dim=dim), np.stack(arrs, dim))


@pytest.mark.parametrize("pair,expected", [
    ((np.int64, np.float32), np.float32), ((np.bool_, np.int64), np.int64),
    ((np.float32, np.float64), np.float64), ((np.bool_, np.bool_), np.bool_),
    ((np.bool_, np.float32), np.float32)])
def test_cat_stack_promote_dtypes(pair, expected):
    a, b = sample((2, 3), pair[0], 1), sample((2, 3), pair[1], 2)
    check(minidl.cat([mt(a), mt(b)], 1), np.concatenate([a, b], 1).astype(expected))
    check(minidl.stack([mt(a), mt(b)]), np.stack([a, b]).astype(expected))


def test_cat_skips_legacy_empty_and_allows_empty_dims():
    a = sample((2, 3))
    check(minidl.cat([minidl.zeros(0), mt(a), minidl.zeros(0)], 1), a)
    check(minidl.cat([mt(a), minidl.zeros(2, 0)], 1), a)
    check(minidl.cat([minidl.zeros(0), minidl.zeros(0)]), np.zeros(0, np.float32))


def test_cat_stack_errors():
    with pytest.raises(ValueError, match="non-empty"):
        minidl.cat([])
    with pytest.raises(ValueError, match="non-empty"):
        minidl.stack([])
    a, b = minidl.zeros(2, 3), minidl.zeros(2, 4)
    with pytest.raises(ValueError, match=r"tensor 0 has shape \[2, 3\] but tensor 2 has shape \[2, 4\] "
                                         r"\(mismatch in dimension 1\)"):
        minidl.cat([a, a, b], 0)
    with pytest.raises(ValueError, match="same number of dimensions"):
        minidl.cat([a, minidl.zeros(2, 3, 1)])
    with pytest.raises(ValueError, match="zero-dimensional tensor"):
        minidl.cat([minidl.zeros(()), minidl.zeros(())])
    with pytest.raises(ValueError, match=r"equal size.*\[2, 3\] at entry 0 and \[2, 4\] at entry 1"):
        minidl.stack([a, b])
    with pytest.raises(IndexError):
        minidl.cat([a, a], 2)
    with pytest.raises(IndexError):
        minidl.stack([a, a], 3)
    with pytest.raises(TypeError, match="element 1"):
        minidl.cat([a, 3])
    with pytest.raises(TypeError):
        minidl.stack(a)


# ---- gradients -----------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda x: x.reshape(5, 6),
    lambda x: x.reshape(-1, 2).view(3, 10),
    lambda x: minidl.reshape(x, (3, 10)),
    lambda x: x.transpose(0, 2),
    lambda x: x.permute(1, 2, 0),
    lambda x: x.T,
    lambda x: x.mT,
    lambda x: x.unsqueeze(1),
    lambda x: x.unsqueeze(-1).squeeze(-1),
    lambda x: x.flatten(1),
    lambda x: x.flatten(),
    lambda x: x.transpose(0, 1).contiguous(),
    lambda x: x.narrow(2, 1, 2),
    lambda x: x.select(1, -2),
    lambda x: x.split(2, dim=2)[1],
    lambda x: x.chunk(2, 1)[0] * 2.0,
    lambda x: x.unbind(0)[1],
    lambda x: x[:, None].expand(2, 4, 3, 5),
], ids=lambda f: "")
@pytest.mark.parametrize("contiguous", [True, False])
def test_view_gradients(fn, contiguous):
    x = leaf(sample((2, 3, 5)), contiguous)
    assert gradcheck(fn, (x,))


def test_reshape_gradient_of_non_contiguous_input():
    x = leaf(sample((3, 4)))
    assert gradcheck(lambda t: t.t().reshape(12) * minidl.arange(12, dtype=minidl.float64), (x,))


def test_squeeze_expand_gradients():
    x = leaf(sample((1, 3, 1)))
    assert gradcheck(lambda t: t.squeeze(), (x,))
    assert gradcheck(lambda t: t.squeeze(0), (x,))
    assert gradcheck(lambda t: t.squeeze((0, 2)), (x,))
    assert gradcheck(lambda t: t.expand(4, 3, 2), (x,))
    assert gradcheck(lambda t: t.squeeze(2).t(), (x,))


def test_cat_stack_gradients():
    a, b, c = leaf(sample((2, 3), seed=1)), leaf(sample((2, 1), seed=2), False), leaf(sample((2, 4), seed=3))
    assert gradcheck(lambda p, q, r: minidl.cat([p, q, r], 1), (a, b, c))
    assert gradcheck(lambda p, q: minidl.cat([p, q, p], -1), (a, b))
    d = leaf(sample((2, 3), seed=4), False)
    for dim in (0, 1, 2, -1):
        assert gradcheck(lambda p, q: minidl.stack([p, q, p], dim), (a, d))


def test_cat_gradient_skips_constant_inputs():
    a = leaf(sample((2, 3)))
    const = minidl.ones(2, 2, dtype=minidl.float64)
    y = minidl.cat([const, a], 1)
    y.backward(minidl.arange(10, dtype=minidl.float64).reshape(2, 5))
    np.testing.assert_array_equal(a.grad.numpy(), np.arange(10.0).reshape(2, 5)[:, 2:])


def test_grad_fn_names():
    x = leaf(sample((2, 3)))
    assert x.view(6).grad_fn.name() == "ViewBackward0"
    assert x.transpose(0, 1).grad_fn.name() == "TransposeBackward0"
    assert x.permute(1, 0).grad_fn.name() == "PermuteBackward0"
    assert x.unsqueeze(0).grad_fn.name() == "UnsqueezeBackward0"
    assert x.expand(4, 2, 3).grad_fn.name() == "ExpandBackward0"
    assert x.narrow(1, 0, 2).grad_fn.name() == "SliceBackward0"
    assert x.select(0, 1).grad_fn.name() == "SelectBackward0"
    assert minidl.cat([x, x]).grad_fn.name() == "CatBackward0"
    assert minidl.stack([x, x]).grad_fn.name() == "StackBackward0"


def test_views_of_tracked_tensors_refuse_in_place_ops():
    x = leaf(sample((2, 3)))
    y = x * 2.0
    with pytest.raises(RuntimeError, match="view"):
        y.view(6).add_(1.0)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        x.add_(1.0)
