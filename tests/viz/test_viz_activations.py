"""minidl.viz activation plots: functions and their autograd derivatives against hand formulas."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from minidl import viz  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


X = np.linspace(-4.0, 4.0, 81)
SIG = 1 / (1 + np.exp(-X))
# each activation and its derivative by hand (relu'(0) = 0, as PyTorch and the conventions say)
EXPECTED = {
    "sigmoid": (SIG, SIG * (1 - SIG)),
    "tanh": (np.tanh(X), 1 - np.tanh(X) ** 2),
    "relu": (np.maximum(X, 0), (X > 0).astype(float)),
    "leaky_relu": (np.where(X > 0, X, 0.01 * X), np.where(X > 0, 1.0, 0.01)),
    "elu": (np.where(X > 0, X, np.expm1(X)), np.where(X > 0, 1.0, np.exp(X))),
    "silu": (X * SIG, SIG * (1 + X * (1 - SIG))),
    "softplus": (np.log1p(np.exp(X)), SIG),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_activation_and_autograd_derivative(name):
    y, dy = viz.activation_and_derivative(name, X)
    np.testing.assert_allclose(y, EXPECTED[name][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dy, EXPECTED[name][1], rtol=1e-10, atol=1e-12)


def test_derivatives_at_zero_from_the_conventions():
    assert viz.activation_and_derivative("sigmoid", [0.0])[1][0] == pytest.approx(0.25)
    assert viz.activation_and_derivative("tanh", [0.0])[1][0] == pytest.approx(1.0)
    assert viz.activation_and_derivative("relu", [0.0])[1][0] == 0.0


def _labelled_lines(ax):
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_default_plot_one_panel_per_function_with_shading():
    fig = viz.plot_activations(num=101)
    names = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "silu"]
    assert [ax.get_title() for ax in fig.axes] == names
    for ax, name in zip(fig.axes, names):
        lines = _labelled_lines(ax)
        assert set(lines) == {name, name + "'"}
        x = lines[name].get_xdata()
        np.testing.assert_allclose(lines[name + "'"].get_ydata(), viz.activation_and_derivative(name, x)[1])
        shaded = [c for c in ax.collections if c.get_label() == "saturated"]
        assert len(shaded) == (1 if name in ("sigmoid", "tanh") else 0)


def test_saturated_region_of_sigmoid():
    fig = viz.plot_activations("sigmoid", x_range=(-8, 8), num=1601, saturation=0.05)
    (shade,) = [c for c in fig.axes[0].collections if c.get_label() == "saturated"]
    xs = np.concatenate([p.vertices[:, 0] for p in shade.get_paths()])
    # sigma'(x) = 0.05 * 0.25 where |x| = 2 arccosh(1 / (2 sqrt(0.0125)))  (about 4.37)
    edge = 2 * np.arccosh(1 / (2 * np.sqrt(0.0125)))
    inner = np.sort(np.abs(xs))[0]
    assert inner == pytest.approx(edge, abs=0.02)


def test_one_axes_overlays_and_custom_functions():
    fig, ax = plt.subplots()

    def cube(x):
        return x * x * x
    out = viz.plot_activations(["tanh", ("square", lambda x: x * x), cube], ax=ax, x_range=(-1, 1), num=21)
    assert out is fig and len(fig.axes) == 1
    lines = _labelled_lines(ax)
    assert {"tanh", "tanh'", "square", "square'", "cube", "cube'"} <= set(lines)
    np.testing.assert_allclose(lines["square'"].get_ydata(), 2 * np.linspace(-1, 1, 21), atol=1e-12)
    np.testing.assert_allclose(lines["cube'"].get_ydata(), 3 * np.linspace(-1, 1, 21) ** 2, atol=1e-12)
    assert lines["tanh"].get_color() == lines["tanh'"].get_color() != lines["cube"].get_color()


def test_activation_errors():
    with pytest.raises(ValueError, match="unknown activation 'swish'; valid names: sigmoid, tanh"):
        viz.plot_activations(["swish"])
    with pytest.raises(TypeError, match="an activation is a name, a function or a"):
        viz.plot_activations([3])
    with pytest.raises(ValueError, match="this plot has 2 panels but 3 axes were given"):
        viz.plot_activations(["relu", "tanh"], ax=plt.subplots(1, 3)[1])
