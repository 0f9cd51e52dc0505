"""Fuzz: optimizers (constructors with any hyper-parameters, steps on odd parameters and NaN/Inf
gradients), TensorDataset/DataLoader with any sizes, metrics on random inputs, and save/load of
random tensors and of randomly damaged files; all either work or raise an allowed exception."""
import io
import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minidl
from minidl import metrics, optim
from minidl.utils.data import DataLoader, TensorDataset
from fuzz_strategies import (DTYPES, FLOAT_DTYPES, JUNK, assert_matches, attempt, ints, np_of, raised, scaled,
                             shapes, tensors)

OPTIMIZERS = {
    "SGD": (optim.SGD, ["lr", "momentum", "dampening", "weight_decay", "nesterov"]),
    "Adam": (optim.Adam, ["lr", "betas", "eps", "weight_decay", "amsgrad"]),
    "AdamW": (optim.AdamW, ["lr", "betas", "eps", "weight_decay", "amsgrad"]),
    "NAdam": (optim.NAdam, ["lr", "betas", "eps", "weight_decay"]),
    "RMSprop": (optim.RMSprop, ["lr", "alpha", "eps", "weight_decay", "momentum", "centered"]),
    "Adagrad": (optim.Adagrad, ["lr", "lr_decay", "weight_decay", "eps"]),
    "Adadelta": (optim.Adadelta, ["lr", "rho", "eps", "weight_decay"]),
}

HYPER = st.one_of(st.floats(-1, 2), st.sampled_from([0.0, float("nan"), float("inf"), -1e-9, 1e300]),
                  st.sampled_from(JUNK), st.tuples(st.floats(-1, 2), st.floats(-1, 2)))


@scaled(80)
@given(st.sampled_from(sorted(OPTIMIZERS)), st.data(), tensors(dtypes=FLOAT_DTYPES, max_dims=3),
       st.integers(0, 3))
def test_optimizer_constructors_and_steps(name, data, pn_, nsteps):
    cls, names = OPTIMIZERS[name]
    kw = {k: data.draw(HYPER) for k in data.draw(st.lists(st.sampled_from(names), unique=True, max_size=3))}
    if "nesterov" in kw and data.draw(st.booleans()):
        kw["nesterov"] = data.draw(st.booleans())
    p, pn = pn_
    p = minidl.nn.Parameter(p)
    opt = attempt(cls, [p], **kw, name=f"{name}({kw!r})")
    if raised(opt):
        return
    for _ in range(nsteps):
        g, _ = data.draw(tensors(dtypes=[p.dtype] if data.draw(st.integers(0, 5)) else DTYPES,
                                 shape=pn.shape if data.draw(st.integers(0, 5)) else data.draw(shapes(0, 2))))
        p.grad = g if g.dtype == p.dtype and tuple(g.shape) == pn.shape else None
        if p.grad is None and data.draw(st.booleans()):
            attempt(setattr, p, "grad", g, name="p.grad = mismatched")
        r = attempt(opt.step, name=f"{name}.step")
        assert not raised(r) or p.grad is not None, f"{name}.step with no grad raised {r}"
        attempt(opt.zero_grad, name="zero_grad")
    sd = attempt(opt.state_dict)
    assert not raised(sd)
    opt2 = cls([minidl.nn.Parameter(minidl.zeros_like(p.detach()))], **kw)
    assert not raised(attempt(opt2.load_state_dict, sd, name="load_state_dict"))


@scaled(40)
@given(st.sampled_from(sorted(OPTIMIZERS)), st.sampled_from(JUNK + [[], [[]], [{}], [{"params": 1}],
                                                                    [{"params": [], "lr": 0.1}]]))
def test_optimizer_junk_params(name, params):
    attempt(OPTIMIZERS[name][0], params, name=f"{name}(params=junk)")


@scaled(60)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=3), st.data(),
       st.one_of(ints(), st.sampled_from(JUNK)), st.booleans(), st.booleans())
