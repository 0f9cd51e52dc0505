"""fit: the training loop every PyTorch script writes by hand, once, with a History (Keras' fit).

Each epoch runs, for every batch ``(x, y)`` of ``train_loader``::

    optimizer.zero_grad(); out = model(x); loss = loss_fn(out, y); loss.backward(); optimizer.step()

then validates on ``val_loader`` and steps the scheduler. PyTorch itself has no ``fit``; this one
is the loop of PyTorch's tutorials with Keras' ``History`` and callbacks around it.
"""
import inspect
import math
import time
import warnings

from ._batches import (as_loader, bad_batch, check_loss_fn, check_model, compute_metrics, n_samples,
                       resolve_metrics, scalar_loss)
from .callbacks import Callback
from .evaluate import _evaluate
from .history import History
from .progress import make_progress

__all__ = ["fit", "Trainer"]


class Trainer:
    """The running fit, as callbacks see it (``self.trainer``): ``model``, ``loss_fn``, ``optimizer``,
    ``scheduler``, ``history``, ``epochs``, ``epoch`` (the current one, from 1), ``step`` (optimizer
    steps taken), ``log_keys`` (the keys each epoch logs), and ``stop_training`` / ``stop_reason``
    (set them to end training after the current batch or epoch)."""

    def __init__(self, model, loss_fn, optimizer, scheduler, epochs, history, log_keys):
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self.epochs, self.history, self.log_keys = epochs, history, log_keys
        self.epoch = 0
        self.step = 0
        self.stop_training = False
        self.stop_reason = None


def _notify(callbacks, hook, trainer, *args):
    for cb in callbacks:
        if getattr(cb, hook)(*args) is True:
            trainer.stop_training = True
            if trainer.stop_reason is None:
                trainer.stop_reason = f"{type(cb).__name__}.{hook} returned True at epoch {trainer.epoch}"


