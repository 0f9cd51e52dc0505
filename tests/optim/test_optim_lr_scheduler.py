"""Learning-rate schedulers: lr sequences against closed forms written here, hand-worked
ReduceLROnPlateau runs, state_dict round trips, warnings and errors; where torch is installed,
the same sequences from torch.optim.lr_scheduler."""
import math
import warnings
from bisect import bisect_right

import numpy as np
import pytest

import minidl
import minidl.optim.lr_scheduler as lrs
from minidl.optim import Optimizer

BASES = (0.1, 0.5, 2.0)  # three param groups with their own base rates
STEPS = 30


class _GD(Optimizer):
    """A plain gradient step; enough for schedulers, which only touch param_groups."""

    def __init__(self, params, lr=0.1, momentum=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    def step(self, closure=None):
        with minidl.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.sub_(p.grad * group["lr"])


def make_opt(bases=BASES):
    groups = [{"params": [minidl.zeros(2, requires_grad=True)], "lr": b} for b in bases]
    return _GD(groups, lr=bases[0])


def run(opt, sched, steps=STEPS):
    """The lrs after construction and after each of ``steps`` steps: an array (steps+1, groups)."""
    out = [sched.get_last_lr()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs_now = sched.get_last_lr()
        assert lrs_now == [g["lr"] for g in opt.param_groups]
        out.append(lrs_now)
    return np.array(out)


def expected(f, bases=BASES, steps=STEPS):
    """The closed form ``f(t, base)`` tabulated like ``run``."""
    return np.array([[f(t, b) for b in bases] for t in range(steps + 1)])


def cosine(t, base, T, eta_min=0.0):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T)) / 2


def one_cycle(t, max_lr, total=STEPS, pct=0.3, div=25.0, final_div=1e4):
    initial = max_lr / div
    low = initial / final_div
    up_end = pct * total - 1
    if t <= up_end:
        p, a, b = t / up_end, initial, max_lr
    else:
        p, a, b = (t - up_end) / (total - 1 - up_end), max_lr, low
    return b + (a - b) * (1 + math.cos(math.pi * p)) / 2


def _mult_closed(t, base):
    return base * math.prod(1 - 0.01 * s for s in range(1, t + 1))


