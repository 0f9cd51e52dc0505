"""minidl.train.History: recording, best, CSV/JSON round trips (bit for bit, NaN and inf too),
the summary repr, errors, and plot() through minidl.viz."""
import json
import math

import numpy as np
import pytest

import minidl
from minidl.train import Best, History, fit

from train_helpers import tiny_fit_args


def sample():
    h = History(params={"epochs": 5, "steps": 3})
    rows = [dict(loss=0.1 + 0.2, val_loss=1 / 3, accuracy=0.5, lr=0.1, time=0.25),
            dict(loss=2.0 ** -30, val_loss=math.nan, accuracy=0.75, lr=0.05, time=0.5),
            dict(loss=math.inf, val_loss=-math.inf, accuracy=0.75, lr=0.05, time=1e-7)]
    for e, r in enumerate(rows, 1):
        h.append(e, r)
    h.stopped_reason = "early stopping at epoch 3: test"
    h.stopped_epoch, h.best_epoch = 3, 1
    return h


def same(a, b):
    """Equal lists of floats, NaN == NaN, and bit for bit."""
    return len(a) == len(b) and all(np.float64(x).tobytes() == np.float64(y).tobytes() for x, y in zip(a, b))


def test_append_keeps_every_list_as_long_as_epoch():
    h = History()
    h.append(1, {"loss": 1.0})
    h.append(2, {"loss": 0.5, "extra": 7.0})
    h.append(3, {"extra": 8.0})
    assert h.epoch == [1, 2, 3] and len(h) == 3
    assert same(h["loss"], [1.0, 0.5, math.nan])
    assert same(h["extra"], [math.nan, 7.0, 8.0])


def test_best_by_mode_ignoring_nan():
    h = History({"val_loss": [0.5, math.nan, 0.2, 0.2, 0.3], "val_accuracy": [0.1, 0.9, 0.9, math.nan, 0.4]})
    assert h.best() == Best(3, 0.2)  # first of equal values
    assert h.best("val_accuracy") == (2, 0.9)  # 'auto': accuracy is better when larger
    assert h.best("val_loss", mode="max") == (1, 0.5)
    assert h.best("val_accuracy", mode="min") == (1, 0.1)
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', got 'low'"):
        h.best("val_loss", mode="low")
    with pytest.raises(ValueError, match="no values that are not NaN"):
        History({"x": [math.nan]}).best("x")


def test_getitem_names_the_keys_it_has():
    h = sample()
    assert h["accuracy"] is h.history["accuracy"]
    assert "lr" in h and "val_accuracy" not in h
    with pytest.raises(KeyError, match=r"no 'val_accuracy' in this History; it has \['accuracy', 'loss'"):
        h["val_accuracy"]


def test_constructor_checks_lengths():
    with pytest.raises(ValueError, match=r"history\['b'\] has 1 entries but there are 2 epochs"):
        History({"a": [1.0, 2.0], "b": [1.0]}, epoch=[1, 2])


def test_json_round_trip_is_exact_and_strict(tmp_path):
    h = sample()
    path = tmp_path / "h.json"
    h.to_json(path)

    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")
    raw = json.loads(path.read_text(), parse_constant=refuse)  # strict JSON: no NaN/Infinity tokens
    assert raw["history"]["loss"][2] == "inf" and raw["history"]["val_loss"][1] == "nan"
    g = History.from_json(path)
    assert g.epoch == h.epoch and list(g.history) == list(h.history)
    assert all(same(g[k], h[k]) for k in h.history)
    assert (g.params, g.stopped_reason, g.stopped_epoch, g.best_epoch) == \
        ({"epochs": 5, "steps": 3}, "early stopping at epoch 3: test", 3, 1)
    assert g.to_dict().keys() == h.to_dict().keys()


def test_csv_round_trip_is_exact(tmp_path):
    h = sample()
    path = tmp_path / "h.csv"
    h.to_csv(path)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,loss,val_loss,accuracy,lr,time"
    assert lines[1].startswith("1,0.30000000000000004,0.3333333333333333,")
    g = History.from_csv(path)
    assert g.epoch == [1, 2, 3] and list(g.history) == list(h.history)
    assert all(same(g[k], h[k]) for k in h.history)


def test_csv_reads_in_numpy_the_same_values(tmp_path):
    h = sample()
    path = tmp_path / "h.csv"
    h.to_csv(path)
    arr = np.genfromtxt(path, delimiter=",", names=True)
    assert same(list(arr["val_loss"]), h["val_loss"])


def test_from_csv_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("step,loss\n1,0.5\n")
    with pytest.raises(ValueError, match="not a History CSV"):
        History.from_csv(bad)
    bad.write_text("epoch,loss\n1,0.5,7\n")
    with pytest.raises(ValueError, match="line 2 has 3 fields, the header has 2"):
        History.from_csv(bad)


def test_from_json_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"loss": [1, 2]}')
    with pytest.raises(ValueError, match="a History dict has 'epoch' and 'history' entries"):
        History.from_json(bad)


def test_repr_summarises_the_last_epoch():
    r = repr(sample())
    assert r.startswith("History(3 epochs, ")
    assert "loss=inf" in r and "accuracy=0.75" in r and "stopped: early stopping at epoch 3" in r
    assert repr(History()) == "History(0 epochs)"


def test_history_from_fit_round_trips_through_json(tmp_path):
    h = fit(**tiny_fit_args(epochs=3))
    assert h.params == {"epochs": 3, "steps": 3} and h.stopped_reason is None
    h.to_json(tmp_path / "run.json")
    g = History.from_json(tmp_path / "run.json")
    assert all(same(g[k], h[k]) for k in h.history) and g.epoch == [1, 2, 3]


def test_plot_delegates_to_viz():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    h = sample()
    fig = h.plot()
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), h.epoch)
    plt.close(fig)
    fig, ax = plt.subplots()
    assert h.plot(keys=["accuracy"], ax=ax) is fig
    assert len(ax.get_lines()) == 1
    plt.close(fig)
    no_val = History({"loss": [1.0, 0.5]})
    fig = no_val.plot()  # without validation only the loss
    assert len(fig.axes[0].get_lines()) == 1
    plt.close(fig)


def test_minidl_import_does_not_import_matplotlib():
    import subprocess
    import sys
    code = ("import sys, minidl; minidl.train.History; "
            "sys.exit('matplotlib' in sys.modules or 'tqdm' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    assert minidl.train.History is History
