"""Callbacks: code that ``fit`` runs at fixed points of training (Keras' callbacks, epochs from 1).

``fit`` calls, in the order the callbacks were given::

    on_train_begin(logs)
      on_epoch_begin(epoch, logs)              # epoch = 1, 2, ...
        on_batch_begin(batch, logs)            # batch = 1, 2, ... within the epoch
        on_batch_end(batch, logs)              # logs: {'loss', 'size', 'step'} of this batch
      on_epoch_end(epoch, logs)                # logs: the epoch's 'loss', 'val_loss', metrics, 'lr', 'time'
    on_train_end(logs)                         # logs: the last epoch's

Before ``on_train_begin`` each callback gets ``self.trainer``: ``trainer.model``, ``.optimizer``,
``.loss_fn``, ``.scheduler``, ``.history``, ``.epoch``, ``.epochs``, ``.step`` (batches done so far)
and ``.log_keys`` (the keys every epoch will log). To stop training, set
``self.trainer.stop_training = True`` (optionally ``self.trainer.stop_reason = '...'``) or return
``True`` from a hook. A stop asked for during a batch ends the epoch after that batch; the epoch is
still validated and recorded. ``on_epoch_end`` may add entries to ``logs``: they are recorded in the
History after every callback has run.
"""
import math

from .history import check_mode

__all__ = ["Callback", "LambdaCallback", "EarlyStopping", "ModelCheckpoint"]

_HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_begin", "on_batch_end", "on_epoch_end",
          "on_train_end")


class Callback:
    """Base class: override the hooks you need (each does nothing here)."""

    trainer = None

    def set_trainer(self, trainer):
        self.trainer = trainer

    @property
    def model(self):
        return None if self.trainer is None else self.trainer.model

    def handles(self, hook):
        """Whether this callback does something at ``hook``; ``fit`` skips the per-batch hooks
        (and building their logs) when no callback handles them."""
        return getattr(type(self), hook) is not getattr(Callback, hook)

    def on_train_begin(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass


class LambdaCallback(Callback):
    """A callback made of plain functions, each taking the hook's arguments (Keras' LambdaCallback):

    >>> LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs['loss']))
    """

    def __init__(self, on_train_begin=None, on_epoch_begin=None, on_batch_begin=None, on_batch_end=None,
                 on_epoch_end=None, on_train_end=None):
        fns = dict(on_train_begin=on_train_begin, on_epoch_begin=on_epoch_begin,
                   on_batch_begin=on_batch_begin, on_batch_end=on_batch_end, on_epoch_end=on_epoch_end,
                   on_train_end=on_train_end)
        for name, fn in fns.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be callable or None, got {type(fn).__name__}")
        self._fns = fns

    def handles(self, hook):
        return self._fns[hook] is not None

    def _call(self, hook, *args):
        fn = self._fns[hook]
        return None if fn is None else fn(*args)

    def on_train_begin(self, logs=None):
        return self._call("on_train_begin", logs)

    def on_epoch_begin(self, epoch, logs=None):
        return self._call("on_epoch_begin", epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        return self._call("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        return self._call("on_batch_end", batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        return self._call("on_epoch_end", epoch, logs)

    def on_train_end(self, logs=None):
        return self._call("on_train_end", logs)


def _check_monitor(cb, monitor):
    keys = getattr(cb.trainer, "log_keys", None)
    if keys is not None and monitor not in keys:
        raise ValueError(f"{type(cb).__name__} monitors {monitor!r}, which this run does not log; "
                         f"it logs {sorted(keys)}" + (" (val_ keys need a val_loader)"
                                                       if monitor.startswith("val_") else ""))


def _monitored(cb, monitor, logs):
    if monitor not in logs:
        raise ValueError(f"{type(cb).__name__} monitors {monitor!r}, which is not in the epoch's logs "
                         f"{sorted(logs)}")
    return float(logs[monitor])


def _improves(value, best, mode, min_delta):
    if math.isnan(value):
        return False
    if best is None:
        return True
    return value < best - min_delta if mode == "min" else value > best + min_delta


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs (Keras' EarlyStopping).

    An epoch improves when its value beats the best so far by more than ``min_delta``
    (``value < best - min_delta`` in 'min' mode, ``value > best + min_delta`` in 'max' mode;
    ``mode='auto'`` takes 'max' for accuracy-like names and 'min' for losses). NaN never improves.
    After ``patience`` epochs in a row without improvement, training stops.

    ``restore_best=True``: each improvement keeps a copy (clones) of ``model.state_dict()``
    (parameters and buffers), and at the end of training, stopped early or not, the model gets
    those best weights back, bit for bit (PyTorch's torch has no fit; this is Keras 3's
    ``restore_best_weights``). The History records ``best_epoch`` and ``stopped_epoch``
    (None when training ran every epoch).
    """

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto", restore_best=True):
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: monitor must be a log key (str), got {type(monitor).__name__}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        if not isinstance(min_delta, (int, float)) or not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got {min_delta!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = check_mode(mode, monitor)
        self.restore_best = bool(restore_best)
        self._reset()

    def _reset(self):
        self.wait = 0
        self.best = None
        self.best_epoch = None
        self.best_state = None
        self.stopped_epoch = None

    def on_train_begin(self, logs=None):
        self._reset()
        _check_monitor(self, self.monitor)

    def on_epoch_end(self, epoch, logs=None):
        value = _monitored(self, self.monitor, logs)
        if _improves(value, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = {k: v.clone() for k, v in self.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            best = ("no value that is not NaN" if self.best is None
                    else f"best {self.best:.6g} at epoch {self.best_epoch}")
            self.trainer.stop_reason = (f"early stopping at epoch {epoch}: {self.monitor} did not improve "
                                        f"by more than min_delta={self.min_delta:g} for {self.wait} epochs "
                                        f"({best})")
            self.trainer.stop_training = True

    def on_train_end(self, logs=None):
        history = self.trainer.history
        history.best_epoch = self.best_epoch
        history.stopped_epoch = self.stopped_epoch
        if self.restore_best and self.best_state is not None:
            self.model.load_state_dict(self.best_state)


class ModelCheckpoint(Callback):
    """Save ``model.state_dict()`` with ``minidl.save`` after each epoch (Keras' ModelCheckpoint).

    ``path`` may name the epoch and any log entry as ``str.format`` fields, e.g.
    ``'ckpt/epoch{epoch:03d}-{val_loss:.3f}.mdl'``. ``save_best_only=True`` saves only when
    ``monitor`` improves on the best so far (``mode`` as in EarlyStopping). ``saved`` lists the
    paths written; ``best`` and ``best_epoch`` the best monitored value.
    """

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto"):
        self.path = path
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.mode = check_mode(mode, monitor)
        self.best = None
        self.best_epoch = None
        self.saved = []

    def on_train_begin(self, logs=None):
        self.best, self.best_epoch, self.saved = None, None, []
        if self.save_best_only:
            _check_monitor(self, self.monitor)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = _monitored(self, self.monitor, logs)
            if not _improves(value, self.best, self.mode, 0.0):
                return
            self.best, self.best_epoch = value, epoch
        from ..serialization import save
        path = str(self.path)
        if "{" in path:
            path = path.format(epoch=epoch, **logs)
        save(self.model.state_dict(), path)
        self.saved.append(path)
