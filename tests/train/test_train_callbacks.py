"""minidl.train callbacks and progress: hook order, stopping from a callback, EarlyStopping on
scripted validation losses (stop epoch, bitwise restore of the best weights), ModelCheckpoint,
LambdaCallback, and the progress display (silent, lines, tqdm, no tqdm)."""
import sys

import numpy as np
import pytest

import minidl
from minidl.train import Callback, EarlyStopping, LambdaCallback, ModelCheckpoint, fit

from minidl.utils.data import DataLoader, TensorDataset

from train_helpers import GD, batches, blobs, np_cross_entropy, sgd, tiny_fit_args, weights


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch, logs["step"]))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, logs["step"], logs["size"]))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", self.trainer.epoch))


def test_hooks_run_in_order_with_one_based_counts():
    rec, rec2 = Recorder(), Recorder()
    args = tiny_fit_args(epochs=2)
    args["train_loader"] = args["train_loader"][:2]  # batches of 8 and 8
    fit(**args, callbacks=[rec, rec2])
    keys = ["loss", "lr", "time"]
    assert rec.calls == [
        ("train_begin",),
        ("epoch_begin", 1), ("batch_begin", 1, 1), ("batch_end", 1, 1, 8), ("batch_begin", 2, 2),
        ("batch_end", 2, 2, 8), ("epoch_end", 1, keys),
        ("epoch_begin", 2), ("batch_begin", 1, 3), ("batch_end", 1, 3, 8), ("batch_begin", 2, 4),
        ("batch_end", 2, 4, 8), ("epoch_end", 2, keys),
        ("train_end", 2)]
    assert rec2.calls == rec.calls and rec.trainer.step == 4 and rec.trainer.model is args["model"]


def test_callbacks_are_called_in_the_given_order_and_logs_they_add_are_recorded():
    order = []

    def add(epoch, logs):
        order.append("a")
        logs["double_loss"] = 2 * logs["loss"]
    then = LambdaCallback(on_epoch_end=lambda e, logs: order.append("b"))
    h = fit(**tiny_fit_args(epochs=2), callbacks=[LambdaCallback(on_epoch_end=add), then])
    assert order == ["a", "b", "a", "b"]
    assert h["double_loss"] == [2 * v for v in h["loss"]]


def test_returning_true_from_a_batch_hook_ends_the_epoch_after_that_batch():
    seen = []
    cb = LambdaCallback(on_batch_end=lambda b, logs: (seen.append(logs["step"]), logs["step"] == 5)[1])
    h = fit(**tiny_fit_args(epochs=4), callbacks=[cb])  # 3 batches per epoch
    assert seen == [1, 2, 3, 4, 5] and h.epoch == [1, 2]
    assert h.stopped_reason == "LambdaCallback.on_batch_end returned True at epoch 2"


def test_setting_stop_training_ends_after_the_epoch():
    class StopAt(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                self.trainer.stop_training = True

    h = fit(**tiny_fit_args(epochs=5), callbacks=StopAt())
    assert h.epoch == [1, 2] and h.stopped_reason == "a callback set stop_training at epoch 2"


def scripted(values):
    """A callback that replaces each epoch's val_loss by the next scripted value."""
    return LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__("val_loss", values[epoch - 1]))


class Snapshots(Callback):
    """The model's weights at the end of every epoch."""

    def __init__(self):
        self.at = {}

    def on_epoch_end(self, epoch, logs=None):
        self.at[epoch] = weights(self.model)


def run_scripted(values, epochs=None, **es_kwargs):
    args = tiny_fit_args(epochs=epochs or len(values))
    snaps = Snapshots()
    es = EarlyStopping(**es_kwargs)
    h = fit(**args, val_loader=args["train_loader"][:1], callbacks=[scripted(values), snaps, es])
    return h, es, snaps, args["model"]


def assert_weights_equal(model, expected):
    got = weights(model)
    assert got.keys() == expected.keys()
    for k in got:
        assert got[k].tobytes() == expected[k].tobytes(), k  # bit for bit


def test_early_stopping_stops_after_patience_epochs_and_restores_the_best_weights():
    values = [1.0, 0.8, 0.9, 0.7, 0.75, 0.72, 0.71, 0.6, 0.5]
    h, es, snaps, model = run_scripted(values, patience=3)
    # best 0.7 at epoch 4; epochs 5, 6, 7 do not improve -> stop at 7
    assert h.epoch == list(range(1, 8)) and h["val_loss"] == values[:7]
    assert (h.best_epoch, h.stopped_epoch, es.best) == (4, 7, 0.7)
    assert "early stopping at epoch 7: val_loss did not improve" in h.stopped_reason
    assert "best 0.7 at epoch 4" in h.stopped_reason
    assert not np.array_equal(snaps.at[7]["weight"], snaps.at[4]["weight"])
    assert_weights_equal(model, snaps.at[4])