# (name, build(opt), closed form f(t, base), steps)
CASES = [
    ("LambdaLR", lambda o: lrs.LambdaLR(o, lambda t: 0.9 ** t * (1 + 0.1 * t)),
     lambda t, b: b * 0.9 ** t * (1 + 0.1 * t), STEPS),
    ("MultiplicativeLR", lambda o: lrs.MultiplicativeLR(o, lambda t: 1 - 0.01 * t), _mult_closed, STEPS),
    ("StepLR", lambda o: lrs.StepLR(o, step_size=7, gamma=0.5),
     lambda t, b: b * 0.5 ** (t // 7), STEPS),
    ("MultiStepLR", lambda o: lrs.MultiStepLR(o, milestones=[3, 10, 10, 20], gamma=0.5),
     lambda t, b: b * 0.5 ** bisect_right([3, 10, 10, 20], t), STEPS),
    ("ConstantLR", lambda o: lrs.ConstantLR(o, factor=0.25, total_iters=4),
     lambda t, b: b * (0.25 if t < 4 else 1.0), STEPS),
    ("LinearLR-warmup", lambda o: lrs.LinearLR(o, start_factor=0.1, end_factor=0.7, total_iters=8),
     lambda t, b: b * (0.1 + 0.6 * min(t, 8) / 8), STEPS),
    ("LinearLR-decay-to-0", lambda o: lrs.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=10),
     lambda t, b: b * (1 - min(t, 10) / 10), STEPS),
    ("ExponentialLR", lambda o: lrs.ExponentialLR(o, gamma=0.9), lambda t, b: b * 0.9 ** t, STEPS),
    # T_max=10 over 30 steps passes two troughs and a peak (the cosine's period is 2 T_max).
    ("CosineAnnealingLR", lambda o: lrs.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
     lambda t, b: cosine(t, b, 10, 0.01), STEPS),
    ("CosineAnnealingLR-long", lambda o: lrs.CosineAnnealingLR(o, T_max=STEPS),
     lambda t, b: cosine(t, b, STEPS), STEPS),
    ("SequentialLR-warmup-cosine",
     lambda o: lrs.SequentialLR(o, [lrs.LinearLR(o, start_factor=0.1, total_iters=5),
                                    lrs.CosineAnnealingLR(o, T_max=20)], milestones=[5]),
     lambda t, b: b * (0.1 + 0.9 * t / 5) if t < 5 else cosine(t - 5, b, 20), STEPS),
    ("SequentialLR-three",
     lambda o: lrs.SequentialLR(o, [lrs.ConstantLR(o, factor=0.5, total_iters=3),
                                    lrs.ExponentialLR(o, gamma=0.9),
                                    lrs.StepLR(o, step_size=4, gamma=0.5)], milestones=[3, 10]),
     lambda t, b: 0.5 * b if t < 3 else (b * 0.9 ** (t - 3) if t < 10 else b * 0.5 ** ((t - 10) // 4)),
     STEPS),
    ("OneCycleLR", lambda o: lrs.OneCycleLR(o, max_lr=[1.0, 2.0, 4.0], total_steps=STEPS),
     lambda t, b: one_cycle(t, {0.1: 1.0, 0.5: 2.0, 2.0: 4.0}[b]), STEPS - 1),
]


@pytest.mark.parametrize("name,build,closed,steps", CASES, ids=[c[0] for c in CASES])
def test_sequence_matches_closed_form(name, build, closed, steps):
    opt = make_opt()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the right call order gives no warning
        sched = build(opt)
        got = run(opt, sched, steps)
    np.testing.assert_allclose(got, expected(closed, steps=steps), rtol=1e-12, atol=1e-15)
    assert sched.last_epoch == steps


def test_groups_keep_their_base_rates():
    opt = make_opt()
    sched = lrs.StepLR(opt, step_size=2, gamma=0.1)
    assert sched.base_lrs == list(BASES)
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASES)
    assert sched.last_epoch == 0
    last = sched.get_last_lr()
    last[0] = 123.0  # a copy: changing it changes nothing
    assert sched.get_last_lr()[0] == BASES[0]


def test_lambda_per_group():
    opt = make_opt()
    fns = [lambda t: 1.0 / (t + 1), lambda t: 0.5 ** t, lambda t: 1.0 + t]
    got = run(opt, lrs.LambdaLR(opt, fns))
    want = np.array([[b * f(t) for b, f in zip(BASES, fns)] for t in range(STEPS + 1)])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_two_schedulers_chain_on_one_optimizer():
    # Recursive forms compose: each multiplies the current group['lr'].
    opt = make_opt()
    a = lrs.ExponentialLR(opt, gamma=0.9)
    b = lrs.StepLR(opt, step_size=3, gamma=0.5)
    got = [[g["lr"] for g in opt.param_groups]]
    for _ in range(STEPS):
        opt.step()
        a.step()
        b.step()
        got.append([g["lr"] for g in opt.param_groups])
    np.testing.assert_allclose(np.array(got), expected(lambda t, base: base * 0.9 ** t * 0.5 ** (t // 3)),
                               rtol=1e-12)


def test_optimizer_uses_the_scheduled_rate():
    p = minidl.tensor([1.0], dtype=minidl.float64, requires_grad=True)
    opt = _GD([p], lr=1.0)
    sched = lrs.ExponentialLR(opt, gamma=0.5)
    for t in range(4):
        p.grad = minidl.tensor([1.0], dtype=minidl.float64)
        opt.step()
        sched.step()
    assert p.item() == pytest.approx(1.0 - (1 + 0.5 + 0.25 + 0.125))


# -- ReduceLROnPlateau: runs worked by hand ---------------------------------------------------------
def plateau_run(metrics, bases=(1.0,), **kwargs):
    opt = make_opt(bases)
    sched = lrs.ReduceLROnPlateau(opt, **kwargs)
    out = []
    for m in metrics:
        opt.step()
        sched.step(m)
        assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
        out.append(sched.get_last_lr() if len(bases) > 1 else sched.get_last_lr()[0])
    return out


def test_plateau_patience():
    # best 10, 9; then three epochs without improvement > patience 2 -> halve; again after 8.
    got = plateau_run([10, 9, 9, 9, 9, 8, 8, 8, 8, 8], factor=0.5, patience=2, threshold=0,
                      threshold_mode="abs")
    assert got == pytest.approx([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25], rel=1e-15)


def test_plateau_cooldown():
    # patience 0: every bad epoch reduces, except the 2 cooldown epochs after each reduction.
    got = plateau_run([5] * 8, factor=0.1, patience=0, cooldown=2)
    assert got == pytest.approx([1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001], rel=1e-12)


@pytest.mark.parametrize("threshold_mode,threshold,want", [
    # rel: improvement means a < best * 0.9; abs: a < best - 10.
    ("rel", 0.1, [1, 0.5, 0.5, 0.5, 0.25]),
    ("abs", 10.0, [1, 0.5, 0.5, 0.25, 0.25]),
])
def test_plateau_threshold_modes_min(threshold_mode, threshold, want):
    got = plateau_run([100, 95, 89, 80, 78.5], factor=0.5, patience=0, threshold=threshold,
                      threshold_mode=threshold_mode)
    assert got == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("threshold_mode,threshold,want", [
    ("rel", 0.05, [1, 1, 1, 0.1, 0.1]),     # 0.61 is not > 0.6 * 1.05
    ("abs", 0.005, [1, 1, 1, 1, 1]),        # 0.61 > 0.6 + 0.005
])
def test_plateau_threshold_modes_max(threshold_mode, threshold, want):
    got = plateau_run([0.5, 0.6, 0.6, 0.61, 0.7], mode="max", factor=0.1, patience=1,
                      threshold=threshold, threshold_mode=threshold_mode)
    assert got == pytest.approx(want, rel=1e-12)


def test_plateau_min_lr_per_group_and_scalar():
    got = plateau_run([3] * 4, bases=(1.0, 0.1), factor=0.1, patience=0, min_lr=[0.05, 0.0])
    np.testing.assert_allclose(got, [[1.0, 0.1], [0.1, 0.01], [0.05, 0.001], [0.05, 1e-4]], rtol=1e-12)
    got = plateau_run([3] * 4, bases=(1.0, 0.1), factor=0.1, patience=0, min_lr=0.02)
    np.testing.assert_allclose(got, [[1.0, 0.1], [0.1, 0.02], [0.02, 0.02], [0.02, 0.02]], rtol=1e-12)


def test_plateau_eps_skips_tiny_changes():
    # 1e-7 -> 1e-8 changes by 9e-8 > eps; 1e-8 -> 1e-9 by 9e-9 < eps, so it stays.
    got = plateau_run([1] * 4, bases=(1e-7,), factor=0.1, patience=0, eps=1e-8)
    np.testing.assert_allclose(got, [1e-7, 1e-8, 1e-8, 1e-8], rtol=1e-12)


def test_plateau_accepts_a_tensor_metric():
    got = plateau_run([minidl.tensor(2.0), minidl.tensor(3.0)], factor=0.5, patience=0)
    assert got == [1.0, 0.5]


# -- saving and resuming ----------------------------------------------------------------------------
class _Warmup:
    """A callable object: LambdaLR saves its attributes (a function cannot be saved)."""

    def __init__(self, n):
        self.n = n

    def __call__(self, t):
        return min(1.0, (t + 1) / self.n)


ROUND_TRIP = [
    lambda o: lrs.LambdaLR(o, _Warmup(10)),
    lambda o: lrs.MultiplicativeLR(o, lambda t: 0.95),
    lambda o: lrs.StepLR(o, step_size=4, gamma=0.5),
    lambda o: lrs.MultiStepLR(o, milestones=[5, 9, 15], gamma=0.3),
    lambda o: lrs.ConstantLR(o, factor=0.2, total_iters=10),
    lambda o: lrs.LinearLR(o, start_factor=0.2, total_iters=12),
    lambda o: lrs.ExponentialLR(o, gamma=0.8),
    lambda o: lrs.CosineAnnealingLR(o, T_max=12, eta_min=0.001),
    lambda o: lrs.SequentialLR(o, [lrs.LinearLR(o, start_factor=0.1, total_iters=9),
                                   lrs.ExponentialLR(o, gamma=0.9)], milestones=[9]),
    lambda o: lrs.OneCycleLR(o, max_lr=1.0, total_steps=40),
]


ROUND_TRIP_IDS = ["LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
                  "ExponentialLR", "CosineAnnealingLR", "SequentialLR", "OneCycleLR"]


@pytest.mark.parametrize("build", ROUND_TRIP, ids=ROUND_TRIP_IDS)
@pytest.mark.parametrize("through_file", [False, True])
def test_state_dict_round_trip_continues_identically(build, through_file, tmp_path):
    opt_a = make_opt()
    a = build(opt_a)
    run(opt_a, a, 7)
    sd, opt_sd = a.state_dict(), opt_a.state_dict()
    assert "optimizer" not in sd
    if through_file:
        minidl.save({"sched": sd, "opt": opt_sd}, tmp_path / "ckpt.pt")
        loaded = minidl.load(tmp_path / "ckpt.pt")
        sd, opt_sd = loaded["sched"], loaded["opt"]
    opt_b = make_opt()
    b = build(opt_b)  # build first: building a scheduler sets group['lr']
    opt_b.load_state_dict(opt_sd)
    b.load_state_dict(sd)
    assert b.last_epoch == a.last_epoch == 7
    assert b.get_last_lr() == a.get_last_lr()
    np.testing.assert_array_equal(run(opt_b, b, 20), run(opt_a, a, 20))


def test_lambda_state_dict_saves_callable_objects_only():
    opt = make_opt()
    fn = _Warmup(10)
    sched = lrs.LambdaLR(opt, [fn, lambda t: 1.0, fn])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"n": 10}, None, {"n": 10}]
    other = _Warmup(3)
    sched2 = lrs.LambdaLR(make_opt(), [other, lambda t: 1.0, _Warmup(4)])
    sched2.load_state_dict(sd)
    assert other.n == 10


def test_plateau_state_dict_round_trip(tmp_path):
    metrics = [5, 4, 4, 4, 3.5, 3.5, 3.5, 3.5, 3, 3, 3, 3, 3]
    opt_a = make_opt()
    a = lrs.ReduceLROnPlateau(opt_a, factor=0.5, patience=1, cooldown=1)
    for m in metrics[:6]:
        a.step(m)
    minidl.save(a.state_dict(), tmp_path / "p.pt")
    opt_b = make_opt()
    b = lrs.ReduceLROnPlateau(opt_b)
    opt_b.load_state_dict(opt_a.state_dict())
    b.load_state_dict(minidl.load(tmp_path / "p.pt"))
    assert (b.best, b.num_bad_epochs, b.cooldown_counter, b.patience) == \
        (a.best, a.num_bad_epochs, a.cooldown_counter, 1)
    for m in metrics[6:]:
        a.step(m)
        b.step(m)
        assert a.get_last_lr() == b.get_last_lr()


# -- warnings ---------------------------------------------------------------------------------------
def test_warns_when_scheduler_steps_before_optimizer():
    opt = make_opt()
    sched = lrs.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match=r"before `optimizer.step\(\)`"):
        sched.step()


def test_warns_when_optimizer_step_replaced_after_scheduler():
    opt = make_opt()
    sched = lrs.ExponentialLR(opt, gamma=0.5)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="overridden"):
        sched.step()


