"""The optimizers' step cache (Optimizer._fused_groups): once a group's state is complete, step()
keeps the lists it hands to the C++ update and only reads the gradients again. Every way a user
can change what a step should use must still be honoured, as in PyTorch: replaced or deleted
state, missing gradients, a changed ``group['params']``, new groups, ``load_state_dict``, options
that create state. Each case runs against the NumPy references of optim_helpers (float64, one
parameter at a time), never against minidl itself.
"""
import copy
from collections import defaultdict

import numpy as np
import pytest

import minidl
from minidl import optim
from optim_helpers import adadelta, adagrad, adam, adamw, nadam, rmsprop, sgd

TOL = dict(rtol=1e-10, atol=1e-12)
SHAPES = [(3, 4), (4,), (2, 2)]

# (class, options, NumPy rule): options that make every kind of state the class has
CASES = [
    (optim.SGD, dict(lr=0.1, momentum=0.9), sgd),
    (optim.Adagrad, dict(lr=0.3, lr_decay=0.1), adagrad),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True), rmsprop),
    (optim.RMSprop, dict(lr=0.01), rmsprop),  # grad_avg and momentum_buffer never made
    (optim.Adadelta, dict(lr=1.0), adadelta),
    (optim.Adam, dict(lr=0.05), adam),  # max_exp_avg_sq never made
    (optim.Adam, dict(lr=0.05, amsgrad=True), adam),
    (optim.AdamW, dict(lr=0.05), adamw),
    (optim.NAdam, dict(lr=0.05), nadam),
]
CASE_IDS = [f"{c.__name__}({','.join(f'{k}={v}' for k, v in o.items())})" for c, o, _ in CASES]

# a state tensor of each class, by minidl's key and the reference's name for it
STATE_KEYS = [
    (optim.SGD, dict(lr=0.1, momentum=0.9), sgd, "momentum_buffer", "v"),
    (optim.Adagrad, dict(lr=0.3), adagrad, "sum", "r"),
    (optim.RMSprop, dict(lr=0.01, centered=True), rmsprop, "square_avg", "r"),
    (optim.Adadelta, dict(lr=1.0), adadelta, "acc_delta", "u"),
    (optim.Adam, dict(lr=0.05), adam, "exp_avg", "m"),
    (optim.Adam, dict(lr=0.05), adam, "exp_avg_sq", "v"),
    (optim.NAdam, dict(lr=0.05), nadam, "exp_avg", "m"),
]


class Reference:
    """The NumPy run beside a minidl run: one parameter list, per-parameter state and step
    count (a parameter's count moves only when it has a gradient, as in PyTorch)."""

    def __init__(self, rule, options, params):
        self.rule, self.options = rule, dict(options)
        self.w = [p.detach().numpy().astype(np.float64) for p in params]
        self.s = [{} for _ in params]
        self.t = [0 for _ in params]

    def add(self, p):
        self.w.append(p.detach().numpy().astype(np.float64))
        self.s.append({})
        self.t.append(0)
        return len(self.w) - 1

    def step(self, grads, options=None):
        for i, g in enumerate(grads):
            if g is not None:
                self.t[i] += 1
                self.w[i] = self.rule(self.w[i], g, self.s[i], self.t[i], **(options or self.options))


