r"""optim.lr_scheduler: learning-rate schedules, as torch.optim.lr_scheduler.

The learning rate is the :math:`\eta` of the update :math:`\theta_{t+1} = \theta_t - \eta\,
\nabla_\theta \mathcal{L}(\theta_t)` (note 000, §9.3). Slides 003 (p. 38, "学习率衰减策略 /
learning rate decay schedules") say a decaying :math:`\eta` is essential for SGD's best results and
name linear and exponential decay; p. 39 shows AlexNet trained with :math:`\alpha` = 0.01, 0.001,
0.0001, the rates a step schedule divides by ten. Warm-up and cosine annealing are not in the
notes; they are here with PyTorch's semantics because modern recipes use them.

A scheduler changes ``group['lr']`` in each of its optimizer's ``param_groups``; each group has
its own base rate ``base_lrs[i]`` (the group's ``'initial_lr'``, set from ``'lr'`` when the
scheduler is built). The loop is PyTorch's::

    opt = optim.SGD(net.parameters(), lr=0.1)
    sched = lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train(...)              # opt.step() for each batch
        sched.step()            # after the optimizer's steps, once per epoch

Building a scheduler performs its initial step (``last_epoch`` becomes 0 and ``group['lr']``
takes the schedule's first value). Below :math:`t` is ``last_epoch`` (the number of
``step()`` calls since the scheduler was built) and :math:`\eta_0` a group's base rate.

Most schedulers are written, as in PyTorch, *recursively* (each step multiplies the current
``group['lr']``), so that two schedulers can act on one optimizer together; when only stepped
they equal the closed forms in their docstrings. ``state_dict()`` holds everything but the
optimizer: save both, and build the scheduler before ``optimizer.load_state_dict`` (building it
sets ``group['lr']``).
"""
import copy
import functools
import math
import numbers
import types
import warnings
from bisect import bisect_right
from collections import Counter

from .optimizer import Optimizer

__all__ = ["LRScheduler", "_LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR",
           "ConstantLR", "LinearLR", "ExponentialLR", "CosineAnnealingLR", "SequentialLR",
           "ReduceLROnPlateau", "OneCycleLR"]

_EPOCH_DEPRECATION = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
    "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if "
    "epoch is different from None, the closed form is used instead of the new chainable form, "
    "where available.")


# -- argument checks -----------------------------------------------------------------------------
def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        cls = type(optimizer)
        raise TypeError(f"{cls.__module__}.{cls.__qualname__} is not an Optimizer: a scheduler "
                        "needs a minidl.optim.Optimizer (SGD, Adam, ...)")


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return float(value)


def _check_gamma(gamma):
    gamma = _check_real("gamma", gamma)
    if gamma <= 0:
        raise ValueError(f"gamma (the multiplicative decay factor) must be > 0, got {gamma}")
    return gamma