def test_deprecated_epoch_argument_uses_closed_form():
    opt = make_opt()
    sched = lrs.StepLR(opt, step_size=3, gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        sched.step(7)
    assert sched.last_epoch == 7
    np.testing.assert_allclose(sched.get_last_lr(), [b * 0.01 for b in BASES], rtol=1e-12)


def test_get_lr_outside_step_warns():
    sched = lrs.ExponentialLR(make_opt(), gamma=0.5)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


# -- errors -----------------------------------------------------------------------------------------
def test_rejects_a_non_optimizer():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        lrs.StepLR([], step_size=1)
    with pytest.raises(TypeError, match="object is not an Optimizer"):
        lrs.ReduceLROnPlateau(object())
    assert issubclass(lrs._LRScheduler, lrs.LRScheduler)


@pytest.mark.parametrize("build,exc,match", [
    (lambda o: lrs.StepLR(o, step_size=0), ValueError, "step_size must be >= 1, got 0"),
    (lambda o: lrs.StepLR(o, step_size=2.5), TypeError, "step_size must be an int, got float 2.5"),
    (lambda o: lrs.StepLR(o, step_size=2, gamma=0), ValueError, "gamma.*> 0, got 0"),
    (lambda o: lrs.ExponentialLR(o, gamma=-0.5), ValueError, "gamma.*> 0, got -0.5"),
    (lambda o: lrs.MultiStepLR(o, [10, 5]), ValueError, r"milestones must be increasing, got \[10, 5\]"),
    (lambda o: lrs.MultiStepLR(o, [2, 4], gamma=0.0), ValueError, "gamma.*got 0"),
    (lambda o: lrs.MultiStepLR(o, [2, "4"]), TypeError, r"milestones\[1\] must be an int"),
    (lambda o: lrs.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be > 0, got 0"),
    (lambda o: lrs.CosineAnnealingLR(o, T_max=-3), ValueError, "T_max must be > 0, got -3"),
    (lambda o: lrs.CosineAnnealingLR(o, T_max=5, eta_min=-1e-3), ValueError, "eta_min must be >= 0"),
    (lambda o: lrs.LinearLR(o, start_factor=0), ValueError, r"start_factor must be in \(0, 1\], got 0"),
    (lambda o: lrs.LinearLR(o, end_factor=1.5), ValueError, r"end_factor must be in \[0, 1\], got 1.5"),
    (lambda o: lrs.LinearLR(o, total_iters=0), ValueError, "total_iters must be >= 1, got 0"),
    (lambda o: lrs.ConstantLR(o, factor=2), ValueError, r"factor must be in \(0, 1\], got 2"),
    (lambda o: lrs.LambdaLR(o, [lambda t: 1.0] * 2), ValueError, "Expected 3 lr_lambdas.*got 2"),
    (lambda o: lrs.LambdaLR(o, 0.5), TypeError, "lr_lambda must be a function.*float"),
    (lambda o: lrs.MultiplicativeLR(o, [abs, abs, "x"]), TypeError, r"lr_lambda\[2\].*str"),
    (lambda o: lrs.StepLR(o, 2, last_epoch=-2), ValueError, "last_epoch must be >= -1, got -2"),
    (lambda o: lrs.StepLR(o, 2, last_epoch=4), KeyError, "initial_lr"),
    (lambda o: lrs.ReduceLROnPlateau(o, factor=1.0), ValueError, r"factor should be < 1.0.*got 1.0"),
    (lambda o: lrs.ReduceLROnPlateau(o, factor=2), ValueError, "factor should be < 1.0.*got 2"),
    (lambda o: lrs.ReduceLROnPlateau(o, factor=-0.1), ValueError, "factor must be >= 0, got -0.1"),
    (lambda o: lrs.ReduceLROnPlateau(o, mode="mid"), ValueError, "mode must be 'min' or 'max', got 'mid'"),
    (lambda o: lrs.ReduceLROnPlateau(o, threshold_mode="relative"), ValueError, "'relative'"),
    (lambda o: lrs.ReduceLROnPlateau(o, min_lr=[0.0, 0.1]), ValueError, "3 groups, min_lr has 2"),
    (lambda o: lrs.ReduceLROnPlateau(o, min_lr=-1.0), ValueError, "min_lr must be >= 0, got -1.0"),
    (lambda o: lrs.ReduceLROnPlateau(o, patience=-1), ValueError, "patience must be >= 0, got -1"),
    (lambda o: lrs.ReduceLROnPlateau(o, threshold=-1e-4), ValueError, "threshold must be >= 0"),
    (lambda o: lrs.OneCycleLR(o, max_lr=1.0), ValueError, "total_steps or both epochs"),
    (lambda o: lrs.OneCycleLR(o, max_lr=1.0, total_steps=0), ValueError, "total_steps must be >= 1, got 0"),
    (lambda o: lrs.OneCycleLR(o, max_lr=1.0, total_steps=5, pct_start=1.5), ValueError, "pct_start.*1.5"),
    (lambda o: lrs.OneCycleLR(o, max_lr=1.0, total_steps=5, anneal_strategy="exp"), ValueError, "'exp'"),
])
def test_invalid_arguments(build, exc, match):
    with pytest.raises(exc, match=match):
        build(make_opt())


def test_plateau_step_needs_a_number():
    sched = lrs.ReduceLROnPlateau(make_opt())
    with pytest.raises(TypeError, match="monitored metric as a number.*str"):
        sched.step("low")


def test_sequential_lr_errors():
    opt, other = make_opt(), make_opt()
    a, b = lrs.ConstantLR(opt), lrs.ExponentialLR(opt, gamma=0.9)
    with pytest.raises(ValueError, match="at least one scheduler"):
        lrs.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ValueError, match="2 schedulers and 2 milestones"):
        lrs.SequentialLR(opt, [a, b], milestones=[3, 6])
    with pytest.raises(ValueError, match=r"strictly increasing, got \[6, 3\]"):
        lrs.SequentialLR(opt, [a, b, lrs.StepLR(opt, 2)], milestones=[6, 3])
    with pytest.raises(ValueError, match="same optimizer.*schedulers\\[1\\]"):
        lrs.SequentialLR(opt, [a, lrs.ExponentialLR(other, gamma=0.9)], milestones=[3])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        lrs.SequentialLR(opt, [a, lrs.ReduceLROnPlateau(opt)], milestones=[3])
    with pytest.raises(TypeError, match=r"schedulers\[0\] is a str"):
        lrs.SequentialLR(opt, ["warmup", b], milestones=[3])


def test_group_added_after_scheduler_is_an_error():
    opt = make_opt()
    sched = lrs.ExponentialLR(opt, gamma=0.9)
    opt.add_param_group({"params": [minidl.zeros(1, requires_grad=True)], "lr": 1.0})
    opt.step()
    with pytest.raises(RuntimeError, match="built for 3 param groups but the optimizer now has 4"):
        sched.step()


def test_one_cycle_errors_past_total_steps_and_without_momentum():
    opt = make_opt()
    sched = lrs.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.step()
    with pytest.raises(ValueError, match="tried to step 4 times.*total steps is 3"):
        sched.step()

    class NoMomentum(Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(lr=0.1))

        def step(self, closure=None):
            pass

    with pytest.raises(ValueError, match="NoMomentum has neither"):
        lrs.OneCycleLR(NoMomentum([minidl.zeros(1, requires_grad=True)]), max_lr=1.0, total_steps=5)


def test_one_cycle_cycles_momentum_inversely():
    opt = make_opt()
    sched = lrs.OneCycleLR(opt, max_lr=1.0, total_steps=STEPS)
    moms = [opt.param_groups[0]["momentum"]]
    for _ in range(STEPS - 1):
        opt.step()
        sched.step()
        moms.append(opt.param_groups[0]["momentum"])
    # Momentum is the cosine between 0.95 and 0.85 that mirrors the rate between 1/25 and 1.
    want = [0.95 - (0.95 - 0.85) * (one_cycle(t, 1.0) - 1 / 25) / (1 - 1 / 25) if t <= 8
            else 0.85 + (0.95 - 0.85) * (1 - (one_cycle(t, 1.0) - 1 / 25e4) / (1 - 1 / 25e4))
            for t in range(STEPS)]
    np.testing.assert_allclose(moms, want, rtol=1e-12)


# -- the same sequences from PyTorch ----------------------------------------------------------------
def _torch_cases(TL):
    return {
        "LambdaLR": lambda o: TL.LambdaLR(o, lambda t: 0.9 ** t * (1 + 0.1 * t)),
        "MultiplicativeLR": lambda o: TL.MultiplicativeLR(o, lambda t: 1 - 0.01 * t),
        "StepLR": lambda o: TL.StepLR(o, step_size=7, gamma=0.5),
        "MultiStepLR": lambda o: TL.MultiStepLR(o, milestones=[3, 10, 10, 20], gamma=0.5),
        "ConstantLR": lambda o: TL.ConstantLR(o, factor=0.25, total_iters=4),
        "LinearLR-warmup": lambda o: TL.LinearLR(o, start_factor=0.1, end_factor=0.7, total_iters=8),
        "LinearLR-decay-to-0": lambda o: TL.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=10),
        "ExponentialLR": lambda o: TL.ExponentialLR(o, gamma=0.9),
        "CosineAnnealingLR": lambda o: TL.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
        "CosineAnnealingLR-long": lambda o: TL.CosineAnnealingLR(o, T_max=STEPS),
        "SequentialLR-warmup-cosine": lambda o: TL.SequentialLR(
            o, [TL.LinearLR(o, start_factor=0.1, total_iters=5), TL.CosineAnnealingLR(o, T_max=20)],
            milestones=[5]),
        "SequentialLR-three": lambda o: TL.SequentialLR(
            o, [TL.ConstantLR(o, factor=0.5, total_iters=3), TL.ExponentialLR(o, gamma=0.9),
                TL.StepLR(o, step_size=4, gamma=0.5)], milestones=[3, 10]),
        "OneCycleLR": lambda o: TL.OneCycleLR(o, max_lr=[1.0, 2.0, 4.0], total_steps=STEPS),
    }


