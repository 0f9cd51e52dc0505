"""Forward values of every elementwise op against NumPy: dtypes, broadcasting, layouts, sizes."""
import operator

import numpy as np
import pytest
from helpers import assert_close, noncontig, rand_np, transposed

import minidl

FLOATS = [np.float32, np.float64]

# (a shape, b shape, broadcast result)
BROADCASTS = [
    ((3, 5, 7), (3, 5, 7)),
    ((3, 1, 5), (4, 5)),
    ((1,), (2, 3)),
    ((2, 3), (1,)),
    ((), (3, 4)),
    ((3, 4), ()),
    ((), ()),
    ((5, 1, 3), (1, 4, 1)),
    ((0, 3), (1, 3)),
    ((0,), ()),
    ((2, 0, 3), (2, 1, 3)),
]

LAYOUTS = {
    "contiguous": lambda a: a,
    "strided": noncontig,
    "transposed": transposed,
}


def positive(shape, dtype, seed=0):
    return rand_np(shape, dtype, 0.5, 3.0, seed)


def nonzero(shape, dtype, seed=0):
    a = rand_np(shape, dtype, 0.5, 2.0, seed)
    return np.where(rand_np(shape, np.float64, -1, 1, seed + 7) < 0, -a, a).astype(dtype)


def sigmoid_np(x):
    x = x.astype(np.float64)
    return 1.0 / (1.0 + np.exp(-x))


# name -> (minidl function, NumPy reference, a maker, b maker)
BINARY = {
    "add": (minidl.add, np.add, rand_np, rand_np),
    "sub": (minidl.sub, np.subtract, rand_np, rand_np),
    "mul": (minidl.mul, np.multiply, rand_np, rand_np),
    "div": (minidl.div, np.divide, rand_np, nonzero),
    "pow": (minidl.pow, np.power, positive, rand_np),
    "maximum": (minidl.maximum, np.maximum, rand_np, rand_np),
    "minimum": (minidl.minimum, np.minimum, rand_np, rand_np),
}

OPERATORS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
}

UNARY = {
    "neg": (minidl.neg, np.negative, rand_np),
    "abs": (minidl.abs, np.abs, rand_np),
    "exp": (minidl.exp, np.exp, rand_np),
    "log": (minidl.log, np.log, positive),
    "sqrt": (minidl.sqrt, np.sqrt, positive),
    "sin": (minidl.sin, np.sin, rand_np),
    "cos": (minidl.cos, np.cos, rand_np),
    "tanh": (minidl.tanh, np.tanh, rand_np),
    "sigmoid": (minidl.sigmoid, sigmoid_np, rand_np),
    "relu": (minidl.relu, lambda x: np.maximum(x, 0), rand_np),
}

COMPARISONS = {
    "eq": (minidl.eq, np.equal, operator.eq),
    "ne": (minidl.ne, np.not_equal, operator.ne),
    "lt": (minidl.lt, np.less, operator.lt),
    "le": (minidl.le, np.less_equal, operator.le),
    "gt": (minidl.gt, np.greater, operator.gt),
    "ge": (minidl.ge, np.greater_equal, operator.ge),
}


def ref(fn, *arrays, dtype):
    """NumPy's result, cast to the dtype minidl must produce."""
    with np.errstate(all="ignore"):
        return np.asarray(fn(*arrays)).astype(dtype)


# ---- binary ops ---------------------------------------------------------------

