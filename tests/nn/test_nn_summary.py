"""count_parameters and minidl.summary."""
import numpy as np
import pytest

import minidl
from minidl import nn
from minidl.nn.utils import count_parameters

has_linear = hasattr(nn.functional, "linear")


def mlp(*sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def test_count_parameters_of_the_notes_networks():
    assert count_parameters(mlp(784, 128, 10)) == 784 * 128 + 128 + 128 * 10 + 10 == 101_770  # note 000
    assert count_parameters(mlp(4, 8, 4, 1)) == 81  # note 004
    assert count_parameters(nn.Linear(3, 2, bias=False)) == 6
    assert count_parameters(nn.Sequential()) == 0


def test_count_parameters_trainable_only_and_shared():
    net = mlp(784, 128, 10)
    net[0].requires_grad_(False)
    assert count_parameters(net) == 101_770
    assert count_parameters(net, trainable_only=True) == 1_290
    shared = nn.Linear(5, 5)
    assert count_parameters(nn.Sequential(shared, nn.ReLU(), shared)) == 30
    # BatchNorm: weight and bias are parameters, running statistics are buffers
    assert count_parameters(nn.BatchNorm1d(8)) == 16


class Affine(nn.Module):
    """``x @ w + b`` with w stored (in, out), from existing ops."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.w = nn.Parameter(minidl.randn(n_in, n_out))
        self.b = nn.Parameter(minidl.zeros(n_out))

    def forward(self, x):
        return minidl.matmul(x, self.w) + self.b


class Relu(nn.Module):
    def forward(self, x):
        return minidl.relu(x)


class Net(nn.Module):
    """note 004's 4-8-4-1 network, with a nested block and a buffer."""

    def __init__(self):
        super().__init__()
        self.hidden = nn.Sequential(Affine(4, 8), Relu(), Affine(8, 4), Relu())
        self.out = Affine(4, 1)
        self.register_buffer("calls", minidl.zeros(()))

    def forward(self, x):
        if self.training:
            with minidl.no_grad():
                self.calls.add_(1.0)
        return self.out(self.hidden(x))


def test_summary_table(capsys):
    net = Net()
    s = minidl.summary(net, (2, 4))
    printed = capsys.readouterr().out
    assert printed.strip() == str(s).strip()
    assert s.total_params == 81 and s.trainable_params == 81 and s.non_trainable_params == 0
    assert s.rows == [
        ("", "Net", "[2, 1]", None),
        ("hidden", "Sequential", "[2, 4]", None),
        ("hidden.0", "Affine", "[2, 8]", 40),
        ("hidden.1", "Relu", "[2, 8]", 0),
        ("hidden.2", "Affine", "[2, 4]", 36),
        ("hidden.3", "Relu", "[2, 4]", 0),
        ("out", "Affine", "[2, 1]", 5),
    ]
    lines = str(s).splitlines()
    assert lines[1].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    assert lines[3].split() == ["Net", "[2,", "1]", "--"]
    assert lines[5].split() == ["hidden.0", "(Affine)", "[2,", "8]", "40"]
    assert {"Total params: 81", "Trainable params: 81", "Non-trainable params: 0"} <= set(lines)


def test_summary_leaves_the_model_and_generator_alone():
    net = Net()
    net.hidden.train(False)  # mixed modes must come back as they were
    modes = [m.training for m in net.modules()]
    minidl.manual_seed(3)
    expected_next = minidl.rand(4).numpy()
    minidl.manual_seed(3)
    minidl.summary(net, (1, 4), verbose=False)
    np.testing.assert_array_equal(minidl.rand(4).numpy(), expected_next)  # no random input drawn
    assert [m.training for m in net.modules()] == modes
    assert float(net.calls) == 0.0  # ran in eval mode
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())
    assert all(p.grad is None for p in net.parameters())


def test_summary_frozen_params_input_data_and_multiple_inputs(capsys):
    net = Net()
    net.out.requires_grad_(False)
    s = minidl.summary(net, input_data=minidl.zeros(3, 4), verbose=False)
    assert capsys.readouterr().out == ""
    assert s.trainable_params == 76 and s.non_trainable_params == 5
    assert "Non-trainable params: 5" in str(s)

    class Two(nn.Module):
        def forward(self, a, b):
            return (a + b, b)

    s = minidl.summary(Two(), [(2, 3), (1, 3)], verbose=False)
    assert s.rows == [("", "Two", "[[2, 3], [1, 3]]", 0)]


def test_summary_removes_hooks_when_forward_fails():
    net = Net()
    with pytest.raises(ValueError):
        minidl.summary(net, (2, 5), verbose=False)  # wrong width
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in net.modules())
    assert net.training


def test_summary_bad_input_size():
    with pytest.raises(TypeError, match="input_size"):
        minidl.summary(Net(), 4)
    with pytest.raises(TypeError, match="input_size"):
        minidl.summary(Net())


@pytest.mark.skipif(not has_linear, reason="minidl.nn.functional.linear not built yet")
def test_summary_of_the_784_128_10_mlp():
    s = minidl.summary(mlp(784, 128, 10), (1, 784), verbose=False)
    assert s.rows == [("", "Sequential", "[1, 10]", None), ("0", "Linear", "[1, 128]", 100_480),
                      ("1", "ReLU", "[1, 128]", 0), ("2", "Linear", "[1, 10]", 1_290)]
    text = str(s)
    assert "100,480" in text and "1,290" in text and "Total params: 101,770" in text
    assert "Params size (MB): 0.39" in text  # 101,770 float32 = 407,080 bytes
