"""minidl.save / minidl.load: exact round trips, the documented format, and clear errors for
truncated, corrupted and foreign files."""
import io
import json
import math
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import minidl
from minidl import nn


def bits(t):
    """The raw bytes of a tensor's values (compares NaN payloads and -0.0 too)."""
    a = t.detach().numpy()
    return a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes()


def special_floats(dtype):
    a = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, 3.4e38, np.pi], dtype=dtype)
    if dtype == np.float64:
        a = np.append(a, [5e-324, 1.7976931348623157e308])
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tensor_round_trip_bitwise(tmp_path, dtype):
    a = np.random.default_rng(0).standard_normal((3, 5, 7)).astype(dtype)
    for t in [minidl.from_numpy(a), minidl.from_numpy(special_floats(dtype)),
              minidl.from_numpy(a.transpose(2, 0, 1)),  # non-contiguous
              minidl.from_numpy(a[::2, 1:, ::3]),        # sliced
              minidl.from_numpy(np.array(2.5, dtype=dtype)),  # 0-d
              minidl.from_numpy(np.zeros((0, 4), dtype=dtype))]:
        minidl.save(t, tmp_path / "t.pt")
        u = minidl.load(tmp_path / "t.pt")
        assert type(u) is minidl.Tensor and u.dtype == t.dtype and not u.requires_grad
        assert bits(u) == bits(t)


def test_int_and_bool_tensors(tmp_path):
    for a in [np.array([-(2 ** 63), 2 ** 63 - 1, 0, -1], dtype=np.int64), np.array([[True, False]])]:
        minidl.save(minidl.from_numpy(a), tmp_path / "t.pt")
        np.testing.assert_array_equal(minidl.load(tmp_path / "t.pt").numpy(), a)
        assert minidl.load(tmp_path / "t.pt").numpy().dtype == a.dtype


def test_loaded_tensor_owns_writable_memory(tmp_path):
    minidl.save(minidl.ones(3), tmp_path / "t.pt")
    t = minidl.load(tmp_path / "t.pt")
    t.add_(1.0)
    np.testing.assert_array_equal(t.numpy(), [2.0, 2.0, 2.0])


def test_requires_grad_and_parameters_survive(tmp_path):
    p = nn.Parameter(minidl.randn(2, 2))
    t = minidl.randn(3, requires_grad=True)
    f = nn.Parameter(minidl.randn(1), requires_grad=False)
    minidl.save({"p": p, "t": t, "f": f}, tmp_path / "x.pt")
    d = minidl.load(tmp_path / "x.pt")
    assert isinstance(d["p"], nn.Parameter) and d["p"].requires_grad
    assert type(d["t"]) is minidl.Tensor and d["t"].requires_grad and d["t"].is_leaf
    assert isinstance(d["f"], nn.Parameter) and not d["f"].requires_grad
    assert bits(d["p"]) == bits(p) and bits(d["t"]) == bits(t)


def test_state_dict_round_trip_and_load(tmp_path):
    net = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    with minidl.no_grad():
        net[1].num_batches_tracked.fill_(11)
        net[1].running_var.copy_(minidl.rand(3))
    sd = net.state_dict()
    minidl.save(sd, tmp_path / "net.pt")
    loaded = minidl.load(tmp_path / "net.pt")
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(sd)
    for k in sd:
        assert bits(loaded[k]) == bits(sd[k]), k
    other = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Linear(3, 2))
    other.load_state_dict(loaded)
    for k, v in other.state_dict().items():
        assert bits(v) == bits(sd[k])


