"""minidl.train.fit / evaluate / predict: convergence to least squares, the epoch loss as a
sample-weighted mean (NumPy reference), metrics on the epoch's outputs, history keys, schedulers,
modes, NaN stops, gradient clipping and argument errors."""
import math

import numpy as np
import pytest

import minidl
from minidl import nn
from minidl.train import evaluate, fit, predict

from minidl.optim.lr_scheduler import ReduceLROnPlateau, StepLR

from train_helpers import (GD, batches, blobs, linear_np, loader, np_accuracy, np_cross_entropy,
                           sgd, tiny_fit_args, tiny_regression)


def test_full_batch_linear_regression_reaches_least_squares():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((64, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + 0.1 * rng.standard_normal(64)
    ref, *_ = np.linalg.lstsq(np.c_[X, np.ones(64)], y, rcond=None)
    minidl.manual_seed(0)
    model = nn.Linear(3, 1).double()
    data = (minidl.from_numpy(X), minidl.from_numpy(y.reshape(-1, 1)))  # one full batch
    h = fit(model, nn.MSELoss(), sgd(model.parameters(), 0.2), data, epochs=300, progress=False)
    w, b = linear_np(model)
    np.testing.assert_allclose(np.r_[w.ravel(), b], ref, atol=1e-8)
    # the epoch's loss is the loss before its (single) step: the last one is the least-squares MSE
    resid = np.c_[X, np.ones(64)] @ ref - y
    assert h["loss"][-1] == pytest.approx(np.mean(resid ** 2), rel=1e-6)
    assert all(a >= b - 1e-12 for a, b in zip(h["loss"], h["loss"][1:]))  # GD on a convex loss


def test_minibatch_sgd_reaches_the_exact_solution_of_noise_free_data():
    X, y = tiny_regression(n=48, seed=2)
    minidl.manual_seed(0)
    model = nn.Linear(3, 1)
    fit(model, nn.MSELoss(), sgd(model.parameters(), 0.1), loader(X, y, 16, shuffle=True), epochs=150,
        progress=False)
    w, b = linear_np(model)
    np.testing.assert_allclose(w.ravel(), [1.0, -2.0, 0.5], atol=1e-4)
    np.testing.assert_allclose(b, [0.3], atol=1e-4)


def test_epoch_loss_is_the_sample_weighted_mean_of_batch_losses():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((25, 3))
    y = rng.standard_normal((25, 1))
    minidl.manual_seed(0)
    model = nn.Linear(3, 1).double()
    w, b = linear_np(model)
    data = batches(X, y, 10)  # sizes 10, 10, 5
    h = fit(model, nn.MSELoss(), GD(model.parameters(), 0.0), data, epochs=2, progress=False)
    err = (X @ w.T + b - y) ** 2
    expected = err.mean()  # sum_b n_b * mean_b / sum_b n_b == the mean over all samples
    plain = np.mean([err[0:10].mean(), err[10:20].mean(), err[20:].mean()])
    assert abs(expected - plain) > 1e-3  # the weighting is visible with these batches
    assert h["loss"] == pytest.approx([expected, expected], rel=1e-12)


def test_classification_history_keys_lengths_and_values():
    X, y = blobs(30, seed=0)
    Xv, yv = blobs(10, seed=1)
    minidl.manual_seed(0)
    model = nn.Linear(2, 3)
    opt = minidl.optim.Adam(model.parameters(), lr=0.1)
    h = fit(model, nn.CrossEntropyLoss(), opt, loader(X, y, 16, shuffle=True),
            val_loader=loader(Xv, yv, 8), epochs=4, metrics=["accuracy"], progress=False)
    assert list(h.history) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"]
    assert h.epoch == [1, 2, 3, 4]
    assert all(len(v) == 4 for v in h.history.values())
    assert h["lr"] == [0.1] * 4  # Adam's lr, unchanged without a scheduler
    assert all(t > 0 for t in h["time"])
    assert h["val_accuracy"][-1] > 0.9 and h["loss"][-1] < h["loss"][0]
    # the last epoch's validation numbers are those of the final weights (NumPy recomputation)
    w, b = linear_np(model)
    logits = Xv @ w.T + b
    assert h["val_loss"][-1] == pytest.approx(np_cross_entropy(logits, yv), rel=1e-5)
    assert h["val_accuracy"][-1] == np_accuracy(logits, yv)
    assert model.training  # fit leaves the model in training mode


def test_metrics_are_computed_once_per_epoch_on_all_outputs():
    X, y = blobs(10, seed=4)
    Xv, yv = blobs(4, seed=5)
    calls = []

    def seen(output, target):
        calls.append((tuple(output.shape), tuple(target.shape)))
        return np_accuracy(output, target)

    minidl.manual_seed(0)
    model = nn.Linear(2, 3)
    w, b = linear_np(model)
    h = fit(model, nn.CrossEntropyLoss(), GD(model.parameters(), 0.0), batches(X, y, 7),
            val_loader=batches(Xv, yv, 5), epochs=2, metrics={"acc": seen}, progress=False)
    assert calls == [((30, 3), (30,)), ((12, 3), (12,))] * 2
    assert h["acc"] == [np_accuracy(X @ w.T + b, y)] * 2  # lr=0: the outputs of the fixed model
    assert h["val_acc"] == [np_accuracy(Xv @ w.T + b, yv)] * 2


def test_lambda_metrics_get_numbered_names_and_tensor_results_are_read():
    h = fit(**tiny_fit_args(epochs=1, metrics=[lambda o, t: (o - t).abs().mean()]))
    assert "metric_0" in h.history and isinstance(h["metric_0"][0], float)


class ModeProbe(nn.Module):
    """Records the training flag and grad mode of every forward call."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, minidl.is_grad_enabled()))
        return self.fc(x)


def test_training_runs_in_train_mode_and_validation_in_eval_mode_without_grad():
    X, y = blobs(4, seed=0)
    model = ModeProbe()
    model.eval()
    fit(model, nn.CrossEntropyLoss(), GD(model.parameters(), 0.1), batches(X, y, 6),
        val_loader=batches(X, y, 12), epochs=2, progress=False)
    assert model.calls == ([(True, True)] * 2 + [(False, False)]) * 2
    assert model.training and model.fc.training


def test_per_epoch_scheduler_and_recorded_lr():
    class Halve:
        def __init__(self, opt):
            self.opt = opt

        def step(self):
            for g in self.opt.param_groups:
                g["lr"] *= 0.5

    args = tiny_fit_args(epochs=3)
    args["optimizer"] = GD([{"params": [args["model"].weight]},
                            {"params": [args["model"].bias], "lr": 0.02}], lr=0.1)
    h = fit(**args, scheduler=Halve(args["optimizer"]))
    assert h["lr"] == [0.1, 0.05, 0.025]  # the lr each epoch trained with
    assert h["lr_1"] == [0.02, 0.01, 0.005]
    assert args["optimizer"].param_groups[0]["lr"] == 0.0125


def test_batch_stepped_scheduler_steps_after_every_optimizer_step():
    class Count:
        n = 0

        def step(self):
            self.n += 1

    sched = Count()
    fit(**tiny_fit_args(epochs=2), scheduler=sched, scheduler_step="batch")  # 3 batches per epoch
    assert sched.n == 6


def test_metric_driven_scheduler_gets_val_loss_or_train_loss():
    class Plateau:
        def __init__(self):
            self.seen = []

        def step(self, metrics, epoch=None):
            self.seen.append(metrics)

    sched = Plateau()
    args = tiny_fit_args(epochs=3)
    h = fit(**args, val_loader=args["train_loader"][:1], scheduler=sched)
    assert sched.seen == h["val_loss"]
    sched = Plateau()
    h = fit(**tiny_fit_args(epochs=2), scheduler=sched)
    assert sched.seen == h["loss"]
    with pytest.raises(ValueError, match="Plateau steps on a metric"):
        fit(**tiny_fit_args(), scheduler=Plateau(), scheduler_step="batch")


def test_real_schedulers():
    args = tiny_fit_args(epochs=5)
    h = fit(**args, scheduler=StepLR(args["optimizer"], step_size=2, gamma=0.1))
    assert h["lr"] == pytest.approx([0.05, 0.05, 0.005, 0.005, 0.0005], rel=1e-12)
    args = tiny_fit_args(epochs=4)
    # mode='max' on a falling loss: every epoch after the first is "worse"
    sched = ReduceLROnPlateau(args["optimizer"], mode="max", patience=0, factor=0.5)
    h = fit(**args, scheduler=sched)
    assert h["lr"] == pytest.approx([0.05, 0.05, 0.025, 0.0125], rel=1e-12)


def test_grad_clip_limits_the_update_to_the_clipped_norm():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((8, 3))
    y = rng.standard_normal((8, 1)) + 5.0
    model = nn.Linear(3, 1).double()
    w, b = linear_np(model)
    r = X @ w.T + b - y                      # MSE gradient: 2/N * r^T [X, 1]
    g = np.r_[(2 / 8 * r.T @ X).ravel(), 2 / 8 * r.sum()]
    assert np.linalg.norm(g) > 0.5
    fit(model, nn.MSELoss(), GD(model.parameters(), 1.0), batches(X, y, 8), grad_clip=0.5, progress=False)
    w2, b2 = linear_np(model)
    # PyTorch's clip_grad_norm_ scales by max_norm / (norm + 1e-6)
    np.testing.assert_allclose(np.r_[w2.ravel(), b2] - np.r_[w.ravel(), b],
                               -g * 0.5 / (np.linalg.norm(g) + 1e-6), rtol=1e-9)


class NaNAt:
    """Batches of a regression problem whose target holds NaN at one (epoch, batch)."""

    def __init__(self, epoch, batch, value=math.nan):
        X, y = tiny_regression(n=32)
        self.data = batches(X, y, 8)
        self.epoch, self.batch, self.value, self.calls = epoch, batch, value, 0

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        self.calls += 1
        for i, (x, y) in enumerate(self.data, 1):
            if (self.calls, i) == (self.epoch, self.batch):
                y = y.clone()
                y[0, 0] = self.value
            yield x, y


def test_nan_loss_stops_with_the_epoch_and_step_and_keeps_the_last_finite_weights():
    args = tiny_fit_args(epochs=5)
    args["train_loader"] = NaNAt(epoch=2, batch=3)
    snaps = []
    cb = minidl.train.LambdaCallback(on_batch_end=lambda b, logs: snaps.append(linear_np(args["model"])))
    with pytest.warns(RuntimeWarning, match=r"loss is nan at epoch 2, step 7 \(batch 3 of the epoch\)"):
        h = fit(**args, callbacks=[cb], val_loader=args["train_loader"].data)
    assert h.epoch == [1, 2]
    assert math.isnan(h["loss"][1]) and math.isnan(h["val_loss"][1]) and not math.isnan(h["loss"][0])
    assert "epoch 2, step 7" in h.stopped_reason
    w, b = linear_np(args["model"])
    assert len(snaps) == 6
    np.testing.assert_array_equal(w, snaps[-1][0])  # no update from the NaN step
    np.testing.assert_array_equal(b, snaps[-1][1])


def test_infinite_loss_also_stops():
    args = tiny_fit_args(epochs=3)
    args["train_loader"] = NaNAt(epoch=1, batch=1, value=math.inf)
    with pytest.warns(RuntimeWarning, match=r"loss is inf at epoch 1, step 1"):
        h = fit(**args)
    assert h["loss"] == [math.inf]


def test_evaluate_and_predict_against_numpy():
    X, y = blobs(8, seed=2)
    minidl.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    w, b = linear_np(model[0])
    logits = X @ w.T + b
    res = evaluate(model, nn.CrossEntropyLoss(), batches(X, y, 5), metrics={"acc": np_accuracy})
    assert res["loss"] == pytest.approx(np_cross_entropy(logits, y), rel=1e-5)
    assert res["acc"] == np_accuracy(logits, y)
    assert model.training and model[1].training  # modes given back
    out = predict(model, minidl.from_numpy(X), batch_size=5)
    np.testing.assert_allclose(out.numpy(), logits, rtol=1e-5, atol=1e-6)  # dropout off in eval
    assert not out.requires_grad
    out2 = predict(model, batches(X, y, 7))
    np.testing.assert_array_equal(out2.numpy(), out.numpy())
    assert evaluate(model, None, (minidl.from_numpy(X), minidl.from_numpy(y)), metrics={"acc": np_accuracy}) \
        == {"acc": np_accuracy(logits, y)}


def gen_batches():
    X, y = tiny_regression(n=8)
    yield from batches(X, y, 4)


@pytest.mark.parametrize("change, exc, match", [
    (dict(epochs=0), ValueError, "epochs must be >= 1, got 0"),
    (dict(epochs=2.0), TypeError, "epochs must be an int, got float"),
    (dict(model=lambda x: x), TypeError, "model must be a minidl.nn.Module, got function"),
    (dict(loss_fn="mse"), TypeError, "loss_fn must be callable.*got str"),
    (dict(optimizer=None), TypeError, "optimizer must have zero_grad"),
    (dict(train_loader=gen_batches(), epochs=2), TypeError, "one-pass iterator .generator. but epochs=2"),
    (dict(train_loader=[(minidl.zeros(2, 3),)]), ValueError, "pair .input, target., got a tuple of length 1"),
    (dict(train_loader=minidl.zeros(4, 3)), TypeError, "train_loader must be an iterable"),
    (dict(train_loader=[]), ValueError, "train_loader yielded no batches in epoch 1"),
    (dict(metrics=[3]), TypeError, "a metric must be a name .str. or a callable .*got int"),
    (dict(metrics={"loss": np_accuracy}), ValueError, "metric name 'loss' clashes"),
    (dict(metrics={"val_acc": np_accuracy}), ValueError, "metric name 'val_acc' clashes"),
    (dict(callbacks=[print]), TypeError, r"callbacks\[0\] is a builtin_function_or_method"),
    (dict(progress="loud"), ValueError, "progress must be True, False, 'batch', 'epoch' or 'line', got 'lou"),
    (dict(grad_clip=-1.0), ValueError, "grad_clip must be a positive number .* got -1.0"),
    (dict(scheduler=3), TypeError, "scheduler must have a step"),
    (dict(scheduler_step="step"), ValueError, "scheduler_step must be 'epoch' or 'batch', got 'step'"),
])
def test_bad_arguments(change, exc, match):
    args = tiny_fit_args()
    args.update(change)
    with pytest.raises(exc, match=match):
        fit(**args)


def test_unknown_metric_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown metric 'acuracy'") as info:
        fit(**tiny_fit_args(metrics=["acuracy"]))
    assert "valid names: " in str(info.value) and "accuracy," in str(info.value)


def test_loss_fn_must_return_one_element():
    with pytest.raises(ValueError, match=r"loss_fn must return a one-element tensor .* shape \(8, 1\)"):
        fit(**tiny_fit_args(loss_fn=nn.MSELoss(reduction="none")))


def test_metrics_by_name_from_minidl_metrics_match_numpy_and_sklearn():
    from sklearn.metrics import f1_score
    X, y = blobs(12, seed=7)
    minidl.manual_seed(3)
    model = nn.Linear(2, 3)
    w, b = linear_np(model)
    h = fit(model, nn.CrossEntropyLoss(), GD(model.parameters(), 0.0), loader(X, y, 10),
            val_loader=loader(X, y, 36), metrics=["accuracy", "f1_macro", "acc"], progress=False)
    pred = (X @ w.T + b).argmax(axis=1)
    assert h["accuracy"] == h["acc"] == h["val_accuracy"] == [np.mean(pred == y)]
    assert h["f1_macro"][0] == pytest.approx(f1_score(y, pred, average="macro"), rel=1e-12)


def test_regression_metric_names():
    X, y = tiny_regression(n=20, seed=4)
    minidl.manual_seed(0)
    model = nn.Linear(3, 1)
    w, b = linear_np(model)
    h = fit(model, nn.MSELoss(), GD(model.parameters(), 0.0), loader(X, y, 8), metrics=["mse", "mae"],
            progress=False)
    err = X @ w.T + b - y
    assert h["mse"][0] == pytest.approx(np.mean(err ** 2), rel=1e-5) == h["loss"][0]
    assert h["mae"][0] == pytest.approx(np.mean(np.abs(err)), rel=1e-5)


OPTIMIZERS = {
    "GD": lambda ps: GD(ps, 0.1),
    "SGD-nesterov": lambda ps: minidl.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": lambda ps: minidl.optim.Adam(ps, lr=0.01),
    "RMSprop": lambda ps: minidl.optim.RMSprop(ps, lr=0.01, momentum=0.5),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_fit_takes_the_same_steps_as_the_hand_written_loop(name):
    """fit's updates are exactly those of PyTorch's tutorial loop (same batches, same order)."""
    X, y = blobs(20, seed=9)
    data = batches(X, y, 16)

    def make():
        minidl.manual_seed(5)
        model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
        return model, OPTIMIZERS[name](model.parameters())

    model, opt = make()
    h = fit(model, nn.CrossEntropyLoss(), opt, data, epochs=3, progress=False)
    ref, ref_opt = make()
    loss_fn = nn.CrossEntropyLoss()
    X_all = np.concatenate([x.numpy() for x, _ in data])
    for epoch in range(3):
        total = 0.0
        for x, t in data:
            ref_opt.zero_grad()
            loss = loss_fn(ref(x), t)
            total += loss.item() * len(t)
            loss.backward()
            ref_opt.step()
        assert h["loss"][epoch] == pytest.approx(total / len(X_all), rel=1e-12)
    for (k, a), b in zip(model.state_dict().items(), ref.state_dict().values()):
        assert a.numpy().tobytes() == b.numpy().tobytes(), k
