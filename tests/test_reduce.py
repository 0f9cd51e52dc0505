"""Reductions (sum, mean, var, std, max, min, argmax, argmin, any, all) and the softmax
family (softmax, log_softmax, logsumexp): forward against NumPy, gradients by gradcheck."""
import collections

import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck

RNG = np.random.default_rng(1234)
FLOATS = [np.float32, np.float64]
SHAPE = (3, 5, 7)
# dims to reduce over, as minidl/PyTorch take them (None = all)
DIMS = [None, 0, 1, 2, -1, -2, -3, (0, 2), (2, 0), (-1, 1), (0, 1, 2)]


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)


def layouts(shape, dtype, rng=RNG):
    """(name, ndarray) pairs with the same logical shape: contiguous, transposed and sliced.
    minidl.from_numpy shares their memory, strides included."""
    yield "contiguous", rng.standard_normal(shape).astype(dtype)
    yield "transposed", rng.standard_normal(shape[::-1]).astype(dtype).T
    big = rng.standard_normal(tuple(2 * s + 1 for s in shape)).astype(dtype)
    yield "sliced", big[tuple(slice(1, None, 2) for _ in shape)]


def np_axis(dim):
    return tuple(dim) if isinstance(dim, tuple) else dim


def to_t(a, requires_grad=False):
    t = minidl.from_numpy(a)
    if requires_grad:
        t.requires_grad_(True)
    return t


def leaf64(shape, rng=RNG, transposed=False):
    """A float64 leaf for gradcheck (distinct values, so max/min are differentiable)."""
    a = rng.standard_normal(shape[::-1] if transposed else shape)
    return to_t(a.T if transposed else a, requires_grad=True)


def np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_logsumexp(a, axis, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis if axis is not None else tuple(range(a.ndim)))


# ---------------------------------------------------------------- sum / mean

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean_forward(dtype, dim, keepdim):
    for name, a in layouts(SHAPE, dtype):
        t = to_t(a)
        ref64 = a.astype(np.float64)
        for got, ref in [(t.sum(dim, keepdim), ref64.sum(axis=np_axis(dim), keepdims=keepdim)),
                         (minidl.sum(t, dim=dim, keepdim=keepdim), ref64.sum(axis=np_axis(dim), keepdims=keepdim)),
                         (t.mean(dim, keepdim), ref64.mean(axis=np_axis(dim), keepdims=keepdim)),
                         (minidl.mean(t, dim, keepdim), ref64.mean(axis=np_axis(dim), keepdims=keepdim))]:
            assert got.dtype == t.dtype
            assert tuple(got.shape) == np.shape(ref), name
            np.testing.assert_allclose(got.numpy(), ref, **tol(dtype), err_msg=name)


def test_sum_int_and_bool_give_int64():
    a = RNG.integers(-50, 50, size=(4, 6))
    t = minidl.from_numpy(a)
    assert t.sum().dtype == minidl.int64 and t.sum().item() == a.sum()
    np.testing.assert_array_equal(t.sum(0).numpy(), a.sum(0))
    b = a > 0
    tb = minidl.from_numpy(b)
    assert tb.sum().dtype == minidl.int64 and tb.sum().item() == b.sum()
    np.testing.assert_array_equal(tb.sum(1).numpy(), b.sum(1))


def test_sum_dtype_argument():
    a = RNG.integers(0, 10, size=(3, 4))
    t = minidl.from_numpy(a)
    r = t.sum(1, dtype=minidl.float64)
    assert r.dtype == minidl.float64
    np.testing.assert_allclose(r.numpy(), a.sum(1))
    m = minidl.mean(t, dtype=minidl.float32)
    assert m.dtype == minidl.float32
    assert m.item() == pytest.approx(a.mean(), rel=1e-6)


def test_mean_of_integers_raises_like_pytorch():
    t = minidl.from_numpy(np.arange(6))
    with pytest.raises(TypeError, match=r"mean\(\): could not infer output dtype.*Got: Long"):
        t.mean()
    with pytest.raises(TypeError, match=r"mean\(\): could not infer output dtype.*Got: Bool"):
        minidl.mean(t > 2)