def _torch_opt(torch):
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": b} for b in BASES]
    return torch.optim.SGD(groups, lr=BASES[0], momentum=0.9)


@pytest.mark.parametrize("name,build,closed,steps", CASES, ids=[c[0] for c in CASES])
def test_sequence_matches_torch(name, build, closed, steps):
    torch = pytest.importorskip("torch")
    opt, topt = make_opt(), _torch_opt(torch)
    sched, tsched = build(opt), _torch_cases(torch.optim.lr_scheduler)[name](topt)
    want = [tsched.get_last_lr()]
    for _ in range(steps):
        topt.step()
        tsched.step()
        want.append(tsched.get_last_lr())
    np.testing.assert_allclose(run(opt, sched, steps), np.array(want), rtol=1e-14, atol=1e-17)


@pytest.mark.parametrize("kwargs", [
    dict(mode="min", factor=0.5, patience=2, threshold=0.01, threshold_mode="rel", cooldown=1),
    dict(mode="max", factor=0.3, patience=1, threshold=0.05, threshold_mode="abs", min_lr=0.01),
    dict(mode="min", factor=0.1, patience=0, cooldown=2, min_lr=[1e-3, 1e-2, 0.0], eps=1e-3),
])
def test_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    metrics = np.cumsum(rng.normal(0.0, 1.0, size=60)) + 100.0  # a wandering metric with plateaus
    opt, topt = make_opt(), _torch_opt(torch)
    sched = lrs.ReduceLROnPlateau(opt, **kwargs)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    for m in metrics:
        sched.step(float(m))
        tsched.step(float(m))
        assert sched.get_last_lr() == tsched.get_last_lr()
    assert sched.get_last_lr() != list(BASES)  # the run did reduce
