"""Autograd: every differentiable elementwise op by gradcheck, and the engine's semantics."""
import gc
import threading

import numpy as np
import pytest
from helpers import assert_close, backward_with_ones, leaf, noncontig, rand_np, transposed

import minidl
from minidl.autograd import gradcheck

F64 = minidl.float64


def leaf64(shape, low=-2.0, high=2.0, seed=0):
    return leaf(rand_np(shape, np.float64, low, high, seed))


def away_from(shape, points, seed=0, margin=0.2):
    """float64 values in [-2, 2] at least `margin` away from every kink in `points`."""
    a = rand_np(shape, np.float64, -2, 2, seed)
    for p in points:
        near = np.abs(a - p) < margin
        a[near] = p + np.sign(a[near] - p + 1e-12) * margin * 1.5
    return leaf(a)


# ---- gradcheck of every op -----------------------------------------------------

BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 1, 5), (4, 5)), ((1,), (2, 3)), ((2, 3), ()), ((), (2, 3)), ((), ())]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_gradcheck_arithmetic(name, shapes):
    a = leaf64(shapes[0], seed=1)
    b = leaf(rand_np(shapes[1], np.float64, 0.5, 2.0, seed=2))
    assert gradcheck(getattr(minidl, name), (a, b))


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
def test_gradcheck_pow_tensor_exponent(shapes):
    a = leaf(rand_np(shapes[0], np.float64, 0.5, 2.0, seed=3))
    b = leaf64(shapes[1], seed=4)
    assert gradcheck(minidl.pow, (a, b))


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5, 0])
def test_gradcheck_pow_scalar_exponent(exponent):
    a = leaf(rand_np((3, 4), np.float64, 0.5, 2.0, seed=5))
    assert gradcheck(lambda x: x ** exponent, (a,))


def test_gradcheck_scalar_base():
    x = leaf64((3, 4), seed=6)
    assert gradcheck(lambda t: 2.0 ** t, (x,))
    assert gradcheck(lambda t: 3 - t, (x,))
    assert gradcheck(lambda t: 3 / (t * t + 1), (x,))


def test_gradcheck_operators_with_scalars():
    x = leaf(rand_np((2, 3), np.float64, 0.5, 2.0, seed=7))
    assert gradcheck(lambda t: (t + 1) * 2 - t / 3 + 0.5 * t ** 2 - 1 / t, (x,))


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_gradcheck_maximum_minimum(name, shapes):
    a, b = leaf64(shapes[0], seed=8), leaf64(shapes[1], seed=9)
    assert gradcheck(getattr(minidl, name), (a, b))


@pytest.mark.parametrize("name,low,high", [
    ("neg", -2, 2), ("exp", -2, 2), ("log", 0.3, 3), ("sqrt", 0.3, 3), ("sin", -3, 3), ("cos", -3, 3),
    ("tanh", -2, 2), ("sigmoid", -4, 4),
])
def test_gradcheck_unary(name, low, high):
    x = leaf(rand_np((3, 5), np.float64, low, high, seed=10))
    assert gradcheck(getattr(minidl, name), (x,))
    assert gradcheck(lambda t: getattr(t, name)(), (x,))


def test_gradcheck_abs_and_relu_away_from_zero():
    x = away_from((4, 5), [0.0], seed=11)
    assert gradcheck(minidl.abs, (x,))
    assert gradcheck(minidl.relu, (x,))


@pytest.mark.parametrize("bounds", [(-0.5, None), (None, 0.7), (-0.5, 0.7)])
def test_gradcheck_clamp(bounds):
    x = away_from((4, 5), [b for b in bounds if b is not None], seed=12)
    assert gradcheck(lambda t: t.clamp(*bounds), (x,))


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), ()), ((4,), (3, 1), (3, 4))],
                         ids=str)