def test_sum_mean_of_empty_and_scalar():
    z = minidl.zeros((0, 3))
    np.testing.assert_array_equal(z.sum(0).numpy(), np.zeros(3, np.float32))
    assert z.sum().item() == 0.0
    assert np.isnan(z.mean().item())
    s = minidl.tensor(2.5)
    assert s.sum().item() == 2.5 and s.sum(0).item() == 2.5 and s.mean(-1).item() == 2.5
    assert tuple(s.sum(0, keepdim=True).shape) == ()


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 2), (1, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean_gradcheck(dim, keepdim):
    for transposed in (False, True):
        x = leaf64((3, 4, 5), transposed=transposed)
        assert gradcheck(lambda t: t.sum(dim, keepdim), (x,))
        assert gradcheck(lambda t: t.mean(dim, keepdim) * 3.0, (x,))


def test_sum_mean_grad_fn_names_and_values():
    x = minidl.ones((2, 3), requires_grad=True)
    assert x.sum().grad_fn.name() == "SumBackward0"
    assert x.sum(1).grad_fn.name() == "SumBackward1"
    assert x.mean().grad_fn.name() == "MeanBackward0"
    assert x.mean(0).grad_fn.name() == "MeanBackward1"
    x.mean().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 3), 1 / 6), rtol=1e-6)


# ---------------------------------------------------------------- var / std

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_var_std_forward(dtype, dim, keepdim):
    for name, a in layouts(SHAPE, dtype):
        t = to_t(a)
        ref = a.astype(np.float64)
        ax = np_axis(dim)
        for kwargs, ddof in [({}, 1), ({"unbiased": True}, 1), ({"unbiased": False}, 0),
                             ({"correction": 0}, 0), ({"correction": 1}, 1), ({"correction": 2}, 2)]:
            v = t.var(dim, keepdim=keepdim, **kwargs)
            s = minidl.std(t, dim, keepdim=keepdim, **kwargs)
            np.testing.assert_allclose(v.numpy(), ref.var(axis=ax, ddof=ddof, keepdims=keepdim), **tol(dtype),
                                       err_msg=f"{name} {kwargs}")
            np.testing.assert_allclose(s.numpy(), ref.std(axis=ax, ddof=ddof, keepdims=keepdim), **tol(dtype),
                                       err_msg=f"{name} {kwargs}")


def test_var_positional_unbiased_and_conflicts():
    a = RNG.standard_normal((4, 5))
    t = to_t(a)
    np.testing.assert_allclose(t.var(False).item(), a.var(), rtol=1e-12)
    np.testing.assert_allclose(t.std(True).item(), a.std(ddof=1), rtol=1e-12)
    with pytest.raises(ValueError, match="both correction and unbiased"):
        t.var(0, unbiased=True, correction=0)
    with pytest.raises(TypeError, match="floating"):
        minidl.from_numpy(np.arange(5)).var()


def test_var_is_accurate_with_a_large_offset():
    # a one-pass E[x^2] - E[x]^2 would lose every digit here; the two-pass form does not
    a = (1e6 + RNG.standard_normal(1000)).astype(np.float32)
    np.testing.assert_allclose(to_t(a).var().item(), a.astype(np.float64).var(ddof=1), rtol=1e-4)


def test_var_of_one_element_is_nan_unbiased_zero_biased():
    t = minidl.tensor([3.0])
    assert np.isnan(t.var().item())
    assert t.var(correction=0).item() == 0.0


@pytest.mark.parametrize("dim", [None, 0, 2, -1, (0, 2)])
@pytest.mark.parametrize("correction", [0, 1])
def test_var_std_gradcheck(dim, correction):
    for transposed in (False, True):
        x = leaf64((3, 4, 5), transposed=transposed)
        assert gradcheck(lambda t: t.var(dim, correction=correction), (x,))
        assert gradcheck(lambda t: t.std(dim, keepdim=True, correction=correction), (x,))
    x = leaf64((4, 3))
    assert gradcheck(lambda t: t.var(1, unbiased=False), (x,))


