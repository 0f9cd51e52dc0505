"""optim.RMSprop: steps scaled by a moving average of squared gradients, PyTorch's torch.optim.RMSprop."""
from .. import _C
from . import _checks
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSProp (Hinton, 2012), PyTorch's ``torch.optim.RMSprop``.

    For each parameter ``w`` with gradient ``g``::

        g = -g                                    if maximize
        g = g + weight_decay * w
        r = alpha * r + (1 - alpha) * g^2         (state['square_avg'], from 0)
        centered:  m = alpha * m + (1 - alpha) * g  (state['grad_avg']);  s = sqrt(r - m^2) + eps
        otherwise: s = sqrt(r) + eps
        momentum > 0:  b = momentum * b + g / s  (state['momentum_buffer']);  w = w - lr * b
        otherwise:     w = w - lr * g / s

    Unlike AdaGrad's sum, the moving average forgets old gradients, so the steps do not shrink
    to nothing. ``centered`` divides by an estimate of the gradient's standard deviation instead
    of its root mean square.

    The course notes' RMSProp ``r = b r + (1 - b) g^2; w -= lr g / (sqrt(r) + eps)`` (notes 000,
    001, 003) is ``RMSprop(params, lr, alpha=b, eps=eps)``. Note that PyTorch calls the decay
    ``alpha`` (default 0.99), where the notes write ``rho``, ``lambda`` or ``beta``.

    Args:
        lr: learning rate (default 1e-2). alpha: decay of the average (default 0.99).
        eps: added to the root (default 1e-8). weight_decay: L2 coefficient (default 0).
        momentum: momentum on the scaled step (default 0). centered: see above (default False).
        maximize: maximise instead of minimise. capturable, foreach: accepted and ignored.
        differentiable: must be False.

    State per parameter: ``'step'``, ``'square_avg'``, ``'grad_avg'`` (centered),
    ``'momentum_buffer'`` (momentum > 0).
    """

    _state_keys = ("square_avg", "grad_avg", "momentum_buffer", "step")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _checks.not_differentiable("RMSprop", differentiable)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_group(self, group):
        _checks.non_negative("RMSprop", "lr", group["lr"], "learning rate")
        _checks.non_negative("RMSprop", "eps", group["eps"], "epsilon value")
        _checks.non_negative("RMSprop", "momentum", group["momentum"], "momentum value")
        _checks.non_negative("RMSprop", "weight_decay", group["weight_decay"], "weight_decay value")
        _checks.non_negative("RMSprop", "alpha", group["alpha"], "alpha value")
        _checks.flag("RMSprop", "centered", group["centered"])
        _checks.flag("RMSprop", "maximize", group["maximize"])

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = None if closure is None else self._run_closure(closure)
        for group, params, grads, lists in self._fused_groups():
            _C._optim.rmsprop_(params, grads, lists[0], lists[1], lists[2], lists[3], group["lr"],
                               group["alpha"], group["eps"], group["weight_decay"], group["momentum"],
                               group["centered"], group["maximize"])
        return loss
