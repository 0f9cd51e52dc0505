"""History: what ``fit`` returns, one list per logged quantity, one entry per epoch (Keras' History).

    h = minidl.train.fit(...)
    h.epoch                      # [1, 2, ..., n]
    h.history['val_loss']        # or h['val_loss']
    h.best('val_loss')           # Best(epoch=7, value=0.1234)
    h.to_csv('run.csv'); h.to_json('run.json'); h.plot()

Keys: ``'loss'`` and ``'val_loss'``, each metric as ``'<name>'`` and ``'val_<name>'``, ``'lr'``
(group 0's learning rate during the epoch; ``'lr_1'``, ``'lr_2'``... for further groups) and
``'time'`` (seconds the epoch took, validation included). Epochs count from 1.

``stopped_reason`` says why training ended before ``params['epochs']`` (early stopping, a NaN
loss, a callback); ``stopped_epoch`` and ``best_epoch`` are set by ``EarlyStopping``.
"""
import csv
import json
import math
from collections import namedtuple

__all__ = ["History", "Best"]

Best = namedtuple("Best", ["epoch", "value"])

# Quantities that are better when larger; anything else is taken as a loss/error (lower is better).
_HIGHER_IS_BETTER = ("acc", "f1", "precision", "recall", "auc", "r2", "iou", "dice", "score")


def infer_mode(key):
    """'max' for accuracy-like keys (accuracy, val_f1, top5_acc, auc, r2...), 'min' otherwise."""
    name = key[4:] if key.startswith("val_") else key
    name = name.lower()
    if "loss" in name or "error" in name:
        return "min"
    return "max" if any(tag in name for tag in _HIGHER_IS_BETTER) else "min"


def check_mode(mode, key):
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    return infer_mode(key) if mode == "auto" else mode


def _encode(v):
    # Strict JSON has no NaN/Infinity: write them as strings that float() reads back exactly.
    if isinstance(v, float) and not math.isfinite(v):
        return repr(v)  # 'nan', 'inf', '-inf'
    return v


def _decode(v):
    if isinstance(v, str):
        return float(v)
    if v is None:
        return math.nan
    return v