def test_gradcheck_where(shapes):
    c = minidl.tensor(rand_np(shapes[0], seed=13) > 0)
    a, b = leaf64(shapes[1], seed=14), leaf64(shapes[2], seed=15)
    assert gradcheck(lambda x, y: minidl.where(c, x, y), (a, b))


def test_gradcheck_composite():
    x, y = leaf64((3, 4), seed=16), leaf64((4,), seed=17)

    def f(a, b):
        h = minidl.tanh(a * b + 0.5) * minidl.sigmoid(a - b)
        return minidl.exp(-h * h) + minidl.sin(a) * minidl.cos(b) / (1 + b * b)
    assert gradcheck(f, (x, y))


def test_gradcheck_casts_and_clone():
    x = leaf64((2, 3), seed=18)
    assert gradcheck(lambda t: t.clone() * 2, (x,))
    # through float32 and back: the gradient flows and comes back as float64
    y = x.float() * 3
    assert y.dtype == minidl.float32 and y.grad_fn.name() == "MulBackward0"
    backward_with_ones(y)
    assert x.grad.dtype == F64 and x.grad.tolist() == [[3.0] * 3] * 2


def test_gradcheck_detects_a_wrong_gradient():
    # gradcheck itself must be able to fail: a function whose autograd gradient is wrong
    # (detach cuts one path) is reported.
    x = leaf64((3,), seed=19)
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(lambda t: t * t.detach(), (x,))
    assert gradcheck(lambda t: t * t.detach(), (x,), raise_exception=False) is False


# ---- specific gradient values --------------------------------------------------

def grad_of(fn, values, dtype=F64):
    x = minidl.tensor(values, dtype=dtype, requires_grad=True)
    backward_with_ones(fn(x))
    return x.grad.numpy()


def test_gradcheck_noncontiguous_leaves():
    # leaves whose memory is strided (from_numpy of views): the backward kernels take the strided paths
    a = minidl.from_numpy(noncontig(rand_np((3, 4), np.float64, seed=50))).requires_grad_()
    b = minidl.from_numpy(transposed(rand_np((3, 4), np.float64, 0.5, 2, seed=51))).requires_grad_()
    assert not a.is_contiguous() and not b.is_contiguous()
    assert gradcheck(lambda x, y: minidl.tanh(x) * y / (y + x * x) + minidl.maximum(x, y) ** 2, (a, b))


@pytest.mark.parametrize("name,deriv", [
    ("exp", np.exp), ("tanh", lambda x: 1 - np.tanh(x) ** 2), ("sin", np.cos),
    ("sigmoid", lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2), ("relu", lambda x: (x > 0).astype(x.dtype)),
    ("abs", np.sign), ("sqrt", lambda x: 0.5 / np.sqrt(np.abs(x))),
])
def test_large_unary_backward_matches_numpy(name, deriv):
    # > 100k elements and a strided leaf: the parallel paths of the backward kernels
    a = rand_np((401, 311), np.float64, -2, 2, seed=52)
    if name == "sqrt":
        a = np.abs(a) + 0.1
    x = minidl.from_numpy(noncontig(a)).requires_grad_()
    g = rand_np((401, 311), np.float64, seed=53)
    getattr(minidl, name)(x).backward(gradient=minidl.from_numpy(transposed(g)))
    assert_close(x.grad, g * deriv(a), rtol=1e-10, atol=1e-12)


def test_large_binary_backward_matches_numpy():
    a = rand_np((401, 311), np.float64, 0.5, 2, seed=54)
    b = rand_np((311,), np.float64, 0.5, 2, seed=55)
    x, y = leaf(a), leaf(b)
    backward_with_ones(x ** y / (x + y))
    # d/dx x^y/(x+y) = y x^(y-1)/(x+y) - x^y/(x+y)^2;  d/dy = x^y ln x/(x+y) - x^y/(x+y)^2
    f_x = b * a ** (b - 1) / (a + b) - a ** b / (a + b) ** 2
    f_y = a ** b * np.log(a) / (a + b) - a ** b / (a + b) ** 2
    assert_close(x.grad, f_x, rtol=1e-9)
    assert_close(y.grad, f_y.sum(axis=0), rtol=1e-9)


