"""optim.Adagrad: per-element steps from the sum of squared gradients, PyTorch's torch.optim.Adagrad."""
from .. import _C
from . import _checks
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al., 2011), PyTorch's ``torch.optim.Adagrad``.

    For each parameter ``w`` with gradient ``g``, at step ``t`` (1, 2, ...)::

        g = -g                                  if maximize
        g = g + weight_decay * w
        lr_t = lr / (1 + (t - 1) * lr_decay)
        r = r + g^2                             (state['sum'], starts at initial_accumulator_value)
        w = w - lr_t * g / (sqrt(r) + eps)

    Elements whose gradients have been large get small steps, and the other way round; ``r`` only
    grows, so every step size shrinks over training (the notes' "learning rate decays too fast").

    The course notes' forms:

    - ``r += g^2; w -= lr g / (delta + sqrt(r))`` (note 001; its code uses delta = 0.001):
      ``Adagrad(params, lr, eps=delta)``.
    - note 000 writes the step as ``lr / sqrt(r + delta)`` (delta inside the root):
      ``Adagrad(params, lr, eps=delta, eps_inside_sqrt=True)``. With small ``delta`` the two
      forms differ only while ``r`` is tiny.

    Args:
        lr: learning rate (default 1e-2). lr_decay: ``lr_t``'s decay per step (default 0).
        weight_decay: L2 penalty coefficient, added to the gradient (default 0).
        initial_accumulator_value: the starting value of ``r`` (default 0).
        eps: ``delta``, added to ``sqrt(r)`` (default 1e-10).
        maximize: maximise instead of minimise. foreach, fused: accepted and ignored (always fused).
        differentiable: must be False.
        eps_inside_sqrt: step ``lr_t * g / sqrt(r + eps)`` instead (note 000's form). Not in PyTorch.

    State per parameter (made at construction, as PyTorch does): ``'step'`` (a float32 0-d
    tensor), ``'sum'``.
    """

    _state_keys = ("sum", "step")

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None, eps_inside_sqrt=False):
        _checks.not_differentiable("Adagrad", differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize,
                        eps_inside_sqrt=eps_inside_sqrt)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _C.zeros((), dtype=_C.dtype.float32)
                state["sum"] = _C.full_like(p.detach(), float(group["initial_accumulator_value"]))

    def _check_group(self, group):
        _checks.non_negative("Adagrad", "lr", group["lr"], "learning rate")
        _checks.non_negative("Adagrad", "lr_decay", group["lr_decay"], "lr_decay value")
        _checks.non_negative("Adagrad", "weight_decay", group["weight_decay"], "weight_decay value")
        _checks.non_negative("Adagrad", "initial_accumulator_value", group["initial_accumulator_value"],
                             "initial_accumulator_value")
        _checks.non_negative("Adagrad", "eps", group["eps"], "epsilon value")
        _checks.flag("Adagrad", "maximize", group["maximize"])
        _checks.flag("Adagrad", "eps_inside_sqrt", group["eps_inside_sqrt"])

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = None if closure is None else self._run_closure(closure)
        for group, params, grads, lists in self._fused_groups():
            _C._optim.adagrad_(params, grads, lists[0], lists[1], group["lr"], group["lr_decay"],
                               group["weight_decay"], group["initial_accumulator_value"], group["eps"],
                               group["maximize"], group["eps_inside_sqrt"])
        return loss
