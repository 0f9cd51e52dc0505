"""Fuzz: minidl.nn.functional layers, activations and losses, and nn modules' constructors, with
random shapes (mismatched, zero-size, 0-d), dtypes, layouts, NaN/Inf and junk hyper-parameters;
each call matches a NumPy formula or raises an allowed exception."""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

import minidl
import minidl.nn.functional as F
from minidl import nn
from fuzz_strategies import (DTYPES, FLOAT_DTYPES, JUNK, assert_matches, attempt, ints, junk, raised,
                             scaled, shapes, tensors)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {
    "relu": (F.relu, lambda x: np.maximum(x, 0)),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x)),
    "elu": (F.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "silu": (F.silu, lambda x: x * _sig(x)),
    "softplus": (F.softplus, lambda x: np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))),
    "hardtanh": (F.hardtanh, lambda x: np.clip(x, -1, 1)),
    "sigmoid": (F.sigmoid, _sig),
    "tanh": (F.tanh, np.tanh),
    "gelu": (F.gelu, None),
    "step": (F.step, None),
    "sign": (F.sign, None),
}


@scaled(50)
@given(st.sampled_from(sorted(ACTIVATIONS)), tensors(max_dims=3))
def test_activations(name, an_):
    a, an = an_
    fn, ref_fn = ACTIVATIONS[name]
    got = attempt(fn, a, name=name)
    if raised(got):
        assert an.dtype.kind in "ib", f"{name} on {an.dtype}: {got}"
        return
    assert tuple(got.shape) == an.shape
    if ref_fn is not None and an.dtype.kind == "f":
        with np.errstate(all="ignore"):
            ref = ref_fn(an.astype(np.float64))
        assert_matches(got, ref, rtol=1e-4, atol=1e-5, what=name)


@scaled(40)
@given(st.data(), st.sampled_from(FLOAT_DTYPES))
def test_linear(data, dt):
    lead = data.draw(shapes(0, 2, 0, 3))
    fin, fout = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4))
    fin_w = fin if data.draw(st.integers(0, 5)) else fin + 1
    x, xn = data.draw(tensors(dtypes=[dt], shape=lead + (fin,), specials=False))
    w, wn = data.draw(tensors(dtypes=[dt], shape=(fout, fin_w), specials=False))
    has_b = data.draw(st.booleans())
    b, bn = data.draw(tensors(dtypes=[dt], shape=(fout if data.draw(st.integers(0, 5)) else fout + 1,),
                              specials=False)) if has_b else (None, None)
    got = attempt(F.linear, x, w, b)
    try:
        ref = np.matmul(xn.astype(np.float64), wn.T.astype(np.float64))
        if has_b:
            if bn.shape[0] != fout:
                raise ValueError("bias")
            ref = ref + bn
    except ValueError:
        ref = None
    if ref is None:
        assert raised(got), f"linear {xn.shape} {wn.shape} {None if bn is None else bn.shape}: gave {got!r}"
        return
    assert not raised(got), got
    assert_matches(got, ref, rtol=1e-4, atol=1e-4, what="linear")


def _log_softmax(x):
    m = np.max(x, axis=1, keepdims=True) if x.size else 0
    return x - m - np.log(np.sum(np.exp(x - m), axis=1, keepdims=True))


