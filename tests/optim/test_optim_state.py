"""Optimizer state: PyTorch's keys, state_dict round trips (in memory and through minidl.save /
minidl.load) that continue bit for bit, and refused loads that change nothing."""
import copy
import io

import numpy as np
import pytest

import minidl
from minidl import optim

# each with the options that create all of its state
SETTINGS = [
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True), {"momentum_buffer"}),
    (optim.Adagrad, dict(lr=0.3, lr_decay=0.1), {"step", "sum"}),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True), {"step", "square_avg", "grad_avg",
                                                                 "momentum_buffer"}),
    (optim.Adadelta, dict(lr=1.0), {"step", "square_avg", "acc_delta"}),
    (optim.Adam, dict(lr=0.05, amsgrad=True), {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}),
    (optim.AdamW, dict(lr=0.05), {"step", "exp_avg", "exp_avg_sq"}),
    (optim.NAdam, dict(lr=0.05), {"step", "exp_avg", "exp_avg_sq", "mu_product"}),
]
ids = [c.__name__ for c, _, _ in SETTINGS]


def _params(dtype=minidl.float64, seed=0):
    rng = np.random.default_rng(seed)
    np_dtype = np.float64 if dtype == minidl.float64 else np.float32
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2, 2)).T]
    return [minidl.from_numpy(a.astype(np_dtype)).requires_grad_(True) for a in arrays]


def _build(cls, options, params):
    # two groups: the second overrides lr
    return cls([{"params": params[:2]}, {"params": params[2:], "lr": options["lr"] / 2}], **options)


def _train(opt, params, steps, seed):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        for p in params:
            w = p.detach().numpy()
            p.grad = minidl.tensor((0.5 * w + rng.standard_normal(w.shape)).astype(w.dtype))
        opt.step()


def _values(params):
    return [p.detach().numpy().copy() for p in params]


def _copy(params):
    return [p.detach().clone().requires_grad_(True) for p in params]


def _assert_continue_alike(opt, params, fresh, fresh_params, steps, seed):
    _train(opt, params, steps, seed)
    _train(fresh, fresh_params, steps, seed)
    for a, b in zip(_values(params), _values(fresh_params)):
        np.testing.assert_array_equal(a, b)


def _through_file(state_dict):
    buf = io.BytesIO()
    minidl.save(state_dict, buf)
    buf.seek(0)
    return minidl.load(buf)


@pytest.mark.parametrize("cls, options, keys", SETTINGS, ids=ids)
def test_state_has_pytorchs_keys(cls, options, keys):
    params = _params()
    opt = _build(cls, options, params)
    _train(opt, params, 2, seed=0)
    for p in params:
        assert set(opt.state[p]) == keys
    if "step" in keys:
        step = opt.state[params[0]]["step"]
        assert step.dtype == minidl.float32 and step.dim() == 0 and step.item() == 2


@pytest.mark.parametrize("via_file", [False, True], ids=["in_memory", "minidl_save_load"])
@pytest.mark.parametrize("dtype", [minidl.float32, minidl.float64])
@pytest.mark.parametrize("cls, options, keys", SETTINGS, ids=ids)
def test_state_dict_round_trip_continues_identically(cls, options, keys, dtype, via_file):
    params = _params(dtype)
    opt = _build(cls, options, params)
    _train(opt, params, 5, seed=1)
    opt.param_groups[0]["lr"] *= 0.5  # a scheduler's change is part of the state too

    saved = _through_file(opt.state_dict()) if via_file else copy.deepcopy(opt.state_dict())
    fresh_params = _copy(params)
    fresh = _build(cls, options, fresh_params)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == opt.param_groups[0]["lr"]

    _assert_continue_alike(opt, params, fresh, fresh_params, 5, seed=2)
    for p, q in zip(params, fresh_params):
        assert set(opt.state[p]) == set(fresh.state[q])
        for key in opt.state[p]:
            np.testing.assert_array_equal(opt.state[p][key].numpy(), fresh.state[q][key].numpy())
            assert opt.state[p][key].dtype == fresh.state[q][key].dtype


