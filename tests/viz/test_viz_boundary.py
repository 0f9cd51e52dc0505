"""minidl.viz decision boundaries on hand-set linear models whose regions are known exactly."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

import minidl  # noqa: E402
from minidl import nn, viz  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _linear(weight, bias):
    layer = nn.Linear(len(weight[0]), len(weight))
    with minidl.no_grad():
        layer.weight.copy_(minidl.tensor(weight))
        layer.bias.copy_(minidl.tensor(bias))
    return layer


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(n, 2)).astype(np.float32)
    return X, (X[:, 0] < 0).astype(np.int64)


def test_two_class_scores_split_on_x1():
    # scores (x1, -x1): class 1 wins exactly where x1 < 0
    model = _linear([[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0])
    X, _ = _data()
    xx, yy, labels = viz.decision_regions(model, minidl.from_numpy(X), resolution=31)
    assert xx.shape == yy.shape == labels.shape == (31, 31)
    off = np.abs(xx) > 1e-6  # the grid line on x1 = 0 is a tie
    np.testing.assert_array_equal(labels[off], (xx[off] < 0).astype(np.int64))
    # the grid covers the data with 10% padding on each side
    lo, hi = X.min(0), X.max(0)
    assert xx.min() == pytest.approx(lo[0] - 0.1 * (hi[0] - lo[0]))
    assert yy.max() == pytest.approx(hi[1] + 0.1 * (hi[1] - lo[1]))


def test_three_classes_by_the_larger_coordinate():
    # scores (x1, x2, -x1 - x2 - 10): class 2 never wins on this grid
    model = _linear([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], [0.0, 0.0, -10.0])
    xx, yy, labels = viz.decision_regions(model, np.array([[-1.0, -1.0], [1.0, 1.0]]), resolution=20)
    np.testing.assert_array_equal(labels, (yy > xx).astype(np.int64))


def test_one_output_probability_and_logit():
    X, _ = _data()
    logit = _linear([[0.0, 2.0]], [-1.0])  # positive where x2 > 0.5
    prob = nn.Sequential(logit, nn.Sigmoid())
    for model, kw in ((prob, {}), (logit, {"threshold": 0.0})):
        xx, yy, labels = viz.decision_regions(model, X, resolution=25, **kw)
        np.testing.assert_array_equal(labels, (yy > 0.5).astype(np.int64))
    with pytest.raises(ValueError, match=r"one output with values in \[.*\], not probabilities: "
                                         "for logits pass threshold=0.0"):
        viz.decision_regions(logit, X)


def test_plot_has_the_points_and_restores_training_mode():
    model = nn.Sequential(_linear([[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0]), nn.Dropout(0.5))
    model.train()
    X, y = _data(n=37)
    fig = viz.plot_decision_boundary(model, X, minidl.tensor(y), resolution=40, title="split")
    assert model.training and model[1].training
    (ax,) = fig.axes
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == 1
    np.testing.assert_allclose(points[0].get_offsets(), X)
    np.testing.assert_array_equal(points[0].get_array(), y)
    assert ax.get_title() == "split"


def test_dropout_is_off_while_evaluating():
    # with dropout active, some grid points would lose their score and flip class
    model = nn.Sequential(_linear([[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0]), nn.Dropout(0.9))
    xx, _, labels = viz.decision_regions(model, np.array([[-1.0, -1.0], [1.0, 1.0]]), resolution=40)
    np.testing.assert_array_equal(labels[np.abs(xx) > 1e-6], (xx[np.abs(xx) > 1e-6] < 0).astype(np.int64))


def test_plain_callable_and_given_ax(tmp_path):
    fig, ax = plt.subplots()

    def model(x):
        return minidl.sigmoid(x[:, :1] * 3.0)
    assert viz.plot_decision_boundary(model, np.array([[0.0, 0.0], [1.0, 2.0]]), [0, 1], ax=ax,
                                      resolution=10) is fig
    viz.save_figure(fig, tmp_path / "b.png", dpi=40)
    assert (tmp_path / "b.png").stat().st_size > 0


def test_errors():
    model = _linear([[1.0, 0.0], [-1.0, 0.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match=r"X must be \(n, 2\) points in the plane, got shape \(4, 3\)"):
        viz.plot_decision_boundary(model, np.zeros((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="X has 3 points but y has 2 labels"):
        viz.plot_decision_boundary(model, np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="resolution must be an int >= 2, got 1"):
        viz.decision_regions(model, np.zeros((3, 2)), resolution=1)
