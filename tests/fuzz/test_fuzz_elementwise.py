"""Fuzz: elementwise ops (binary, unary, comparisons, logical, clamp, where, in-place) on random
dtypes, shapes (zero-size, 0-d), layouts and broadcast patterns, with NaN/Inf and junk operands.
Each call returns NumPy's values or raises one of the four documented exceptions."""
import operator

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minidl
from fuzz_strategies import (FLOAT_DTYPES, JUNK, assert_matches, attempt, broadcastable_shapes, ints,
                             junk, laid_out, np_of, raised, Raised, scaled, tensors, values, DTYPES)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


BINARY = {
    "add": (operator.add, np.add), "sub": (operator.sub, np.subtract), "mul": (operator.mul, np.multiply),
    "truediv": (operator.truediv, lambda a, b: np.true_divide(a.astype(np.float64), b)),
    "pow": (operator.pow, np.power), "maximum": (minidl.maximum, np.maximum),
    "minimum": (minidl.minimum, np.minimum), "eq": (operator.eq, np.equal), "ne": (operator.ne, np.not_equal),
    "lt": (operator.lt, np.less), "le": (operator.le, np.less_equal), "gt": (operator.gt, np.greater),
    "ge": (operator.ge, np.greater_equal), "logical_and": (minidl.logical_and, np.logical_and),
    "logical_or": (minidl.logical_or, np.logical_or), "logical_xor": (minidl.logical_xor, np.logical_xor),
    # minidl's &, |, ^ are the logical ops on every dtype (PyTorch's are bitwise, ints and bools only)
    "and": (operator.and_, np.logical_and), "or": (operator.or_, np.logical_or),
    "xor": (operator.xor, np.logical_xor),
}

UNARY = {
    "neg": (operator.neg, np.negative), "abs": (minidl.abs, np.abs),
    "exp": (minidl.exp, np.exp), "log": (minidl.log, np.log), "sqrt": (minidl.sqrt, np.sqrt),
    "sin": (minidl.sin, np.sin), "cos": (minidl.cos, np.cos), "tanh": (minidl.tanh, np.tanh),
    "sigmoid": (minidl.sigmoid, _sigmoid), "relu": (minidl.relu, lambda a: np.maximum(a, 0).astype(a.dtype)),
    "logical_not": (minidl.logical_not, np.logical_not), "invert": (operator.invert, np.invert),
}

# PyTorch refuses some calls NumPy accepts (arithmetic on bools, bitwise ops on floats); minidl
# follows PyTorch, so a refusal there is correct as long as it is one of the allowed exceptions.
MAY_REFUSE_BOOL = {"sub", "pow", "neg", "abs", "relu", "maximum", "minimum", "truediv", "add", "mul",
                   "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"}
BITWISE = {"invert"}


def _may_refuse(name, dtypes):
    if name in BITWISE:
        return True  # ~ exists only for bool tensors here
    return minidl.bool in dtypes and name in MAY_REFUSE_BOOL


def _reference(np_fn, *arrays):
    with np.errstate(all="ignore"):
        try:
            return np.asarray(np_fn(*arrays))
        except (TypeError, ValueError):
            return None


def _check(name, got, ref, dtypes):
    if ref is None:
        assert raised(got), f"{name}: NumPy refuses these inputs but minidl returned {got!r}"
        return
    if raised(got):
        assert _may_refuse(name, dtypes), f"{name}: NumPy computes {ref.dtype}{ref.shape} but minidl raised {got}"
        return
    # int64 results: PyTorch and NumPy wrap the same way; float32 results compare in float32
    assert_matches(got, ref, what=name)


@scaled(60)
@given(st.sampled_from(sorted(BINARY)), tensors(), st.data())
def test_binary_ops_broadcast_like_numpy(name, ab, data):
    a, an = ab
    bshape = data.draw(broadcastable_shapes(an.shape))
    b, bn = data.draw(tensors(shape=bshape))
    fn, np_fn = BINARY[name]
    got = attempt(fn, a, b, name=name)
    if not raised(got) and name == "pow" and an.dtype.kind in "iub" and bn.dtype.kind in "iub":
        bn = bn.astype(np.int64)
    if an.dtype.kind == bn.dtype.kind == "f" and (an.ndim == 0) != (bn.ndim == 0):
        # PyTorch: a 0-d float tensor takes the dimensioned one's float dtype (eq of float32 and a
        # float64 0-d compares in float32)
        an, bn = (an.astype(bn.dtype), bn) if an.ndim == 0 else (an, bn.astype(an.dtype))
    ref = _reference(np_fn, an, bn)
    if ref is not None and name == "pow" and bn.dtype.kind == "i" and an.dtype.kind in "ib" and (bn < 0).any():
        ref = None  # integer to a negative power: both refuse (ValueError)
    _check(name, got, ref, {a.dtype, b.dtype})


@scaled(40)
@given(st.sampled_from(sorted(BINARY)), tensors(), st.one_of(ints(), st.floats(allow_nan=True),
                                                              st.booleans()), st.booleans())
def test_binary_ops_with_python_scalars(name, an_, scalar, reflected):
    a, an = an_
    fn, _ = BINARY[name]
    got = attempt(lambda: fn(scalar, a) if reflected else fn(a, scalar), name=f"{name}(scalar)")
    if raised(got) or isinstance(got, bool):
        return  # values against NumPy are covered above; scalars only must not crash
    assert isinstance(got, minidl.Tensor) and tuple(got.shape) == an.shape, name


