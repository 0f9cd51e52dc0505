"""Sequential, ModuleList, ModuleDict, Identity, Flatten, Unflatten."""
from collections import OrderedDict

import numpy as np
import pytest

import minidl
from minidl import nn


class Scale(nn.Module):
    """``y = c * x`` with a learnable scalar ``c``: a tiny layer from existing ops."""

    def __init__(self, c):
        super().__init__()
        self.c = nn.Parameter(minidl.full((1,), float(c), dtype=minidl.float64))

    def forward(self, x):
        return x * self.c

    def extra_repr(self):
        return f"c={float(self.c.detach().numpy()[0])}"


def arr(*vals):
    return minidl.from_numpy(np.array(vals, dtype=np.float64))


# ---- Sequential --------------------------------------------------------------------------------

def test_sequential_chains_in_order():
    seq = nn.Sequential(Scale(2), Scale(-3), nn.Identity())
    np.testing.assert_array_equal(seq(arr(1.0, 2.0)).detach().numpy(), [-6.0, -12.0])
    assert len(seq) == 3
    assert [n for n, _ in seq.named_parameters()] == ["0.c", "1.c"]
    assert list(seq.state_dict()) == ["0.c", "1.c"]


def test_sequential_from_ordered_dict_keeps_names():
    seq = nn.Sequential(OrderedDict([("first", Scale(2)), ("act", nn.Identity()), ("last", Scale(5))]))
    assert list(seq.state_dict()) == ["first.c", "last.c"]
    assert seq.first is seq[0] and seq.last is seq[-1]
    np.testing.assert_array_equal(seq(arr(1.0)).detach().numpy(), [10.0])


def test_sequential_indexing_and_slicing():
    mods = [Scale(i) for i in range(5)]
    seq = nn.Sequential(*mods)
    assert seq[0] is mods[0] and seq[-1] is mods[4] and seq[-5] is mods[0]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        seq[5]  # noqa: B018
    with pytest.raises(IndexError, match="out of range"):
        seq[-6]  # noqa: B018
    sub = seq[1:4]
    assert isinstance(sub, nn.Sequential) and len(sub) == 3
    assert list(sub) == mods[1:4]
    assert [n for n, _ in sub.named_children()] == ["1", "2", "3"]  # PyTorch keeps the names
    assert list(seq[::-2]) == mods[::-2]
    np.testing.assert_array_equal(sub(arr(1.0)).detach().numpy(), [6.0])


def test_sequential_append_insert_delete_set():
    seq = nn.Sequential(Scale(1))
    assert seq.append(Scale(2)) is seq
    assert [n for n, _ in seq.named_children()] == ["0", "1"]
    seq.insert(0, Scale(3))
    assert [m.extra_repr() for m in seq] == ["c=3.0", "c=1.0", "c=2.0"]
    del seq[0]
    assert [n for n, _ in seq.named_children()] == ["0", "1"]  # renumbered
    assert [m.extra_repr() for m in seq] == ["c=1.0", "c=2.0"]
    seq[-1] = Scale(7)
    assert seq[1].extra_repr() == "c=7.0"
    p = seq.pop(0)
    assert p.extra_repr() == "c=1.0" and len(seq) == 1
    both = seq + nn.Sequential(Scale(4))
    assert len(both) == 2 and [n for n, _ in both.named_children()] == ["0", "1"]
    seq.extend([Scale(8), Scale(9)])
    assert len(seq) == 3
    with pytest.raises(TypeError, match="not a Module"):
        seq.append(3)


def test_sequential_repr():
    seq = nn.Sequential(Scale(1), nn.Sequential(nn.Identity()))
    assert repr(seq) == ("Sequential(\n  (0): Scale(c=1.0)\n  (1): Sequential(\n    (0): Identity()\n  )\n)")


# ---- ModuleList ---------------------------------------------------------------------------------