def test_min_delta_asks_for_a_large_enough_improvement():
    values = [1.0, 0.97, 0.96, 0.951, 0.5]
    h, *_ = run_scripted(values, patience=3, min_delta=0.05)
    assert h.epoch == [1, 2, 3, 4] and h.best_epoch == 1
    h, *_ = run_scripted(values, patience=3, min_delta=0.0)
    assert h.epoch == [1, 2, 3, 4, 5] and h.best_epoch == 5 and h.stopped_epoch is None


def test_max_mode_for_accuracy_and_nan_never_improves():
    values = [0.5, 0.7, float("nan"), 0.69, 0.8]

    def inject(epoch, logs):
        logs["val_acc"] = values[epoch - 1]
    args = tiny_fit_args(epochs=5)
    es = EarlyStopping("val_acc", patience=2, restore_best=False)
    fit(**args, metrics={"acc": lambda o, t: 0.0}, val_loader=args["train_loader"][:1],
        callbacks=[LambdaCallback(on_epoch_end=inject), es])
    assert es.mode == "max" and (es.best_epoch, es.stopped_epoch) == (2, 4)


def test_patience_zero_stops_at_the_first_epoch_without_improvement():
    h, *_ = run_scripted([1.0, 0.9, 0.95, 0.1], patience=0)
    assert h.epoch == [1, 2, 3] and h.best_epoch == 2


def test_restore_best_false_keeps_the_last_weights_and_the_best_is_restored_without_a_stop():
    h, es, snaps, model = run_scripted([1.0, 0.8, 0.9, 0.95], patience=5, restore_best=False)
    assert h.stopped_epoch is None and es.best_state is None
    assert_weights_equal(model, snaps.at[4])
    h, es, snaps, model = run_scripted([1.0, 0.8, 0.9, 0.95], patience=5)
    assert h.stopped_epoch is None and h.best_epoch == 2
    assert_weights_equal(model, snaps.at[2])


def test_early_stopping_checks_its_monitor_and_arguments():
    with pytest.raises(ValueError, match=r"monitors 'val_loss', which this run does not log; it logs "
                                         r"\['loss', 'lr', 'time'\] \(val_ keys need a val_loader\)"):
        fit(**tiny_fit_args(), callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match="patience must be an int >= 0, got -1"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="min_delta must be a number >= 0, got -0.1"):
        EarlyStopping(min_delta=-0.1)
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', got 'up'"):
        EarlyStopping(mode="up")
    modes = {k: EarlyStopping(k).mode for k in ("val_accuracy", "loss", "val_f1_macro", "val_roc_auc", "r2",
                                                 "val_top5_accuracy", "val_mse", "val_perplexity", "mae")}
    assert modes == {"val_accuracy": "max", "loss": "min", "val_f1_macro": "max", "val_roc_auc": "max",
                     "r2": "max", "val_top5_accuracy": "max", "val_mse": "min", "val_perplexity": "min",
                     "mae": "min"}


def test_model_checkpoint_saves_the_best_epochs(tmp_path):
    values = [1.0, 0.8, 0.9, 0.7]
    args = tiny_fit_args(epochs=4)
    snaps = Snapshots()
    ck = ModelCheckpoint(tmp_path / "best-{epoch}-{val_loss:.2f}.mdl", save_best_only=True)
    fit(**args, val_loader=args["train_loader"][:1], callbacks=[scripted(values), snaps, ck])
    names = [p.rsplit("/", 1)[1] for p in ck.saved]
    assert names == ["best-1-1.00.mdl", "best-2-0.80.mdl", "best-4-0.70.mdl"]
    assert (ck.best, ck.best_epoch) == (0.7, 4)
    for path, epoch in zip(ck.saved, (1, 2, 4)):
        loaded = minidl.load(path)
        assert {k: v.numpy().tobytes() for k, v in loaded.items()} == \
            {k: v.tobytes() for k, v in snaps.at[epoch].items()}