def test_derivatives_at_zero():
    assert grad_of(minidl.relu, [0.0, -1.0, 2.0]).tolist() == [0.0, 0.0, 1.0]
    assert grad_of(minidl.sigmoid, [0.0]).tolist() == [0.25]
    assert grad_of(minidl.tanh, [0.0]).tolist() == [1.0]
    assert grad_of(minidl.abs, [0.0, -3.0, 3.0]).tolist() == [0.0, -1.0, 1.0]
    assert grad_of(lambda t: t.clamp(0.0, 1.0), [0.0, 1.0, 0.5, -0.1, 1.1]).tolist() == [1, 1, 1, 0, 0]


@pytest.mark.parametrize("dtype", [minidl.float32, minidl.float64])
def test_sigmoid_extremes(dtype):
    x = minidl.tensor([-1000.0, -50.0, 50.0, 1000.0], dtype=dtype, requires_grad=True)
    y = minidl.sigmoid(x)
    backward_with_ones(y)
    assert np.all(np.isfinite(y.detach().numpy()))
    g = x.grad.numpy()
    assert np.all(np.isfinite(g)) and np.all(g >= 0) and np.all(g < 1e-20)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_gradient(name):
    fn = getattr(minidl, name)
    a = minidl.tensor([1.0, 2.0, 3.0], dtype=F64, requires_grad=True)
    b = minidl.tensor([1.0, 1.0, 5.0], dtype=F64, requires_grad=True)
    backward_with_ones(fn(a, b))
    if name == "maximum":
        assert a.grad.tolist() == [0.5, 1.0, 0.0] and b.grad.tolist() == [0.5, 0.0, 1.0]
    else:
        assert a.grad.tolist() == [0.5, 0.0, 1.0] and b.grad.tolist() == [0.5, 1.0, 0.0]


def test_maximum_with_scalar_gradient():
    a = minidl.tensor([0.5, 1.0, 2.0], dtype=F64, requires_grad=True)
    backward_with_ones(minidl.maximum(a, 1.0))
    assert a.grad.tolist() == [0.0, 0.5, 1.0]


def test_broadcast_gradient_is_summed_to_input_shape():
    a = minidl.tensor(rand_np((3, 1, 5), np.float32, seed=20), requires_grad=True)
    b = minidl.tensor(rand_np((4, 5), np.float32, seed=21), requires_grad=True)
    y = a * b
    g = rand_np((3, 4, 5), np.float32, seed=22)
    y.backward(gradient=minidl.tensor(g))
    assert a.grad.shape == (3, 1, 5) and b.grad.shape == (4, 5)
    assert a.grad.dtype == minidl.float32
    assert_close(a.grad, (g * b.detach().numpy()).sum(axis=1, keepdims=True), rtol=1e-5)
    assert_close(b.grad, (g * a.detach().numpy()).sum(axis=0), rtol=1e-5)


def test_gradient_dtype_follows_each_input():
    a = minidl.tensor([1.0, 2.0], dtype=minidl.float32, requires_grad=True)
    b = minidl.tensor(3.0, dtype=F64, requires_grad=True)  # 0-d: a * b stays float32
    y = a * b
    assert y.dtype == minidl.float32
    backward_with_ones(y)
    assert a.grad.dtype == minidl.float32 and b.grad.dtype == F64 and b.grad.shape == ()
    assert a.grad.tolist() == [3.0, 3.0] and b.grad.item() == 3.0


def test_large_broadcast_backward():
    a = leaf(rand_np((400, 1), np.float64, seed=23))
    b = leaf(rand_np((1, 300), np.float64, seed=24))
    backward_with_ones(a * b)
    assert_close(a.grad, np.broadcast_to(b.detach().numpy().sum(), (400, 1)), rtol=1e-10)
    assert_close(b.grad, np.broadcast_to(a.detach().numpy().sum(), (1, 300)), rtol=1e-10)