def test_var_std_grad_formula():
    a = RNG.standard_normal((3, 6))
    x = to_t(a, requires_grad=True)
    x.var(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (a - a.mean(1, keepdims=True)) / 5, rtol=1e-10)
    y = to_t(a, requires_grad=True)
    y.std(0, correction=0).sum().backward()
    ref = (a - a.mean(0)) / (3 * a.std(0))
    np.testing.assert_allclose(y.grad.numpy(), ref, rtol=1e-10)
    assert x.var().grad_fn.name() == "VarBackward0" and x.std().grad_fn.name() == "StdBackward0"


# ---------------------------------------------------------------- max / min / argmax / argmin

@pytest.mark.parametrize("dtype", FLOATS + [np.int64])
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2, -3])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim(dtype, dim, keepdim):
    for name, a in layouts(SHAPE, np.float64):
        a = (a * 100).astype(dtype)
        t = to_t(a)
        for op, npv, npi in [("max", np.max, np.argmax), ("min", np.min, np.argmin)]:
            r = getattr(t, op)(dim, keepdim)
            r2 = getattr(minidl, op)(t, dim=dim, keepdim=keepdim)
            ref_v = npv(a, axis=dim, keepdims=keepdim)
            ref_i = npi(a, axis=dim, keepdims=keepdim)
            for res in (r, r2):
                values, indices = res  # unpacks like a tuple
                assert res[0] is not None and res.values.dtype == t.dtype and res.indices.dtype == minidl.int64
                np.testing.assert_array_equal(values.numpy(), ref_v, err_msg=name)
                np.testing.assert_array_equal(indices.numpy(), ref_i, err_msg=name)
                np.testing.assert_array_equal(res.indices.numpy(), ref_i)
            np.testing.assert_array_equal(getattr(t, "arg" + op)(dim, keepdim).numpy(), ref_i)


def test_max_returns_named_tuple():
    r = minidl.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)
    assert isinstance(r, tuple) and r._fields == ("values", "indices") and len(r) == 2
    assert type(r).__name__ == "max" and type(minidl.min(minidl.ones(2), 0)).__name__ == "min"
    assert r.values.tolist() == [5.0, 7.0] and r[1].tolist() == [1, 0]
    assert isinstance(minidl.return_types.max(1, 2), tuple)


@pytest.mark.parametrize("dtype", FLOATS + [np.int64])
def test_max_min_all_and_argmax_flat(dtype):
    for name, a in layouts(SHAPE, np.float64):
        a = (a * 100).astype(dtype)
        t = to_t(a)
        assert t.max().item() == a.max() and minidl.min(t).item() == a.min(), name
        assert t.max().dim() == 0
        assert t.argmax().item() == np.argmax(a) and minidl.argmin(t).item() == np.argmin(a), name
        assert tuple(t.argmax(keepdim=True).shape) == (1, 1, 1)


def test_max_min_bool():
    b = minidl.from_numpy(np.array([[False, True], [False, False]]))
    assert b.max().item() is True and b.min().item() is False
    assert b.max(1).values.tolist() == [True, False] and b.max(1).indices.tolist() == [1, 0]


def test_ties_select_the_first_index():
    t = minidl.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0]])
    assert t.max(1).indices.tolist() == [1, 0]
    assert t.min(1).indices.tolist() == [3, 0]
    assert t.argmax().item() == 1 and t.argmin().item() == 3
    # column layout (reduced dim is not the innermost one)
    c = minidl.from_numpy(np.array([[1.0, 2.0], [1.0, 5.0], [0.0, 5.0]]))
    assert c.max(0).indices.tolist() == [0, 1] and c.argmin(0).tolist() == [2, 0]


def test_nan_propagates():
    a = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0], [np.nan, 0.0, np.nan]])
    for t in (to_t(a), to_t(np.ascontiguousarray(a.T).T)):  # row and column layouts
        r = t.max(1)
        np.testing.assert_array_equal(r.values.numpy(), [np.nan, 6.0, np.nan])
        assert r.indices.tolist() == [1, 2, 0]
        assert t.min(1).indices.tolist() == [1, 0, 0]
        assert np.isnan(t.max().item()) and np.isnan(t.min().item())
        assert t.argmax().item() == np.argmax(a) == 1
        np.testing.assert_array_equal(t.max(0).values.numpy(), np.max(a, axis=0))
        assert t.argmax(0).tolist() == np.argmax(a, axis=0).tolist()
    assert np.isnan(to_t(a).sum().item()) and np.isnan(to_t(a).logsumexp(1).numpy()[0])