@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", BROADCASTS, ids=str)
def test_binary_broadcast(name, dtype, shapes):
    fn, np_fn, make_a, make_b = BINARY[name]
    a, b = make_a(shapes[0], dtype, seed=1), make_b(shapes[1], dtype, seed=2)
    out = fn(minidl.tensor(a), minidl.tensor(b))
    assert_close(out, ref(np_fn, a, b, dtype=dtype))


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("layout_a", list(LAYOUTS))
@pytest.mark.parametrize("layout_b", list(LAYOUTS))
def test_binary_noncontiguous(name, layout_a, layout_b):
    fn, np_fn, make_a, make_b = BINARY[name]
    a, b = make_a((3, 5, 7), np.float32, seed=3), make_b((5, 7), np.float32, seed=4)
    ta = minidl.from_numpy(LAYOUTS[layout_a](a))
    tb = minidl.from_numpy(LAYOUTS[layout_b](b))
    assert_close(fn(ta, tb), ref(np_fn, a, b, dtype=np.float32))


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("case", ["contiguous", "strided", "broadcast", "scalar"])
def test_binary_large(name, case):
    # > 100k elements: the OpenMP paths (flat, strided-parallel, broadcast, tensor-op-scalar)
    fn, np_fn, make_a, make_b = BINARY[name]
    a = make_a((317, 331), np.float64, seed=5)
    b = {"contiguous": make_b((317, 331), np.float64, seed=6),
         "strided": make_b((317, 331), np.float64, seed=6),
         "broadcast": make_b((317, 1), np.float64, seed=6),
         "scalar": make_b((), np.float64, seed=6)}[case]
    ta = minidl.from_numpy(noncontig(a) if case == "strided" else a)
    tb = minidl.from_numpy(transposed(b) if case == "strided" else b)
    assert_close(fn(ta, tb), ref(np_fn, a, b, dtype=np.float64))


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_large_broadcast_both_sides(name):
    fn, np_fn, make_a, make_b = BINARY[name]
    a, b = make_a((401, 1), np.float32, seed=8), make_b((1, 263), np.float32, seed=9)
    assert_close(fn(minidl.from_numpy(a), minidl.from_numpy(b)), ref(np_fn, a, b, dtype=np.float32))


@pytest.mark.parametrize("op", list(OPERATORS))
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("scalar", [2, 2.5, -1.5])
def test_operators_with_python_scalars(op, dtype, scalar):
    f = OPERATORS[op]
    a = positive((3, 5), dtype, seed=10)
    t = minidl.tensor(a)
    with np.errstate(all="ignore"):
        fwd = f(a, dtype(scalar))
        rev = f(dtype(scalar), a)
    assert_close(f(t, scalar), fwd.astype(dtype))
    if not (op == "**" and scalar < 0):  # a negative base to a fractional power is nan in both; skip
        assert_close(f(scalar, t), rev.astype(dtype))


@pytest.mark.parametrize("op", list(OPERATORS))
def test_operators_between_tensors_match_functions(op):
    a, b = positive((4, 3), np.float64, 11), rand_np((3,), np.float64, seed=12)
    with np.errstate(all="ignore"):
        expected = OPERATORS[op](a, b)
    assert_close(OPERATORS[op](minidl.tensor(a), minidl.tensor(b)), expected)


def test_methods_match_functions():
    a, b = positive((2, 3), np.float64, 13), nonzero((2, 3), np.float64, 14)
    ta, tb = minidl.tensor(a), minidl.tensor(b)
    assert_close(ta.add(tb), a + b)
    assert_close(ta.add(tb, alpha=2.0), a + 2 * b)
    assert_close(ta.sub(tb, alpha=0.5), a - 0.5 * b)
    assert_close(ta.mul(tb), a * b)
    assert_close(ta.div(tb), a / b)
    assert_close(ta.pow(tb), a ** b)
    assert_close(ta.pow(3), a ** 3)
    assert_close(ta.maximum(tb), np.maximum(a, b))
    assert_close(ta.minimum(tb), np.minimum(a, b))
    assert_close(minidl.add(2.0, tb), 2.0 + b)
    assert_close(minidl.sub(ta, 1), a - 1)
    assert_close(minidl.maximum(ta, 1.5), np.maximum(a, 1.5))
    assert_close(minidl.minimum(1.5, ta), np.minimum(a, 1.5))


def test_integer_arithmetic_is_exact():
    a = np.array([[7, -3, 0], [2**40, 5, -9]], dtype=np.int64)
    b = np.array([2, 3, 1], dtype=np.int64)
    ta, tb = minidl.tensor(a), minidl.tensor(b)
    assert_close(ta + tb, a + b)
    assert_close(ta - tb, a - b)
    assert_close(ta * tb, a * b)
    assert_close(ta ** tb, a ** b)
    assert_close(ta / tb, (a / b).astype(np.float32))  # true division
    assert_close(-ta, -a)
    assert_close(abs(ta), np.abs(a))
    assert_close(minidl.maximum(ta, tb), np.maximum(a, b))
    assert_close(minidl.relu(ta), np.maximum(a, 0))


