"""matmul / mm / bmm / dot against NumPy, gradients against finite differences."""
import itertools

import numpy as np
import pytest

import minidl
from minidl.autograd import gradcheck

RNG = np.random.default_rng(0)

# Matrix dims are odd and distinct so a transposed or mis-strided read cannot pass.
M, K, N = 3, 5, 7
# Batch dims per rank, chosen so every pair of ranks broadcasts somewhere:
# (4,) with (1,), (2, 1) with (2, 4), (4,) with (2, 4), ...
BATCH_A = {3: (4,), 4: (2, 1)}
BATCH_B = {3: (1,), 4: (2, 4)}


def shape_a(rank):
    return (K,) if rank == 1 else BATCH_A.get(rank, ()) + (M, K)


def shape_b(rank):
    return (K,) if rank == 1 else BATCH_B.get(rank, ()) + (K, N)


def randn(shape, dtype):
    return RNG.standard_normal(shape).astype(dtype)


def tol(dtype, k=K):
    # float32 products of k terms: rounding grows with k; NumPy's sum order differs from BLAS's
    if dtype == np.float32:
        return dict(rtol=1e-5 * max(k, 8), atol=1e-5 * max(k, 8))
    return dict(rtol=1e-12, atol=1e-12)


def check(a, b, dtype=None):
    """minidl.matmul(a, b) against NumPy in float64 (computed from the same values)."""
    out = minidl.matmul(minidl.from_numpy(a), minidl.from_numpy(b))
    ref = np.matmul(a.astype(np.float64), b.astype(np.float64))
    dt = np.result_type(a, b)
    assert out.dtype == minidl.from_numpy(np.zeros(1, dt)).dtype
    assert tuple(out.shape) == ref.shape
    np.testing.assert_allclose(out.numpy(), ref, **tol(dt, a.shape[-1]))


