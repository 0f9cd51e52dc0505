"""nn.init: gains, fans, bounds of the uniform rules (exact), spread of the normal rules
(statistical, generous tolerance), seeding, and the default initialisation of layers."""
import math

import numpy as np
import pytest

import minidl
from minidl import nn
from minidl.nn import init


@pytest.mark.parametrize("name, param, expected", [
    ("linear", None, 1.0), ("conv1d", None, 1.0), ("conv2d", None, 1.0), ("conv3d", None, 1.0),
    ("conv_transpose2d", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5.0 / 3),
    ("relu", None, math.sqrt(2.0)), ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01 ** 2))),
    ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)), ("leaky_relu", 0, math.sqrt(2.0)),
    ("leaky_relu", math.sqrt(5), math.sqrt(1.0 / 3)), ("selu", None, 0.75),
])
def test_calculate_gain(name, param, expected):
    assert init.calculate_gain(name, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity softsign"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "0.1")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape, fans", [
    ((5, 3), (3, 5)),            # Linear (out, in)
    ((16, 3, 5, 5), (75, 400)),  # Conv2d (C_out, C_in, kH, kW)
    ((4, 2, 3), (6, 12)),        # Conv1d
    ((7, 1), (1, 7)),
])
def test_fans(shape, fans):
    assert init._calculate_fan_in_and_fan_out(minidl.empty(*shape)) == fans


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(minidl.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(minidl.empty(3, 3), mode="fan_avg")


def test_fill_functions_return_their_argument_and_work_on_parameters():
    p = nn.Parameter(minidl.empty(3, 4))
    assert init.zeros_(p) is p and np.all(p.detach().numpy() == 0)
    assert init.ones_(p) is p and np.all(p.detach().numpy() == 1)
    assert init.constant_(p, -2.5) is p and np.all(p.detach().numpy() == -2.5)
    assert init.eye_(p) is p
    np.testing.assert_array_equal(p.detach().numpy(), np.eye(3, 4))
    assert p.is_leaf and p.grad_fn is None and p.requires_grad  # no graph recorded
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(minidl.empty(2, 2, 2))


def _draw(fn, shape, dtype=minidl.float64, **kw):
    t = minidl.empty(*shape, dtype=dtype)
    assert fn(t, **kw) is t
    return t.numpy()


def _limit(a, bound):
    """``bound`` itself for float64 draws; for float32 allow the rounding of the bound to float32."""
    return bound if a.dtype == np.float64 else bound * (1 + 2.0 ** -23)


def _check_uniform(a, bound):
    # every value inside the bound, and the sample fills it (the bound is the right size)
    assert np.all(np.abs(a) <= _limit(a, bound))
    assert np.abs(a).max() > 0.99 * bound
    assert a.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def _check_normal(a, std):
    assert abs(a.mean()) < 5 * std / math.sqrt(a.size)
    assert a.std() == pytest.approx(std, rel=0.03)


def test_uniform_and_normal():
    a = _draw(init.uniform_, (200, 300), a=-0.5, b=2.0)
    assert a.min() >= -0.5 and a.max() <= 2.0 and a.min() < -0.49 and a.max() > 1.99
    assert a.mean() == pytest.approx(0.75, abs=0.01)
    a = _draw(init.normal_, (200, 300), mean=3.0, std=0.5)
    assert a.mean() == pytest.approx(3.0, abs=0.01) and a.std() == pytest.approx(0.5, rel=0.03)


@pytest.mark.parametrize("dtype", [minidl.float32, minidl.float64])
@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
def test_xavier(shape, dtype):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(minidl.empty(*shape))
    for gain in (1.0, 5.0 / 3):
        _check_uniform(_draw(init.xavier_uniform_, shape, dtype, gain=gain),
                       gain * math.sqrt(6.0 / (fan_in + fan_out)))
        _check_normal(_draw(init.xavier_normal_, shape, dtype, gain=gain),
                      gain * math.sqrt(2.0 / (fan_in + fan_out)))


@pytest.mark.parametrize("shape", [(300, 200), (64, 32, 3, 3)])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a", [("relu", 0), ("leaky_relu", 0.1), ("tanh", 0), ("linear", 0)])
def test_kaiming(shape, mode, nonlinearity, a):
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(minidl.empty(*shape))
    fan = fan_in if mode == "fan_in" else fan_out
    gain = init.calculate_gain(nonlinearity, a)
    _check_uniform(_draw(init.kaiming_uniform_, shape, a=a, mode=mode, nonlinearity=nonlinearity),
                   gain * math.sqrt(3.0 / fan))
    _check_normal(_draw(init.kaiming_normal_, shape, a=a, mode=mode, nonlinearity=nonlinearity),
                  gain / math.sqrt(fan))


def test_kaiming_relu_is_he_variance_two_over_fan_in():
    # note 004's "Xavier" code randn * sqrt(2 / fan_in) is this rule
    a = _draw(init.kaiming_normal_, (400, 250), nonlinearity="relu")
    assert a.var() == pytest.approx(2.0 / 250, rel=0.05)


def test_kaiming_zero_element_tensor_warns():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(minidl.empty(0, 3))


def test_seeded_by_manual_seed():
    def draw():
        minidl.manual_seed(1234)
        return [_draw(f, (5, 7)) for f in (init.xavier_uniform_, init.kaiming_normal_, init.normal_)]

    for x, y in zip(draw(), draw()):
        np.testing.assert_array_equal(x, y)
    minidl.manual_seed(1235)
    assert not np.array_equal(_draw(init.xavier_uniform_, (5, 7)), draw()[0])


def test_linear_default_init_bounds():
    lin = nn.Linear(400, 300)
    bound = 1.0 / math.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert w.shape == (300, 400) and b.shape == (300,)
    assert w.dtype == np.float32
    assert np.all(np.abs(w) <= _limit(w, bound)) and np.abs(w).max() > 0.99 * bound
    assert np.all(np.abs(b) <= _limit(b, bound)) and np.abs(b).max() > 0.9 * bound
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert lin.weight.requires_grad and lin.bias.requires_grad and lin.weight.is_leaf


def test_linear_default_equals_kaiming_uniform_a_sqrt5():
    # PyTorch's spelling of the same rule
    minidl.manual_seed(7)
    lin = nn.Linear(30, 20, bias=False)
    minidl.manual_seed(7)
    w = init.kaiming_uniform_(minidl.empty(20, 30), a=math.sqrt(5))
    np.testing.assert_allclose(lin.weight.detach().numpy(), w.numpy(), rtol=1e-6)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]


def test_linear_repr_and_reset():
    lin = nn.Linear(784, 128)
    assert repr(lin) == "Linear(in_features=784, out_features=128, bias=True)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
    before = lin.weight.detach().numpy().copy()
    lin.reset_parameters()
    assert not np.array_equal(before, lin.weight.detach().numpy())
    assert nn.Linear(2, 3, dtype=minidl.float64).weight.dtype == minidl.float64
    with pytest.raises(ValueError, match="in_features=-1"):
        nn.Linear(-1, 3)