@scaled(60)
@given(st.data(), st.sampled_from(FLOAT_DTYPES), st.sampled_from(["mean", "sum", "none", "bad"]))
def test_cross_entropy_and_nll(data, dt, reduction):
    n, c = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4))
    x, xn = data.draw(tensors(dtypes=[dt], shape=(n, c), specials=data.draw(st.booleans())))
    lo, hi = (0, max(c - 1, 0)) if data.draw(st.integers(0, 4)) else (-2, c + 1)
    tshape = (n,) if data.draw(st.integers(0, 6)) else (n + 1,)
    t_np = np.array(data.draw(st.lists(st.integers(lo, hi), min_size=tshape[0], max_size=tshape[0])),
                    dtype=np.int64)
    target = minidl.from_numpy(t_np)
    for name in ("cross_entropy", "nll_loss"):
        got = attempt(getattr(F, name), x, target, reduction=reduction, name=name)
        valid = reduction != "bad" and tshape == (n,) and (n == 0 or (c > 0 and t_np.min() >= 0
                                                                       and t_np.max() < c))
        if not valid:
            assert raised(got), f"{name}(reduction={reduction}) {xn.shape} target {t_np}: gave {got!r}"
            continue
        assert not raised(got), f"{name} {xn.shape} target {t_np}: {got}"
        with np.errstate(all="ignore"):
            logp = _log_softmax(xn.astype(np.float64)) if name == "cross_entropy" else xn.astype(np.float64)
            per = -logp[np.arange(n), t_np] if n else np.zeros(0)
        ref = per if reduction == "none" else (per.sum() if reduction == "sum" else
                                               (per.mean() if n else np.nan))
        if name == "cross_entropy" and np.isposinf(xn).any():
            # a +inf logit: PyTorch's log_softmax gives NaN, minidl's fused kernel may give +inf
            g, r = np.asarray(got.detach().numpy(), np.float64), np.asarray(ref)
            assert g.shape == r.shape and (np.isfinite(g) == np.isfinite(r)).all(), (g, r)
            continue
        assert_matches(got, np.asarray(ref), rtol=1e-4, atol=1e-5, what=name)


REGRESSION = {
    "mse_loss": lambda d: d ** 2, "l1_loss": np.abs,
    "smooth_l1_loss": lambda d: np.where(np.abs(d) < 1, 0.5 * d ** 2, np.abs(d) - 0.5),
    "huber_loss": lambda d: np.where(np.abs(d) <= 1, 0.5 * d ** 2, np.abs(d) - 0.5),
}


@scaled(50)
@given(st.sampled_from(sorted(REGRESSION)), tensors(dtypes=FLOAT_DTYPES, max_dims=3), st.data(),
       st.sampled_from(["mean", "sum", "none"]))
def test_regression_losses(name, xn_, data, reduction):
    x, xn = xn_
    same = data.draw(st.integers(0, 4))
    y, yn = data.draw(tensors(dtypes=[x.dtype], shape=xn.shape if same else data.draw(shapes(0, 3, 0, 3))))
    got = attempt(getattr(F, name), x, y, reduction=reduction, name=name)
    if yn.shape != xn.shape:
        return  # PyTorch broadcasts with a warning; minidl may do either: only "no crash" here
    assert not raised(got), f"{name} {xn.shape}: {got}"
    with np.errstate(all="ignore"):
        per = REGRESSION[name](xn.astype(np.float64) - yn)
        ref = per if reduction == "none" else (per.sum() if reduction == "sum" else
                                               (per.mean() if per.size else np.nan))
    assert_matches(got, np.asarray(ref), rtol=1e-4, atol=1e-5, what=name)


@scaled(40)
@given(tensors(dtypes=FLOAT_DTYPES, max_dims=2, low=-0.5, high=1.5), st.data(),
       st.sampled_from(["binary_cross_entropy", "binary_cross_entropy_with_logits"]))
def test_binary_losses(xn_, data, name):
    x, xn = xn_
    y, yn = data.draw(tensors(dtypes=[x.dtype], shape=xn.shape, low=0, high=1))
    got = attempt(getattr(F, name), x, y, name=name)
    if raised(got):
        bad = name == "binary_cross_entropy" and (np.isnan(xn).any() or (xn < 0).any() or (xn > 1).any())
        assert bad, f"{name} {xn.shape}: {got}"
        return
    assert tuple(got.shape) == ()


@scaled(60)
@given(st.sampled_from(["linear", "leaky_relu", "elu", "softplus", "hardtanh", "gelu", "dropout",
                        "batch_norm", "layer_norm", "cross_entropy", "nll_loss", "mse_loss", "kl_div",
                        "multi_margin_loss", "triplet_margin_loss", "focal_loss", "sigmoid_focal_loss",
                        "contrastive_loss", "prelu", "huber_loss"]),
       tensors(dtypes=DTYPES, max_dims=3), junk(), st.integers(0, 3))
