"""Shared pieces of the fuzz suite: hypothesis strategies for tensors in every dtype, shape and
memory layout, junk arguments, and ``attempt``, which runs one call of the public API and insists
that it either returns or raises one of the four documented exceptions.

Every call goes through ``attempt`` so that the long run (scripts/fuzz.sh) can count calls and,
with MINIDL_FUZZ_LOG set, write each case to that file *before* running it: after a segfault the
file names the call that crashed.
"""
import atexit
import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import minidl

# The exceptions the issue allows (RuntimeError for autograd misuse and PyTorch's dtype refusals).
ALLOWED = (ValueError, TypeError, IndexError, RuntimeError)

NP_OF = {minidl.float32: np.float32, minidl.float64: np.float64, minidl.int64: np.int64,
         minidl.bool: np.bool_}
DTYPES = list(NP_OF)
FLOAT_DTYPES = [minidl.float32, minidl.float64]

# ---- settings: a few seconds per file in the suite; scaled up by scripts/fuzz.sh -------------
_LONG = os.environ.get("MINIDL_FUZZ_EXAMPLES")
settings.register_profile(
    "minidl-ci", max_examples=25, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile(
    "minidl-long", max_examples=int(_LONG or 1000), deadline=None, derandomize=False, print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.load_profile("minidl-long" if _LONG else "minidl-ci")


def scaled(n):
    """``n`` examples in the suite; the long run's count (times n / 25) under scripts/fuzz.sh."""
    return settings(max_examples=max(1, int(_LONG) * n // 25) if _LONG else n)


# ---- counting and logging every call -----------------------------------------------------------
CALLS = [0]
_LOG_PATH = os.environ.get("MINIDL_FUZZ_LOG")
_log = open(_LOG_PATH, "w", buffering=1) if _LOG_PATH else None  # noqa: SIM115  (lives for the run)


@atexit.register
def _write_count():
    path = os.environ.get("MINIDL_FUZZ_COUNT")
    if path:
        with open(path, "w") as f:
            f.write(f"{CALLS[0]}\n")


def _describe(x):
    if isinstance(x, minidl.Tensor):
        return (f"Tensor(shape={tuple(x.shape)}, dtype={x.dtype}, strides={x.stride()}, "
                f"offset={x.storage_offset()}, requires_grad={x.requires_grad})")
    if isinstance(x, np.ndarray):
        return f"ndarray(shape={x.shape}, dtype={x.dtype}, strides={x.strides})"
    if isinstance(x, (list, tuple)) and len(x) < 20:
        inner = ", ".join(_describe(v) for v in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner})"
    r = repr(x)
    return r if len(r) < 200 else r[:200] + "..."


class Raised:
    """What ``attempt`` returns when the call raised an allowed exception."""

    def __init__(self, exc):
        self.exc = exc

    def __repr__(self):
        return f"Raised({type(self.exc).__name__}: {self.exc})"


def attempt(fn, *args, name=None, **kwargs):
    """``fn(*args, **kwargs)``, or ``Raised(e)`` when it raised one of ALLOWED. Any other
    exception fails the test, naming the call."""
    CALLS[0] += 1
    label = name or getattr(fn, "__qualname__", repr(fn))
    if _log is not None:
        _log.seek(0)
        _log.write(f"call {CALLS[0]}: {label}({', '.join(_describe(a) for a in args)}"
                   f"{', ' if kwargs else ''}{', '.join(f'{k}={_describe(v)}' for k, v in kwargs.items())})\n")
        _log.truncate()
        _log.flush()
    try:
        return fn(*args, **kwargs)
    except ALLOWED as e:
        if type(e) in (NotImplementedError, RecursionError):
            raise AssertionError(f"{label} raised {type(e).__name__}: {e}") from e
        return Raised(e)
    except Exception as e:  # noqa: BLE001  (the point: anything else is a bug)
        raise AssertionError(f"{label}({', '.join(_describe(a) for a in args)}) raised "
                             f"{type(e).__name__} (not ValueError/TypeError/IndexError/RuntimeError): {e}") from e


def raised(r):
    return isinstance(r, Raised)


def message_ok(r):
    """An error message is for a student: non-empty, one that says something."""
    return raised(r) and len(str(r.exc)) >= 10


# ---- tensors ----------------------------------------------------------------------------------
SPECIAL = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-30, -1e30]


def shapes(min_dims=0, max_dims=4, min_side=0, max_side=4):
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def values(draw, shape, dtype, specials=True, low=-4.0, high=4.0):
    """An ndarray of ``shape`` and minidl ``dtype``: small values, sometimes NaN/Inf/-0."""
    n = int(np.prod(shape))
    npd = NP_OF[dtype]
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    if dtype == minidl.bool:
        return rng.random(shape) < 0.5
    if dtype == minidl.int64:
        return rng.integers(int(low), int(high) + 1, size=shape, dtype=np.int64)
    a = rng.uniform(low, high, size=shape)
    if draw(st.booleans()):
        a = np.round(a * 2) / 2  # ties and exact zeros
    if specials and n and draw(st.integers(0, 3)) == 0:
        k = draw(st.integers(1, n))
        a.reshape(-1)[rng.integers(0, n, size=k)] = rng.choice(SPECIAL, size=k)
    return a.astype(npd)


LAYOUTS = ["contiguous", "strided", "transposed", "offset", "zero_stride"]


@st.composite
def laid_out(draw, arr, layouts=("contiguous", "strided", "transposed", "offset")):
    """The same values as ``arr`` in another memory layout (a writable NumPy view)."""
    kind = draw(st.sampled_from(layouts))
    if arr.ndim == 0 or kind == "contiguous":
        return np.array(arr, copy=True)
    if kind == "strided":
        big = np.zeros(tuple(2 * s + 1 for s in arr.shape), dtype=arr.dtype)
        view = big[tuple(slice(1, None, 2) for _ in arr.shape)]
        view[...] = arr
        return view
    if kind == "transposed":
        return np.asfortranarray(arr)
    if kind == "offset":
        flat = np.zeros(arr.size + 3, dtype=arr.dtype)
        view = flat[3:].reshape(arr.shape)
        view[...] = arr
        return view
    # zero strides (a broadcast view that is writable): only where arr repeats along a dim
    base = np.array(arr[(slice(None),) * (arr.ndim - 1) + (slice(0, 1),)], copy=True)
    return np.lib.stride_tricks.as_strided(base, arr.shape, base.strides[:-1] + (0,), writeable=True) \
        if arr.shape[-1] else np.array(arr, copy=True)


@st.composite
def tensors(draw, dtypes=DTYPES, shape=None, min_dims=0, max_dims=4, max_side=4, specials=True,
            layouts=("contiguous", "strided", "transposed", "offset"), low=-4.0, high=4.0):
    """(minidl tensor, ndarray with the same values): from_numpy over a view of the array, so the
    tensor has the view's strides."""
    dtype = draw(st.sampled_from(list(dtypes)))
    if shape is None:
        shape = draw(shapes(min_dims, max_dims, 0, max_side))
    arr = draw(values(shape, dtype, specials, low, high))
    view = draw(laid_out(arr, layouts))
    return minidl.from_numpy(view), np.array(view, copy=True)


def broadcastable_shapes(shape):
    """A shape that broadcasts with ``shape`` (dims dropped from the left, some set to 1), or
    sometimes one that does not."""
    @st.composite
    def build(draw):
        drop = draw(st.integers(0, len(shape)))
        out = [1 if draw(st.integers(0, 2)) == 0 else s for s in shape[drop:]]
        out = [draw(st.integers(1, 3))] * draw(st.integers(0, 1)) + out if drop == 0 else out
        if out and draw(st.integers(0, 9)) == 0:
            out[draw(st.integers(0, len(out) - 1))] += draw(st.integers(1, 2))  # a mismatch
        return tuple(out)
    return build()


# ---- junk arguments ---------------------------------------------------------------------------
JUNK = [None, "a", "", [1, 2], [[1], [2, 3]], {}, {"a": 1}, object(), 1.5, -1, 0, 2 ** 70, -2 ** 70,
        float("nan"), float("inf"), True, (1, "a"), b"x", np.float16(1), np.zeros(2, dtype=np.float16),
        np.zeros(2, dtype=np.complex128), np.array(["a"]), 3 + 4j, slice(None), Ellipsis, minidl.float32]


def junk():
    return st.sampled_from(JUNK)


def ints(lo=-2 ** 63, hi=2 ** 63 - 1):
    """Mostly small ints, sometimes huge or negative ones."""
    return st.one_of(st.integers(-3, 6), st.sampled_from([-2 ** 63, 2 ** 31, 2 ** 32 + 1, 2 ** 62, 2 ** 63 - 1,
                                                          -2 ** 31]), st.integers(lo, hi))


# ---- comparing with NumPy -----------------------------------------------------------------------
TOL = {np.dtype(np.float32): (2e-5, 1e-5), np.dtype(np.float64): (1e-10, 1e-12)}


def np_of(t):
    return np.array(t.detach().numpy(), copy=True)


def assert_matches(got, expected, rtol=None, atol=None, what=""):
    """``got`` (a Tensor) holds ``expected``'s shape and values (NaN == NaN; the reference is
    first cast to got's dtype so float32 overflow reads the same on both sides)."""
    assert isinstance(got, minidl.Tensor), f"{what}: expected a Tensor, got {got!r}"
    g = np_of(got)
    expected = np.asarray(expected)
    assert g.shape == expected.shape, f"{what}: shape {g.shape} != NumPy's {expected.shape}"
    if g.dtype.kind in "bi":
        np.testing.assert_array_equal(g, expected.astype(g.dtype), err_msg=what)
        return
    with np.errstate(all="ignore"):
        e = expected.astype(g.dtype)
    r, a = TOL.get(g.dtype, (1e-5, 1e-6))
    np.testing.assert_allclose(g, e, rtol=r if rtol is None else rtol, atol=a if atol is None else atol,
                               equal_nan=True, err_msg=what)