def test_integer_overflow_wraps_like_numpy():
    big = np.array([2 ** 62, -2 ** 63, 2 ** 63 - 1], dtype=np.int64)
    t = minidl.tensor(big)
    with np.errstate(over="ignore"):
        assert_close(t + t, big + big)
        assert_close(t - minidl.tensor([-(2 ** 62), 1, -1]), big - np.array([-(2 ** 62), 1, -1]))
        assert_close(t * 4, big * 4)
        assert_close(-t, -big)
        assert_close(abs(t), np.abs(big))
        assert_close(t ** 3, big ** 3)
    u = minidl.tensor(big)
    u.add_(u)
    u.mul_(3)
    u.sub_(minidl.tensor(big), alpha=5)
    with np.errstate(over="ignore"):
        assert_close(u, (big + big) * 3 - big * 5)


def test_bool_add_mul_are_logical():
    a = np.array([True, True, False, False])
    b = np.array([True, False, True, False])
    assert_close(minidl.tensor(a) + minidl.tensor(b), a | b)
    assert_close(minidl.tensor(a) * minidl.tensor(b), a & b)


def test_division_by_zero_gives_ieee_values():
    t = minidl.tensor([1.0, -1.0, 0.0]) / minidl.tensor([0.0, 0.0, 0.0])
    assert_close(t, np.array([np.inf, -np.inf, np.nan], dtype=np.float32))
    assert_close(minidl.tensor([1, 0]) / minidl.tensor([0, 0]), np.array([np.inf, np.nan], dtype=np.float32))


@pytest.mark.parametrize("fn", [minidl.maximum, minidl.minimum])
def test_maximum_minimum_propagate_nan(fn):
    # as NumPy and PyTorch: a NaN on either side wins
    a = np.array([np.nan, 1.0, np.nan, 2.0], dtype=np.float32)
    b = np.array([1.0, np.nan, np.nan, 3.0], dtype=np.float32)
    np_fn = np.maximum if fn is minidl.maximum else np.minimum
    assert_close(fn(minidl.tensor(a), minidl.tensor(b)), np_fn(a, b))


# ---- unary ops ----------------------------------------------------------------

@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (1,), (7,), (3, 5, 7), (0,), (2, 0, 3)], ids=str)
def test_unary(name, dtype, shape):
    fn, np_fn, make = UNARY[name]
    a = make(shape, dtype, seed=20)
    assert_close(fn(minidl.tensor(a)), ref(np_fn, a, dtype=dtype))


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("layout", ["strided", "transposed"])
def test_unary_noncontiguous(name, layout):
    fn, np_fn, make = UNARY[name]
    a = make((3, 5, 7), np.float64, seed=21)
    t = minidl.from_numpy(LAYOUTS[layout](a))
    assert not t.is_contiguous()
    assert_close(fn(t), ref(np_fn, a, dtype=np.float64))


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_unary_large(name, layout):
    fn, np_fn, make = UNARY[name]
    a = make((331, 317), np.float32, seed=22)
    assert_close(fn(minidl.from_numpy(LAYOUTS[layout](a))), ref(np_fn, a, dtype=np.float32))


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_methods(name):
    fn, np_fn, make = UNARY[name]
    a = make((4, 3), np.float64, seed=23)
    assert_close(getattr(minidl.tensor(a), name)(), ref(np_fn, a, dtype=np.float64))


def test_unary_operators():
    a = rand_np((3, 4), np.float32, seed=24)
    t = minidl.tensor(a)
    assert_close(-t, -a)
    assert_close(abs(t), np.abs(a))
    assert_close(+t, a)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid"])
def test_math_of_integers_computes_in_float32(name):
    fn, np_fn, _ = UNARY[name]
    a = np.array([1, 2, 3, 4], dtype=np.int64)
    assert_close(fn(minidl.tensor(a)), ref(np_fn, a.astype(np.float64), dtype=np.float32))


def test_unary_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype=np.float64)
    t = minidl.tensor(x)
    for name in ["neg", "abs", "exp", "sin", "tanh", "sigmoid", "relu"]:
        fn, np_fn, _ = UNARY[name]
        assert_close(fn(t), ref(np_fn, x, dtype=np.float64))
    assert_close(minidl.log(minidl.tensor([0.0, -1.0])), np.array([-np.inf, np.nan], dtype=np.float32))
    assert_close(minidl.sqrt(minidl.tensor([-1.0])), np.array([np.nan], dtype=np.float32))


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_is_stable_for_large_inputs(dtype):
    x = np.array([-1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0], dtype=dtype)
    y = minidl.sigmoid(minidl.tensor(x))
    got = y.numpy()
    assert np.all(np.isfinite(got))
    assert_close(y, ref(sigmoid_np, x, dtype=dtype))
    assert got[0] == 0.0 and got[-1] == 1.0 and got[3] == 0.5


