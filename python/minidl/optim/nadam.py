"""optim.NAdam: Adam with Nesterov momentum, PyTorch's torch.optim.NAdam."""
from .. import _C
from . import _checks
from .optimizer import Optimizer

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016), PyTorch's ``torch.optim.NAdam``.

    For each parameter ``w`` with gradient ``g``, at step ``t`` (1, 2, ...), ``psi = momentum_decay``::

        g = -g                                            if maximize
        w = w * (1 - lr * weight_decay)                   decoupled_weight_decay
        g = g + weight_decay * w                          otherwise
        mu_t = b1 * (1 - 0.5 * 0.96^(t psi))              the momentum schedule
        P_t = P_{t-1} * mu_t                              (state['mu_product'], from 1)
        m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g^2
        s = sqrt(v / (1 - b2^t)) + eps                    (sqrt(v / (1 - b2^t) + eps): eps_inside_sqrt)
        w = w - lr * (1 - mu_t) / (1 - P_t) * g / s - lr * mu_{t+1} / (1 - P_t mu_{t+1}) * m / s

    Like Nesterov momentum, the step already looks one momentum step ahead (``mu_{t+1}``).

    Args:
        lr: learning rate (default 2e-3). betas: ``(b1, b2)`` (default (0.9, 0.999)), in [0, 1).
        eps: added to the root (default 1e-8). weight_decay: coefficient (default 0).
        momentum_decay: ``psi`` (default 4e-3). decoupled_weight_decay: AdamW-style decay (NAdamW).
        maximize: maximise instead of minimise. foreach, capturable: accepted and ignored.
        differentiable: must be False.
        eps_inside_sqrt: eps inside the root, as Adam's (the form of note 000's Adam). Not in PyTorch.

    State per parameter: ``'step'``, ``'mu_product'`` (float32 0-d tensors, as PyTorch),
    ``'exp_avg'``, ``'exp_avg_sq'``.
    """

    _state_keys = ("exp_avg", "exp_avg_sq", "mu_product", "step")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, eps_inside_sqrt=False):
        _checks.not_differentiable("NAdam", differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        eps_inside_sqrt=eps_inside_sqrt)
        super().__init__(params, defaults)

    def _check_group(self, group):
        _checks.non_negative("NAdam", "lr", group["lr"], "learning rate")
        _checks.non_negative("NAdam", "eps", group["eps"], "epsilon value")
        _checks.betas("NAdam", group["betas"])
        _checks.non_negative("NAdam", "weight_decay", group["weight_decay"], "weight_decay value")
        _checks.non_negative("NAdam", "momentum_decay", group["momentum_decay"], "momentum_decay value")
        _checks.flag("NAdam", "decoupled_weight_decay", group["decoupled_weight_decay"])
        _checks.flag("NAdam", "maximize", group["maximize"])
        _checks.flag("NAdam", "eps_inside_sqrt", group["eps_inside_sqrt"])

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = None if closure is None else self._run_closure(closure)
        for group, params, grads, lists in self._fused_groups():
            b1, b2 = group["betas"]
            _C._optim.nadam_(params, grads, lists[0], lists[1], lists[2], lists[3], group["lr"], b1, b2,
                             group["eps"], group["weight_decay"], group["momentum_decay"],
                             group["decoupled_weight_decay"], group["maximize"], group["eps_inside_sqrt"])
        return loss