# ---- engine semantics -----------------------------------------------------------

def test_accumulation_over_two_backward_calls():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    backward_with_ones(x * 3)
    g = x.grad
    backward_with_ones(x * x)
    assert x.grad.tolist() == [5.0, 7.0]
    assert g.tolist() == [5.0, 7.0]  # accumulated in place, as PyTorch does


def test_reused_nodes_sum_all_paths():
    x = minidl.tensor([2.0, -1.0], dtype=F64, requires_grad=True)
    backward_with_ones(x * x * x)
    assert x.grad.tolist() == [12.0, 3.0]

    a = minidl.tensor([1.0], requires_grad=True)
    backward_with_ones(a + a)
    assert a.grad.tolist() == [2.0]

    # diamond: x -> (u, v) -> w
    x = minidl.tensor([0.5], dtype=F64, requires_grad=True)
    h = minidl.exp(x)
    u, v = h * 2, minidl.sin(h)
    w = u * v
    backward_with_ones(w)
    e = np.exp(0.5)
    expected = (2 * np.sin(e) + 2 * e * np.cos(e)) * e
    assert x.grad.item() == pytest.approx(expected, rel=1e-12)


def test_many_uses_of_one_tensor():
    x = minidl.tensor([1.0], dtype=F64, requires_grad=True)
    y = x * 0
    for _ in range(200):
        y = y + x
    backward_with_ones(y)
    assert x.grad.item() == 200.0


def test_retain_graph():
    x = minidl.tensor([3.0], requires_grad=True)
    y = x * x
    y.backward(gradient=minidl.ones(1), retain_graph=True)
    y.backward(gradient=minidl.ones(1))
    assert x.grad.tolist() == [12.0]


def test_second_backward_without_retain_graph_raises():
    x = minidl.tensor([3.0], requires_grad=True)
    y = minidl.exp(x) * x
    y.backward(gradient=minidl.ones(1))
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        y.backward(gradient=minidl.ones(1))


def test_scalar_backward_implicit_gradient():
    x = minidl.tensor(2.0, requires_grad=True)
    (x * x).backward()
    assert x.grad.item() == 4.0
    z = minidl.tensor([[2.0]], requires_grad=True)
    (z * 3).backward()  # one element: implicit gradient is fine
    assert z.grad.tolist() == [[3.0]]


def test_backward_on_leaf():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    g = minidl.tensor([3.0, 4.0])
    x.backward(gradient=g)
    assert x.grad.tolist() == [3.0, 4.0]
    g.add_(1.0)
    assert x.grad.tolist() == [3.0, 4.0]  # .grad is not the caller's tensor


def test_autograd_backward_function():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = x * 2, x * x
    minidl.autograd.backward([y1, y2], grad_tensors=[minidl.ones(2), minidl.tensor([1.0, 0.5])])
    assert x.grad.tolist() == [4.0, 4.0]


def test_no_grad_context_and_decorator():
    x = minidl.tensor([1.0], requires_grad=True)
    with minidl.no_grad():
        y = x * 2
        assert not minidl.is_grad_enabled()
    assert minidl.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @minidl.no_grad()
    def f(t):
        return t * 2
    assert not f(x).requires_grad
    assert f.__name__ == "f"

    @minidl.no_grad
    def g(t):
        return t * 2
    assert not g(x).requires_grad and minidl.is_grad_enabled()


def test_no_grad_nested_and_enable_grad():
    x = minidl.tensor([1.0], requires_grad=True)
    with minidl.no_grad():
        with minidl.no_grad():
            assert not (x * 2).requires_grad
        assert not minidl.is_grad_enabled()
        with minidl.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @minidl.enable_grad()
    def h(t):
        return t * 2
    with minidl.no_grad():
        assert h(x).requires_grad