def _per_group(name, value, optimizer):
    """``value`` for each param group: a list/tuple of one per group, or one value for all."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have one value per param group: the optimizer has {n} "
                             f"groups, {name} has {len(value)} values")
        return list(value)
    return [value] * n


def _track_optimizer_step(optimizer):
    """Wrap ``optimizer.step`` so that it records being called: ``step()`` of a scheduler warns
    when it runs before any optimizer step, the mistake that skips the schedule's first value.

    The wrapper is bound with ``MethodType`` (not a closure over the optimizer), so a deep copy of
    the optimizer gets a wrapper bound to the copy.
    """
    step = optimizer.step
    if getattr(step, "_wrapped_by_lr_sched", False) or not isinstance(step, types.MethodType):
        return
    func = step.__func__

    @functools.wraps(func)
    def step_and_mark(self, *args, **kwargs):
        self._opt_called = True
        return func(self, *args, **kwargs)

    step_and_mark._wrapped_by_lr_sched = True
    optimizer.step = types.MethodType(step_and_mark, optimizer)


def _current_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


# -- the base class ------------------------------------------------------------------------------
class LRScheduler:
    """Base class of the schedulers (PyTorch's ``torch.optim.lr_scheduler.LRScheduler``).

    ``last_epoch``: the index of the last epoch; ``-1`` (the default) starts the schedule and sets
    each group's ``'initial_lr'``. Resuming with ``last_epoch >= 0`` needs the groups to have
    ``'initial_lr'`` already (load the optimizer's state dict first) — better, build the scheduler
    fresh and call ``load_state_dict``.

    Subclasses implement ``get_lr()`` (the next rates, computed inside ``step()``) and may add
    ``_get_closed_form_lr()`` (the rates at ``last_epoch`` from ``base_lrs``, used by the
    deprecated ``step(epoch)``).
    """

    _get_lr_called_within_step = False
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        last_epoch = _check_int("last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when "
                                   f"resuming a scheduler with last_epoch={last_epoch}: load the "
                                   "optimizer's state dict first, or start with last_epoch=-1")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _track_optimizer_step(optimizer)
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    # -- stepping -------------------------------------------------------------------------------
    def get_lr(self):
        """The learning rates for the new ``last_epoch`` (called by ``step()``; to read the
        current rates use ``get_last_lr()``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr()")

    def get_last_lr(self):
        """The learning rates the last ``step()`` set, one per param group (a new list)."""
        return list(self._last_lr)

    def step(self, epoch=None):
        """Advance the schedule by one epoch (call it after ``optimizer.step()``).

        ``epoch`` (deprecated, as in PyTorch) jumps to that epoch using the closed form.
        """
        if self._step_count == 1:
            if not getattr(self.optimizer.step, "_wrapped_by_lr_sched", False):
                warnings.warn("Seems like `optimizer.step()` has been overridden after learning rate "
                              "scheduler initialization. Please, make sure to call `optimizer.step()` "
                              "before `lr_scheduler.step()`.", UserWarning, stacklevel=2)
            elif not getattr(self.optimizer, "_opt_called", False):
                warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                              "You should call them in the opposite order: `optimizer.step()` "
                              "before `lr_scheduler.step()`. Failure to do this will result in "
                              "skipping the first value of the learning rate schedule.",
                              UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.base_lrs):
            raise RuntimeError(f"{type(self).__name__} was built for {len(self.base_lrs)} param "
                               f"groups but the optimizer now has {len(groups)} (add_param_group "
                               "after the scheduler was built); build the scheduler after adding "
                               "every group")
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed_form = getattr(self, "_get_closed_form_lr", None)
                values = closed_form() if closed_form is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(groups, values):
            group["lr"] = lr
        self._last_lr = _current_lrs(self.optimizer)

    def _warn_outside_step(self):
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please use "
                          "`get_last_lr()`.", UserWarning, stacklevel=3)

    # -- saving ---------------------------------------------------------------------------------
    def state_dict(self):
        """The scheduler's state: every attribute except the optimizer (a copy)."""
        return copy.deepcopy({k: v for k, v in self.__dict__.items() if k != "optimizer"})

    def load_state_dict(self, state_dict):
        """Continue from a ``state_dict()`` (the optimizer's own state is loaded separately)."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"a scheduler state_dict is a dict, got {type(state_dict).__name__}")
        self.__dict__.update(copy.deepcopy(state_dict))

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, last_lr={self._last_lr})"


class _LRScheduler(LRScheduler):
    """The old name of ``LRScheduler``, kept as PyTorch keeps it."""


# -- schedules given by a function -----------------------------------------------------------------
class _LambdaSchedulerMixin:
    """The ``lr_lambda`` handling shared by LambdaLR and MultiplicativeLR."""

    def _set_lambdas(self, optimizer, lr_lambda):
        _check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas (one per param group), but got "
                                 f"{len(lr_lambda)}")
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * n
        for i, fn in enumerate(lambdas):
            if not callable(fn):
                raise TypeError(f"lr_lambda must be a function of the epoch, but lr_lambda[{i}] is "
                                f"a {type(fn).__name__}")
        self.lr_lambdas = lambdas

    def state_dict(self):
        """As the base, but functions and lambdas are not saved (they cannot be); the attributes
        of callable objects are (as in PyTorch)."""
        state = copy.deepcopy({k: v for k, v in self.__dict__.items()
                               if k not in ("optimizer", "lr_lambdas")})
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else copy.deepcopy(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None) or []
        LRScheduler.load_state_dict(self, state)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(copy.deepcopy(attrs))


class LambdaLR(_LambdaSchedulerMixin, LRScheduler):
    r"""The base rate times a function of the epoch: :math:`\eta_t = \eta_0 \cdot f(t)`.

    ``lr_lambda``: ``f`` (a function of the integer epoch), or a list of one per param group.
    Any schedule can be written this way, e.g. the notes' exponential decay
    ``lambda t: 0.95 ** t`` or a linear warm-up ``lambda t: min(1.0, (t + 1) / 5)``.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self._set_lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaSchedulerMixin, LRScheduler):
    r"""Each step multiplies the rate by a function of the epoch:
    :math:`\eta_t = \eta_{t-1} \cdot f(t)` (so :math:`\eta_t = \eta_0 \prod_{s=1}^{t} f(s)`).

    ``lr_lambda``: ``f``, or a list of one per param group.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self._set_lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self._is_initial:
            return _current_lrs(self.optimizer)
        return [group["lr"] * fn(self.last_epoch)
                for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]


# -- step decays -----------------------------------------------------------------------------------
class StepLR(LRScheduler):
    r"""Step decay: multiply the rate by ``gamma`` every ``step_size`` epochs,
    :math:`\eta_t = \eta_0 \cdot \gamma^{\lfloor t / \text{step\_size} \rfloor}`.

    Slides 003 p. 39's AlexNet rates 0.01, 0.001, 0.0001 are ``gamma=0.1``.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _check_int("step_size", step_size, 1)
        self.gamma = _check_gamma(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` at each milestone epoch,
    :math:`\eta_t = \eta_0 \cdot \gamma^{\#\{m \in \text{milestones} : m \le t\}}`.

    ``milestones``: increasing epoch indices (a milestone listed twice decays twice, as in
    PyTorch). ``MultiStepLR(opt, [30, 60], gamma=0.1)`` gives slides 003's AlexNet rates
    0.01, 0.001, 0.0001 from ``lr=0.01``.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        milestones = list(milestones)
        for i, m in enumerate(milestones):
            _check_int(f"milestones[{i}]", m, 0)
        if any(b < a for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"milestones must be increasing, got {milestones}")
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = _check_gamma(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self.last_epoch not in self.milestones:
            return _current_lrs(self.optimizer)
        decay = self.gamma ** self.milestones[self.last_epoch]
        return [group["lr"] * decay for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch) for base in self.base_lrs]

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        # minidl.load gives plain dicts (with int keys); the counts are what matter.
        self.milestones = Counter({int(k): int(v) for k, v in self.milestones.items()})


class ConstantLR(LRScheduler):
    r"""A constant factor until ``total_iters``, then the base rate:
    :math:`\eta_t = \eta_0 \cdot \text{factor}` for :math:`t < T`, :math:`\eta_0` after
    (:math:`T` = ``total_iters``). A simple warm-up.

    ``factor`` must be in (0, 1] (PyTorch also admits 0, which fails when the rate is restored).
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        factor = _check_real("factor", factor)
        if not 0 < factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in (0, 1], got {factor}")
        self.factor = factor
        self.total_iters = _check_int("total_iters", total_iters, 1)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return _current_lrs(self.optimizer)
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        factor = 1.0 if self.last_epoch >= self.total_iters else self.factor
        return [base * factor for base in self.base_lrs]


class LinearLR(LRScheduler):
    r"""A factor moving linearly from ``start_factor`` to ``end_factor`` over ``total_iters``
    epochs, then constant:
    :math:`\eta_t = \eta_0 \left(s + (e - s)\,\frac{\min(t, T)}{T}\right)`.

    The notes' linear decay (slides 003 p. 38) to zero over ``T`` epochs is
    ``LinearLR(opt, start_factor=1.0, end_factor=0.0, total_iters=T)``; a linear warm-up is
    ``LinearLR(opt, start_factor=0.1, total_iters=5)``. Factors as PyTorch: ``0 < s <= 1``,
    ``0 <= e <= 1``.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        start_factor = _check_real("start_factor", start_factor)
        end_factor = _check_real("end_factor", end_factor)
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = _check_int("total_iters", total_iters, 1)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _current_lrs(self.optimizer)
        # The ratio of consecutive factors f(t) / f(t-1).
        delta = self.end_factor - self.start_factor
        ratio = 1.0 + delta / (self.total_iters * self.start_factor + (self.last_epoch - 1) * delta)
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * frac
        return [base * factor for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    r"""Exponential decay (slides 003 p. 38): :math:`\eta_t = \eta_0 \cdot \gamma^t`."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _check_gamma(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        # A resumed scheduler's initial step must not decay once more.
        if self._is_initial:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing (SGDR without restarts; not in the course notes):

    .. math::
        \eta_t = \eta_{\min} + \tfrac12 (\eta_0 - \eta_{\min})\left(1 + \cos\frac{\pi t}{T_{\max}}\right)

    computed, as PyTorch does, recursively
    :math:`\eta_t = \eta_{\min} + (\eta_{t-1} - \eta_{\min})
    \frac{1 + \cos(\pi t / T_{\max})}{1 + \cos(\pi (t-1) / T_{\max})}`, which equals the
    closed form when only this scheduler changes the rate. Past ``T_max`` the cosine rises again
    (period :math:`2 T_{\max}`), as in PyTorch.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        T_max = _check_real("T_max", T_max)
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be > 0, got {T_max:g}")
        eta_min = _check_real("eta_min", eta_min)
        if eta_min < 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be >= 0, got {eta_min}")
        self.T_max = int(T_max) if T_max.is_integer() else T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_outside_step()
        t, T = self.last_epoch, self.T_max
        groups = self.optimizer.param_groups
        if self._is_initial:
            return _current_lrs(self.optimizer)
        if self._step_count == 1 and t > 0:
            return self._get_closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:
            # The step out of a trough: the recursion's denominator would be 1 + cos(pi) = 0.
            return [group["lr"] + (base - self.eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (group["lr"] - self.eta_min) + self.eta_min for group in groups]

    def _get_closed_form_lr(self):
        c = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]


# -- combining schedules ---------------------------------------------------------------------------
class SequentialLR(LRScheduler):
    r"""Run ``schedulers`` one after another, switching at the ``milestones`` epochs.

    The usual warm-up then decay::

        warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
        decay = CosineAnnealingLR(opt, T_max=95)
        sched = SequentialLR(opt, [warmup, decay], milestones=[5])

    gives :math:`\eta_t = \eta_0 (0.1 + 0.9\, t/5)` for :math:`t < 5` and the cosine of
    :math:`t - 5` after. At a milestone the next scheduler starts at its epoch 0 from the base
    rates. ``len(milestones)`` must be ``len(schedulers) - 1``.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer(optimizer)
        schedulers = list(schedulers)
        milestones = list(milestones)
        name = type(self).__name__
        if not schedulers:
            raise ValueError(f"{name} expects at least one scheduler, but got no scheduler")
        for i, s in enumerate(schedulers):
            if not isinstance(s, LRScheduler):
                raise TypeError(f"{name}: schedulers[{i}] is a {type(s).__name__}, not a scheduler")
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"{name} does not support ReduceLROnPlateau (schedulers[{i}]): its "
                                 "step() needs the monitored metric")
            if s.optimizer is not optimizer:
                raise ValueError(f"{name} expects all schedulers to belong to the same optimizer, "
                                 f"but schedulers[{i}] ({type(s).__name__}) has another one")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"{name} expects one milestone fewer than schedulers, got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones "
                             f"{milestones}")
        for i, m in enumerate(milestones):
            _check_int(f"milestones[{i}]", m, 0)
        if any(b <= a for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"{name}: milestones must be strictly increasing, got {milestones}")
        last_epoch = _check_int("last_epoch", last_epoch, -1)

        self._schedulers = schedulers
        self._milestones = [int(m) for m in milestones]
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        # Undo the initial steps the schedulers took when they were built, then let only the
        # scheduler in charge of epoch 0 take its initial step.
        self._recursive_undo()
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def _recursive_undo(self, sched=None):
        sched = self if sched is None else sched
        if hasattr(sched, "_schedulers"):
            for s in sched._schedulers:
                self._recursive_undo(s)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    recursive_undo = _recursive_undo  # PyTorch's public name

    def step(self):
        """Advance the schedule one epoch, through the scheduler in charge of the new epoch."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        """As the base, with each scheduler's own state dict under ``'_schedulers'``."""
        state = copy.deepcopy({k: v for k, v in self.__dict__.items()
                               if k not in ("optimizer", "_schedulers")})
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        if len(saved) != len(self._schedulers):
            raise ValueError(f"the state dict holds {len(saved)} schedulers, this {type(self).__name__} "
                             f"has {len(self._schedulers)}")
        LRScheduler.load_state_dict(self, state)
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)


