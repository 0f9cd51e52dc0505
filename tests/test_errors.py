"""Bad input raises the right Python exception with a message naming what was wrong; nothing crashes."""
import numpy as np
import pytest

import minidl


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a ** b,
    lambda a, b: minidl.maximum(a, b), lambda a, b: minidl.minimum(a, b), lambda a, b: a == b,
    lambda a, b: a < b, lambda a, b: minidl.logical_and(a > 0, b > 0),
    lambda a, b: minidl.where(a > 0, a, b),
])
def test_broadcast_mismatch_names_both_shapes(op):
    a, b = minidl.ones(3, 4), minidl.ones(2, 4)
    with pytest.raises(ValueError, match=r"\[3, 4\].*\[2, 4\]"):
        op(a, b)


def test_broadcast_mismatch_in_where_condition():
    with pytest.raises(ValueError, match=r"\[5\]"):
        minidl.where(minidl.ones(5) > 0, minidl.ones(3), minidl.ones(3))


def test_inplace_broadcast_mismatch():
    t = minidl.ones(3)
    with pytest.raises(ValueError, match=r"\[3\].*\[2, 3\]"):
        t.add_(minidl.ones(2, 3))
    with pytest.raises(ValueError, match=r"\[3\].*\[4\]"):
        t.copy_(minidl.ones(4))
    assert t.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("op", [lambda t: t + "a", lambda t: "a" * t, lambda t: t - None,
                                lambda t: t * [1, 2], lambda t: t / {}, lambda t: t ** "2",
                                lambda t: t < "a", lambda t: object() + t])
def test_bad_operand_types(op):
    with pytest.raises(TypeError):
        op(minidl.ones(2))


@pytest.mark.parametrize("call", [
    lambda t: minidl.add(t, "a"), lambda t: minidl.mul("a", t), lambda t: minidl.add(1, 2),
    lambda t: t.add("a"), lambda t: t.mul_(None), lambda t: t.clamp(min="a"), lambda t: minidl.exp("a"),
    lambda t: minidl.where(t > 0, t, "x"), lambda t: t.to("int32"), lambda t: t.to(np.float16),
    lambda t: minidl.where(t, t, t),
])
def test_bad_argument_types(call):
    with pytest.raises(TypeError):
        call(minidl.ones(2))


def test_sub_and_neg_of_bools_raise_like_pytorch():
    b = minidl.tensor([True, False])
    with pytest.raises(RuntimeError, match="bool"):
        b - b
    with pytest.raises(RuntimeError, match="bool"):
        -b
    with pytest.raises(RuntimeError, match="bool"):
        b.sub_(b)


def test_requires_grad_on_integers_raises():
    with pytest.raises(RuntimeError, match="floating point"):
        minidl.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        minidl.ones(2, dtype=minidl.int64, requires_grad=True)


def test_integer_to_negative_power_raises():
    with pytest.raises(ValueError, match="negative"):
        minidl.tensor([2, 3]) ** -1
    exps = minidl.from_numpy(np.array([[1, -1], [2, 2]]).T)  # non-contiguous exponent
    with pytest.raises(ValueError, match="negative"):
        minidl.tensor([2, 3]) ** exps


def test_dtype_errors():
    with pytest.raises(TypeError, match="bool"):
        minidl.tensor([True]) ** minidl.tensor([True])
    with pytest.raises(TypeError, match="bool"):
        minidl.relu(minidl.tensor([True]))
    with pytest.raises(TypeError, match="floating"):
        minidl.tensor([1, 2]).div_(2)
    with pytest.raises(TypeError, match="~"):
        ~minidl.ones(2)


def test_backward_on_non_scalar_without_gradient():
    y = minidl.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="scalar outputs.*\\[2\\]"):
        y.backward()
    with pytest.raises(RuntimeError, match="scalar outputs"):
        minidl.autograd.grad(y, y)


def test_backward_errors():
    x = minidl.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        minidl.ones(1).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        with minidl.no_grad():
            y = x * 2
        y.backward(gradient=minidl.ones(2))
    with pytest.raises(RuntimeError, match=r"shape.*\[3\].*\[2\]"):
        (x * 2).backward(gradient=minidl.ones(3))
    with pytest.raises(TypeError, match="gradient"):
        (x * 2).backward(gradient=2.0)
    with pytest.raises(RuntimeError, match="can't retain_grad"):
        minidl.ones(2).retain_grad()


def test_grad_assignment_checks():
    x = minidl.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="shape"):
        x.grad = minidl.ones(3)
    with pytest.raises(TypeError, match="dtype"):
        x.grad = minidl.ones(2, dtype=minidl.float64)
    x.grad = minidl.ones(2)
    x.grad = None
    assert x.grad is None


def test_gradcheck_argument_errors():
    with pytest.raises(TypeError, match="float64"):
        minidl.autograd.gradcheck(lambda t: t * 2, (minidl.ones(2, requires_grad=True),))
    with pytest.raises(ValueError, match="requires grad"):
        minidl.autograd.gradcheck(lambda t: t * 2, (minidl.ones(2, dtype=minidl.float64),))


def test_dim_errors():
    t = minidl.ones(2, 3)
    with pytest.raises(IndexError, match="range"):
        t.size(2)
    with pytest.raises(IndexError, match="range"):
        t.stride(-3)


def test_failed_op_leaves_no_half_state():
    x = minidl.ones(3, requires_grad=True)
    with pytest.raises(ValueError):
        x * minidl.ones(2)
    assert x.grad_fn is None and x.is_leaf
    y = x * 2
    fn = y.grad_fn
    with pytest.raises(ValueError):
        y.add_(minidl.ones(4))
    assert y.grad_fn is fn or y.grad_fn.name() == "MulBackward0"
    assert minidl.is_grad_enabled()


def test_huge_python_int_operand():
    with pytest.raises((ValueError, RuntimeError, OverflowError)):
        minidl.tensor([1]) + 2 ** 70


def test_shape_whose_size_overflows():
    with pytest.raises(ValueError, match="too many elements"):
        minidl.zeros(2 ** 62, 4)
    with pytest.raises(ValueError, match="too many elements"):
        minidl.empty(2 ** 31, 2 ** 31, 2 ** 2, dtype=minidl.float64)
    for make in (lambda: minidl.arange(2 ** 62), lambda: minidl.arange(1e30),
                 lambda: minidl.arange(0, 1, 1e-300), lambda: minidl.eye(2 ** 32),
                 lambda: minidl.linspace(0, 1, 2 ** 62), lambda: minidl.randperm(2 ** 62)):
        with pytest.raises(ValueError, match="too many elements"):
            make()


BAD_ARGS = [None, "x", 1.5, -1, 2 ** 70, [1, "a"], (), object(), float("nan"), minidl.tensor([1, 2]),
            np.zeros((2, 2), dtype=np.int32)]


@pytest.mark.parametrize("fn", ["zeros", "ones", "full", "arange", "linspace", "eye", "rand", "randn",
                                "randint",
                                "randperm", "tensor", "from_numpy", "exp", "add", "where", "clamp", "maximum",
                                "manual_seed", "zeros_like"])
def test_bad_arguments_raise_python_exceptions(fn):
    # any Python exception is fine here; a crash (or a C++ abort) is not
    f = getattr(minidl, fn)
    for a in BAD_ARGS:
        for args in ((a,), (a, a), (minidl.ones(2), a), (a, minidl.ones(2)), (a, 1, a)):
            try:
                f(*args)
            except Exception:
                pass