def test_max_min_gradients():
    x = leaf64((3, 4, 5))
    for d in (0, 1, -1):
        assert gradcheck(lambda t: t.max(d).values, (x,))
        assert gradcheck(lambda t: t.min(d, keepdim=True)[0], (x,))
    assert gradcheck(lambda t: t.max(), (x,))
    assert gradcheck(lambda t: minidl.min(t), (leaf64((4, 3), transposed=True),))
    assert x.max(0).values.grad_fn.name() == "MaxBackward0" and x.max().grad_fn.name() == "MaxBackward1"
    assert x.min(0).values.grad_fn.name() == "MinBackward0" and x.min().grad_fn.name() == "MinBackward1"


def test_max_gradient_with_ties():
    # over everything: ties share the gradient equally (PyTorch's evenly_distribute_backward)
    x = minidl.tensor([1.0, 3.0, 3.0, 2.0, 3.0], requires_grad=True)
    (x.max() * 6.0).backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 2, 2, 0, 2])
    y = minidl.tensor([[0.0, 0.0], [5.0, 0.0]], requires_grad=True)
    y.min().backward()
    np.testing.assert_allclose(y.grad.numpy(), [[1 / 3, 1 / 3], [0, 1 / 3]], rtol=1e-6)
    # with a dim: only the selected (first) index gets it
    z = minidl.tensor([[1.0, 3.0, 3.0], [4.0, 4.0, 0.0]], requires_grad=True)
    z.max(1).values.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [[0, 1, 0], [1, 0, 0]])
    w = minidl.tensor([[1.0, 3.0], [3.0, 0.0]], requires_grad=True)
    (w.max(0, keepdim=True).values * minidl.tensor([[2.0, 5.0]])).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [[0, 5], [2, 0]])


def test_max_of_scalar_and_empty():
    s = minidl.tensor(4.0)
    r = s.max(0)
    assert r.values.item() == 4.0 and r.indices.item() == 0 and s.argmax().item() == 0
    with pytest.raises(RuntimeError, match="numel\\(\\) == 0"):
        minidl.zeros((0,)).max()
    with pytest.raises(RuntimeError, match="numel\\(\\) == 0"):
        minidl.zeros((0, 2)).argmin()
    with pytest.raises(IndexError, match="reduction dim 0"):
        minidl.zeros((0, 2)).max(0)
    assert tuple(minidl.zeros((0, 2)).max(1).values.shape) == (0,)


def test_max_with_tensor_is_maximum():
    a, b = minidl.tensor([1.0, 5.0]), minidl.tensor([3.0, 2.0])
    assert minidl.max(a, b).tolist() == [3.0, 5.0] and a.min(b).tolist() == [1.0, 2.0]


# ---------------------------------------------------------------- any / all

def test_any_all():
    b = np.array([[True, False, False], [True, True, True]])
    t = to_t(b)
    assert t.any().item() is True and t.all().item() is False
    assert t.all(1).tolist() == [False, True] and minidl.any(t, 0).tolist() == [True, True, True]
    assert tuple(t.any(1, keepdim=True).shape) == (2, 1)
    f = minidl.tensor([0.0, 2.0])
    assert f.any().item() is True and f.all().item() is False and f.any().dtype == minidl.bool
    assert minidl.zeros((0,)).all().item() is True and minidl.zeros((0,)).any().item() is False