def test_nested_structures_and_plain_values(tmp_path):
    w = minidl.randn(4)
    obj = {
        "state": {0: {"step": 3, "exp_avg": w, "flag": True}, 1: {"step": 3, "exp_avg": minidl.zeros(2)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0, 1], "name": None}],
        "floats": [float("nan"), float("inf"), -0.0, 0.1, 1 / 3, 2 ** 70],
        "text": "héllo ✓",
        "array": np.arange(6, dtype=np.float64).reshape(2, 3),
        "dtype": minidl.float64,
        "np_scalar": np.float32(0.5),
        "ordered": OrderedDict([("b", 1), ("a", 2)]),
        "empty": {}, "empty_list": [], "empty_tuple": (),
        3.5: "float key", None: "none key", False: "bool key",
    }
    minidl.save(obj, tmp_path / "o.pt")
    got = minidl.load(tmp_path / "o.pt")
    assert type(got) is dict and list(got) == list(obj)
    assert got["state"][0]["step"] == 3 and got["state"][0]["flag"] is True
    assert bits(got["state"][0]["exp_avg"]) == bits(w)
    betas = got["param_groups"][0]["betas"]
    assert betas == (0.9, 0.999) and isinstance(betas, tuple)
    assert got["param_groups"][0]["eps"] == 1e-8 and got["param_groups"][0]["name"] is None
    fl = got["floats"]
    assert math.isnan(fl[0]) and fl[1] == math.inf and math.copysign(1, fl[2]) == -1
    assert fl[3] == 0.1 and fl[4] == 1 / 3 and fl[5] == 2 ** 70 and type(fl[5]) is int
    assert got["text"] == "héllo ✓"
    assert isinstance(got["array"], np.ndarray) and np.array_equal(got["array"], obj["array"])
    assert got["dtype"] == minidl.float64
    assert got["np_scalar"] == 0.5 and type(got["np_scalar"]) is float
    assert type(got["ordered"]) is OrderedDict and list(got["ordered"]) == ["b", "a"]
    assert got["empty"] == {} and got["empty_list"] == [] and got["empty_tuple"] == ()
    assert got[3.5] == "float key" and got[None] == "none key" and got[False] == "bool key"


def test_shared_tensor_stored_once_and_loaded_once(tmp_path):
    t = minidl.randn(100)
    minidl.save({"a": t, "b": [t, t]}, tmp_path / "s.pt")
    with zipfile.ZipFile(tmp_path / "s.pt") as zf:
        assert sorted(n for n in zf.namelist() if n.startswith("arrays/")) == ["arrays/0.npy"]
    got = minidl.load(tmp_path / "s.pt")
    assert got["a"] is got["b"][0] is got["b"][1]


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    minidl.save([minidl.ones(2)], buf)
    buf.seek(0)
    np.testing.assert_array_equal(minidl.load(buf)[0].numpy(), [1.0, 1.0])
    minidl.save(minidl.ones(1), str(tmp_path / "str_path.pt"))
    assert minidl.load(str(tmp_path / "str_path.pt")).shape == (1,)


def test_format_is_the_documented_one(tmp_path):
    minidl.save(OrderedDict([("w", minidl.from_numpy(np.eye(2)))]), tmp_path / "f.pt")
    with zipfile.ZipFile(tmp_path / "f.pt") as zf:
        manifest = json.loads(zf.read("minidl.json"))
    assert manifest["format"] == "minidl" and manifest["version"] == 1
    assert manifest["arrays"] == [{"kind": "tensor", "dtype": "float64", "shape": [2, 2],
                                   "requires_grad": False, "parameter": False}]
    assert manifest["root"] == {"dict": [[{"str": "w"}, {"tensor": 0}]], "ordered": True}
    # readable by NumPy without pickle
    with np.load(tmp_path / "f.pt", allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["arrays/0"], np.eye(2))


def test_unsupported_objects_are_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "bad.pt"
    with pytest.raises(TypeError, match=r"cannot store a Linear \(at obj\['model'\]\).*state_dict"):
        minidl.save({"model": nn.Linear(2, 2)}, path)
    with pytest.raises(TypeError, match="cannot store a set"):
        minidl.save([{1, 2}], path)
    with pytest.raises(TypeError, match="dict keys must be"):
        minidl.save({(1, 2): 3}, path)
    with pytest.raises(TypeError, match="dtype complex128"):
        minidl.save(np.zeros(2, complex), path)
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="reference cycle"):
        minidl.save(loop, path)
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "keep.pt"
    minidl.save(minidl.ones(2), path)
    with pytest.raises(TypeError):
        minidl.save(object(), path)
    np.testing.assert_array_equal(minidl.load(path).numpy(), [1.0, 1.0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.pt"]


# ---- bad files -----------------------------------------------------------------------------------

@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.pt"
    minidl.save({"w": minidl.from_numpy(np.arange(64, dtype=np.float64)), "n": 3}, path)
    return path


def test_truncated_file(good_file, tmp_path):
    data = good_file.read_bytes()
    for cut in [0, 10, len(data) // 2, len(data) - 10]:
        p = tmp_path / f"cut{cut}.pt"
        p.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="not a minidl file|truncated|corrupted"):
            minidl.load(p)


def test_corrupted_array_bytes_fail_the_crc(good_file, tmp_path):
    data = bytearray(good_file.read_bytes())
    with zipfile.ZipFile(good_file) as zf:
        info = zf.getinfo("arrays/0.npy")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 200
    data[start] ^= 0xFF
    p = tmp_path / "flip.pt"
    p.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="arrays/0.npy is corrupted or truncated"):
        minidl.load(p)


def _rewrite(src, dst, replace):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = replace.get(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)


def test_bad_manifests(good_file, tmp_path):
    manifest = json.loads(zipfile.ZipFile(good_file).read("minidl.json"))
    cases = {
        "no manifest": ({"minidl.json": None}, "no minidl.json manifest"),
        "not json": ({"minidl.json": b"{not json"}, "corrupted manifest"),
        "other format": ({"minidl.json": json.dumps({**manifest, "format": "other"})}, "manifest format"),
        "newer": ({"minidl.json": json.dumps({**manifest, "version": 99})}, "version 99 is not supported"),
        "bad node": ({"minidl.json": json.dumps({**manifest, "root": {"what": 1}})}, "bad node"),
        "bad ref": ({"minidl.json": json.dumps({**manifest, "root": {"tensor": 5}})}, "out of range"),
        "missing array": ({"arrays/0.npy": None}, "arrays/0.npy is missing"),
        "wrong shape": ({"minidl.json": json.dumps(
            {**manifest, "arrays": [{**manifest["arrays"][0], "shape": [8, 8]}]})}, "but the manifest says"),
    }
    for name, (replace, match) in cases.items():
        p = tmp_path / f"{name}.pt"
        _rewrite(good_file, p, replace)
        with pytest.raises(ValueError, match=match):
            minidl.load(p)


def test_pickled_npy_is_refused(good_file, tmp_path):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    p = tmp_path / "pickle.pt"
    _rewrite(good_file, p, {"arrays/0.npy": buf.getvalue()})
    with pytest.raises(ValueError, match="corrupted"):
        minidl.load(p)


def test_foreign_files(tmp_path):
    p = tmp_path / "text.pt"
    p.write_text("hello")
    with pytest.raises(ValueError, match="not a minidl file"):
        minidl.load(p)
    p = tmp_path / "plain.npz"
    np.savez(p, a=np.zeros(2))
    with pytest.raises(ValueError, match="no minidl.json manifest"):
        minidl.load(p)
    with pytest.raises(FileNotFoundError):
        minidl.load(tmp_path / "missing.pt")


def test_torch_file_gets_a_helpful_message(tmp_path):
    torch = pytest.importorskip("torch")
    p = tmp_path / "torch.pt"
    torch.save({"w": torch.zeros(2)}, p)
    with pytest.raises(ValueError, match="looks like a PyTorch file"):
        minidl.load(p)


def test_map_location():
    buf = io.BytesIO()
    minidl.save(minidl.ones(1), buf)
    buf.seek(0)
    assert minidl.load(buf, map_location="cpu").shape == (1,)
    with pytest.raises(ValueError, match="CPU only"):
        minidl.load(buf, map_location="cuda:0")
