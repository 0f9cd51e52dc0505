"""Save and load, the gaps tests/nn/test_nn_serialization.py leaves: bitwise round trips of every
dtype in every layout, optimizer state dicts that resume training bit for bit, files whose .npy
headers lie about their size, and failed load_state_dict calls that leave model and optimizer as
they were."""
import io
import json
import zipfile

import numpy as np
import pytest

import minidl
from minidl import nn, optim


def raw(t):
    a = t.detach().numpy()
    return a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes()


def layouts(a):
    """``a`` (>= 2-d) as contiguous, transposed, strided, offset and broadcast (zero-stride) views."""
    big = np.zeros((2 * a.shape[0] + 1,) + a.shape[1:], dtype=a.dtype)
    big[1::2] = a
    flat = np.zeros(a.size + 5, dtype=a.dtype)
    flat[5:] = a.ravel()
    zero_stride = np.lib.stride_tricks.as_strided(a[:1].copy(), a.shape, (0,) + a.strides[1:], writeable=True)
    return [a, a.T, big[1::2], flat[5:].reshape(a.shape), zero_stride, np.array(a[0, 0]), a[:0]]


def values(dtype):
    rng = np.random.default_rng(0)
    if dtype == np.bool_:
        return rng.random((4, 6)) < 0.5
    if dtype == np.int64:
        a = rng.integers(-2 ** 62, 2 ** 62, size=(4, 6), dtype=np.int64)
        a[0, :3] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0]
        return a
    a = rng.standard_normal((4, 6)).astype(dtype)
    a[0, :6] = [np.nan, -np.nan, np.inf, -np.inf, -0.0, np.finfo(dtype).tiny / 4]  # specials, subnormal
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_every_dtype_and_layout_round_trips_bitwise(tmp_path, dtype):
    for i, a in enumerate(layouts(values(dtype))):
        t = minidl.from_numpy(a)
        minidl.save({"t": t, "list": [t.detach()]}, tmp_path / "x.pt")
        got = minidl.load(tmp_path / "x.pt")
        assert raw(got["t"]) == raw(t), f"layout {i}"
        assert got["t"].is_contiguous() and got["t"].dtype == t.dtype


def test_nan_payloads_survive(tmp_path):
    a = np.array([0x7FC00001, 0xFFC12345, 0x7F800001], dtype=np.uint32).view(np.float32)
    minidl.save(minidl.from_numpy(a), tmp_path / "n.pt")
    # quiet and signalling NaNs with payloads, bit for bit
    got = minidl.load(tmp_path / "n.pt").numpy().view(np.uint32)
    assert got.tolist() == [0x7FC00001, 0xFFC12345, 0x7F800001]


def _train(model, opt, steps, seed):
    gen = np.random.default_rng(seed)
    for _ in range(steps):
        x = minidl.from_numpy(gen.standard_normal((8, 3)).astype(np.float32))
        y = minidl.from_numpy(gen.standard_normal((8, 2)).astype(np.float32))
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()


OPTIMIZERS = [
    lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
    lambda p: optim.AdamW(p, lr=0.01),
    lambda p: optim.NAdam(p, lr=0.01),
    lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    lambda p: optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    lambda p: optim.Adadelta(p, lr=1.0),
]


@pytest.mark.parametrize("make_opt", OPTIMIZERS)
def test_optimizer_state_dict_round_trip_resumes_bit_for_bit(tmp_path, make_opt):
    minidl.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = make_opt(model.parameters())
    _train(model, opt, 3, seed=1)
    minidl.save({"model": model.state_dict(), "opt": opt.state_dict()}, tmp_path / "ckpt.pt")

    saved = opt.state_dict()
    ck = minidl.load(tmp_path / "ckpt.pt")
    for k, s in saved["state"].items():
        for name, v in s.items():
            w = ck["opt"]["state"][k][name]
            assert (raw(w) == raw(v)) if isinstance(v, minidl.Tensor) else (w == v), (k, name)
    assert ck["opt"]["param_groups"] == saved["param_groups"]

    model2 = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    model2.load_state_dict(ck["model"])
    opt2 = make_opt(model2.parameters())
    opt2.load_state_dict(ck["opt"])
    _train(model, opt, 3, seed=2)
    _train(model2, opt2, 3, seed=2)
    for (k, a), b in zip(model.state_dict().items(), model2.state_dict().values()):
        assert raw(a) == raw(b), k


# ---- lying files -----------------------------------------------------------------------------

def _replace_member(src, dst, name, data):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for n in zin.namelist():
            zout.writestr(n, data if n == name else zin.read(n))


