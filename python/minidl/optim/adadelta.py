"""optim.Adadelta: steps in units of past steps, PyTorch's torch.optim.Adadelta."""
from .. import _C
from . import _checks
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""ADADELTA (Zeiler, 2012), PyTorch's ``torch.optim.Adadelta``.

    For each parameter ``w`` with gradient ``g``::

        g = -g                                        if maximize
        g = g + weight_decay * w
        r = rho * r + (1 - rho) * g^2                 (state['square_avg'], from 0)
        d = sqrt(u + eps) / sqrt(r + eps) * g         (u: state['acc_delta'], from 0)
        u = rho * u + (1 - rho) * d^2
        w = w - lr * d

    The ratio of two root-mean-squares gives the step the units of ``w``, so Zeiler's method needs
    no learning rate; PyTorch keeps ``lr`` as a multiplier (default 1.0, the paper's method).

    Args:
        lr: multiplier of the step (default 1.0). rho: decay of both averages (default 0.9).
        eps: added inside both roots (default 1e-6). weight_decay: L2 coefficient (default 0).
        maximize: maximise instead of minimise. foreach, capturable: accepted and ignored.
        differentiable: must be False.

    State per parameter: ``'step'``, ``'square_avg'``, ``'acc_delta'``.
    """

    _state_keys = ("square_avg", "acc_delta", "step")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _checks.not_differentiable("Adadelta", differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        _checks.non_negative("Adadelta", "lr", group["lr"], "learning rate")
        _checks.in_range("Adadelta", "rho", group["rho"], 0.0, 1.0, hi_inclusive=True)
        _checks.non_negative("Adadelta", "eps", group["eps"], "epsilon value")
        _checks.non_negative("Adadelta", "weight_decay", group["weight_decay"], "weight_decay value")
        _checks.flag("Adadelta", "maximize", group["maximize"])

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = None if closure is None else self._run_closure(closure)
        for group, params, grads, lists in self._fused_groups():
            _C._optim.adadelta_(params, grads, lists[0], lists[1], lists[2], group["lr"], group["rho"],
                                group["eps"], group["weight_decay"], group["maximize"])
        return loss