# ---------------------------------------------------------------- logsumexp

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, (0, 2), (0, 1, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_forward(dtype, dim, keepdim):
    for name, a in layouts(SHAPE, dtype):
        got = minidl.logsumexp(to_t(a), dim, keepdim)
        assert got.dtype == to_t(a).dtype
        np.testing.assert_allclose(got.numpy(), np_logsumexp(a.astype(np.float64), np_axis(dim), keepdim),
                                   **tol(dtype), err_msg=name)


def test_logsumexp_stable_and_special_values():
    a = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, -np.inf], [np.inf, 1.0]])
    got = to_t(a).logsumexp(1).numpy()
    np.testing.assert_allclose(got[:2], [1000 + np.log(2), -1000 + np.log(2)])
    assert got[2] == -np.inf and got[3] == np.inf
    assert to_t(a.astype(np.float32)).logsumexp(1).numpy()[0] == pytest.approx(1000.6931, rel=1e-6)
    i = minidl.from_numpy(np.array([0, 1, 2])).logsumexp(0)
    assert i.dtype == minidl.float32 and i.item() == pytest.approx(np.log(np.exp([0, 1, 2]).sum()), rel=1e-6)


def test_logsumexp_gradcheck():
    for transposed in (False, True):
        x = leaf64((3, 4, 5), transposed=transposed)
        for dim in (0, -1, (0, 2)):
            assert gradcheck(lambda t: t.logsumexp(dim), (x,))
    x = leaf64((3, 4))
    assert x.logsumexp(1).grad_fn.name() == "LogsumexpBackward0"
    x.logsumexp(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np_softmax(x.detach().numpy(), 1), rtol=1e-10)


# ---------------------------------------------------------------- softmax / log_softmax

def test_softmax_known_values():
    y = minidl.softmax(minidl.tensor([1.0, 2.0, 3.0]), 0)
    np.testing.assert_allclose(y.numpy(), [0.090031, 0.244728, 0.665241], atol=1e-6)
    np.testing.assert_allclose(minidl.tensor([1.0, 2.0, 3.0]).log_softmax(-1).numpy(),
                               np.log([0.090031, 0.244728, 0.665241]), atol=1e-5)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1, 2, -1, -2, -3])
def test_softmax_log_softmax_forward(dtype, dim):
    for name, a in layouts(SHAPE, dtype):
        t = to_t(a)
        ref = np_softmax(a.astype(np.float64), dim)
        for y in (t.softmax(dim), minidl.softmax(t, dim=dim)):
            assert y.dtype == t.dtype and tuple(y.shape) == SHAPE
            np.testing.assert_allclose(y.numpy(), ref, **tol(dtype), err_msg=name)
        for y in (t.log_softmax(dim), minidl.log_softmax(t, dim)):
            np.testing.assert_allclose(y.numpy(), np.log(ref), **tol(dtype), err_msg=name)


@pytest.mark.parametrize("shape,dim", [((64, 1000), 1), ((64, 1000), 0), ((2, 3, 17, 19), 1), ((1, 3000), 0),
                                       ((300, 2), 1), ((5, 4, 400), -1)])