def test_junk_arguments(name, xn_, bad, where):
    x, _ = xn_
    fn = getattr(F, name)
    other = x
    args = [x, other, other, other][: {"linear": 2, "batch_norm": 3, "layer_norm": 2, "dropout": 1,
                                        "triplet_margin_loss": 3, "contrastive_loss": 3}.get(name, 2)]
    if name in ("leaky_relu", "elu", "softplus", "hardtanh", "gelu"):
        args = [x]
    pos = where % (len(args) + 1)
    if pos < len(args):
        args[pos] = bad
        attempt(fn, *args, name=f"{name}(junk at {pos})")
    else:
        kw = {"leaky_relu": "negative_slope", "elu": "alpha", "softplus": "beta", "hardtanh": "min_val",
              "gelu": "approximate", "dropout": "p", "batch_norm": "momentum", "layer_norm": "eps",
              "linear": "bias", "prelu": "weight"}.get(name, "reduction")
        attempt(fn, *args, **{kw: bad}, name=f"{name}({kw}=junk)")


@scaled(40)
@given(tensors(dtypes=FLOAT_DTYPES, max_dims=3), st.one_of(st.floats(-1, 2), st.sampled_from([float("nan")])),
       st.booleans())
def test_dropout_probability(xn_, p, training):
    x, xn = xn_
    got = attempt(F.dropout, x, p, training)
    if not (0 <= p <= 1):
        assert raised(got), f"dropout(p={p}) accepted"
        return
    assert not raised(got), got
    assert tuple(got.shape) == xn.shape


@scaled(40)
@given(tensors(dtypes=FLOAT_DTYPES, min_dims=0, max_dims=4), st.data())
def test_norm_layers(xn_, data):
    x, xn = xn_
    nd = xn.ndim
    k = data.draw(st.integers(0, nd + 1))
    normalized = tuple(xn.shape[nd - k:]) if k <= nd else (3,) * k
    if data.draw(st.integers(0, 5)) == 0:
        normalized = tuple(data.draw(st.lists(ints(), max_size=3)))
    got = attempt(F.layer_norm, x, normalized, name="layer_norm")
    ok = 0 < len(normalized) <= nd and tuple(xn.shape[nd - len(normalized):]) == normalized
    if not ok:
        assert raised(got), f"layer_norm {xn.shape} normalized {normalized}: gave {got!r}"
    elif not raised(got) and not (xn.dtype == np.float32 and (np.abs(xn) > 1e18).any()):
        # (float32 squares of 1e30 overflow: PyTorch gives NaN there, minidl 0; both say "bad input")
        axes = tuple(range(nd - len(normalized), nd))
        with np.errstate(all="ignore"):
            x64 = xn.astype(np.float64)
            mu = x64.mean(axis=axes, keepdims=True)
            ref = (x64 - mu) / np.sqrt(((x64 - mu) ** 2).mean(axis=axes, keepdims=True) + 1e-5)
        assert_matches(got, ref, rtol=1e-3, atol=1e-3, what="layer_norm")
    c = xn.shape[1] if nd >= 2 else data.draw(st.integers(0, 3))
    rm, rv = minidl.zeros(c, dtype=x.dtype), minidl.ones(c, dtype=x.dtype)
    attempt(F.batch_norm, x, rm, rv, training=data.draw(st.booleans()), name="batch_norm")


MODULES = {
    "Linear": lambda a, b: nn.Linear(a, b), "BatchNorm1d": lambda a, b: nn.BatchNorm1d(a),
    "LayerNorm": lambda a, b: nn.LayerNorm(a), "Dropout": lambda a, b: nn.Dropout(a),
    "PReLU": lambda a, b: nn.PReLU(a), "Flatten": lambda a, b: nn.Flatten(a, b),
    "Softmax": lambda a, b: nn.Softmax(a), "LeakyReLU": lambda a, b: nn.LeakyReLU(a),
}


@scaled(60)
@given(st.sampled_from(sorted(MODULES)), st.one_of(ints(), st.sampled_from(JUNK)),
       st.one_of(ints(), st.sampled_from(JUNK)))
def test_module_constructors(name, a, b):
    sizes = [x for x in ((a, b) if name == "Linear" else (a,)) if isinstance(x, int) and not isinstance(x, bool)
             and x > 0]
    assume(not 2 ** 24 < np.prod(sizes, dtype=object) < 2 ** 46)  # valid but too big to allocate here
    got = attempt(MODULES[name], a, b, name=f"nn.{name}({a!r}, {b!r})")
    if raised(got):
        return
    if name in ("Linear", "BatchNorm1d", "PReLU", "LayerNorm"):
        n = sum(p.numel() for p in got.parameters())
        assert n < 2 ** 26, f"nn.{name}({a!r}, {b!r}) made {n} parameters"
