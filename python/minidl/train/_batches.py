"""What fit, evaluate and predict share: argument checks, batches, metric lookup and evaluation."""
import numpy as np

from .._C import Tensor, cat
from ..nn.module import Module

_RESERVED = ("loss", "lr", "time", "epoch")


def check_model(model, where):
    if not isinstance(model, Module):
        raise TypeError(f"{where}: model must be a minidl.nn.Module, got {type(model).__name__}")


def check_loss_fn(loss_fn, where):
    if not callable(loss_fn):
        raise TypeError(f"{where}: loss_fn must be callable (e.g. nn.MSELoss() or "
                        f"nn.functional.cross_entropy), got {type(loss_fn).__name__}")


def as_loader(data, name, where):
    """A re-iterable of (input, target) batches; a pair of tensors ``(X, y)`` is one full batch."""
    if isinstance(data, tuple) and len(data) == 2 and all(isinstance(t, Tensor) for t in data):
        return [data]
    if isinstance(data, Tensor) or not hasattr(data, "__iter__"):
        raise TypeError(f"{where}: {name} must be an iterable of (input, target) batches (a DataLoader, "
                        f"a list of pairs) or one pair of tensors (X, y), got {type(data).__name__}")
    return data


def bad_batch(batch, name, where):
    got = f"a {type(batch).__name__}"
    if isinstance(batch, (tuple, list)):
        got += f" of length {len(batch)}"
    return ValueError(f"{where}: each batch of {name} must be a pair (input, target), got {got}")


def n_samples(y):
    try:
        return len(y)
    except TypeError:  # a 0-d target: one sample
        return 1


def scalar_loss(loss, where):
    """``loss.item()``, or an error that says what a loss function must return."""
    try:
        return loss.item()
    except Exception:  # noqa: BLE001  (anything that is not a one-element tensor)
        got = f"a tensor of shape {tuple(loss.shape)}" if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(f"{where}: loss_fn must return a one-element tensor (a mean over the batch), "
                         f"got {got}") from None


def resolve_metrics(metrics, where):
    """``metrics`` -> list of (name, fn). Names are looked up with ``minidl.metrics.get``; a callable
    is named by its ``__name__``; a dict gives names explicitly: ``{'acc': fn}``."""
    if metrics is None:
        return []
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    items = list(metrics.items()) if isinstance(metrics, dict) else [(None, m) for m in metrics]
    out = []
    for i, (name, m) in enumerate(items):
        if isinstance(m, str):
            fn = _lookup(m, where)
            name = name or m
        elif callable(m):
            fn = m
            name = name or getattr(m, "__name__", None)
            if not name or name == "<lambda>":
                name = f"metric_{i}"
        else:
            raise TypeError(f"{where}: a metric must be a name (str) or a callable "
                            f"f(output, target) -> float, got {type(m).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"{where}: metric names must be strings, got {name!r}")
        if name in _RESERVED or name.startswith(("val_", "lr_")):
            raise ValueError(f"{where}: the metric name {name!r} clashes with fit's own log keys "
                             f"({', '.join(_RESERVED)}, val_*, lr_*); name it with a dict: {{'my_name': fn}}")
        if name in (n for n, _ in out):
            raise ValueError(f"{where}: two metrics are named {name!r}")
        out.append((name, fn))
    return out


def _lookup(name, where):
    try:
        from .. import metrics as registry
    except ImportError:
        raise ValueError(f"{where}: unknown metric {name!r}: minidl.metrics is not available; "
                         "pass a callable f(output, target) -> float instead") from None
    try:
        return registry.get(name)
    except (KeyError, ValueError) as e:
        msg = e.args[0] if e.args else repr(name)
        raise ValueError(f"{where}: {msg}") from None


def concat(parts):
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, Tensor) for p in parts):
        return cat(parts)
    return np.concatenate([np.asarray(p.numpy() if isinstance(p, Tensor) else p) for p in parts])


def compute_metrics(metrics, outputs, targets, prefix=""):
    """Each metric once, on all of an epoch's outputs and targets (concatenated along dim 0)."""
    if not metrics:
        return {}
    if not outputs:  # a callback stopped training before the epoch's first batch
        return {prefix + name: float("nan") for name, _ in metrics}
    output, target = concat(outputs), concat(targets)
    logs = {}
    for name, fn in metrics:
        value = fn(output, target)
        try:
            logs[prefix + name] = value.item() if isinstance(value, Tensor) else float(value)
        except (TypeError, ValueError, RuntimeError):
            got = type(value).__name__
            if isinstance(value, Tensor):
                got += f" of shape {tuple(value.shape)}"
            raise TypeError(f"metric {name!r} must return a number, got {got}") from None
    return logs


class eval_mode:
    """Put every module in eval mode, and give each back the mode it had on exit."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.modes = [(m, m.training) for m in self.model.modules()]
        self.model.eval()

    def __exit__(self, *exc):
        for m, mode in self.modes:
            m.training = mode
        return False