def test_module_list_registers_and_indexes():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([Scale(i + 1) for i in range(3)])
            self.hidden = [Scale(10)]  # a plain list hides its modules (the reason ModuleList exists)

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["layers.0.c", "layers.1.c", "layers.2.c"]
    np.testing.assert_array_equal(net(arr(1.0)).detach().numpy(), [6.0])
    ml = net.layers
    assert len(ml) == 3 and ml[-1] is ml[2]
    assert isinstance(ml[:2], nn.ModuleList) and len(ml[:2]) == 2
    ml.append(Scale(4))
    ml.extend([Scale(5)])
    ml += [Scale(6)]
    assert len(ml) == 6
    ml.insert(1, Scale(0))
    assert [m.extra_repr() for m in ml][:3] == ["c=1.0", "c=0.0", "c=2.0"]
    del ml[0]
    assert [n for n, _ in ml.named_children()] == [str(i) for i in range(6)]
    ml[0] = Scale(9)
    assert ml[0].extra_repr() == "c=9.0"
    assert ml.pop().extra_repr() == "c=6.0"
    with pytest.raises(IndexError):
        ml[10]  # noqa: B018
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(Scale(1))
    with pytest.raises(NotImplementedError):
        ml(arr(1.0))


def test_module_list_repr_compresses_repeats_like_pytorch():
    ml = nn.ModuleList([nn.Identity(), nn.Identity(), Scale(1), nn.Identity()])
    assert repr(ml) == ("ModuleList(\n  (0-1): 2 x Identity()\n  (2): Scale(c=1.0)\n  (3): Identity()\n)")
    assert repr(nn.ModuleList()) == "ModuleList()"


# ---- ModuleDict ---------------------------------------------------------------------------------

def test_module_dict():
    md = nn.ModuleDict({"b": Scale(1), "a": Scale(2)})
    assert list(md) == ["b", "a"] and list(md.keys()) == ["b", "a"]
    assert [n for n, _ in md.named_parameters()] == ["b.c", "a.c"]
    md["z"] = Scale(3)
    assert "z" in md and len(md) == 3 and md["z"] is md.z
    md.update([("y", Scale(4))])
    assert list(md.keys())[-1] == "y"
    assert md.pop("b").extra_repr() == "c=1.0" and "b" not in md
    del md["a"]
    assert [k for k, _ in md.items()] == ["z", "y"]
    assert all(isinstance(v, Scale) for v in md.values())
    with pytest.raises(ValueError, match="pair"):
        md.update([Scale(1)])
    with pytest.raises(KeyError):
        md["nope"]  # noqa: B018
    md.clear()
    assert len(md) == 0


# ---- Identity, Flatten, Unflatten ---------------------------------------------------------------

def test_identity_returns_its_input():
    x = minidl.zeros(2)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"


needs_flatten = pytest.mark.skipif(not hasattr(minidl.Tensor, "flatten"),
                                   reason="Tensor.flatten not built yet")
needs_reshape = pytest.mark.skipif(not hasattr(minidl.Tensor, "reshape"),
                                   reason="Tensor.reshape not built yet")


@needs_flatten
def test_flatten():
    a = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
    x = minidl.from_numpy(a)
    assert nn.Flatten()(x).shape == (2, 60)
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), a.reshape(2, 60))
    assert nn.Flatten(0, -1)(x).shape == (120,)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    # non-contiguous input
    xt = minidl.from_numpy(a.transpose(3, 2, 1, 0))
    np.testing.assert_array_equal(nn.Flatten()(xt).numpy(), a.transpose(3, 2, 1, 0).reshape(5, 24))


@needs_reshape
def test_unflatten():
    a = np.arange(2 * 12, dtype=np.float64).reshape(2, 12)
    x = minidl.from_numpy(a)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 4))(x).numpy(), a.reshape(2, 3, 4))
    np.testing.assert_array_equal(nn.Unflatten(-1, (2, -1, 3))(x).numpy(), a.reshape(2, 2, 2, 3))
    np.testing.assert_array_equal(nn.Unflatten(0, [2, 1])(x).numpy(), a.reshape(2, 1, 12))


def test_unflatten_bad_sizes():
    x = minidl.zeros(2, 12)
    with pytest.raises(ValueError, match=r"unflattened_size \(5, 2\) does not match the size 12 of dim 1"):
        nn.Unflatten(1, (5, 2))(x)
    with pytest.raises(ValueError, match="does not match"):
        nn.Unflatten(1, (-1, -1))(x)
    with pytest.raises(ValueError, match="does not match"):
        nn.Unflatten(1, (5, -1))(x)
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        nn.Unflatten(2, (3, 4))(x)
    with pytest.raises(TypeError, match="tuple or list"):
        nn.Unflatten(1, 12)


def test_flatten_unflatten_repr():
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (1, 28, 28))) == "Unflatten(dim=1, unflattened_size=(1, 28, 28))"