# ---- clamp --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("bounds", [(-0.5, None), (None, 0.7), (-0.5, 0.7), (0.3, 0.3), (1.0, -1.0)])
def test_clamp(dtype, bounds):
    lo, hi = bounds
    a = rand_np((3, 5, 7), dtype, seed=30)
    expected = a.copy()
    if lo is not None:
        expected = np.maximum(expected, dtype(lo))
    if hi is not None:
        expected = np.minimum(expected, dtype(hi))
    t = minidl.from_numpy(noncontig(a))
    assert_close(minidl.clamp(t, min=lo, max=hi), expected)
    assert_close(t.clamp(lo, hi), expected)
    assert_close(t.clip(min=lo, max=hi), expected)


def test_clamp_int_keeps_int():
    a = np.arange(-5, 6, dtype=np.int64)
    assert_close(minidl.tensor(a).clamp(min=-2, max=3), np.clip(a, -2, 3))


def test_clamp_keeps_nan():
    assert_close(minidl.tensor([np.nan, 5.0]).clamp(0.0, 1.0), np.array([np.nan, 1.0], dtype=np.float32))


def test_clamp_large():
    a = rand_np((331, 317), np.float32, seed=31)
    assert_close(minidl.from_numpy(noncontig(a)).clamp(-1, 1), np.clip(a, -1, 1))


# ---- where --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", [((3, 5), (3, 5), (3, 5)), ((3, 1), (1, 5), ()), ((5,), (4, 1), (1, 5)),
                                    ((), (2, 3), (2, 3)), ((0, 2), (1, 2), (2,))], ids=str)
def test_where(dtype, shapes):
    sc, sa, sb = shapes
    c = rand_np(sc, seed=40) > 0
    a, b = rand_np(sa, dtype, seed=41), rand_np(sb, dtype, seed=42)
    assert_close(minidl.where(minidl.tensor(c), minidl.tensor(a), minidl.tensor(b)), np.where(c, a, b))


def test_where_noncontiguous_and_large():
    c = rand_np((301, 347), seed=43) > 0
    a, b = rand_np((301, 347), np.float64, seed=44), rand_np((347,), np.float64, seed=45)
    tc, ta, tb = minidl.from_numpy(noncontig(c)), minidl.from_numpy(transposed(a)), minidl.from_numpy(b)
    out = minidl.where(tc, ta, tb)
    assert_close(out, np.where(c, a, b))


def test_where_with_python_numbers():
    c = np.array([True, False, True])
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    tc, ta = minidl.tensor(c), minidl.tensor(a)
    assert_close(minidl.where(tc, ta, 0.0), np.where(c, a, np.float32(0)))
    assert_close(minidl.where(tc, -1, ta), np.where(c, np.float32(-1), a))
    assert_close(ta.where(tc, 5.0), np.where(c, a, np.float32(5)))
    assert_close(minidl.where(tc, 1.0, 0.0), np.where(c, 1.0, 0.0).astype(np.float32))
    assert_close(minidl.where(tc, 1, 0), np.where(c, 1, 0).astype(np.int64))


def test_where_promotes():
    c = minidl.tensor([True, False])
    out = minidl.where(c, minidl.tensor([1, 2]), minidl.tensor([0.5, 0.25]))
    assert_close(out, np.array([1.0, 0.25], dtype=np.float32))


# ---- comparisons and logic ---------------------------------------------------