RANKS = list(itertools.product([1, 2, 3, 4], repeat=2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ra,rb", RANKS)
def test_matmul_ranks_match_numpy(ra, rb, dtype):
    check(randn(shape_a(ra), dtype), randn(shape_b(rb), dtype))


@pytest.mark.parametrize("sa,sb,expected", [
    ((2, 1, 3, 4), (5, 4, 6), (2, 5, 3, 6)),
    ((3,), (3,), ()),
    ((4,), (2, 3, 4, 5), (2, 3, 5)),
    ((2, 3, 4, 5), (5,), (2, 3, 4)),
    ((1, 3, 4), (6, 4, 2), (6, 3, 2)),
    ((6, 3, 4), (1, 4, 2), (6, 3, 2)),
    ((1, 1), (1, 1), (1, 1)),
    ((1,), (1, 9), (9,)),
])
def test_matmul_result_shapes(sa, sb, expected):
    a, b = randn(sa, np.float64), randn(sb, np.float64)
    out = minidl.from_numpy(a) @ minidl.from_numpy(b)
    assert tuple(out.shape) == expected
    np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_larger_and_odd_sizes(dtype):
    for m, k, n in [(67, 129, 33), (1, 300, 1), (200, 1, 150), (128, 128, 128)]:
        check(randn((m, k), dtype), randn((k, n), dtype))


def test_fold_and_batch_paths():
    # contiguous (b, m, k) @ (k, n): one tall gemm
    check(randn((6, 9, 11), np.float32), randn((11, 13), np.float32))
    # (b, 1, k) rows (m == 1) also fold
    check(randn((6, 1, 11), np.float64), randn((11, 13), np.float64))
    # many small matrices: the batch is spread over threads
    for threads in (1, 2):
        minidl.set_num_threads(threads)
        try:
            check(randn((300, 16, 16), np.float32), randn((300, 16, 16), np.float32))
            check(randn((300, 16, 16), np.float64), randn((16, 16), np.float64)[::-1].copy().T)
        finally:
            minidl.set_num_threads(2)


# ---- non-contiguous operands (views of NumPy arrays share their strides) ------------

def views(dtype):
    """(name, left operand, right operand) with awkward layouts; shapes (..., M, K) @ (..., K, N)."""
    def r(shape):
        if dtype == np.int64:
            return RNG.integers(-9, 10, size=shape).astype(np.int64)
        return randn(shape, dtype)
    base_a, base_b = r((K, M)), r((N, K))
    wide_a, wide_b = r((2 * M, 3 * K)), r((2 * K + 1, 2 * N))
    vec, row = r(3 * K), r((1, K))
    as_strided = np.lib.stride_tricks.as_strided
    return [
        ("a.T and b.T", base_a.T, base_b.T),
        ("row and column slices", wide_a[::2, 1:1 + 2 * K:2], wide_b[1::2, 3:3 + N]),
        ("sub-blocks (leading dim > cols)", wide_a[1:1 + M, 2:2 + K], wide_b[:K, 5:5 + N]),
        ("batched transpose", np.swapaxes(r((4, K, M)), -1, -2), r((N, K)).T),
        ("strided vectors", vec[::3], wide_b[:K, 1]),
        ("vector times transposed", vec[1::3], base_b.T),
        ("transposed times vector", base_a.T, vec[2::3]),
        # stride-0 rows: no unit stride, so this one must be copied before gemm
        ("broadcast rows", as_strided(row, shape=(M, K), strides=(0, row.strides[1])), base_b.T),
        # stride-0 batch dim: every batch entry reads the same matrix, no copy needed
        ("broadcast batch", as_strided(row, shape=(4, M, K), strides=(0, 0, row.strides[1])), r((4, K, N))),
        ("F-ordered", np.asfortranarray(r((M, K))), np.asfortranarray(r((K, N)))),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("case", range(10))
def test_non_contiguous_operands(case, dtype):
    name, a, b = views(dtype)[case]
    ta, tb = minidl.from_numpy(a), minidl.from_numpy(b)
    assert not (ta.is_contiguous() and tb.is_contiguous()), name
    out = ta @ tb
    if dtype == np.int64:
        np.testing.assert_array_equal(out.numpy(), a @ b, err_msg=name)
    else:
        ref = a.astype(np.float64) @ b.astype(np.float64)
        np.testing.assert_allclose(out.numpy(), ref, **tol(dtype), err_msg=name)
    # the inputs are read, never written
    np.testing.assert_array_equal(ta.numpy(), a)
    np.testing.assert_array_equal(tb.numpy(), b)


# ---- dtypes -------------------------------------------------------------------------

@pytest.mark.parametrize("ra,rb", RANKS)
def test_int64_matches_numpy_exactly(ra, rb):
    a = RNG.integers(-50, 50, size=shape_a(ra)).astype(np.int64)
    b = RNG.integers(-50, 50, size=shape_b(rb)).astype(np.int64)
    out = minidl.from_numpy(a) @ minidl.from_numpy(b)
    assert out.dtype == minidl.int64
    np.testing.assert_array_equal(out.numpy(), a @ b)


def test_int64_large_values_wrap_like_numpy():
    a = np.full((2, 3), 2 ** 40, dtype=np.int64)
    b = np.full((3, 2), 2 ** 30, dtype=np.int64)
    np.testing.assert_array_equal((minidl.from_numpy(a) @ minidl.from_numpy(b)).numpy(), a @ b)


@pytest.mark.parametrize("da,db,expected", [
    (np.float32, np.float64, minidl.float64),
    (np.float64, np.float32, minidl.float64),
    (np.int64, np.float32, minidl.float32),
    (np.float64, np.int64, minidl.float64),
])
def test_mixed_dtypes_promote(da, db, expected):
    a = RNG.integers(-5, 5, size=(M, K)).astype(da)
    b = RNG.integers(-5, 5, size=(K, N)).astype(db)
    out = minidl.from_numpy(a) @ minidl.from_numpy(b)
    assert out.dtype == expected
    np.testing.assert_array_equal(out.numpy(), (a.astype(np.float64) @ b.astype(np.float64)))


def test_bool_is_refused():
    a = minidl.from_numpy(np.ones((2, 2), dtype=bool))
    b = minidl.from_numpy(np.ones((2, 2), dtype=np.float32))
    with pytest.raises(TypeError, match="bool"):
        a @ b
    with pytest.raises(TypeError, match="bool"):
        minidl.matmul(b, a)


# ---- empty products -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.int64])
@pytest.mark.parametrize("sa,sb", [((3, 0), (0, 4)), ((0, 3), (3, 4)), ((3, 4), (4, 0)), ((2, 0, 3), (3, 4)),
                                   ((0,), (0,))])
def test_empty(sa, sb, dtype):
    a, b = np.ones(sa, dtype), np.ones(sb, dtype)
    out = minidl.from_numpy(a) @ minidl.from_numpy(b)
    assert tuple(out.shape) == (a @ b).shape
    np.testing.assert_array_equal(out.numpy(), a @ b)  # k == 0 gives zeros


# ---- gradients ------------------------------------------------------------------------

def leaf(a):
    return minidl.from_numpy(a).requires_grad_(True)


@pytest.mark.parametrize("ra,rb", RANKS)
def test_gradcheck_all_ranks(ra, rb):
    # small sizes keep finite differences quick; batch dims still broadcast
    a = leaf(RNG.standard_normal((2,) if ra == 1 else BATCH_A.get(ra, ()) + (3, 2)))
    b = leaf(RNG.standard_normal((2,) if rb == 1 else BATCH_B.get(rb, ()) + (2, 3)))
    assert gradcheck(minidl.matmul, (a, b))


@pytest.mark.parametrize("sa,sb", [((2, 1, 3, 2), (5, 2, 4)), ((1, 3, 2), (4, 2, 3)), ((4, 3, 2), (1, 2, 3)),
                                   ((3, 3, 2), (2,)), ((2,), (3, 2, 3))])
def test_gradcheck_broadcast_batch(sa, sb):
    assert gradcheck(minidl.matmul, (leaf(RNG.standard_normal(sa)), leaf(RNG.standard_normal(sb))))


def test_gradcheck_non_contiguous_leaves():
    # transposed and strided leaves take gemm's Trans path, forward and backward
    a = leaf(np.ascontiguousarray(RNG.standard_normal((4, 3))).T)
    b = leaf(RNG.standard_normal((4, 10))[:, ::3])
    assert not a.is_contiguous() and not b.is_contiguous()
    assert gradcheck(minidl.matmul, (a, b))
    v = leaf(RNG.standard_normal(12)[::3])
    assert gradcheck(minidl.matmul, (v, b))
    assert gradcheck(minidl.matmul, (a, v))


def test_gradient_with_one_side_requiring_grad():
    a = leaf(RNG.standard_normal((3, 4)))
    b = minidl.from_numpy(RNG.standard_normal((4, 2)))
    assert gradcheck(lambda x: minidl.matmul(x, b), (a,))
    c = minidl.from_numpy(RNG.standard_normal((4, 2)).T)
    assert gradcheck(lambda x: minidl.matmul(c, x), (leaf(RNG.standard_normal((4, 5))),))


def test_gradient_values_match_formula():
    a_np, b_np = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((4, 5))
    g_np = RNG.standard_normal((2, 3, 5))
    a, b = leaf(a_np), leaf(b_np)
    (a @ b).backward(minidl.from_numpy(g_np))
    np.testing.assert_allclose(a.grad.numpy(), g_np @ b_np.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), np.einsum("bmk,bmn->kn", a_np, g_np), rtol=1e-12, atol=1e-12)


def test_mixed_dtype_gradients_have_input_dtypes():
    a = minidl.from_numpy(RNG.standard_normal((3, 4)).astype(np.float32)).requires_grad_(True)
    b = leaf(RNG.standard_normal((4, 2)))
    g = RNG.standard_normal((3, 2))
    (a @ b).backward(minidl.from_numpy(g))
    assert a.grad.dtype == minidl.float32 and b.grad.dtype == minidl.float64
    np.testing.assert_allclose(a.grad.numpy(), g @ b.detach().numpy().T, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("sa,sb,name", [
    ((3,), (3,), "DotBackward0"), ((2, 3), (3,), "MvBackward0"), ((2, 3), (3, 4), "MmBackward0"),
    ((3,), (3, 4), "SqueezeBackward4"), ((5, 2, 3), (3, 4), "UnsafeViewBackward0"),
])
def test_grad_fn_names(sa, sb, name):
    out = leaf(RNG.standard_normal(sa)) @ leaf(RNG.standard_normal(sb))
    assert out.grad_fn.name() == name
    plain = minidl.from_numpy(RNG.standard_normal(sa)) @ minidl.from_numpy(RNG.standard_normal(sb))
    assert not plain.requires_grad and plain.grad_fn is None


def test_no_grad_records_nothing():
    a = leaf(RNG.standard_normal((2, 3)))
    with minidl.no_grad():
        out = a @ minidl.from_numpy(RNG.standard_normal((3, 2)))
    assert not out.requires_grad and out.grad_fn is None


# ---- the strict forms and the Python surface ------------------------------------------

def test_mm_bmm_dot_match_numpy():
    a, b = randn((M, K), np.float64), randn((K, N), np.float64)
    out = minidl.mm(minidl.from_numpy(a), minidl.from_numpy(b))
    np.testing.assert_allclose(out.numpy(), a @ b, rtol=1e-12)
    np.testing.assert_allclose(minidl.from_numpy(a).mm(minidl.from_numpy(b)).numpy(), a @ b, rtol=1e-12)
    x, y = randn((4, M, K), np.float32), randn((4, K, N), np.float32)
    out = minidl.bmm(minidl.from_numpy(x), minidl.from_numpy(y))
    np.testing.assert_allclose(out.numpy(), x.astype(np.float64) @ y, **tol(np.float32))
    np.testing.assert_allclose(minidl.from_numpy(x).bmm(minidl.from_numpy(y)).numpy(), out.numpy())
    u, v = randn(K, np.float64), randn(K, np.float64)
    d = minidl.dot(minidl.from_numpy(u), minidl.from_numpy(v))
    assert tuple(d.shape) == ()
    np.testing.assert_allclose(d.numpy(), u @ v, rtol=1e-12)
    np.testing.assert_allclose(minidl.from_numpy(u).dot(minidl.from_numpy(v)).numpy(), u @ v, rtol=1e-12)


def test_strict_forms_gradients_and_names():
    a, b = leaf(RNG.standard_normal((2, 3, 2))), leaf(RNG.standard_normal((2, 2, 3)))
    assert minidl.bmm(a, b).grad_fn.name() == "BmmBackward0"
    assert gradcheck(minidl.bmm, (a, b))
    m1, m2 = leaf(RNG.standard_normal((3, 2))), leaf(RNG.standard_normal((2, 4)))
    assert minidl.mm(m1, m2).grad_fn.name() == "MmBackward0"
    assert gradcheck(minidl.mm, (m1, m2))
    u, v = leaf(RNG.standard_normal(4)), leaf(RNG.standard_normal(4))
    assert minidl.dot(u, v).grad_fn.name() == "DotBackward0"
    assert gradcheck(minidl.dot, (u, v))


def test_operator_method_and_function_agree():
    a, b = randn((2, M, K), np.float64), randn((K, N), np.float64)
    ta, tb = minidl.from_numpy(a), minidl.from_numpy(b)
    ref = a @ b
    for out in (ta @ tb, ta.matmul(tb), minidl.matmul(ta, tb), tb.__rmatmul__(ta),
                minidl.matmul(input=ta, other=tb)):
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)


def test_matmul_with_non_tensors_raises_type_error():
    t = minidl.from_numpy(randn((2, 2), np.float32))
    with pytest.raises(TypeError):
        t @ 2
    with pytest.raises(TypeError):
        2 @ t
    with pytest.raises(TypeError):
        minidl.matmul(t, [[1.0, 2.0], [3.0, 4.0]])


# ---- errors ---------------------------------------------------------------------------

def T(*shape):
    return minidl.from_numpy(np.zeros(shape, np.float32))


@pytest.mark.parametrize("sa,sb,pattern", [
    ((3, 5), (4, 7),
     r"\[3, 5\] and \[4, 7\].*size 5 \(dim 1 of the first\) != size 4 \(dim 0 of the second\)"),
    ((5,), (4,), r"\[5\] and \[4\].*size 5.*size 4"),
    ((2, 3), (2,), r"\[2, 3\] and \[2\].*size 3.*size 2"),
    ((4,), (2, 5, 3),
     r"\[4\] and \[2, 5, 3\].*size 4 \(dim 0 of the first\) != size 5 \(dim 1 of the second\)"),
    ((2, 3, 4), (3, 4, 5),
     r"batch dims of shapes \[2, 3, 4\] and \[3, 4, 5\].*size 2 \(dim 0 of the first\) vs "
     r"size 3 \(dim 0 of the second\)"),
    ((2, 2, 3, 4), (3, 4, 5), r"batch dims.*size 2 \(dim 1 of the first\) vs size 3 \(dim 0 of the second\)"),
])
def test_shape_mismatch_names_both_shapes(sa, sb, pattern):
    with pytest.raises(ValueError, match=pattern):
        T(*sa) @ T(*sb)


def test_zero_dim_operands_are_refused():
    scalar = minidl.from_numpy(np.array(2.0, np.float32))
    with pytest.raises(ValueError, match=r"at least 1 dimension.*\[\] and \[3\]"):
        minidl.matmul(scalar, T(3))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        T(3) @ scalar


@pytest.mark.parametrize("fn,sa,sb,pattern", [
    (minidl.mm, (2, 3, 4), (4, 5), r"mm: expected two 2-D.*\[2, 3, 4\] and \[4, 5\]"),
    (minidl.mm, (3,), (3, 4), r"mm: expected two 2-D"),
    (minidl.mm, (2, 3), (4, 5), r"mm: shapes \[2, 3\] and \[4, 5\] cannot be multiplied"),
    (minidl.bmm, (3, 4), (4, 5), r"bmm: expected two 3-D.*\[3, 4\] and \[4, 5\]"),
    (minidl.bmm, (2, 3, 4), (1, 4, 5), r"bmm: batch sizes differ.*\[2, 3, 4\] and \[1, 4, 5\]"),
    (minidl.bmm, (2, 3, 4), (2, 3, 5), r"bmm: shapes .* cannot be multiplied: size 4 .* size 3"),
    (minidl.dot, (2, 3), (3,), r"dot: expected two 1-D.*\[2, 3\] and \[3\]"),
    (minidl.dot, (3,), (4,), r"dot: vectors of different lengths: 3 and 4"),
])
def test_strict_forms_refuse_other_shapes(fn, sa, sb, pattern):
    with pytest.raises(ValueError, match=pattern):
        fn(T(*sa), T(*sb))


def test_failed_matmul_leaves_inputs_untouched():
    a = leaf(RNG.standard_normal((2, 3)))
    before = a.detach().numpy().copy()
    with pytest.raises(ValueError):
        a @ leaf(RNG.standard_normal((2, 3)))
    np.testing.assert_array_equal(a.detach().numpy(), before)
    assert a.grad is None