@scaled(40)
@given(st.sampled_from(sorted(UNARY)), tensors())
def test_unary_ops(name, an_):
    a, an = an_
    fn, np_fn = UNARY[name]
    got = attempt(fn, a, name=name)
    src = an.astype(np.float64) if an.dtype.kind in "ib" and name not in ("neg", "abs", "relu",
                                                                             "logical_not", "invert") else an
    ref = _reference(np_fn, src)
    if ref is not None and name == "relu" and an.dtype == np.bool_:
        ref = None if raised(got) else ref
    _check(name, got, ref, {a.dtype})


@scaled(30)
@given(tensors(), st.one_of(st.none(), st.floats(-5, 5), st.just(float("nan"))),
       st.one_of(st.none(), st.floats(-5, 5)))
def test_clamp(an_, lo, hi):
    a, an = an_
    got = attempt(minidl.clamp, a, min=lo, max=hi)
    if raised(got):
        nan_bound = any(v is not None and np.isnan(v) for v in (lo, hi))
        assert (lo is None and hi is None) or a.dtype == minidl.bool or (nan_bound and a.dtype == minidl.int64), got
        return
    ref = an.astype(np.float64)
    with np.errstate(all="ignore"):
        if lo is not None:
            ref = np.where(np.isnan(ref), ref, np.maximum(ref, lo))
        if hi is not None:
            ref = np.where(np.isnan(ref), ref, np.minimum(ref, hi))
    if a.dtype == minidl.int64 and (lo is not None or hi is not None):
        return  # the result dtype follows the float bounds; values checked for float inputs
    assert_matches(got, ref, what="clamp")


@scaled(30)
@given(tensors(dtypes=[minidl.bool]), st.data())
def test_where(cond_, data):
    c, cn = cond_
    a, an = data.draw(tensors(shape=data.draw(broadcastable_shapes(cn.shape))))
    b, bn = data.draw(tensors(dtypes=[a.dtype], shape=data.draw(broadcastable_shapes(cn.shape))))
    got = attempt(minidl.where, c, a, b)
    _check("where", got, _reference(np.where, cn, an, bn), {a.dtype})


INPLACE = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.true_divide}


@scaled(40)
@given(st.sampled_from(sorted(INPLACE)), tensors(layouts=("contiguous", "strided", "transposed", "offset",
                                                          "zero_stride")), st.data())
def test_inplace_ops(name, an_, data):
    a, an = an_
    b, bn = data.draw(tensors(shape=data.draw(broadcastable_shapes(an.shape))))
    overlapping = 0 in a.stride() and a.numel() > 1
    got = attempt(getattr(a, name), b, name=name)
    if raised(got) or overlapping:
        return  # writes through a zero stride alias; only "no crash" is asked of them
    assert got is a
    ref = _reference(INPLACE[name], an, bn)
    assert ref is not None and ref.shape == an.shape, f"{name}: NumPy cannot do this but minidl did"
    assert_matches(a, ref, what=name)


@scaled(40)
@given(st.sampled_from(sorted(BINARY) + sorted(UNARY) + ["clamp", "where", "add_", "copy_", "fill_"]),
       tensors(), junk(), st.booleans())
def test_junk_operands(name, an_, bad, reflected):
    a, _ = an_
    if name in BINARY:
        fn = BINARY[name][0]
        call = (lambda: fn(bad, a)) if reflected else (lambda: fn(a, bad))
    elif name in UNARY:
        call = lambda: UNARY[name][0](bad)  # noqa: E731
    elif name == "clamp":
        call = lambda: minidl.clamp(a, min=bad)  # noqa: E731
    elif name == "where":
        call = lambda: minidl.where(a > 0, a, bad) if reflected else minidl.where(bad, a, a)  # noqa: E731
    else:
        call = lambda: getattr(a, name)(bad)  # noqa: E731
    got = attempt(call, name=f"{name}(junk={bad!r})")
    if name in ("eq", "ne") or not isinstance(got, (minidl.Tensor, Raised)):
        return  # t == "a" is False as for any unrelated objects; "ab" * int_0d_tensor is "abab..." (__index__)
    if not raised(got) and isinstance(bad, (str, dict, object)) and not isinstance(
            bad, (int, float, complex, list, tuple, np.ndarray, np.generic, type(None), slice, type(Ellipsis),
                  minidl.dtype, bytes)):
        raise AssertionError(f"{name} accepted a {type(bad).__name__}")


@scaled(30)
@given(tensors(dtypes=FLOAT_DTYPES, max_dims=3), st.sampled_from(["add", "mul", "sub", "truediv", "pow",
                                                                  "maximum"]), st.data())
def test_gradients_have_the_inputs_shapes(an_, name, data):
    # Backward through a broadcast must sum the gradient back to each input's shape.
    a, an = an_
    b, _ = data.draw(tensors(dtypes=FLOAT_DTYPES, shape=data.draw(broadcastable_shapes(an.shape))))
    a.requires_grad_(True)
    b.requires_grad_(True)
    y = attempt(BINARY[name][0], a, b, name=name)
    if raised(y):
        return
    r = attempt(lambda: y.sum().backward(), name=f"{name}.backward")
    assert not raised(r), r
    assert tuple(a.grad.shape) == tuple(a.shape) and tuple(b.grad.shape) == tuple(b.shape)
    assert a.grad.dtype == a.dtype and b.grad.dtype == b.dtype