@pytest.mark.parametrize("name", list(COMPARISONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("shapes", [((3, 5, 7), (3, 5, 7)), ((3, 1, 5), (4, 5)), ((), (2, 3)),
                                    ((0, 2), (2,))],
                         ids=str)
def test_comparisons(name, dtype, shapes):
    fn, np_fn, op = COMPARISONS[name]
    # few distinct values, so that ties (== cases) really occur
    a = np.round(rand_np(shapes[0], seed=50)).astype(dtype)
    b = np.round(rand_np(shapes[1], seed=51)).astype(dtype)
    ta, tb = minidl.tensor(a), minidl.tensor(b)
    expected = np_fn(a, b)
    assert_close(fn(ta, tb), expected)
    assert_close(op(ta, tb), expected)
    assert_close(getattr(ta, name)(tb), expected)


@pytest.mark.parametrize("name", list(COMPARISONS))
def test_comparisons_with_scalars_and_layouts(name):
    fn, np_fn, op = COMPARISONS[name]
    a = np.round(rand_np((301, 347), np.float32, seed=52))
    t = minidl.from_numpy(noncontig(a))
    assert_close(op(t, 1.0), np_fn(a, 1.0))
    assert_close(op(t, 1), np_fn(a, 1))
    assert_close(fn(t, minidl.from_numpy(transposed(a))), np_fn(a, a))


def test_comparison_mixed_dtypes():
    ti = minidl.tensor([1, 2, 3])
    assert_close(ti < 2.5, np.array([True, True, False]))
    assert_close(ti == minidl.tensor([1.0, 2.5, 3.0]), np.array([True, False, True]))
    assert_close(minidl.tensor([0.1], dtype=minidl.float64) == 0.1, np.array([True]))


def test_comparisons_with_nan():
    a = np.array([np.nan, 1.0, np.nan], dtype=np.float32)
    b = np.array([np.nan, np.nan, 1.0], dtype=np.float32)
    for name, (fn, np_fn, _) in COMPARISONS.items():
        assert_close(fn(minidl.tensor(a), minidl.tensor(b)), np_fn(a, b))


def test_logical_ops():
    a = rand_np((3, 1, 5), seed=60) > 0
    b = rand_np((4, 5), seed=61) > 0
    ta, tb = minidl.from_numpy(noncontig(a)), minidl.tensor(b)
    assert_close(minidl.logical_and(ta, tb), a & b)
    assert_close(minidl.logical_or(ta, tb), a | b)
    assert_close(ta & tb, a & b)
    assert_close(ta | tb, a | b)
    assert_close(minidl.logical_not(ta), ~a)
    assert_close(~ta, ~a)
    assert_close(ta.logical_not(), ~a)


def test_logical_ops_on_numbers_test_nonzero():
    x = np.array([0.0, 1.5, -2.0, 0.0])
    y = np.array([0, 0, 3, 4], dtype=np.int64)
    tx, ty = minidl.tensor(x), minidl.tensor(y)
    assert_close(minidl.logical_and(tx, ty), np.logical_and(x, y))
    assert_close(minidl.logical_or(tx, ty), np.logical_or(x, y))
    assert_close(minidl.logical_not(tx), np.logical_not(x))


def test_logical_large():
    a, b = rand_np((350, 300), seed=62) > 0, rand_np((300,), seed=63) > 0
    assert_close(minidl.logical_and(minidl.from_numpy(noncontig(a)), minidl.from_numpy(b)), a & b)


# ---- casts and copies ---------------------------------------------------------

@pytest.mark.parametrize("src", [np.float32, np.float64, np.int64, np.bool_])
@pytest.mark.parametrize("dst", ["float32", "float64", "int64", "bool"])
def test_to_dtype(src, dst):
    a = np.array([[-2.7, 0.0, 1.5], [3.0, -0.4, 7.9]]).astype(src)
    t = minidl.from_numpy(noncontig(a))
    out = t.to(getattr(minidl, dst))
    assert out.dtype == getattr(minidl, dst)
    assert_close(out, a.astype(dst))


def test_cast_shortcuts():
    a = np.array([1.5, -2.5, 0.0])
    t = minidl.tensor(a)
    assert_close(t.double(), a)
    assert_close(t.float(), a.astype(np.float32))
    assert_close(t.long(), a.astype(np.int64))
    assert_close(t.bool(), a.astype(bool))
    assert t.to(minidl.float32) is not None and t.type(minidl.float64).dtype == minidl.float64


def test_clone_is_contiguous_copy():
    a = rand_np((4, 6), np.float32, seed=70)
    t = minidl.from_numpy(transposed(a))
    c = t.clone()
    assert c.is_contiguous()
    assert_close(c, a)
    c.add_(1.0)
    assert_close(t, a)  # the clone owns its memory


def test_logical_xor_and_reflected_bool_operators_vs_numpy():
    rng = np.random.default_rng(3)
    a, b = rng.random((3, 5)) > 0.5, rng.random((5,)) > 0.5
    ta, tb = minidl.from_numpy(a), minidl.from_numpy(b)
    np.testing.assert_array_equal(minidl.logical_xor(ta, tb).numpy(), np.logical_xor(a, b))
    np.testing.assert_array_equal((ta ^ tb).numpy(), a ^ b)
    np.testing.assert_array_equal((True ^ ta).numpy(), True ^ a)
    np.testing.assert_array_equal((False | ta).numpy(), False | a)
    np.testing.assert_array_equal((True & ta).numpy(), True & a)
