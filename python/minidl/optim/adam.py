"""optim.Adam and optim.AdamW: moving averages of the gradient and its square, bias-corrected;
PyTorch's torch.optim.Adam and torch.optim.AdamW (one C++ kernel with a flag)."""
from .. import _C
from . import _checks
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), PyTorch's ``torch.optim.Adam``.

    For each parameter ``w`` with gradient ``g``, at step ``t`` (1, 2, ...)::

        g = -g                                         if maximize
        g = g + weight_decay * w                       (coupled; decoupled_weight_decay: see AdamW)
        m = b1 * m + (1 - b1) * g                      (state['exp_avg'], from 0)
        v = b2 * v + (1 - b2) * g^2                    (state['exp_avg_sq'], from 0)
        v_max = max(v_max, v), used in place of v      amsgrad (state['max_exp_avg_sq'])
        m_hat = m / (1 - b1^t),  v_hat = v / (1 - b2^t)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)

    The bias correction undoes the averages' start at zero: after one step ``m = (1 - b1) g``,
    and ``m_hat = g``.

    The course notes' forms:

    - eps outside the root, as above (notes 003, 004): ``Adam(params, lr, betas=(b1, b2), eps=eps)``.
    - eps inside the root, ``w = w - lr * m_hat / sqrt(v_hat + delta)`` (note 000, and note 001's
      code with delta = 1e-5): ``Adam(params, lr, betas=(b1, b2), eps=delta, eps_inside_sqrt=True)``.

    Errata not to copy: slides 003 write the correction as ``V / (1 - b1)^t``; it is
    ``V / (1 - b1^t)``. Note 001's code updates the first moment with ``g^2`` (it must be ``g``)
    and reuses W's moments for b.

    Args:
        lr: learning rate (default 1e-3). betas: ``(b1, b2)`` (default (0.9, 0.999)), each in [0, 1).
        eps: added to ``sqrt(v_hat)`` (default 1e-8). weight_decay: L2 coefficient (default 0).
        amsgrad: divide by the running maximum of ``v`` (Reddi et al., 2018).
        maximize: maximise instead of minimise.
        decoupled_weight_decay: shrink ``w`` by ``1 - lr * weight_decay`` instead of adding to
            ``g`` (this is AdamW).
        eps_inside_sqrt: divide by ``sqrt(v_hat + eps)`` instead of ``sqrt(v_hat) + eps`` (note
            000's and note 001's form). Not in PyTorch.
        foreach, capturable, fused: accepted and ignored. differentiable: must be False.

    State per parameter: ``'step'`` (float32 0-d tensor), ``'exp_avg'``, ``'exp_avg_sq'``,
    ``'max_exp_avg_sq'`` (amsgrad).
    """

    _name = "Adam"
    _state_keys = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False, eps_inside_sqrt=False):
        _checks.not_differentiable(self._name, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay,
                        eps_inside_sqrt=eps_inside_sqrt)
        super().__init__(params, defaults)

    def _check_group(self, group):
        name = self._name
        _checks.non_negative(name, "lr", group["lr"], "learning rate")
        _checks.non_negative(name, "eps", group["eps"], "epsilon value")
        _checks.betas(name, group["betas"])
        _checks.non_negative(name, "weight_decay", group["weight_decay"], "weight_decay value")
        _checks.flag(name, "amsgrad", group["amsgrad"])
        _checks.flag(name, "maximize", group["maximize"])
        _checks.flag(name, "decoupled_weight_decay", group["decoupled_weight_decay"])
        _checks.flag(name, "eps_inside_sqrt", group["eps_inside_sqrt"])

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = None if closure is None else self._run_closure(closure)
        for group, params, grads, lists in self._fused_groups():
            b1, b2 = group["betas"]
            _C._optim.adam_(params, grads, lists[0], lists[1], lists[2], lists[3], group["lr"], b1, b2,
                            group["eps"], group["weight_decay"], group["amsgrad"], group["maximize"],
                            group["decoupled_weight_decay"], group["eps_inside_sqrt"])
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), PyTorch's ``torch.optim.AdamW``.

    The same update as :class:`Adam`, except that weight decay shrinks the parameter directly
    instead of entering the gradient (and so the moments)::

        w = w * (1 - lr * weight_decay)
        ...then Adam's step with g unchanged

    With adaptive steps the two are not the same: Adam's coupled decay is divided by
    ``sqrt(v_hat)`` like the gradient, so heavily-updated weights are barely decayed. The notes'
    L2 penalty ``lambda/2 ||W||^2`` added to the loss is ``Adam(weight_decay=lambda)`` (coupled).
    Default ``weight_decay`` is 1e-2 (PyTorch's). Same state as Adam, and the same
    ``eps_inside_sqrt`` (minidl's, not PyTorch's).
    """

    _name = "AdamW"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None,
                 eps_inside_sqrt=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, differentiable=differentiable, decoupled_weight_decay=True,
                         eps_inside_sqrt=eps_inside_sqrt)