def test_no_grad_restores_after_exception():
    with pytest.raises(KeyError):
        with minidl.no_grad():
            raise KeyError
    assert minidl.is_grad_enabled()


def test_set_grad_enabled():
    x = minidl.tensor([1.0], requires_grad=True)
    with minidl.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert minidl.is_grad_enabled()
    minidl.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    minidl.set_grad_enabled(True)
    assert (x * 2).requires_grad

    @minidl.set_grad_enabled(False)
    def f(t):
        return t * 2
    assert minidl.is_grad_enabled()
    assert not f(x).requires_grad and minidl.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = minidl.tensor([1.0], requires_grad=True)
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def other_thread():
        inside.wait()
        seen["enabled"] = minidl.is_grad_enabled()
        seen["records"] = (x * 2).requires_grad
        release.set()

    th = threading.Thread(target=other_thread)
    th.start()
    with minidl.no_grad():
        inside.set()
        assert release.wait(10)
        assert not (x * 2).requires_grad
    th.join()
    assert seen == {"enabled": True, "records": True}

    def no_grad_thread():
        with minidl.no_grad():
            seen["other"] = minidl.is_grad_enabled()
    th = threading.Thread(target=no_grad_thread)
    th.start()
    th.join()
    assert seen["other"] is False and minidl.is_grad_enabled()


def test_detach_shares_memory_and_cuts_graph():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.data_ptr() == y.data_ptr()
    d.add_(1.0)
    assert y.tolist() == [3.0, 5.0]
    z = x * d  # no gradient flows through d
    backward_with_ones(z)
    assert x.grad.tolist() == [3.0, 5.0]
    dd = x.detach()
    assert dd.data_ptr() == x.data_ptr() and not dd.requires_grad


def test_detach_in_place():
    x = minidl.tensor([1.0], requires_grad=True)
    y = x * 2
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf


def test_requires_grad_rules():
    x = minidl.zeros(3)
    assert x.requires_grad_() is not None and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        minidl.zeros(3, dtype=minidl.int64).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        minidl.zeros(3, dtype=minidl.bool).requires_grad = True
    y = minidl.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_is_leaf():
    x = minidl.ones(2, requires_grad=True)
    c = minidl.ones(2)
    assert x.is_leaf and c.is_leaf and not (x * 2).is_leaf and (c * 2).is_leaf
    with minidl.no_grad():
        assert (x * 2).is_leaf


def test_ops_on_int_tensors_do_not_require_grad():
    x = minidl.ones(2, requires_grad=True)
    assert not (x > 0).requires_grad
    assert not x.long().requires_grad
    assert (x.long() * x).requires_grad


def test_retain_grad():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    assert h.retains_grad
    y = h * h
    backward_with_ones(y)
    assert h.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]
    h2 = x * 3
    backward_with_ones(h2 * h2)
    assert h2.grad is None  # not retained: no gradient on non-leaves