def test_softmax_larger_shapes(shape, dim):
    # blocks of lines, the vectorised exp and its scalar tail (logsumexp shares the kernel)
    a = RNG.standard_normal(shape).astype(np.float32) * 5
    np.testing.assert_allclose(minidl.from_numpy(a).softmax(dim).numpy(), np_softmax(a.astype(np.float64), dim),
                               rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(minidl.from_numpy(a).log_softmax(dim).numpy(),
                               np.log(np_softmax(a.astype(np.float64), dim)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(minidl.from_numpy(a).logsumexp(dim).numpy(),
                               np_logsumexp(a.astype(np.float64), dim), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_stable_at_large_logits(dtype):
    a = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0], [1000.0, 1000.0, 999.0]], dtype=dtype)
    for dim in (0, 1):
        y = to_t(a).softmax(dim).numpy()
        ly = to_t(a).log_softmax(dim).numpy()
        assert np.isfinite(y).all() and np.isfinite(ly).all()
        np.testing.assert_allclose(y, np_softmax(a.astype(np.float64), dim), atol=1e-6)
    np.testing.assert_allclose(to_t(a).log_softmax(1).numpy()[0], [0.0, -2000.0, -1000.0], atol=1e-3)
    x = to_t(a.astype(np.float64), requires_grad=True)
    x.log_softmax(1).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_softmax_special_values():
    y = minidl.tensor([[-np.inf, 0.0, -np.inf], [np.nan, 1.0, 2.0]]).softmax(1).numpy()
    np.testing.assert_array_equal(y[0], [0.0, 1.0, 0.0])
    assert np.isnan(y[1]).all()
    assert minidl.tensor(3.0).softmax(0).item() == 1.0 and minidl.tensor(3.0).log_softmax(-1).item() == 0.0


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax_gradcheck(dim):
    for transposed in (False, True):
        x = leaf64((3, 4, 5), transposed=transposed)
        assert gradcheck(lambda t: t.softmax(dim), (x,))
        assert gradcheck(lambda t: minidl.log_softmax(t, dim), (x,))
    w = minidl.from_numpy(RNG.standard_normal((3, 4, 5)))
    assert gradcheck(lambda t: (t.softmax(dim) * w).sum(), (leaf64((3, 4, 5)),))


def test_softmax_backward_formulas():
    a = RNG.standard_normal((4, 6))
    g = RNG.standard_normal((4, 6))
    for dim in (0, 1):
        x = to_t(a, requires_grad=True)
        y = x.softmax(dim)
        y.backward(to_t(g))
        yn = np_softmax(a, dim)
        np.testing.assert_allclose(x.grad.numpy(), yn * (g - (g * yn).sum(dim, keepdims=True)), rtol=1e-10, atol=1e-12)
        x2 = to_t(a, requires_grad=True)
        x2.log_softmax(dim).backward(to_t(g))
        np.testing.assert_allclose(x2.grad.numpy(), g - yn * g.sum(dim, keepdims=True), rtol=1e-10, atol=1e-12)
    x = to_t(a, requires_grad=True)
    x.softmax(1).sum().backward()  # gradient of a constant (rows sum to 1): zero
    np.testing.assert_allclose(x.grad.numpy(), 0, atol=1e-12)
    assert x.softmax(0).grad_fn.name() == "SoftmaxBackward0"
    assert x.log_softmax(0).grad_fn.name() == "LogSoftmaxBackward0"


def test_softmax_rejects_integers_and_casts_with_dtype():
    t = minidl.from_numpy(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="floating"):
        t.softmax(0)
    np.testing.assert_allclose(t.softmax(0, dtype=minidl.float64).numpy(), np_softmax(np.array([1.0, 2, 3]), 0))


# ---------------------------------------------------------------- bad arguments

@pytest.mark.parametrize("call", [
    lambda t: t.sum(3), lambda t: t.mean(-4), lambda t: t.var((0, 5)), lambda t: t.std(3),
    lambda t: t.max(3), lambda t: t.min(-4), lambda t: t.argmax(3), lambda t: t.argmin(-4),
    lambda t: t.logsumexp(3), lambda t: t.softmax(3), lambda t: t.log_softmax(-4), lambda t: t.any(3),
    lambda t: minidl.sum(t, (1, -5)),
])
def test_bad_dims_raise_index_error(call):
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-3, 2\]"):
        call(minidl.zeros(SHAPE))


def test_repeated_dims_and_bad_types():
    t = minidl.zeros(SHAPE)
    with pytest.raises(ValueError, match="appears multiple times"):
        t.sum((0, -3))
    with pytest.raises(ValueError, match="appears multiple times"):
        t.logsumexp((1, 1))
    with pytest.raises(TypeError, match="dim must be an int"):
        t.softmax(1.5)
    with pytest.raises(TypeError, match="dim must be an int"):
        t.max((0, 1))
    with pytest.raises(TypeError):
        t.sum("a")


# ---------------------------------------------------------------- large tensors (parallel paths)

# all-reduce, last dim, leading dims, few outputs (the reduced range cut into chunks,
# across row boundaries for (50, 3, 3001)), a middle dim
BIG = [((2_000_003,), None), ((1000, 1001), 1), ((1000, 1001), 0), ((250_000, 4), 0), ((4, 250_000), 1),
       ((64, 33, 513), (0, 2)), ((50, 3, 3001), (0, 2)), ((8, 64, 2049), 1)]


