"""minidl.viz test surfaces and optimizer trajectories: formulas, gradients, closed-form paths."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import minidl  # noqa: E402
from minidl import viz  # noqa: E402
from minidl.optim import Optimizer  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class PlainGD(Optimizer):
    """Gradient descent written here in Python, p <- p - lr * grad, to drive the trajectories."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    def step(self, closure=None):
        with minidl.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p -= group["lr"] * p.grad


# ---- the surfaces -------------------------------------------------------------------------------

def _formulas(s):
    """(f, grad) of each surface, written out by hand."""
    if isinstance(s, viz.Bowl):
        return lambda x, y: x**2 + y**2, lambda x, y: (2 * x, 2 * y)
    if isinstance(s, viz.Elongated):
        return lambda x, y: s.a * x**2 + s.b * y**2, lambda x, y: (2 * s.a * x, 2 * s.b * y)
    if isinstance(s, viz.Rosenbrock):
        a, b = s.a, s.b
        return (lambda x, y: (a - x)**2 + b * (y - x**2)**2,
                lambda x, y: (-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)))
    if isinstance(s, viz.Beale):
        def terms(x, y):
            return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3

        def grad(x, y):
            t1, t2, t3 = terms(x, y)
            return (2 * t1 * (y - 1) + 2 * t2 * (y**2 - 1) + 2 * t3 * (y**3 - 1),
                    2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y**2)
        return lambda x, y: sum(t**2 for t in terms(x, y)), grad
    if isinstance(s, viz.Saddle):
        return lambda x, y: x**2 - y**2, lambda x, y: (2 * x, -2 * y)
    raise AssertionError(s)