def test_retain_grad_on_output():
    x = minidl.tensor([1.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.backward(gradient=minidl.tensor([5.0]))
    assert y.grad.tolist() == [5.0]


def test_grad_fn_names_and_next_functions():
    x = minidl.ones(2, requires_grad=True)
    c = minidl.ones(2)
    y = x * c
    assert y.grad_fn.name() == "MulBackward0"
    (acc, i), (none, j) = y.grad_fn.next_functions
    assert acc.name() == "AccumulateGrad" and i == 0 and none is None
    assert acc.variable.data_ptr() == x.data_ptr()
    z = minidl.exp(y) + x
    assert z.grad_fn.name() == "AddBackward0"
    names = [f.name() for f, _ in z.grad_fn.next_functions]
    assert names == ["ExpBackward0", "AccumulateGrad"]
    assert z.grad_fn.next_functions[0][0].next_functions[0][0].name() == "MulBackward0"
    # the same leaf gets one AccumulateGrad node
    w = x * x
    n0, n1 = w.grad_fn.next_functions
    assert n0[0]._sequence_nr == n1[0]._sequence_nr
    assert "MulBackward0" in repr(y.grad_fn)


@pytest.mark.parametrize("fn,name", [
    (lambda a, b: a + b, "AddBackward0"), (lambda a, b: a - b, "SubBackward0"),
    (lambda a, b: a * b, "MulBackward0"), (lambda a, b: a / b, "DivBackward0"),
    (lambda a, b: a ** 2, "PowBackward0"), (lambda a, b: a ** b, "PowBackward1"),
    (lambda a, b: -a, "NegBackward0"), (lambda a, b: a.abs(), "AbsBackward0"),
    (lambda a, b: a.exp(), "ExpBackward0"), (lambda a, b: a.log(), "LogBackward0"),
    (lambda a, b: a.sqrt(), "SqrtBackward0"), (lambda a, b: a.sin(), "SinBackward0"),
    (lambda a, b: a.cos(), "CosBackward0"), (lambda a, b: a.tanh(), "TanhBackward0"),
    (lambda a, b: a.sigmoid(), "SigmoidBackward0"), (lambda a, b: a.relu(), "ReluBackward0"),
    (lambda a, b: a.clamp(0, 1), "ClampBackward1"), (lambda a, b: minidl.maximum(a, b), "MaximumBackward0"),
    (lambda a, b: minidl.minimum(a, b), "MinimumBackward0"),
    (lambda a, b: minidl.where(a > 0, a, b), "WhereBackward0"),
    (lambda a, b: a.clone(), "CloneBackward0"), (lambda a, b: a.double(), "ToCopyBackward0"),
])
def test_grad_fn_names_like_pytorch(fn, name):
    a, b = minidl.ones(2, requires_grad=True), minidl.ones(2, requires_grad=True)
    assert fn(a, b).grad_fn.name() == name


# ---- in place and version counters ------------------------------------------------

def test_modified_saved_output_raises():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        backward_with_ones(y)


def test_modified_saved_input_raises():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = h * h
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        backward_with_ones(y)


def test_modified_unsaved_tensor_is_fine():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h + 1  # AddBackward saves nothing
    h.add_(10.0)
    backward_with_ones(y)
    assert x.grad.tolist() == [2.0, 2.0]


def test_inplace_on_non_leaf_is_recorded():
    x = minidl.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    y = x * 1
    y.mul_(x)
    y.add_(x, alpha=3.0)
    assert y.grad_fn.name() == "AddBackward0"
    backward_with_ones(y)
    assert x.grad.tolist() == [2 * 1 + 3, 2 * 2 + 3]


def test_inplace_with_itself_as_operand():
    # y.mul_(y) is y_old ** 2: d/dx = 2 y_old dy_old/dx (the saved operand is the *old* y)
    x = minidl.tensor([3.0, -1.0], dtype=F64, requires_grad=True)
    y = x * 1
    y.mul_(y)
    backward_with_ones(y)
    assert x.grad.tolist() == [6.0, -2.0]
    x2 = minidl.tensor([3.0], dtype=F64, requires_grad=True)
    y2 = x2 * x2
    y2.div_(y2)
    backward_with_ones(y2)
    assert x2.grad.tolist() == [0.0]
    x3 = minidl.tensor([0.5, 2.0], dtype=F64, requires_grad=True)
    assert gradcheck(lambda t: (t * 1).mul_(t * 1).mul_(t), (x3,))


def test_gradcheck_inplace_chain():
    x, w = leaf64((3,), seed=30), leaf(rand_np((3,), np.float64, 0.5, 2, seed=31))

    def f(a, b):
        y = a * 1
        y.mul_(b)
        y.div_(b + 1)
        y.sub_(a, alpha=0.5)
        return y
    assert gradcheck(f, (x, w))


def test_inplace_on_leaf_requiring_grad_raises():
    w = minidl.ones(3, requires_grad=True)
    for op in (lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(), lambda: w.fill_(1.0),
               lambda: w.copy_(minidl.zeros(3)), lambda: w.div_(2.0), lambda: w.sub_(1.0)):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            op()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w += 1
    assert w.tolist() == [1.0, 1.0, 1.0]


def test_inplace_under_no_grad_optimizer_style():
    w = minidl.tensor([1.0, -2.0], requires_grad=True)
    lr = 0.1
    for _ in range(3):
        loss = w * w
        backward_with_ones(loss)
        with minidl.no_grad():
            w -= lr * w.grad
            w.grad.zero_()
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    assert_close(w.detach(), np.array([1.0, -2.0], dtype=np.float32) * 0.8 ** 3)
    assert w.grad.tolist() == [0.0, 0.0]


def test_data_attribute_updates_without_graph():
    w = minidl.tensor([1.0, 2.0], requires_grad=True)
    w.data.mul_(2.0)
    assert w.tolist() == [2.0, 4.0] and w.is_leaf
    w.data = minidl.tensor([5.0, 6.0, 7.0])
    assert w.shape == (3,) and w.requires_grad


# ---- autograd.grad ----------------------------------------------------------

def test_autograd_grad():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    y = minidl.tensor([3.0, 4.0], requires_grad=True)
    z = x * y
    gx, gy = minidl.autograd.grad(z, (x, y), grad_outputs=minidl.ones(2))
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    assert x.grad is None and y.grad is None  # grad() does not accumulate


def test_autograd_grad_non_leaf_input_and_scalar_output():
    x = minidl.tensor(2.0, requires_grad=True)
    h = x * x
    (g,) = minidl.autograd.grad(h * 3, h)
    assert g.item() == 3.0


def test_autograd_grad_allow_unused():
    x = minidl.ones(2, requires_grad=True)
    u = minidl.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="allow_unused"):
        minidl.autograd.grad(y, (x, u), grad_outputs=minidl.ones(2), retain_graph=True)
    gx, gu = minidl.autograd.grad(y, (x, u), grad_outputs=minidl.ones(2), allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gu is None


def test_create_graph_is_refused_clearly():
    x = minidl.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph"):
        minidl.autograd.grad(x * 2, x, minidl.ones(2), None, True)
    with pytest.raises(NotImplementedError, match="create_graph"):
        minidl.autograd.backward(x * 2, minidl.ones(2), create_graph=True)
    with pytest.raises(NotImplementedError, match="create_graph"):
        (x * 2).backward(minidl.ones(2), create_graph=True)
    (x * 2).backward(minidl.ones(2), retain_graph=False, create_graph=False)
    assert x.grad.tolist() == [2.0, 2.0]


def test_autograd_grad_input_not_requiring_grad():
    x = minidl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        minidl.autograd.grad(x * 2, minidl.ones(2), grad_outputs=minidl.ones(2))


# ---- deep graphs and memory ------------------------------------------------------

def test_long_chain_backward_and_free():
    x = minidl.tensor([1.0], dtype=F64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y = y + x
    backward_with_ones(y)
    assert x.grad.item() == 2.0
    before = minidl._C._live_counts()["nodes"]
    del y
    gc.collect()
    assert minidl._C._live_counts()["nodes"] < before - 99_000


def test_long_chain_freed_without_backward():
    x = minidl.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = minidl.exp(y * 0.0)
    del y  # must not overflow the C++ stack in the destructors


def test_live_counts_stay_flat_over_training_iterations():
    w = minidl.tensor(rand_np((1, 8), np.float32, seed=40), requires_grad=True)
    b = minidl.zeros(1, requires_grad=True)
    xs = minidl.tensor(rand_np((16, 1), np.float32, seed=41))
    target = xs * 3.0 + 1.0

    def step():
        h = minidl.tanh(xs * w.detach().clone().requires_grad_() + b)  # creates leaves too
        pred = h * w + b * b
        diff = pred - target
        loss = diff * diff
        minidl.autograd.backward(loss, grad_tensors=minidl.ones_like(loss))
        with minidl.no_grad():
            w.sub_(w.grad, alpha=1e-3)
            b.sub_(b.grad, alpha=1e-3)
            w.grad.zero_()
            b.grad.zero_()

    for _ in range(50):
        step()
    gc.collect()
    start = minidl._C._live_counts()
    for _ in range(2000):
        step()
    gc.collect()
    assert minidl._C._live_counts() == start


def test_graph_freed_when_output_dropped_without_backward():
    gc.collect()
    start = minidl._C._live_counts()
    x = minidl.ones(3, requires_grad=True)
    for _ in range(100):
        y = minidl.sigmoid(x * x + 1)
        y.retain_grad()
    del x, y
    gc.collect()
    assert minidl._C._live_counts() == start


def test_concurrent_backward_into_one_leaf_loses_nothing():
    # big tensors: forward and backward run without the GIL, so the threads really overlap
    x = minidl.ones(200_000, dtype=F64, requires_grad=True)
    n_iter, n_threads = 20, 4
    err = []

    def work():
        try:
            for _ in range(n_iter):
                backward_with_ones(x * 2.0)
        except Exception as e:  # pragma: no cover - reported below
            err.append(e)
    ths = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    assert not err
    g = x.grad.numpy()
    assert g.min() == g.max() == 2.0 * n_iter * n_threads


# ---- lead's fixes after merging (each test fails on the code before the fix) ----

def test_gradcheck_catches_an_op_that_records_no_backward():
    from minidl.autograd.gradcheck import GradcheckError
    x = minidl.randn(3, dtype=minidl.float64, requires_grad=True)
    forgetful = lambda t: minidl.from_numpy(t.detach().numpy() * 2)  # noqa: E731  (no grad_fn)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        minidl.autograd.gradcheck(forgetful, (x,))


def test_gradcheck_float32_output_with_many_elements():
    x = minidl.randn(4, dtype=minidl.float64, requires_grad=True)
    # a float32 output: seeds must be float32 too; central differences are exact for t^2,
    # so a large eps keeps float32 rounding out of the comparison
    assert minidl.autograd.gradcheck(lambda t: (t * t).float(), (x,), eps=1e-2, atol=1e-3, rtol=1e-2)


def test_deepcopy_of_tensor_is_independent():
    import copy
    t = minidl.tensor([1.0, 2.0], requires_grad=True)
    c = copy.deepcopy(t)
    assert c.requires_grad and c.is_leaf
    with minidl.no_grad():
        c.add_(10.0)
    assert t.tolist() == [1.0, 2.0] and c.tolist() == [11.0, 12.0]


def test_to_cpu_is_a_no_op():
    t = minidl.tensor([1.0])
    assert t.to("cpu") is t or t.to("cpu").data_ptr() == t.data_ptr()
    assert t.cpu().data_ptr() == t.data_ptr()


def test_inplace_on_view_of_untracked_base_with_grad_source_raises():
    base = minidl.zeros(4)
    w = minidl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="view"):
        base[1:3].copy_(w)


def test_copy_into_integer_tensor_records_nothing():
    dst = minidl.zeros(3, dtype=minidl.int64)
    src = minidl.tensor([1.0, 2.0, 3.0], requires_grad=True)
    dst.copy_(src)
    assert not dst.requires_grad and dst.tolist() == [1, 2, 3]


def test_autograd_grad_does_not_fill_retained_grads():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    y = h * h
    (gx,) = minidl.autograd.grad(y, x, grad_outputs=minidl.ones_like(y))
    np.testing.assert_allclose(gx.numpy(), 18 * np.array([1.0, 2.0]))
    assert h.grad is None and x.grad is None