def test_model_checkpoint_every_epoch(tmp_path):
    ck = ModelCheckpoint(tmp_path / "last.mdl")
    args = tiny_fit_args(epochs=2)
    fit(**args, callbacks=[ck])
    assert len(ck.saved) == 2
    assert {k: v.numpy().tobytes() for k, v in minidl.load(ck.saved[-1]).items()} == \
        {k: v.tobytes() for k, v in weights(args["model"]).items()}


def test_lambda_callback_checks_its_functions():
    with pytest.raises(TypeError, match="on_epoch_end must be callable or None, got int"):
        LambdaCallback(on_epoch_end=3)


# -- progress ---------------------------------------------------------------------------------------

def test_progress_false_prints_nothing_and_does_not_import_tqdm(capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "tqdm" or m.startswith("tqdm.")]:
        monkeypatch.delitem(sys.modules, name)
    args = tiny_fit_args(epochs=2)
    fit(**args, val_loader=args["train_loader"], metrics={"zero": lambda o, t: 0.0})
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert "tqdm" not in sys.modules


def test_progress_line_prints_one_line_per_epoch(capsys):
    args = tiny_fit_args(epochs=3)
    args["progress"] = "line"
    h = fit(**args)
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 3 and err == ""
    assert lines[0].startswith("epoch 1/3: loss=") and f"loss={h['loss'][0]:.4g}" in lines[0]
    assert lines[2].endswith("s") and "lr=0.05" in lines[2]


def test_without_tqdm_progress_falls_back_to_lines(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # `from tqdm.auto import tqdm` raises ImportError
    args = tiny_fit_args(epochs=2)
    args["progress"] = True
    fit(**args)
    out, err = capsys.readouterr()
    assert out.count("\n") == 2 and out.startswith("epoch 1/2: loss=")


@pytest.mark.parametrize("mode", [True, "epoch"])
def test_tqdm_progress_goes_to_stderr(capsys, mode):
    pytest.importorskip("tqdm")
    X, y = blobs(5, seed=0)
    model = minidl.nn.Linear(2, 3)
    fit(model, minidl.nn.CrossEntropyLoss(), GD(model.parameters(), 0.1), batches(X, y, 4), epochs=2,
        progress=mode)
    out, err = capsys.readouterr()
    assert out == ""
    if mode is True:
        assert "epoch 1/2" in err and "epoch 2/2" in err and "4/4" in err
    else:
        assert "training" in err and "2/2" in err and "loss=" in err


def test_a_stop_before_the_first_batch_records_the_epoch_as_nan():
    args = tiny_fit_args(epochs=3)
    cb = LambdaCallback(on_batch_begin=lambda b, logs: logs["step"] == 4)  # the first batch of epoch 2
    h = fit(**args, metrics={"zero": lambda o, t: 0.0}, callbacks=[cb])
    assert h.epoch == [1, 2] and h["zero"][0] == 0.0
    assert np.isnan(h["loss"][1]) and np.isnan(h["zero"][1])
    assert h.stopped_reason == "LambdaCallback.on_batch_begin returned True at epoch 2"


def test_early_stopping_end_to_end_on_two_moons():
    X, y = minidl.datasets.make_moons(300, noise=0.25, seed=0)
    (Xt, yt), (Xv, yv), _ = minidl.utils.data.train_val_test_split(X, y, val_size=0.3, test_size=0, seed=0)
    minidl.manual_seed(0)
    model = minidl.nn.Sequential(minidl.nn.Linear(2, 16), minidl.nn.Tanh(), minidl.nn.Linear(16, 2))
    train = DataLoader(TensorDataset(Xt, yt), batch_size=32, shuffle=True, seed=0)
    es = EarlyStopping(patience=3, min_delta=1e-3)
    h = fit(model, minidl.nn.CrossEntropyLoss(), sgd(model.parameters(), 0.3), train, val_loader=(Xv, yv),
            epochs=300, metrics=["accuracy"], callbacks=[es], progress=False)
    assert h.stopped_epoch is not None and len(h) < 300 and h.stopped_epoch == len(h)
    assert h.best_epoch == len(h) - 3 and es.best == h["val_loss"][h.best_epoch - 1]
    # the restored model's validation loss, in NumPy, is the loss logged at the best epoch
    w1, b1, w2, b2 = (p.detach().numpy() for p in model.parameters())
    logits = np.tanh(Xv.numpy() @ w1.T + b1) @ w2.T + b2
    assert np_cross_entropy(logits, yv.numpy()) == pytest.approx(h["val_loss"][h.best_epoch - 1], rel=1e-5)
    assert h["val_accuracy"][h.best_epoch - 1] > 0.8