SURFACES = [viz.bowl, viz.elongated, viz.rosenbrock, viz.beale, viz.saddle, viz.Elongated(a=0.5, b=3.0),
            viz.Rosenbrock(a=2.0, b=10.0)]


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_surface_values_and_autograd_gradients(surface):
    f, grad = _formulas(surface)
    rng = np.random.default_rng(0)
    pts = rng.uniform(-2, 2, size=(6, 2))
    np.testing.assert_allclose(surface(pts), f(pts[:, 0], pts[:, 1]), rtol=1e-12)
    X, Y, Z = surface.grid(7)
    np.testing.assert_allclose(Z, f(X, Y), rtol=1e-12)
    for x, y in pts:
        p = minidl.tensor([x, y], dtype=minidl.float64, requires_grad=True)
        value = surface(p)
        value.backward()
        assert value.item() == pytest.approx(f(x, y), rel=1e-12)
        np.testing.assert_allclose(p.grad.numpy(), grad(x, y), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_documented_minimum_is_a_stationary_point(surface):
    point = surface.minimum if surface.minimum is not None else surface.saddle_point
    f, grad = _formulas(surface)
    np.testing.assert_allclose(grad(*point), (0.0, 0.0), atol=1e-12)
    if surface.minimum is not None:
        assert f(*point) == pytest.approx(0.0, abs=1e-12)
        assert f(*surface.start) > 0


def test_tensor_batch_of_points_and_errors():
    pts = minidl.tensor([[1.0, 2.0], [3.0, 0.5]])
    np.testing.assert_allclose(viz.beale(pts).numpy(), [_formulas(viz.beale)[0](1.0, 2.0), 0.0], rtol=1e-6)
    with pytest.raises(ValueError, match=r"rosenbrock: p must have shape .* got \(3,\)"):
        viz.rosenbrock(minidl.zeros(3))
    with pytest.raises(ValueError, match="unknown surface 'himmelblau'; valid names: bowl, elongated"):
        viz.get_surface("himmelblau")
    with pytest.raises(ValueError, match="positive curvatures"):
        viz.Elongated(a=-1.0)


# ---- trajectories -------------------------------------------------------------------------------

def test_gradient_descent_on_the_elongated_quadratic_follows_the_closed_form():
    lr, steps = 0.4, 12
    path = viz.optimizer_trajectory(viz.elongated, PlainGD, steps=steps, lr=lr)
    assert path.shape == (steps + 1, 2)
    t = np.arange(steps + 1)
    a, b = viz.elongated.a, viz.elongated.b
    x0, y0 = viz.elongated.start
    expected = np.stack([x0 * (1 - 2 * lr * a) ** t, y0 * (1 - 2 * lr * b) ** t], axis=1)
    np.testing.assert_allclose(path, expected, rtol=1e-5, atol=1e-6)


def test_note_000_gradient_descent_on_x_squared():
    # f(x) = x^2 from x = 10: lr = 0.2 contracts by 0.6 per step; lr = 1.1 multiplies by -1.2 (diverges)
    path = viz.optimizer_trajectory("bowl", PlainGD, steps=10, start=(10.0, 0.0), lr=0.2,
                                    dtype=minidl.float64)
    np.testing.assert_allclose(path[:, 0], 10 * 0.6 ** np.arange(11), rtol=1e-12)
    np.testing.assert_array_equal(path[:, 1], 0.0)
    path = viz.optimizer_trajectory("bowl", PlainGD, steps=10, start=(10.0, 0.0), lr=1.1,
                                    dtype=minidl.float64)
    np.testing.assert_allclose(path[:, 0], 10 * (-1.2) ** np.arange(11), rtol=1e-12)


def test_diverging_path_ends_in_nan_rows():
    path = viz.optimizer_trajectory("bowl", PlainGD, steps=20, lr=1e15)  # float32 overflows quickly
    finite = np.all(np.isfinite(path), axis=1)
    k = int(np.argmin(finite))  # the first non-finite row
    assert 0 < k < 20 and finite[:k].all()
    assert np.isnan(path[k + 1:]).all()


def test_trajectory_errors():
    with pytest.raises(ValueError, match=r"start must be a point \(x, y\), got shape \(3,\)"):
        viz.optimizer_trajectory("bowl", PlainGD, steps=3, start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="steps must be a non-negative int, got -1"):
        viz.optimizer_trajectory("bowl", PlainGD, steps=-1)


def test_plot_draws_each_path_on_the_contours(tmp_path):
    optimizers = {"slow": (PlainGD, {"lr": 0.05}), "fast": (PlainGD, {"lr": 0.2})}
    fig = viz.plot_optimizer_trajectories("elongated", optimizers, steps=15)
    (ax,) = fig.axes
    lines = {line.get_label().split(" (")[0]: line for line in ax.get_lines()}
    assert set(lines) == {"start", "minimum", "slow", "fast"}
    for label, (cls, kw) in optimizers.items():
        expected = viz.optimizer_trajectory("elongated", cls, steps=15, **kw)
        np.testing.assert_allclose(lines[label].get_xydata(), expected)
        f_end = viz.elongated(expected[-1])
        assert lines[label].get_label() == f"{label} (f = {f_end:.3g})"
    np.testing.assert_allclose(lines["start"].get_xydata(), [viz.elongated.start])
    np.testing.assert_allclose(lines["minimum"].get_xydata(), [viz.elongated.minimum])
    assert ax.get_xlim() == viz.elongated.xlim
    viz.save_figure(fig, tmp_path / "traj.png", dpi=40)
    assert (tmp_path / "traj.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("surface", ["rosenbrock", "beale", "saddle", "bowl"])
def test_plot_every_surface_with_a_class_or_a_pair(surface):
    fig, ax = plt.subplots()
    out = viz.plot_optimizer_trajectories(surface, {"gd": PlainGD, "gd2": (PlainGD, {"lr": 1e-3})}, steps=5,
                                          ax=ax, resolution=30, levels=8)
    assert out is fig
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[1] == ("saddle point" if surface == "saddle" else "minimum")
    assert len(labels) == 4


def test_plot_errors():
    with pytest.raises(TypeError, match="non-empty dict"):
        viz.plot_optimizer_trajectories("bowl", [PlainGD])
    with pytest.raises(TypeError, match=r"optimizers\['x'\] must be \(optimizer_cls, kwargs\)"):
        viz.plot_optimizer_trajectories("bowl", {"x": (PlainGD, 0.1)})


def test_real_sgd_and_adam_trajectories():
    from minidl import optim
    steps, lr = 30, 0.1
    # SGD on the elongated quadratic: the closed form
    path = viz.optimizer_trajectory("elongated", optim.SGD, steps=steps, dtype=minidl.float64, lr=lr)
    t = np.arange(steps + 1)
    a, b = viz.elongated.a, viz.elongated.b
    x0, y0 = viz.elongated.start
    np.testing.assert_allclose(path, np.stack([x0 * (1 - 2 * lr * a) ** t, y0 * (1 - 2 * lr * b) ** t], 1),
                               rtol=1e-10)
    # SGD with momentum (PyTorch's heavy ball v = mu v + g) and Adam on Rosenbrock, against NumPy loops
    f, grad = _formulas(viz.rosenbrock)
    start = np.array(viz.rosenbrock.start)

    def heavy_ball(lr, mu):
        p, v, out = start.copy(), None, [start.copy()]
        for _ in range(steps):
            g = np.array(grad(*p))
            v = g if v is None else mu * v + g
            p = p - lr * v
            out.append(p.copy())
        return np.array(out)

    def adam(lr, b1=0.9, b2=0.999, eps=1e-8):
        p, m, v, out = start.copy(), np.zeros(2), np.zeros(2), [start.copy()]
        for k in range(1, steps + 1):
            g = np.array(grad(*p))
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            p = p - lr * (m / (1 - b1 ** k)) / (np.sqrt(v / (1 - b2 ** k)) + eps)
            out.append(p.copy())
        return np.array(out)

    ours = viz.optimizer_trajectory("rosenbrock", optim.SGD, steps=steps, dtype=minidl.float64, lr=1e-4,
                                    momentum=0.9)
    np.testing.assert_allclose(ours, heavy_ball(1e-4, 0.9), rtol=1e-9)
    ours = viz.optimizer_trajectory("rosenbrock", optim.Adam, steps=steps, dtype=minidl.float64, lr=0.05)
    np.testing.assert_allclose(ours, adam(0.05), rtol=1e-9)
    fig = viz.plot_optimizer_trajectories("rosenbrock", {"SGD": (optim.SGD, {"lr": 1e-3}),
                                                         "Adam": (optim.Adam, {"lr": 0.05})}, steps=steps)
    assert len(fig.axes[0].get_lines()) == 4