def _npy_header(shape, descr="<f8"):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


@pytest.mark.parametrize("shape", [(2 ** 40,), (2 ** 31, 2 ** 31), (2 ** 62, 4), (-1,)])
def test_npy_header_claiming_a_huge_array_is_refused_without_allocating(tmp_path, shape):
    good = tmp_path / "good.pt"
    minidl.save(minidl.zeros(4, dtype=minidl.float64), good)
    bad = tmp_path / "huge.pt"
    _replace_member(good, bad, "arrays/0.npy", _npy_header(shape) + b"\0" * 32)
    with pytest.raises(ValueError, match="arrays/0.npy"):
        minidl.load(bad)


def test_manifest_that_lies_about_dtype(tmp_path):
    good = tmp_path / "good.pt"
    minidl.save(minidl.zeros(4, dtype=minidl.float64), good)
    manifest = json.loads(zipfile.ZipFile(good).read("minidl.json"))
    manifest["arrays"][0]["dtype"] = "float32"
    bad = tmp_path / "dtype.pt"
    _replace_member(good, bad, "minidl.json", json.dumps(manifest).encode())
    with pytest.raises(ValueError, match="float64.*manifest says float32"):
        minidl.load(bad)


_HEAD = b'{"format": "minidl", "version": 1, '


@pytest.mark.parametrize("manifest", [
    b"\xff\xfe not utf-8", b"[]", b'{"format": "minidl", "version": true}',
    _HEAD + b'"arrays": {}, "root": {}}',
    _HEAD + b'"arrays": [], "root": ' + b'{"list": [' * 5000 + b"]}" * 5000 + b"}",  # nested too deeply
    _HEAD + b'"arrays": [], "root": {"dict": [[{"list": []}, {"int": 1}]]}}',  # an unhashable key
])
def test_odd_manifests(tmp_path, manifest):
    good = tmp_path / "good.pt"
    minidl.save([1], good)
    bad = tmp_path / "odd.pt"
    _replace_member(good, bad, "minidl.json", manifest)
    with pytest.raises(ValueError, match="odd.pt"):
        minidl.load(bad)


def test_every_single_byte_flip_is_an_error_or_the_same_data(tmp_path):
    buf = io.BytesIO()
    minidl.save({"w": minidl.from_numpy(np.arange(6, dtype=np.float32))}, buf)
    data = buf.getvalue()
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= 0x5A
        try:
            got = minidl.load(io.BytesIO(bytes(bad)))
        except ValueError:
            continue
        # the flip hit bytes nothing reads (zip metadata): the data must be intact
        assert raw(got["w"]) == raw(minidl.from_numpy(np.arange(6, dtype=np.float32))), pos


# ---- failed loads change nothing -----------------------------------------------------------------

def _snapshot(model):
    return {k: raw(v) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("bad", [
    {"0.weight": "not an array"}, {"0.weight": [[1, 2], [3]]}, {"0.weight": None},
    {"0.weight": np.zeros((4, 3), dtype=object)}, {"2.bias": minidl.zeros(3)},
    {"1.num_batches_tracked": minidl.tensor(1.5)}, {"0.weight": np.zeros((4, 3), dtype=np.complex64)},
])
def test_failed_load_state_dict_leaves_the_model_unchanged(bad):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    sd = {k: minidl.ones_like(v) if v.is_floating_point() else v + 1 for k, v in model.state_dict().items()}
    sd.update(bad)
    before = _snapshot(model)
    with pytest.raises((RuntimeError, TypeError, ValueError)):
        model.load_state_dict(sd)
    assert _snapshot(model) == before


def test_failed_optimizer_load_leaves_it_unchanged():
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters(), lr=0.01)
    _train(nn.Sequential(model), opt, 2, seed=0)
    before = opt.state_dict()
    snap = {k: {n: raw(v) if isinstance(v, minidl.Tensor) else v for n, v in s.items()}
            for k, s in before["state"].items()}
    groups = [dict(g) for g in before["param_groups"]]
    bad = {"state": {0: before["state"][0], 7: before["state"][1]}, "param_groups": before["param_groups"]}
    with pytest.raises(ValueError):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError):
        opt.load_state_dict({"state": {}, "param_groups": before["param_groups"] * 2})
    after = opt.state_dict()
    assert [dict(g) for g in after["param_groups"]] == groups
    assert {k: {n: raw(v) if isinstance(v, minidl.Tensor) else v for n, v in s.items()}
            for k, s in after["state"].items()} == snap
