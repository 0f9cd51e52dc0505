"""minidl.viz.plot_history with a stand-in History (only .history and .epoch are used), and save_figure."""
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


class FakeHistory:
    """What minidl.train.History offers to plots: per-epoch lists and the epoch numbers."""

    def __init__(self, n, scale, keys=("loss", "val_loss", "accuracy", "val_accuracy"), first_epoch=1):
        e = np.arange(n, dtype=float)
        self.epoch = list(range(first_epoch, first_epoch + n))
        self.history = {k: list((i + 1) * scale * np.exp(-e / 3) + i) for i, k in enumerate(keys)}


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_single_run_default_keys():
    h = FakeHistory(6, 1.0)
    fig = viz.plot_history(h)
    assert len(fig.axes) == 1
    lines = _lines(fig.axes[0])
    assert set(lines) == {"loss", "val_loss"}
    np.testing.assert_array_equal(lines["loss"].get_xdata(), [1, 2, 3, 4, 5, 6])
    np.testing.assert_allclose(lines["val_loss"].get_ydata(), h.history["val_loss"])
    assert lines["loss"].get_linestyle() == "-" and lines["val_loss"].get_linestyle() == "--"
    assert fig.axes[0].get_xlabel() == "epoch" and fig.axes[0].get_ylabel() == "loss"


def test_several_runs_one_colour_each_and_one_panel_per_kind():
    runs = {"sgd": FakeHistory(5, 1.0), "adam": FakeHistory(5, 2.0), "rmsprop": FakeHistory(4, 3.0)}
    fig = viz.plot_history(runs, keys=("loss", "val_loss", "accuracy", "val_accuracy"))
    assert len(fig.axes) == 2
    assert [a.get_ylabel() for a in fig.axes] == ["loss", "accuracy"]
    for ax, kind in zip(fig.axes, ("loss", "accuracy")):
        lines = _lines(ax)
        assert len(lines) == 6
        for run in runs:
            train, val = lines[f"{run}: {kind}"], lines[f"{run}: val_{kind}"]
            assert train.get_color() == val.get_color()
            assert val.get_linestyle() == "--"
            np.testing.assert_allclose(train.get_ydata(), runs[run].history[kind])
        colours = {lines[f"{run}: {kind}"].get_color() for run in runs}
        assert len(colours) == 3


def test_epochs_come_from_the_history():
    fig = viz.plot_history(FakeHistory(3, 1.0, first_epoch=11), keys="loss")
    np.testing.assert_array_equal(fig.axes[0].get_lines()[0].get_xdata(), [11, 12, 13])


def test_key_missing_in_some_runs_is_skipped_and_none_is_a_gap():
    with_val = FakeHistory(4, 1.0)
    no_val = FakeHistory(4, 1.0, keys=("loss",))
    no_val.history["loss"][2] = None
    fig = viz.plot_history({"a": with_val, "b": no_val})
    lines = _lines(fig.axes[0])
    assert set(lines) == {"a: loss", "a: val_loss", "b: loss"}
    assert np.isnan(lines["b: loss"].get_ydata()[2])


def test_plain_dict_of_lists():
    fig = viz.plot_history({"loss": [3.0, 2.0, 1.5], "val_loss": [3.5, 2.5, 2.0], "lr": [0.1, 0.1, 0.01]},
                           keys=("loss", "val_loss", "lr"), logy=True)
    assert len(fig.axes) == 2
    assert fig.axes[0].get_yscale() == "log"
    np.testing.assert_array_equal(_lines(fig.axes[1])["lr"].get_xdata(), [1, 2, 3])


def test_given_axes():
    fig, ax = plt.subplots()
    assert viz.plot_history(FakeHistory(3, 1.0), ax=ax) is fig
    assert len(ax.get_lines()) == 2
    fig2, axes = plt.subplots(1, 2)
    assert viz.plot_history(FakeHistory(3, 1.0), keys=("loss", "accuracy"), ax=axes) is fig2
    assert [len(a.get_lines()) for a in axes] == [1, 1]


def test_errors():
    h = FakeHistory(3, 1.0)
    with pytest.raises(ValueError, match=r"key\(s\) \['val_acc'\]; they hold \['accuracy'"):
        viz.plot_history(h, keys=("loss", "val_acc"))
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="this plot has 2 panels: pass ax=None or a sequence of 2 axes"):
        viz.plot_history(h, keys=("loss", "accuracy"), ax=ax)
    with pytest.raises(TypeError, match="histories must be a History"):
        viz.plot_history([1, 2, 3])
    with pytest.raises(ValueError, match="keys is empty"):
        viz.plot_history(h, keys=())


def test_save_figure_writes_a_png(tmp_path):
    fig = viz.plot_history({"a": FakeHistory(5, 1.0), "b": FakeHistory(5, 2.0)},
                           keys=("loss", "val_loss", "accuracy", "val_accuracy"))
    path = viz.save_figure(fig, tmp_path / "sub" / "curves.png", dpi=50)
    assert path == tmp_path / "sub" / "curves.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