@pytest.mark.parametrize("cls, options", [
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.9, momentum_init="zeros")),
    (optim.Adagrad, dict(lr=0.3, eps=1e-3, eps_inside_sqrt=True)),
    (optim.Adam, dict(lr=0.05, eps=1e-3, eps_inside_sqrt=True)),
    (optim.AdamW, dict(lr=0.05, eps=1e-3, eps_inside_sqrt=True)),
    (optim.NAdam, dict(lr=0.05, eps=1e-3, eps_inside_sqrt=True)),
], ids=["SGD", "Adagrad", "Adam", "AdamW", "NAdam"])
def test_minidls_own_options_travel_in_the_state_dict(cls, options):
    # loaded into an optimizer built with the defaults, the saved notes' form is the one that runs
    # (saved before the first step, where SGD's momentum_init acts)
    params = _params()
    opt = cls(params, **options)
    saved = _through_file(opt.state_dict())
    fresh_params = _copy(params)
    fresh = cls(fresh_params, lr=options["lr"])
    fresh.load_state_dict(saved)
    key = "momentum_init" if cls is optim.SGD else "eps_inside_sqrt"
    assert fresh.param_groups[0][key] == options[key]
    _assert_continue_alike(opt, params, fresh, fresh_params, 3, seed=2)


@pytest.mark.parametrize("cls, key, other", [(optim.Adam, "eps_inside_sqrt", True),
                                             (optim.SGD, "momentum_init", "zeros")], ids=["Adam", "SGD"])
def test_a_state_dict_without_minidls_option_takes_the_class_default(cls, key, other):
    # PyTorch's state dicts (and older minidl's) lack eps_inside_sqrt / momentum_init: the run
    # they saved used the default form, whatever the loading optimizer was built with
    params = _params()
    opt = cls(params, lr=0.05, momentum=0.9) if cls is optim.SGD else cls(params, lr=0.05, eps=1e-3)
    sd = copy.deepcopy(opt.state_dict())
    del sd["param_groups"][0][key]
    fresh_params = _copy(params)
    fresh = cls(fresh_params, lr=0.05, **{key: other})
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0][key] == opt.param_groups[0][key]
    _assert_continue_alike(opt, params, fresh, fresh_params, 3, seed=3)


def test_loaded_state_is_a_copy():
    params = _params()
    opt = optim.Adam(params, lr=0.1)
    _train(opt, params, 2, seed=0)
    sd = opt.state_dict()
    fresh_params = _copy(params)
    fresh = optim.Adam(fresh_params, lr=0.1)
    fresh.load_state_dict(sd)
    _train(fresh, fresh_params, 1, seed=3)
    assert sd["state"][0]["step"].item() == 2  # training the loaded optimizer left the dict alone
    assert opt.state[params[0]]["step"].item() == 2


@pytest.mark.parametrize("change", ["groups", "sizes", "state_for_unknown", "not_a_dict", "bad_option"])
def test_mismatched_state_dict_raises_and_changes_nothing(change):
    params = _params()
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:]}], lr=0.1)
    _train(opt, params, 2, seed=0)
    sd = copy.deepcopy(opt.state_dict())
    if change == "groups":
        sd["param_groups"] = sd["param_groups"][:1]
        match = r"loaded state dict has 1 parameter groups, this optimizer has 2"
    elif change == "sizes":
        sd["param_groups"][1]["params"].append(7)
        match = r"parameter group 1 has 1 parameters here but 2 in the loaded state dict"
    elif change == "state_for_unknown":
        sd["state"][9] = {"step": minidl.tensor(1.0)}
        match = r"state for parameter 9"
    elif change == "not_a_dict":
        sd = [1, 2]
        match = r"'state' and 'param_groups'"
    else:
        sd["param_groups"][1]["betas"] = (0.9, 1.5)
        match = r"beta parameter at index 1: 1\.5"
    groups_before = copy.deepcopy([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups])
    state_before = {id(p): {k: v.numpy().copy() for k, v in s.items()} for p, s in opt.state.items()}
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(sd)
    assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == groups_before
    for p, s in opt.state.items():
        for k, v in s.items():
            np.testing.assert_array_equal(v.numpy(), state_before[id(p)][k])