def test_dataloader(lengths, data, batch_size, shuffle, drop_last):
    n = lengths[0]
    if data.draw(st.integers(0, 4)):
        lengths = [n] * len(lengths)
    items = [data.draw(tensors(shape=(m,) + data.draw(shapes(0, 2, 0, 3)))) for m in lengths]
    ds = attempt(TensorDataset, *[t for t, _ in items])
    if raised(ds):
        assert len(set(lengths)) > 1, ds
        return
    assert len(set(lengths)) == 1, "TensorDataset took tensors of different lengths"
    dl = attempt(DataLoader, ds, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, seed=0,
                 name=f"DataLoader(batch_size={batch_size!r})")
    if raised(dl):
        return
    assert batch_size is None or (isinstance(batch_size, int) and batch_size >= 1), \
        f"DataLoader took batch_size={batch_size!r}"
    batches = attempt(list, dl, name="iterate")
    assert not raised(batches), batches
    if batch_size is None:
        return  # PyTorch: no batching, one sample at a time
    seen = sum(int(b[0].shape[0]) for b in batches)
    assert seen == (n - n % batch_size if drop_last else n)
    if not shuffle and batches:
        got = np.concatenate([np_of(b[0]) for b in batches]) if seen else None
        if got is not None:
            np.testing.assert_array_equal(got, items[0][1][:seen])
    assert len(dl) == len(batches)


METRICS = ["accuracy", "confusion_matrix", "precision", "recall", "f1_score", "roc_auc_score", "roc_curve",
           "mean_squared_error", "mean_absolute_error", "r2_score", "top_k_accuracy", "perplexity"]


@scaled(60)
@given(st.sampled_from(METRICS), tensors(max_dims=2, max_side=5, low=0, high=2), st.data())
def test_metrics(name, xn_, data):
    x, xn = xn_
    tshape = (xn.shape[0],) if xn.ndim and data.draw(st.integers(0, 3)) else data.draw(shapes(0, 2, 0, 5))
    t, tn = data.draw(tensors(shape=tshape, dtypes=[minidl.int64, minidl.float32], low=0, high=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = attempt(getattr(metrics, name), x, t, name=name)
    if raised(got) or name != "mean_squared_error":
        return
    if xn.shape == tn.shape and xn.dtype.kind == "f" and xn.size:
        with np.errstate(all="ignore"):
            ref = np.mean((xn.astype(np.float64) - tn) ** 2, axis=0).mean()
        if np.isfinite(ref):
            assert abs(got - ref) <= 1e-4 * max(1, abs(ref)), (got, ref)


@scaled(40)
@given(tensors(layouts=("contiguous", "strided", "transposed", "offset", "zero_stride")))
def test_save_load_round_trip_bitwise(tn_):
    t, tn = tn_
    buf = io.BytesIO()
    assert not raised(attempt(minidl.save, {"t": t, "n": [1, 2.5]}, buf))
    buf.seek(0)
    got = attempt(minidl.load, buf)
    assert not raised(got), got
    back = np_of(got["t"])
    assert back.dtype == tn.dtype and back.shape == tn.shape
    assert np.ascontiguousarray(back).tobytes() == np.ascontiguousarray(tn).tobytes()


@st.composite
def damaged(draw):
    t, _ = draw(tensors(max_dims=2))
    buf = io.BytesIO()
    minidl.save({"w": t, "x": [1, "a"]}, buf)
    raw = bytearray(buf.getvalue())
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return bytes(raw[:draw(st.integers(0, len(raw)))])
    if kind == 1:
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)
    if kind == 2:
        pos = draw(st.integers(0, len(raw)))
        return bytes(raw[:pos]) + draw(st.binary(max_size=64)) + bytes(raw[pos:])
    return draw(st.binary(max_size=200))


@scaled(80)
@given(damaged())
def test_load_damaged_files(raw):
    got = attempt(minidl.load, io.BytesIO(raw), name="load(damaged)")
    if raised(got):
        assert isinstance(got.exc, ValueError), f"load of a damaged file raised {type(got.exc).__name__}: {got.exc}"
