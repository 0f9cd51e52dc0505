"""Fuzz: reductions (sum, mean, var, std, max, min, argmax, argmin, logsumexp, any, all), softmax
and matmul/mm/bmm/dot with random dims (out of range, negative, repeated), keepdim, zero-size
dims, 0-d tensors, layouts and NaN/Inf; each call matches NumPy or raises an allowed exception."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minidl
from fuzz_strategies import (FLOAT_DTYPES, assert_matches, attempt, junk, np_of, raised, scaled, tensors)


def _lse(a, axis, keepdims):
    with np.errstate(all="ignore"):
        m = np.max(a, axis=axis, keepdims=True) if a.size else np.zeros([1] * a.ndim)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _var(a, axis, keepdims, ddof):
    n = a.size if axis is None else int(np.prod([a.shape[d] for d in np.atleast_1d(axis)]))
    with np.errstate(all="ignore"):
        mean = np.mean(a, axis=axis, keepdims=True) if a.size else np.zeros([1] * a.ndim)
        ss = np.sum((a - mean) ** 2, axis=axis, keepdims=keepdims)
        return ss / (n - ddof) if n - ddof > 0 else ss * np.nan


REDUCE = {
    "sum": lambda a, ax, k: np.sum(a, axis=ax, keepdims=k),
    "mean": lambda a, ax, k: np.mean(a.astype(np.float64), axis=ax, keepdims=k),
    "var": lambda a, ax, k: _var(a.astype(np.float64), ax, k, 1),
    "std": lambda a, ax, k: np.sqrt(_var(a.astype(np.float64), ax, k, 1)),
    "max": lambda a, ax, k: np.max(a, axis=ax, keepdims=k),
    "min": lambda a, ax, k: np.min(a, axis=ax, keepdims=k),
    "argmax": lambda a, ax, k: np.argmax(a, axis=ax, keepdims=k),
    "argmin": lambda a, ax, k: np.argmin(a, axis=ax, keepdims=k),
    "logsumexp": lambda a, ax, k: _lse(a.astype(np.float64), ax, k),
    "any": lambda a, ax, k: np.any(a, axis=ax, keepdims=k),
    "all": lambda a, ax, k: np.all(a, axis=ax, keepdims=k),
}
SINGLE_DIM = {"max", "min", "argmax", "argmin"}  # dim is one int (or None)
FLOAT_ONLY = {"mean", "var", "std", "logsumexp"}  # PyTorch refuses integer inputs


@st.composite
def dims(draw, ndim, single):
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return None
    if kind <= 2 or single:
        return draw(st.integers(-ndim - 2, ndim + 1))
    return tuple(draw(st.lists(st.integers(-ndim - 1, ndim), max_size=ndim + 1)))


def _numpy_axis(dim, ndim):
    """PyTorch's dim as NumPy's axis: raises for what PyTorch refuses."""
    if dim is None:
        return None
    ds = (dim,) if isinstance(dim, int) else dim
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)  # a 0-d tensor takes dim 0 and -1
    if not all(lo <= d <= hi for d in ds):
        raise IndexError("dim out of range")
    if ndim == 0:
        return None
    norm = [d % ndim for d in ds]
    if len(set(norm)) != len(norm):
        raise ValueError("repeated dim")
    if isinstance(dim, tuple) and not dim:
        return None  # dim=() reduces everything, as in PyTorch
    return tuple(norm) if isinstance(dim, tuple) else norm[0]


@scaled(80)
@given(st.sampled_from(sorted(REDUCE)), tensors(max_dims=4), st.booleans(), st.data())
def test_reductions_match_numpy(name, an_, keepdim, data):
    a, an = an_
    dim = data.draw(dims(an.ndim, name in SINGLE_DIM))
    if name == "logsumexp" and dim is None:
        dim = tuple(range(an.ndim))  # a required argument
    kwargs = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    got = attempt(getattr(minidl, name), a, **kwargs, name=name)
    try:
        axis = _numpy_axis(dim, an.ndim)
        with np.errstate(all="ignore"):
            if name in ("max", "min", "argmax", "argmin") and an.size == 0:
                # PyTorch refuses only an empty reduced dim (NumPy refuses any empty input)
                if axis is None or an.shape[axis] == 0:
                    raise ValueError("empty")
                out_shape = list(an.shape)
                out_shape[axis] = 1
                ref = np.zeros(out_shape if keepdim else np.delete(out_shape, axis), dtype=an.dtype)
                ref = ref.astype(np.int64) if name.startswith("arg") else ref
            else:
                ref = REDUCE[name](an, axis, keepdim if dim is not None else False)
            if name in ("max", "min", "argmax", "argmin") and an.ndim == 0:
                ref = an if name in ("max", "min") else np.int64(0)
    except (ValueError, IndexError, TypeError, np.exceptions.AxisError):
        ref = None
    if ref is None:
        assert raised(got), f"{name}(dim={dim}) on {an.shape}: NumPy refuses, minidl returned {got!r}"
        return
    if raised(got):
        assert name in FLOAT_ONLY and an.dtype.kind in "ib", f"{name}(dim={dim}) on {an.shape}{an.dtype}: {got}"
        return
    if isinstance(got, tuple):  # max/min with a dim: (values, indices)
        assert_matches(got.values, ref, what=name)
        idx = (np.argmax if name == "max" else np.argmin)(an, axis=axis, keepdims=keepdim) \
            if an.ndim and an.size else (np.zeros(ref.shape, np.int64) if an.ndim else 0)
        assert_matches(got.indices, idx, what=f"{name}.indices")
        return
    if name in ("var", "std") and an.dtype == np.float32:
        assert_matches(got, ref, rtol=1e-3, atol=1e-4, what=name)
        return
    assert_matches(got, ref, what=name)


@scaled(40)
@given(st.sampled_from(["softmax", "log_softmax"]), tensors(max_dims=3), st.integers(-4, 3))
def test_softmax(name, an_, dim):
    a, an = an_
    got = attempt(getattr(minidl, name), a, dim, name=name)
    ok = (-1 <= dim <= 0) if an.ndim == 0 else (-an.ndim <= dim < an.ndim)
    if not ok:
        assert raised(got), f"{name}(dim={dim}) on {an.shape}"
        return
    if raised(got):
        assert an.dtype.kind in "ib", got  # PyTorch: softmax needs a float input
        return
    if an.ndim == 0:
        ref = np.zeros(()) if name == "log_softmax" else np.ones(())
        ref = np.where(np.isfinite(an.astype(np.float64)), ref, np.nan)
        if an.dtype.kind == "f" and np.isnan(an):
            ref = np.array(np.nan)
    else:
        # PyTorch's algorithm: a row holding NaN or +inf (or only -inf) is all NaN
        x, ax = an.astype(np.float64), dim % an.ndim
        with np.errstate(all="ignore"):
            s = x - (np.max(x, axis=ax, keepdims=True) if x.size else 0)
            total = np.sum(np.exp(s), axis=ax, keepdims=True)
            ref = s - np.log(total) if name == "log_softmax" else np.exp(s) / total
    assert_matches(got, ref, rtol=1e-4, atol=1e-5, what=name)


@st.composite
def matmul_pair(draw):
    nd_a, nd_b = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    m, k, n = (draw(st.integers(0, 4)) for _ in range(3))
    batch = [draw(st.integers(0, 3)) for _ in range(2)]
    k2 = k if draw(st.integers(0, 7)) else k + 1  # sometimes a mismatch

    def shape(nd, inner, outer, left):
        if nd == 1:
            return (inner,)
        lead = [b if draw(st.booleans()) else 1 for b in batch[:max(nd - 2, 0)]]
        return tuple(lead) + ((outer, inner) if left else (inner, outer))
    sa = () if nd_a == 0 else shape(nd_a, k, m, True)
    sb = () if nd_b == 0 else shape(nd_b, k2, n, False)
    dt = draw(st.sampled_from([minidl.float32, minidl.float64, minidl.int64]))
    dt2 = dt if draw(st.integers(0, 5)) else draw(st.sampled_from([minidl.float32, minidl.float64, minidl.int64,
                                                                   minidl.bool]))
    return draw(tensors(dtypes=[dt], shape=sa, specials=False)), draw(tensors(dtypes=[dt2], shape=sb,
                                                                               specials=False))


@scaled(60)
@given(st.sampled_from(["matmul", "mm", "bmm", "dot", "@"]), matmul_pair())
def test_matmul_family(name, pair):
    (a, an), (b, bn) = pair
    fn = (lambda x, y: x @ y) if name == "@" else getattr(minidl, name)
    got = attempt(fn, a, b, name=name)
    nd = (an.ndim, bn.ndim)
    valid_rank = {"mm": nd == (2, 2), "bmm": nd == (3, 3), "dot": nd == (1, 1)}.get(name, 0 not in nd)
    try:
        if not valid_rank:
            raise ValueError("rank")
        if name == "bmm" and an.shape[0] != bn.shape[0]:
            raise ValueError("batch")
        ref = np.matmul(an.astype(np.float64), bn.astype(np.float64))
    except ValueError:
        ref = None
    if ref is None or an.dtype != bn.dtype:
        assert raised(got) or ref is not None, f"{name} {an.shape} @ {bn.shape}: NumPy refuses, minidl gave {got!r}"
        return
    assert not raised(got), f"{name} {an.shape}{an.dtype} @ {bn.shape}: {got}"
    k = an.shape[-1]
    assert_matches(got, ref, rtol=1e-4, atol=1e-4 * max(k, 1), what=name)


@scaled(40)
@given(st.sampled_from(["sum", "mean", "var", "max", "argmax", "softmax", "logsumexp", "any", "matmul"]),
       tensors(dtypes=FLOAT_DTYPES, max_dims=2), junk(), st.sampled_from(["dim", "keepdim", "other"]))
def test_junk_arguments(name, an_, bad, where):
    a, _ = an_
    fn = getattr(minidl, name)
    if name == "matmul":
        got = attempt(fn, a, bad, name="matmul(junk)")
    elif where == "keepdim" and name not in ("softmax",):
        # keepdim takes anything with a truth value (pybind11's bool); only "no crash" asked
        attempt(fn, a, 0, keepdim=bad, name=f"{name}(keepdim=junk)")
        return
    else:
        got = attempt(fn, a, bad, name=f"{name}(dim=junk)")
    if got is not None and not raised(got) and isinstance(bad, (str, dict, float, object)) and not isinstance(
            bad, (int, type(None), bool, list, tuple, np.ndarray)):
        raise AssertionError(f"{name} accepted {bad!r} as {where}: {got!r}")
