"""Weight penalties to add to a loss, written as the course notes write them.

    loss = criterion(net(x), y) + F.l2_penalty(net, lam)

By default they run over the parameters whose name ends in ``weight`` (the notes penalise the
weight matrices W, not the biases); ``include_bias=True`` adds the biases. Note that the scale
``gamma`` of BatchNorm/LayerNorm is also named ``weight``, as in PyTorch. ``module`` may also be
an iterable of tensors, which are all used.
"""
from .. import _C

__all__ = ["l1_penalty", "l2_penalty", "elastic_net_penalty"]


def _penalised(module, include_bias):
    from .module import Module
    if isinstance(module, Module):
        kinds = ("weight", "bias") if include_bias else ("weight",)
        return [p for name, p in module.named_parameters() if name.rsplit(".", 1)[-1].endswith(kinds)]
    if isinstance(module, _C.Tensor):
        return [module]
    return list(module)


def _total(tensors, term):
    total = None
    for t in tensors:
        s = term(t).sum()
        total = s if total is None else total + s
    return _C.zeros(()) if total is None else total


def l1_penalty(module, lam, include_bias=False):
    """``lam * sum |w|`` (L1 / Lasso, notes 000, 002, 003): pushes weights to exactly 0.
    Its gradient is ``lam * sign(w)``."""
    return lam * _total(_penalised(module, include_bias), _C.abs)


def l2_penalty(module, lam, include_bias=False, half=True):
    """``lam / 2 * sum w^2`` (L2 / ridge / weight decay, the form of note 000), whose gradient
    ``lam * w`` is exactly what ``SGD(..., weight_decay=lam)`` adds.

    ``half=False`` gives ``lam * sum w^2`` (notes 002 and 003, gradient ``2 lam w``)."""
    value = _total(_penalised(module, include_bias), lambda w: w * w)
    return (lam / 2 if half else lam) * value


def elastic_net_penalty(module, l1, l2, include_bias=False, half=True):
    """Elastic net: ``l1 * sum |w| + l2 / 2 * sum w^2``; ``half=False`` gives note 002's
    ``l1 * sum |w| + l2 * sum w^2``."""
    return l1_penalty(module, l1, include_bias) + l2_penalty(module, l2, include_bias, half)