def _lrs(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    if not groups or "lr" not in groups[0]:
        return {}
    lrs = {"lr": float(groups[0]["lr"])}
    for i, g in enumerate(groups[1:], 1):
        lrs[f"lr_{i}"] = float(g["lr"])
    return lrs


def _steps_on_metric(scheduler):
    """Whether ``scheduler.step`` wants a metric (ReduceLROnPlateau's ``step(metrics)``)."""
    if type(scheduler).__name__ == "ReduceLROnPlateau":
        return True
    try:
        params = list(inspect.signature(scheduler.step).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return bool(positional) and positional[0].default is inspect.Parameter.empty


def _check_args(model, loss_fn, optimizer, train_loader, epochs, scheduler, scheduler_step, grad_clip):
    where = "fit"
    check_model(model, where)
    check_loss_fn(loss_fn, where)
    if not (callable(getattr(optimizer, "zero_grad", None)) and callable(getattr(optimizer, "step", None))):
        raise TypeError(f"fit: optimizer must have zero_grad() and step() (a minidl.optim.Optimizer), "
                        f"got {type(optimizer).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, int):
        raise TypeError(f"fit: epochs must be an int, got {type(epochs).__name__} {epochs!r}")
    if epochs < 1:
        raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
    if epochs > 1 and hasattr(train_loader, "__next__"):
        raise TypeError(f"fit: train_loader is a one-pass iterator ({type(train_loader).__name__}) but "
                        f"epochs={epochs}; pass something that can be iterated again each epoch "
                        "(a DataLoader, a list)")
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(f"fit: scheduler must have a step() method, got {type(scheduler).__name__}")
    if scheduler_step not in ("epoch", "batch"):
        raise ValueError(f"fit: scheduler_step must be 'epoch' or 'batch', got {scheduler_step!r}")
    if scheduler is not None and scheduler_step == "batch" and _steps_on_metric(scheduler):
        raise ValueError(f"fit: {type(scheduler).__name__} steps on a metric once per epoch; "
                         "use scheduler_step='epoch'")
    if grad_clip is not None and (isinstance(grad_clip, bool) or not isinstance(grad_clip, (int, float))
                                  or not grad_clip > 0):
        raise ValueError(f"fit: grad_clip must be a positive number (the max gradient norm) or None, "
                         f"got {grad_clip!r}")


def _check_callbacks(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    callbacks = list(callbacks)
    for i, cb in enumerate(callbacks):
        if not isinstance(cb, Callback):
            raise TypeError(f"fit: callbacks[{i}] is a {type(cb).__name__}, not a minidl.train.Callback "
                            "(use LambdaCallback to wrap functions)")
    return callbacks


def fit(model, loss_fn, optimizer, train_loader, val_loader=None, epochs=1, scheduler=None, metrics=(),
        callbacks=(), progress=True, grad_clip=None, scheduler_step="epoch"):
    """Train ``model`` for ``epochs`` epochs and return the ``History``.

    - ``train_loader`` / ``val_loader``: anything iterable again each epoch that yields ``(input,
      target)`` batches (a ``DataLoader``, a list of pairs), or one pair of tensors ``(X, y)`` for
      full-batch training. ``len()`` is used, when it exists, for the progress bar only.
    - ``loss_fn(output, target)`` returns the batch's mean loss. The epoch's ``'loss'`` is the
      sample-weighted mean of its batch losses, ``sum_b n_b L_b / sum_b n_b`` (the mean over the
      epoch's samples, each seen under the weights of its own step, as Keras reports it).
    - ``metrics``: names known to ``minidl.metrics`` (``'accuracy'``), callables
      ``f(output, target) -> float`` (named by ``__name__``), or a dict ``{name: metric}``. Each is
      computed once per epoch on the epoch's outputs and targets (outputs kept detached as they
      were produced during training; for the validation data, after the epoch).
    - Validation runs in ``model.eval()`` under ``minidl.no_grad()``; ``fit`` calls ``model.train()``
      at the start of every epoch and leaves the model in training mode (call ``model.eval()``
      before inference).
    - ``scheduler`` steps once per epoch after validation (``scheduler_step='batch'``: after every
      optimizer step). A scheduler whose ``step`` takes a metric (``ReduceLROnPlateau``) gets
      ``val_loss``, or ``loss`` without a ``val_loader``.
    - ``grad_clip``: clip the gradients' total L2 norm to this value before each step
      (``nn.utils.clip_grad_norm_``).
    - History keys: ``'loss'``, each metric, ``'val_loss'`` and ``'val_<metric>'`` with a
      ``val_loader``, ``'lr'`` (group 0's learning rate at the start of the epoch, the one that
      epoch trained with under per-epoch scheduling; ``'lr_1'``... for further groups) and ``'time'``
      (seconds for the epoch's training and validation).
    - ``progress``: True/'batch' (a tqdm bar per epoch), 'epoch' (one bar), 'line', False (silent).
    - ``callbacks``: ``Callback`` objects (``EarlyStopping``, ``ModelCheckpoint``, ``LambdaCallback``).

    A loss that is NaN or infinite stops training before that step's backward, so the model keeps the
    weights of the last finite step: a ``RuntimeWarning`` says at which epoch and step, the epoch is
    recorded with that loss (its other entries NaN), and ``history.stopped_reason`` holds the message.
    """
    _check_args(model, loss_fn, optimizer, train_loader, epochs, scheduler, scheduler_step, grad_clip)
    train_loader = as_loader(train_loader, "train_loader", "fit")
    if val_loader is not None:
        val_loader = as_loader(val_loader, "val_loader", "fit")
    metrics = resolve_metrics(metrics, "fit")
    callbacks = _check_callbacks(callbacks)
    clip = None
    if grad_clip is not None:
        from ..nn.utils import clip_grad_norm_
        params = [p for g in optimizer.param_groups for p in g["params"]]
        clip = (clip_grad_norm_, params, float(grad_clip))

    try:
        steps = len(train_loader)
    except TypeError:
        steps = None
    names = [n for n, _ in metrics]
    log_keys = ["loss"] + names
    if val_loader is not None:
        log_keys += ["val_loss"] + ["val_" + n for n in names]
    log_keys += list(_lrs(optimizer)) + ["time"]
    history = History(params={"epochs": epochs, "steps": steps})
    trainer = Trainer(model, loss_fn, optimizer, scheduler, epochs, history, log_keys)
    for cb in callbacks:
        cb.set_trainer(trainer)
    plateau = scheduler is not None and _steps_on_metric(scheduler)

    bar = make_progress(progress, epochs, steps)
    logs = {}
    try:
        _notify(callbacks, "on_train_begin", trainer, {})
        for epoch in range(1, epochs + 1):
            if trainer.stop_training:
                break
            trainer.epoch = epoch
            start = time.perf_counter()
            lrs = _lrs(optimizer)
            model.train()
            _notify(callbacks, "on_epoch_begin", trainer, epoch, {})
            if trainer.stop_training:
                break
            if bar is not None:
                bar.epoch_begin(epoch)
            loss, outputs, targets, bad = _train_epoch(trainer, train_loader, callbacks, bar, clip,
                                                       scheduler if scheduler_step == "batch" else None,
                                                       bool(metrics))
            if bad is not None:
                logs = {k: math.nan for k in log_keys}
                logs.update(lrs, loss=loss, time=time.perf_counter() - start)
                message = (f"fit: the training loss is {loss} at epoch {epoch}, step {bad[1]} "
                           f"(batch {bad[0]} of the epoch); training stopped before that step's update, so "
                           "the model keeps the weights of the last finite step. A smaller learning rate or "
                           "grad_clip may help.")
            else:
                logs = {"loss": loss}
                logs.update(compute_metrics(metrics, outputs, targets))
                del outputs, targets
                if val_loader is not None:
                    val = _evaluate(model, loss_fn, val_loader, metrics, "val_loader", "fit")
                    logs.update(("val_" + k, v) for k, v in val.items())
                logs.update(lrs)
                if scheduler is not None and scheduler_step == "epoch":
                    if plateau:
                        scheduler.step(logs["val_loss" if val_loader is not None else "loss"])
                    else:
                        scheduler.step()
                logs["time"] = time.perf_counter() - start
            _notify(callbacks, "on_epoch_end", trainer, epoch, logs)
            history.append(epoch, logs)
            if bar is not None:
                bar.epoch_end(epoch, logs)
            if bad is not None:
                trainer.stop_training = True
                trainer.stop_reason = message
                warnings.warn(message, RuntimeWarning, stacklevel=2)
                break
        if trainer.stop_training:
            history.stopped_reason = trainer.stop_reason or (
                f"a callback set stop_training at epoch {trainer.epoch}")
        _notify(callbacks, "on_train_end", trainer, logs)
    finally:
        if bar is not None:
            bar.close()
    return history


def _train_epoch(trainer, loader, callbacks, bar, clip, batch_scheduler, keep_outputs):
    """One pass over ``loader``. Returns ``(mean loss, outputs, targets, None)``, or
    ``(bad loss, None, None, (batch, step))`` when a loss is not finite."""
    model, loss_fn, optimizer = trainer.model, trainer.loss_fn, trainer.optimizer
    begin = [cb for cb in callbacks if cb.handles("on_batch_begin")]
    end = [cb for cb in callbacks if cb.handles("on_batch_end")]
    on_batch = bar.batch_end if bar is not None and bar.per_batch else None
    isfinite = math.isfinite
    total, count, batch = 0.0, 0, 0
    outputs, targets = [], []
    for data in loader:
        batch += 1
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise bad_batch(data, "train_loader", "fit")
        x, y = data
        if begin:
            _notify(begin, "on_batch_begin", trainer, batch, {"step": trainer.step + 1})
            if trainer.stop_training:
                break
        optimizer.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        value = scalar_loss(loss, "fit")  # the one host read of the step
        if not isfinite(value):
            return value, None, None, (batch, trainer.step + 1)
        loss.backward()
        if clip is not None:
            clip[0](clip[1], clip[2])
        optimizer.step()
        trainer.step += 1
        n = n_samples(y)
        total += value * n
        count += n
        if keep_outputs:
            outputs.append(out.detach())
            targets.append(y)
        if batch_scheduler is not None:
            batch_scheduler.step()
        if on_batch is not None:
            on_batch(value)
        if end:
            _notify(end, "on_batch_end", trainer, batch, {"loss": value, "size": n, "step": trainer.step})
            if trainer.stop_training:
                break
    if count == 0:
        if trainer.stop_training:
            return math.nan, outputs, targets, None
        raise ValueError(f"fit: train_loader yielded no batches in epoch {trainer.epoch}")
    return total / count, outputs, targets, None