def make_params(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [minidl.tensor(rng.uniform(-2, 2, size=s), requires_grad=True) for s in shapes]


def set_grads(params, rng, skip=()):
    """Gradients of 0.25 ||w||^2 + noise . w for each parameter not in `skip` (None there);
    returns them as NumPy arrays for the reference."""
    grads = []
    for i, p in enumerate(params):
        if i in skip:
            p.grad = None
            grads.append(None)
            continue
        w = p.detach().numpy()
        g = 0.5 * w + rng.standard_normal(w.shape)
        p.grad = minidl.tensor(g)
        grads.append(g)
    return grads


def step_both(opt, ref, params, rng, steps=1, skip=(), ref_params=None, options=None):
    """`steps` steps of opt and ref with the same gradients. `ref_params`: the reference's
    indices of `params` (default 0, 1, ...)."""
    idx = list(range(len(params))) if ref_params is None else ref_params
    for _ in range(steps):
        grads = set_grads(params, rng, skip)
        opt.step()
        full = [None] * len(ref.w)
        for i, g in zip(idx, grads):
            full[i] = g
        ref.step(full, options)


def assert_match(params, ref, idx=None):
    idx = list(range(len(params))) if idx is None else idx
    for k, (p, i) in enumerate(zip(params, idx)):
        np.testing.assert_allclose(p.detach().numpy(), ref.w[i], **TOL, err_msg=f"parameter {k}")


def start(cls, options, rule, seed=0, steps=3):
    """An optimizer that has made `steps` steps (so its step cache is in use) and its reference."""
    params = make_params(seed)
    opt = cls(params, **options)
    ref = Reference(rule, options, params)
    rng = np.random.default_rng(seed + 100)
    step_both(opt, ref, params, rng, steps)
    assert opt._fused_cache, "after a few steps the group's lists should be cached"
    return params, opt, ref, rng


@pytest.mark.parametrize("cls, options, rule", CASES, ids=CASE_IDS)
def test_many_steps_with_the_cache_match_the_reference(cls, options, rule):
    params, opt, ref, rng = start(cls, options, rule)
    step_both(opt, ref, params, rng, 20)
    assert_match(params, ref)


@pytest.mark.parametrize("cls, options, rule, key, ref_key", STATE_KEYS,
                         ids=[f"{c.__name__}-{k}" for c, _, _, k, _ in STATE_KEYS])
def test_a_replaced_state_tensor_is_the_one_used(cls, options, rule, key, ref_key):
    params, opt, ref, rng = start(cls, options, rule)
    p = params[1]
    new = np.full(p.shape, 0.25)
    opt.state[p][key] = minidl.tensor(new)
    ref.s[1][ref_key] = new.copy()
    step_both(opt, ref, params, rng, 4)
    assert_match(params, ref)
    # and the update keeps writing into the tensor that was put there
    np.testing.assert_allclose(opt.state[p][key].numpy(), ref.s[1][ref_key], **TOL)


@pytest.mark.parametrize("how", ["del", "clear", "pop", "replace with {}"])
def test_deleted_state_starts_again(how):
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    p = params[2]
    if how == "del":
        del opt.state[p]
    elif how == "clear":
        opt.state[p].clear()
    elif how == "pop":
        opt.state[p].pop("exp_avg")
        opt.state[p].pop("exp_avg_sq")
        opt.state[p].pop("step")
    else:
        opt.state[p] = {}
    ref.s[2], ref.t[2] = {}, 0
    step_both(opt, ref, params, rng, 4)
    assert_match(params, ref)
    assert opt.state[p]["step"].item() == 4


@pytest.mark.parametrize("cls, options, rule", CASES, ids=CASE_IDS)
def test_parameters_without_a_gradient_are_skipped(cls, options, rule):
    params, opt, ref, rng = start(cls, options, rule)
    step_both(opt, ref, params, rng, 2, skip={1})
    step_both(opt, ref, params, rng, 2)
    step_both(opt, ref, params, rng, 1, skip={0, 2})
    step_both(opt, ref, params, rng, 2)
    assert_match(params, ref)


def test_a_new_params_list_is_used():
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    before = params[1].detach().numpy().copy()
    opt.param_groups[0]["params"] = [params[0], params[2]]
    step_both(opt, ref, [params[0], params[2]], rng, 3, ref_params=[0, 2])
    assert_match([params[0], params[2]], ref, idx=[0, 2])
    np.testing.assert_array_equal(params[1].detach().numpy(), before)


@pytest.mark.parametrize("change", ["replace", "append", "pop"])
def test_a_params_list_changed_in_place_is_followed(change):
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    group = opt.param_groups[0]["params"]
    if change == "replace":  # a new tensor in the place of params[1]: it starts with no state
        q = make_params(seed=5, shapes=[(4,)])[0]
        group[1] = q
        now, idx = [params[0], q, params[2]], [0, ref.add(q), 2]
    elif change == "append":
        q = make_params(seed=5, shapes=[(5,)])[0]
        group.append(q)
        now, idx = params + [q], [0, 1, 2, ref.add(q)]
    else:
        group.pop()
        now, idx = params[:2], [0, 1]
    step_both(opt, ref, now, rng, 3, ref_params=idx)
    assert_match(now, ref, idx)


def test_add_param_group_mid_run():
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    q = make_params(seed=7, shapes=[(3,)])[0]
    opt.add_param_group({"params": [q], "lr": 0.2})
    ref_q = Reference(adam, dict(lr=0.2), [q])
    for _ in range(3):
        step_both(opt, ref, params, rng)  # q has no gradient: skipped
    for _ in range(3):
        gq = set_grads([q], rng)
        grads = set_grads(params, rng)
        opt.step()
        ref.step(grads)
        ref_q.step(gq)
    assert_match(params, ref)
    assert_match([q], ref_q)


@pytest.mark.parametrize("cls, options, rule", CASES, ids=CASE_IDS)
def test_load_state_dict_mid_run_rewinds(cls, options, rule):
    """Train 6 steps, go back to the parameters and state of step 3, and train steps 4-6 again
    with the same noise: the result is the reference's after 6 steps (a stale cache would
    continue from step 6's state)."""
    params = make_params()
    opt = cls(params, **options)
    ref = Reference(rule, options, params)
    step_both(opt, ref, params, np.random.default_rng(1), 3)
    saved_state = copy.deepcopy(opt.state_dict())
    saved_w = [p.detach().numpy().copy() for p in params]
    rng_state = np.random.default_rng(2)
    step_both(opt, ref, params, rng_state, 3)
    for p, w in zip(params, saved_w):
        with minidl.no_grad():
            p.copy_(minidl.tensor(w))
    opt.load_state_dict(saved_state)
    rng = np.random.default_rng(2)
    for _ in range(3):
        set_grads(params, rng)
        opt.step()
    assert_match(params, ref)


def test_an_option_that_creates_state_mid_run():
    """amsgrad switched on after a few steps: max_exp_avg_sq appears (from zeros, as PyTorch)
    and is kept; momentum switched on in SGD: the buffer appears."""
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    opt.param_groups[0]["amsgrad"] = True
    ref.options["amsgrad"] = True
    step_both(opt, ref, params, rng, 4)
    assert_match(params, ref)
    for i, p in enumerate(params):
        np.testing.assert_allclose(opt.state[p]["max_exp_avg_sq"].numpy(), ref.s[i]["vmax"], **TOL)

    params, opt, ref, rng = start(optim.SGD, dict(lr=0.1), sgd)
    assert all("momentum_buffer" not in opt.state[p] for p in params)
    opt.param_groups[0]["momentum"] = 0.9
    ref.options["momentum"] = 0.9
    step_both(opt, ref, params, rng, 4)
    assert_match(params, ref)
    for i, p in enumerate(params):
        np.testing.assert_allclose(opt.state[p]["momentum_buffer"].numpy(), ref.s[i]["v"], **TOL)


def test_sgd_momentum_from_zeros_switched_on_mid_run():
    params, opt, ref, rng = start(optim.SGD, dict(lr=0.1, momentum_init="zeros"), sgd)
    opt.param_groups[0]["momentum"] = 0.8
    opt.param_groups[0]["dampening"] = 0.8
    ref.options.update(momentum=0.8, dampening=0.8)
    step_both(opt, ref, params, rng, 4)
    assert_match(params, ref)


def test_changed_lr_is_used():
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    for lr in (0.02, 0.1, 0.0):
        opt.param_groups[0]["lr"] = lr
        ref.options["lr"] = lr
        step_both(opt, ref, params, rng, 2)
    assert_match(params, ref)


def test_a_plain_dict_put_in_state_is_still_followed():
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    p = params[0]
    plain = dict(opt.state[p])
    opt.state[p] = plain
    step_both(opt, ref, params, rng, 2)
    plain["exp_avg"] = minidl.zeros(p.shape, dtype=minidl.float64)  # a change no counter sees
    ref.s[0]["m"] = np.zeros(p.shape)
    step_both(opt, ref, params, rng, 2)
    assert_match(params, ref)


def test_a_new_state_mapping_starts_again():
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    opt.state = defaultdict(dict)
    ref.s, ref.t = [{} for _ in params], [0 for _ in params]
    step_both(opt, ref, params, rng, 3)
    assert_match(params, ref)
    opt.state[params[1]]["exp_avg"] = minidl.full(params[1].shape, 0.5, dtype=minidl.float64)
    ref.s[1]["m"] = np.full(params[1].shape, 0.5)
    step_both(opt, ref, params, rng, 2)
    assert_match(params, ref)


def test_state_looks_as_before():
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    assert isinstance(opt.state, defaultdict) and opt.state.default_factory is dict
    assert repr(opt.state).startswith("defaultdict(<class 'dict'>, {")
    assert all(isinstance(s, dict) for s in opt.state.values())
    assert set(opt.state[params[0]]) == {"exp_avg", "exp_avg_sq", "step"}
    sd = opt.state_dict()
    assert type(sd["state"]) is dict and all(type(s) is dict for s in sd["state"].values())
    assert all(set(g) == set(opt.defaults) | {"params"} for g in opt.param_groups)
    unknown = minidl.zeros(2)
    assert opt.state[unknown] == {} and unknown in opt.state  # defaultdict behaviour


def test_a_deep_copied_optimizer_steps_on_its_own():
    params, opt, ref, rng = start(optim.Adam, dict(lr=0.05), adam)
    opt2, params2 = copy.deepcopy((opt, params))
    ref2 = copy.deepcopy(ref)
    step_both(opt2, ref2, params2, np.random.default_rng(9), 3)
    assert_match(params2, ref2)
    step_both(opt, ref, params, rng, 3)  # the original is untouched by the copy's steps
    assert_match(params, ref)


@pytest.mark.parametrize("cls, options, rule", CASES, ids=CASE_IDS)
def test_a_frozen_parameter_left_in_the_optimizer(cls, options, rule):
    """A parameter that never gets a gradient (a frozen layer) does not stop the others' lists
    from being kept; when it gets one again it is updated, from fresh state."""
    params = make_params()
    opt = cls(params, **options)
    ref = Reference(rule, options, params)
    rng = np.random.default_rng(3)
    step_both(opt, ref, params, rng, 4, skip={1})
    assert opt._fused_cache
    step_both(opt, ref, params, rng, 3)  # unfrozen
    step_both(opt, ref, params, rng, 2, skip={0})  # another one frozen
    assert_match(params, ref)