@pytest.mark.parametrize("shape,dim", BIG)
def test_large_reductions_match_numpy(shape, dim):
    a = RNG.standard_normal(shape).astype(np.float32) + 0.5
    t = minidl.from_numpy(a)
    a64 = a.astype(np.float64)
    ax = np_axis(dim)
    np.testing.assert_allclose(t.sum(dim).numpy(), a64.sum(axis=ax), rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(t.mean(dim).numpy(), a64.mean(axis=ax), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(t.var(dim).numpy(), a64.var(axis=ax, ddof=1), rtol=1e-5)
    np.testing.assert_array_equal(t.max().numpy(), a.max())
    if isinstance(dim, int):
        r = t.max(dim)
        np.testing.assert_array_equal(r.values.numpy(), a.max(axis=dim))
        np.testing.assert_array_equal(r.indices.numpy(), a.argmax(axis=dim))
        np.testing.assert_allclose(t.softmax(dim).numpy(), np_softmax(a64, dim), rtol=1e-5, atol=1e-9)
    if len(shape) == 2:  # the same through a transposed view
        tt = minidl.from_numpy(a.T)
        np.testing.assert_allclose(tt.sum().numpy(), a64.sum(), rtol=1e-6)
        np.testing.assert_allclose(tt.sum(0).numpy(), a64.T.sum(0), rtol=1e-5, atol=1e-3)


def test_float32_sum_is_accumulated_in_double():
    a = np.full(10_000_001, 0.1, dtype=np.float32)
    assert minidl.from_numpy(a).sum().item() == pytest.approx(a.astype(np.float64).sum(), rel=1e-7)


def test_results_do_not_depend_on_thread_count():
    a = RNG.standard_normal((300_001,)).astype(np.float32)
    t = minidl.from_numpy(a)
    n = minidl.get_num_threads()
    try:
        minidl.set_num_threads(1)
        one = (t.sum().item(), t.var().item())
        minidl.set_num_threads(max(2, n))
        many = (t.sum().item(), t.var().item())
    finally:
        minidl.set_num_threads(n)
    assert one == many


def test_result_collections_namedtuple_compat():
    r = minidl.max(minidl.tensor([[1.0, 2.0]]), 1, keepdim=True)
    v, i = r
    assert tuple(v.shape) == (1, 1) and isinstance(r, collections.abc.Sequence)


def test_reductions_of_broadcast_gradients():
    # the engine sums broadcast gradients (stride-0 views) back to each input's shape with sum
    a = RNG.standard_normal((5, 3))
    b = RNG.standard_normal((3,))
    x, w = to_t(a, requires_grad=True), to_t(b, requires_grad=True)
    ((x * 2.0 + w).softmax(1) * to_t(a)).sum().backward()
    y = np_softmax(a * 2 + b, 1)
    g = y * (a - (a * y).sum(1, keepdims=True))
    np.testing.assert_allclose(w.grad.numpy(), g.sum(0), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), 2 * g, rtol=1e-10)
    c = to_t(RNG.standard_normal((4, 1, 6)), requires_grad=True)
    d = to_t(RNG.standard_normal((1, 3, 1)), requires_grad=True)
    (c + d).max(1).values.sum().backward()
    assert tuple(c.grad.shape) == (4, 1, 6) and tuple(d.grad.shape) == (1, 3, 1)
    np.testing.assert_allclose(c.grad.numpy(), np.ones((4, 1, 6)))
    np.testing.assert_allclose(d.grad.numpy().sum(), 24.0)


@pytest.mark.parametrize("n", [1, 31, 33, 4097, 300_001])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_min_all_contiguous_kernel_vs_numpy(n, dtype):
    # the contiguous fast path splits into per-thread chunks, 128-byte lane blocks and a tail
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n).astype(dtype)
    t = minidl.from_numpy(a)
    assert t.max().item() == a.max() and t.min().item() == a.min()
    for pos in {0, n // 2, n - 1}:  # a NaN anywhere (first lane, a middle chunk, the tail) wins
        b = a.copy()
        b[pos] = np.nan
        tb = minidl.from_numpy(b)
        assert np.isnan(tb.max().item()) and np.isnan(tb.min().item())