class History:
    """Per-epoch training record: ``history`` (dict of lists), ``epoch`` (list of epoch numbers).

    ``params`` holds what the run was asked to do (``{'epochs': ..., 'steps': ...}``).
    """

    def __init__(self, history=None, epoch=None, params=None):
        self.history = {k: list(v) for k, v in (history or {}).items()}
        n = len(epoch) if epoch is not None else (max((len(v) for v in self.history.values()), default=0))
        self.epoch = list(epoch) if epoch is not None else list(range(1, n + 1))
        for k, v in self.history.items():
            if len(v) != len(self.epoch):
                raise ValueError(f"history[{k!r}] has {len(v)} entries but there are "
                                 f"{len(self.epoch)} epochs")
        self.params = dict(params or {})
        self.stopped_reason = None
        self.stopped_epoch = None
        self.best_epoch = None

    # -- recording (used by fit) ------------------------------------------------------------------
    def append(self, epoch, logs):
        """Record one epoch's ``logs``; a key first seen now is padded with NaN for earlier epochs,
        and a key missing now gets NaN, so every list stays as long as ``epoch``."""
        n = len(self.epoch)
        for k in logs:
            if k not in self.history:
                self.history[k] = [math.nan] * n
        for k, v in self.history.items():
            v.append(float(logs[k]) if k in logs else math.nan)
        self.epoch.append(int(epoch))

    # -- reading ----------------------------------------------------------------------------------
    def __len__(self):
        return len(self.epoch)

    def __contains__(self, key):
        return key in self.history

    def keys(self):
        return self.history.keys()

    def __getitem__(self, key):
        try:
            return self.history[key]
        except KeyError:
            raise KeyError(f"no {key!r} in this History; it has {sorted(self.history)}") from None

    def best(self, key="val_loss", mode="auto"):
        """The epoch with the best value of ``key`` and that value, as ``Best(epoch, value)``.

        ``mode``: 'min', 'max', or 'auto' (max for accuracy-like keys, min for losses). NaN
        entries (a diverged epoch) are ignored; the first of equal values wins.
        """
        mode = check_mode(mode, key)
        values = self[key]
        pairs = [(e, v) for e, v in zip(self.epoch, values) if not math.isnan(v)]
        if not pairs:
            raise ValueError(f"History[{key!r}] has no values that are not NaN ({len(values)} epochs)")
        pick = min if mode == "min" else max
        e, v = pick(pairs, key=lambda p: p[1])
        return Best(e, v)

    # -- saving -----------------------------------------------------------------------------------
    def to_dict(self):
        """A plain dict: ``{'epoch': [...], 'history': {...}, 'params': {...}, 'stopped_reason': ...,
        'stopped_epoch': ..., 'best_epoch': ...}`` (what ``to_json`` writes)."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()},
                "params": dict(self.params), "stopped_reason": self.stopped_reason,
                "stopped_epoch": self.stopped_epoch, "best_epoch": self.best_epoch}

    @classmethod
    def from_dict(cls, d):
        if not isinstance(d, dict) or "history" not in d or "epoch" not in d:
            raise ValueError("a History dict has 'epoch' and 'history' entries (what History.to_dict writes)")
        h = cls(d["history"], d["epoch"], d.get("params"))
        h.stopped_reason = d.get("stopped_reason")
        h.stopped_epoch = d.get("stopped_epoch")
        h.best_epoch = d.get("best_epoch")
        return h

    def to_json(self, path):
        """Write ``to_dict()`` as strict JSON; NaN and infinities are written as the strings
        ``"nan"``, ``"inf"``, ``"-inf"`` (JSON has no such numbers) and read back by ``from_json``."""
        d = self.to_dict()
        d["history"] = {k: [_encode(x) for x in v] for k, v in d["history"].items()}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(d, f, indent=1, allow_nan=False)

    @classmethod
    def from_json(cls, path):
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        if isinstance(d, dict) and isinstance(d.get("history"), dict):
            d["history"] = {k: [_decode(x) for x in v] for k, v in d["history"].items()}
        return cls.from_dict(d)

    def to_csv(self, path):
        """Write one row per epoch: ``epoch,<key>,<key>...``; floats are written with ``repr`` so they
        read back bit for bit (NaN as ``nan``, which pandas and ``from_csv`` read as NaN)."""
        keys = list(self.history)
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["epoch"] + keys)
            for i, e in enumerate(self.epoch):
                w.writerow([e] + [repr(float(self.history[k][i])) for k in keys])

    @classmethod
    def from_csv(cls, path):
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        if not rows or not rows[0] or rows[0][0] != "epoch":
            raise ValueError(f"{path}: not a History CSV (the first column must be 'epoch')")
        keys = rows[0][1:]
        body = rows[1:]
        for i, r in enumerate(body, 2):
            if len(r) != len(rows[0]):
                raise ValueError(f"{path}: line {i} has {len(r)} fields, the header has {len(rows[0])}")
        return cls({k: [float(r[j + 1]) for r in body] for j, k in enumerate(keys)},
                   [int(r[0]) for r in body])

    # -- showing ----------------------------------------------------------------------------------
    def plot(self, keys=None, ax=None, **kwargs):
        """Plot ``keys`` against the epoch with ``minidl.viz.plot_history``; returns the Figure.

        ``keys=None`` plots ``'loss'`` and, when the run was validated, ``'val_loss'``; other keyword
        arguments (``title``, ``logy``) go to ``plot_history``. Several runs on one figure:
        ``minidl.viz.plot_history({'sgd': h1, 'adam': h2})``.
        """
        from ..viz import plot_history  # matplotlib is imported only when plotting
        if keys is None:
            keys = tuple(k for k in ("loss", "val_loss") if k in self.history) or ("loss",)
        elif isinstance(keys, str):
            keys = (keys,)
        return plot_history(self, keys=tuple(keys), ax=ax, **kwargs)

    def __repr__(self):
        n = len(self.epoch)
        if n == 0:
            return "History(0 epochs)"
        shown = [k for k in self.history if k not in ("time",) and not k.startswith("lr_")]
        last = ", ".join(f"{k}={self.history[k][-1]:.4g}" for k in shown)
        extra = f"; stopped: {self.stopped_reason}" if self.stopped_reason else ""
        total = sum(self.history.get("time", []))
        timing = f", {total:.3g}s" if "time" in self.history else ""
        return f"History({n} epochs{timing}; last: {last}{extra})"
