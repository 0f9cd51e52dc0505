"""optim.SGD: stochastic gradient descent with momentum, PyTorch's torch.optim.SGD."""
from .. import _C
from . import _checks
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (PyTorch's ``torch.optim.SGD``).

    For each parameter ``w`` with gradient ``g``, momentum ``mu``, dampening ``tau`` and weight
    decay ``lambda``::

        g = -g                        if maximize (ascend instead)
        g = g + lambda * w            weight decay: the gradient of the L2 penalty lambda/2 ||w||^2
        v = g                         first step (state['momentum_buffer'] starts at g)
        v = mu * v + (1 - tau) * g    later steps (and the first, from v = 0, with momentum_init='zeros')
        g = g + mu * v  if nesterov  else  g = v
        w = w - lr * g

    The course notes' forms:

    - plain gradient descent ``w -= lr g`` (notes 000, 004): ``SGD(params, lr)``.
    - heavy-ball momentum ``v = r v + g; w -= lr v`` (note 001, and PyTorch's):
      ``SGD(params, lr, momentum=r)``.
    - momentum as a moving average ``v = a v + (1 - a) g; w -= lr v`` from ``v = 0`` (notes 000,
      003, 004): ``SGD(params, lr, momentum=a, dampening=a, momentum_init='zeros')``, so that
      ``v_1 = (1 - a) g_1``. Without ``momentum_init='zeros'`` the buffer starts at ``v_1 = g_1``
      (PyTorch's way): step 1 moves by ``lr g`` instead of ``lr (1 - a) g``, and the two buffers
      differ by ``a^t g_1`` after ``t`` steps.

    Args:
        params: an iterable of tensors, or of dicts (parameter groups with their own options).
        lr: learning rate (default 1e-3, PyTorch's).
        momentum: ``mu`` (default 0: no momentum, no state).
        dampening: ``tau``, how much of the gradient the buffer leaves out (default 0).
        weight_decay: ``lambda``, the L2 penalty's coefficient, coupled into the gradient (default 0).
        nesterov: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: maximise the objective instead of minimising it.
        foreach, fused: accepted for PyTorch compatibility; minidl always updates a whole group in
            one fused C++ pass per parameter.
        differentiable: must be False (minidl's update is not recorded by autograd).
        momentum_init: where the momentum buffer starts. ``'grad'`` (default, PyTorch's): at the
            first gradient, ``v_1 = g_1``. ``'zeros'``: at ``v_0 = 0``, so that step 1 already uses
            ``v = mu v + (1 - tau) g``, as notes 000, 003 and 004 write the moving average. Not in
            PyTorch (there, set ``optimizer.state[p]['momentum_buffer'] = torch.zeros_like(p)``
            before the first step for the same effect).

    State per parameter (PyTorch's keys): ``'momentum_buffer'`` (only with momentum).
    """

    _state_keys = ("momentum_buffer",)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None, momentum_init="grad"):
        _checks.not_differentiable("SGD", differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, momentum_init=momentum_init)
        super().__init__(params, defaults)

    def _check_group(self, group):
        _checks.non_negative("SGD", "lr", group["lr"], "learning rate")
        _checks.non_negative("SGD", "momentum", group["momentum"], "momentum value")
        _checks.number("SGD", "dampening", group["dampening"])
        _checks.non_negative("SGD", "weight_decay", group["weight_decay"], "weight_decay value")
        _checks.flag("SGD", "nesterov", group["nesterov"])
        _checks.flag("SGD", "maximize", group["maximize"])
        _checks.choice("SGD", "momentum_init", group["momentum_init"], ("grad", "zeros"))
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum and zero dampening, got "
                             f"momentum={group['momentum']!r}, dampening={group['dampening']!r}")

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()``'s loss."""
        loss = None if closure is None else self._run_closure(closure)
        for group, params, grads, lists in self._fused_groups():
            if group["momentum"] != 0 and group["momentum_init"] == "zeros":
                buffers = lists[0]
                for i, p in enumerate(params):
                    if buffers[i] is None:  # first step: the moving average starts at v_0 = 0
                        buffers[i] = _C.zeros_like(p.detach())
            _C._optim.sgd_(params, grads, lists[0], group["lr"], group["momentum"], group["dampening"],
                           group["weight_decay"], group["nesterov"], group["maximize"])
        return loss