# -- driven by a metric ----------------------------------------------------------------------------
class ReduceLROnPlateau(LRScheduler):
    r"""Divide the rate when a monitored metric stops improving (the AlexNet recipe the slides'
    p. 39 rates come from: divide by 10 when the validation error stalls).

    ``step(metrics)`` once per epoch with e.g. the validation loss. A value is an improvement when
    it beats the best so far by the threshold: ``mode='min'`` needs
    ``a < best * (1 - threshold)`` (``threshold_mode='rel'``) or ``a < best - threshold``
    (``'abs'``); ``mode='max'`` needs ``a > best * (1 + threshold)`` or ``a > best + threshold``.
    After more than ``patience`` epochs in a row without improvement,
    :math:`\eta \leftarrow \max(\eta \cdot \text{factor}, \text{min\_lr})` for each group (skipped
    when the change would be at most ``eps``), then ``cooldown`` epochs pass in which bad epochs
    are not counted. ``min_lr``: one floor for all groups or a list of one per group.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        factor = _check_real("factor", factor)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0 (it multiplies the rate), "
                             f"got {factor}")
        if factor < 0:
            raise ValueError(f"ReduceLROnPlateau: factor must be >= 0, got {factor}")
        _check_optimizer(optimizer)
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            self.default_min_lr = None
            self.min_lrs = _per_group("min_lr", min_lr, optimizer)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        for i, m in enumerate(self.min_lrs):
            if _check_real(f"min_lr[{i}]", m) < 0:
                raise ValueError(f"ReduceLROnPlateau: min_lr must be >= 0, got {min_lr}")
        self.patience = _check_int("patience", patience, 0)
        self.cooldown = _check_int("cooldown", cooldown, 0)
        self.eps = _check_real("eps", eps)
        if self.eps < 0:
            raise ValueError(f"ReduceLROnPlateau: eps must be >= 0, got {eps}")
        self.last_epoch = 0
        self._last_lr = _current_lrs(optimizer)
        self._init_is_better(mode=mode, threshold=threshold, threshold_mode=threshold_mode)
        self._reset()

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        threshold = _check_real("threshold", threshold)
        if threshold < 0:
            raise ValueError(f"ReduceLROnPlateau: threshold must be >= 0, got {threshold}")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _is_better(self, a, best):
        """Whether the metric value ``a`` improves on ``best`` by the threshold."""
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if rel else best - self.threshold)
        return a > (best * (1.0 + self.threshold) if rel else best + self.threshold)

    def step(self, metrics, epoch=None):
        """Record one epoch's ``metrics`` (a number or a one-element tensor) and reduce the rates
        if it has been on a plateau for more than ``patience`` epochs."""
        try:
            current = float(metrics)
        except (TypeError, ValueError) as err:
            raise TypeError(f"ReduceLROnPlateau.step() expects the monitored metric as a number "
                            f"(e.g. the validation loss), got {type(metrics).__name__}: {err}") from None
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch

        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _current_lrs(self.optimizer)

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"the optimizer has {len(groups)} param groups but "
                                   f"ReduceLROnPlateau was given {len(self.min_lrs)} min_lrs "
                                   "(a group was added after it was built); set min_lrs to one "
                                   "value per group")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._init_is_better(mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode)


# -- one cycle -------------------------------------------------------------------------------------
class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (Smith, super-convergence; not in the course notes), stepped once per
    *batch*: the rate rises from ``max_lr / div_factor`` to ``max_lr`` over the first
    ``pct_start`` of ``total_steps`` and anneals to ``initial_lr / final_div_factor`` by the end;
    momentum (SGD's ``momentum`` or Adam's ``beta1``) moves the opposite way between
    ``max_momentum`` and ``base_momentum`` when ``cycle_momentum``. Each phase interpolates
    :math:`\eta = \eta_{end} + \tfrac12(\eta_{start} - \eta_{end})(1 + \cos \pi p)` (``'cos'``)
    or :math:`\eta_{start} + (\eta_{end} - \eta_{start})\, p` (``'linear'``), :math:`p` the
    fraction of the phase done. ``three_phase=True`` is the paper's symmetric version.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            self.total_steps = _check_int("total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (_check_int("epochs", epochs, 1)
                                * _check_int("steps_per_epoch", steps_per_epoch, 1))
        else:
            raise ValueError("OneCycleLR: give either total_steps or both epochs and steps_per_epoch")
        pct_start = _check_real("pct_start", pct_start)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', "
                             f"got {anneal_strategy!r}")
        self._anneal_func_type = anneal_strategy
        for name, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if _check_real(name, value) <= 0:
                raise ValueError(f"OneCycleLR: {name} must be > 0, got {value}")

        up = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                {"end_step": up, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": up, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]

        max_lrs = _per_group("max_lr", max_lr, optimizer)
        for i, m in enumerate(max_lrs):
            if _check_real(f"max_lr[{i}]", m) <= 0:
                raise ValueError(f"OneCycleLR: max_lr must be > 0, got {max_lr}")
        if last_epoch == -1:
            for group, m in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = m / div_factor
                group["max_lr"] = m
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"OneCycleLR: cycle_momentum=True needs an optimizer with momentum "
                                 f"or betas; {type(optimizer).__name__} has neither (pass "
                                 "cycle_momentum=False)")
            self.use_beta1 = "betas" in optimizer.defaults
            max_ms = _per_group("max_momentum", max_momentum, optimizer)
            base_ms = _per_group("base_momentum", base_momentum, optimizer)
            if last_epoch == -1:
                for group, m_max, m_base in zip(optimizer.param_groups, max_ms, base_ms):
                    if self.use_beta1:
                        group["betas"] = (m_max, *group["betas"][1:])
                    else:
                        group["momentum"] = m_max
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        self._warn_outside_step()
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the specified number of total "
                             f"steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    # A phase of zero length is already at its end (PyTorch divides by zero here).
                    pct = (step - start_step) / (end_step - start_step) if end_step != start_step else 1.0
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]],
                                                group[phase["end_momentum"]], pct)
                    break
                start_step = end_step
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs
