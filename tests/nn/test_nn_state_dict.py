"""state_dict / load_state_dict: keys, values, round trips, mismatch errors that change nothing,
NumPy values, and (when torch is installed) exchange with the equivalent PyTorch model."""
from collections import OrderedDict

import numpy as np
import pytest

import minidl
from minidl import nn


class Affine(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(minidl.randn(n_out, n_in))
        self.bias = nn.Parameter(minidl.randn(n_out))


class Stats(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.register_buffer("running_mean", minidl.randn(n))
        self.register_buffer("num_batches_tracked", minidl.zeros((), dtype=minidl.int64))
        self.register_buffer("cache", minidl.zeros(n), persistent=False)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Affine(4, 3)
        self.bn = Stats(3)
        self.seq = nn.Sequential(Affine(3, 3), Affine(3, 2))


def values(sd):
    return {k: v.detach().numpy().copy() for k, v in sd.items()}


def test_keys_order_and_detached_values():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    assert list(sd) == ["fc1.weight", "fc1.bias", "bn.running_mean", "bn.num_batches_tracked",
                        "seq.0.weight", "seq.0.bias", "seq.1.weight", "seq.1.bias"]
    assert "bn.cache" not in sd  # non-persistent buffer
    w = sd["fc1.weight"]
    assert not w.requires_grad and w.grad_fn is None and not isinstance(w, nn.Parameter)
    assert w.data_ptr() == net.fc1.weight.data_ptr()  # shares memory, as PyTorch's
    assert sd["bn.num_batches_tracked"].dtype == minidl.int64
    kv = net.state_dict(keep_vars=True)
    assert kv["fc1.weight"] is net.fc1.weight
    assert list(net.state_dict(prefix="model."))[0] == "model.fc1.weight"


def test_round_trip_between_two_models():
    minidl.manual_seed(0)
    a = Net()
    b = Net()
    before_b = values(b.state_dict())
    sd = a.state_dict()
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for k, v in values(sd).items():
        np.testing.assert_array_equal(values(b.state_dict())[k], v)
    assert any(not np.array_equal(before_b[k], v) for k, v in values(sd).items())
    # copied in place: b keeps its own Parameter objects and memory
    assert b.fc1.weight.data_ptr() != a.fc1.weight.data_ptr()
    assert isinstance(b.fc1.weight, nn.Parameter) and b.fc1.weight.requires_grad


def test_load_copies_values_not_references():
    a, b = Net(), Net()
    b.load_state_dict(a.state_dict())
    with minidl.no_grad():
        a.fc1.weight.fill_(5.0)
    assert not np.any(b.fc1.weight.detach().numpy() == 5.0)


def test_load_numpy_values_and_casting():
    net = Net()
    sd = {k: v.numpy().astype(np.float64) if v.is_floating_point() else v.numpy().astype(np.int32)
          for k, v in Net().state_dict().items()}
    sd["bn.num_batches_tracked"] = np.array(7)
    net.load_state_dict(sd)
    np.testing.assert_array_equal(net.fc1.weight.detach().numpy(), sd["fc1.weight"].astype(np.float32))
    assert net.fc1.weight.dtype == minidl.float32
    assert int(net.bn.num_batches_tracked) == 7 and net.bn.num_batches_tracked.dtype == minidl.int64


def test_mismatch_lists_every_problem_and_changes_nothing():
    net = Net()
    before = values(net.state_dict())
    sd = values(Net().state_dict())
    del sd["fc1.bias"]
    del sd["seq.1.weight"]
    sd["extra.weight"] = np.zeros(2, np.float32)
    sd["fc1.weight"] = np.zeros((3, 5), np.float32)  # wrong shape
    sd["bn.running_mean"] = np.zeros(4, np.float32)  # wrong shape
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert msg.startswith("Error(s) in loading state_dict for Net:")
    assert 'Missing key(s) in state_dict: "fc1.bias", "seq.1.weight".' in msg
    assert 'Unexpected key(s) in state_dict: "extra.weight".' in msg
    assert ("size mismatch for fc1.weight: copying a param with shape (3, 5) from checkpoint, "
            "the shape in current model is (3, 4).") in msg
    assert "size mismatch for bn.running_mean" in msg
    after = values(net.state_dict())
    for k in before:  # nothing was copied, not even the keys that matched
        np.testing.assert_array_equal(after[k], before[k])


def test_strict_false_returns_keys_but_still_refuses_shapes():
    net = Net()
    sd = values(Net().state_dict())
    del sd["seq.0.bias"]
    sd["junk"] = np.zeros(1, np.float32)
    res = net.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["seq.0.bias"] and res.unexpected_keys == ["junk"]
    assert res == (["seq.0.bias"], ["junk"])  # a NamedTuple
    np.testing.assert_array_equal(net.seq[1].weight.detach().numpy(), sd["seq.1.weight"])
    sd["fc1.weight"] = np.zeros((1, 1), np.float32)
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        net.load_state_dict(sd, strict=False)


def test_bad_values():
    net = Net()
    sd = values(net.state_dict())
    sd["fc1.bias"] = "hello"
    with pytest.raises(RuntimeError, match='While copying the parameter named "fc1.bias"'):
        net.load_state_dict(sd)
    sd = values(net.state_dict())
    sd["bn.num_batches_tracked"] = np.array(1.5)
    with pytest.raises(RuntimeError, match="dtype mismatch for bn.num_batches_tracked"):
        net.load_state_dict(sd)
    with pytest.raises(TypeError, match="dict-like"):
        net.load_state_dict([1, 2])


def test_load_does_not_record_a_graph():
    net = Net()
    net.load_state_dict(Net().state_dict())
    assert net.fc1.weight.is_leaf and net.fc1.weight.grad_fn is None


# ---- exchange with PyTorch -----------------------------------------------------------------------

def _torch_pair():
    torch = pytest.importorskip("torch")
    if not hasattr(nn.functional, "linear") or not hasattr(nn.functional, "batch_norm"):
        pytest.skip("minidl.nn.functional.linear / batch_norm not built yet")
    ours = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                                 torch.nn.Linear(8, 3))
    return torch, ours, theirs


def _construct_pair():
    """The same two models, built without running forward (needs no C++ layer kernels)."""
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(OrderedDict([("fc1", nn.Linear(4, 8)), ("bn", nn.BatchNorm1d(8)),
                                      ("act", nn.ReLU()), ("fc2", nn.Linear(8, 3, bias=False))]))
    tnn = torch.nn
    theirs = tnn.Sequential(OrderedDict([("fc1", tnn.Linear(4, 8)), ("bn", tnn.BatchNorm1d(8)),
                                         ("act", tnn.ReLU()), ("fc2", tnn.Linear(8, 3, bias=False))]))
    return torch, ours, theirs


def test_same_keys_shapes_and_dtypes_as_torch():
    torch, ours, theirs = _construct_pair()
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for k in a:
        assert tuple(a[k].shape) == tuple(b[k].shape), k
        assert a[k].numpy().dtype == b[k].numpy().dtype, k
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def test_minidl_state_dict_loads_into_torch_and_back():
    torch, ours, theirs = _construct_pair()
    with minidl.no_grad():
        ours.bn.running_mean.copy_(minidl.randn(8))
        ours.bn.num_batches_tracked.fill_(3)
    np_sd = {k: v.numpy() for k, v in ours.state_dict().items()}
    theirs.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in np_sd.items()})
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), np_sd[k])
    # and back: PyTorch's state dict as NumPy arrays loads into minidl
    fresh = _construct_pair()[1]
    fresh.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), np_sd[k])


def test_torch_state_dict_loads_directly():
    # torch tensors support __array__, so they load as they are
    torch, ours, theirs = _construct_pair()
    ours.load_state_dict(theirs.state_dict())
    np.testing.assert_array_equal(ours.fc1.weight.detach().numpy(), theirs.fc1.weight.detach().numpy())


def test_same_outputs_as_torch_after_loading():
    torch, ours, theirs = _torch_pair()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(minidl.from_numpy(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
