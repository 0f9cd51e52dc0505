"""minidl.viz weight (and gradient) histograms of a small MLP."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import minidl  # noqa: E402
from minidl import nn, viz  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _mlp():
    minidl.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_weight_histograms_one_per_weight_matrix():
    model = _mlp()
    fig = viz.plot_weight_histograms(model, bins=10)
    assert len(fig.axes) == 2
    for ax, (name, p) in zip(fig.axes, [("0.weight", model[0].weight), ("2.weight", model[2].weight)]):
        heights = [patch.get_height() for patch in ax.patches]
        assert len(heights) == 10 and sum(heights) == p.numel()
        values = p.detach().numpy()
        stats = f"mean {values.mean():.3g}, std {values.std():.3g}"
        assert ax.get_title() == f"{name} {tuple(p.shape)}\n{stats}"


def test_weight_histograms_all_parameters_gradients_and_overlay(tmp_path):
    model = _mlp()
    fig = viz.plot_weight_histograms(model, weights_only=False)
    assert [ax.get_title().split(" ")[0] for ax in fig.axes] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    with pytest.raises(ValueError, match=r"no gradients \(run backward first\)"):
        viz.plot_weight_histograms(model, grad=True)
    model(minidl.randn(5, 4)).sum().backward()
    fig = viz.plot_weight_histograms(model, grad=True, bins=5)
    assert fig.axes[0].get_title().startswith("0.weight.grad (8, 4)")
    assert sum(p.get_height() for p in fig.axes[0].patches) == 32
    fig, ax = plt.subplots()
    viz.plot_weight_histograms(model, ax=ax, bins=7)
    assert len(ax.patches) == 14
    viz.save_figure(fig, tmp_path / "w.png", dpi=40)
    assert (tmp_path / "w.png").stat().st_size > 0


def test_weight_histogram_errors():
    with pytest.raises(TypeError, match="model must be an nn.Module"):
        viz.plot_weight_histograms([minidl.zeros(3)])
    with pytest.raises(ValueError, match="no parameters with 2 or more dims; pass weights_only=False"):
        viz.plot_weight_histograms(nn.LayerNorm(4))
