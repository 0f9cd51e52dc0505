"""Metrics by name, for ``minidl.train.fit(..., metrics=['accuracy', 'f1_macro'])``.

``get(name)`` returns a callable ``f(output, target) -> float`` whose ``__name__`` is the name
(the History key: 'accuracy', 'val_accuracy'). The names:

============================================  ==============================================
name                                          callable
============================================  ==============================================
``accuracy`` (``acc``)                        ``accuracy(output, target)``
``top{k}_accuracy`` (``top5_accuracy``, ...)  ``top_k_accuracy(output, target, k)``
``precision``, ``recall``, ``f1``             ``average='binary'`` (positive class 1)
``precision_macro``, ``recall_micro``,        ``average='macro' | 'micro' | 'weighted'``
``f1_weighted``, ... (any of the three with
each average)
``roc_auc`` (``auc``)                         ``roc_auc_score(output, target)`` (1-D scores)
``mse``, ``rmse``, ``mae``, ``r2``            the regression metrics (also under their long
                                              names: ``mean_squared_error``, ...)
``perplexity``                                ``perplexity(logits, target)``
============================================  ==============================================

Entries made by name use ``zero_division=0.0`` (no warnings in the middle of training). A
callable passed to ``get`` is returned as it is, so ``metrics=[my_metric]`` works too.
``available()`` lists the names.
"""
import functools
import re

from .classification import accuracy, top_k_accuracy
from .perplexity import perplexity
from .precision_recall import f1_score, precision, recall
from .ranking import roc_auc_score
from .regression import mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error

__all__ = ["get", "available"]


def _named(name, fn, **kwargs):
    """``fn`` with ``kwargs`` bound, called ``name`` (partial objects have no __name__)."""
    @functools.wraps(fn)
    def metric(output, target):
        return fn(output, target, **kwargs)
    metric.__name__ = metric.__qualname__ = name
    return metric


_REGISTRY = {
    "accuracy": _named("accuracy", accuracy),
    "roc_auc": _named("roc_auc", roc_auc_score),
    "mse": _named("mse", mean_squared_error),
    "rmse": _named("rmse", root_mean_squared_error),
    "mae": _named("mae", mean_absolute_error),
    "r2": _named("r2", r2_score),
    "perplexity": _named("perplexity", perplexity),
}
for _short, _fn in (("precision", precision), ("recall", recall), ("f1", f1_score)):
    _REGISTRY[_short] = _named(_short, _fn, zero_division=0.0)
    for _avg in ("macro", "micro", "weighted"):
        _REGISTRY[f"{_short}_{_avg}"] = _named(f"{_short}_{_avg}", _fn, average=_avg, zero_division=0.0)

_ALIASES = {"acc": "accuracy", "auc": "roc_auc", "f1_score": "f1", "roc_auc_score": "roc_auc",
            "mean_squared_error": "mse", "root_mean_squared_error": "rmse", "mean_absolute_error": "mae",
            "r2_score": "r2"}

_TOP_K = re.compile(r"top_?(\d+)_acc(uracy)?")


def get(name):
    """The metric called ``name`` as ``f(output, target) -> float``; a callable is returned as is.

    Unknown names raise ValueError listing the valid ones.
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(f"a metric is a name (str) or a callable f(output, target), got "
                        f"{type(name).__name__}")
    key = _ALIASES.get(name, name)
    if key in _REGISTRY:
        return _REGISTRY[key]
    match = _TOP_K.fullmatch(name)
    if match and int(match.group(1)) >= 1:
        return _named(name, top_k_accuracy, k=int(match.group(1)))
    raise ValueError(f"unknown metric {name!r}; valid names: {', '.join(available())}")


def available():
    """The metric names ``get`` knows (plus ``top{k}_accuracy`` for any k >= 1)."""
    return sorted(_REGISTRY) + sorted(_ALIASES) + ["top{k}_accuracy"]
