"""optim.Adagrad, RMSprop, Adadelta against NumPy implementations of their rules, the notes'
AdaGrad and RMSProp, and torch.optim."""
import numpy as np
import pytest

import minidl
import optim_helpers as H
from minidl import optim

FLOATS = [np.float32, np.float64]

CASES = [
    (optim.Adagrad, H.adagrad, dict(lr=0.5)),
    (optim.Adagrad, H.adagrad, dict(lr=0.5, lr_decay=0.3)),
    (optim.Adagrad, H.adagrad, dict(lr=0.5, weight_decay=0.2, initial_accumulator_value=0.5, eps=1e-3)),
    (optim.Adagrad, H.adagrad, dict(lr=0.5, maximize=True, lr_decay=0.1)),
    (optim.RMSprop, H.rmsprop, dict(lr=0.1)),
    (optim.RMSprop, H.rmsprop, dict(lr=0.05, alpha=0.9, eps=1e-4, weight_decay=0.2)),
    (optim.RMSprop, H.rmsprop, dict(lr=0.05, momentum=0.9)),
    (optim.RMSprop, H.rmsprop, dict(lr=0.05, centered=True)),
    (optim.RMSprop, H.rmsprop, dict(lr=0.05, centered=True, momentum=0.5, maximize=True)),
    (optim.Adadelta, H.adadelta, dict()),
    (optim.Adadelta, H.adadelta, dict(lr=0.5, rho=0.7, eps=1e-3)),
    (optim.Adadelta, H.adadelta, dict(lr=2.0, weight_decay=0.3, maximize=True)),
]
# minidl's own option (not in torch.optim): eps inside the root
EPS_INSIDE = [
    (optim.Adagrad, H.adagrad, dict(lr=0.5, eps=1e-2, eps_inside_sqrt=True)),
    (optim.Adagrad, H.adagrad, dict(lr=0.5, lr_decay=0.2, weight_decay=0.2, initial_accumulator_value=0.1,
                                    eps=1e-3, maximize=True, eps_inside_sqrt=True)),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", CASES + EPS_INSIDE, ids=H.case_id)
def test_matches_numpy_rule(case, dtype):
    H.check_rule(*case, dtype)


@pytest.mark.parametrize("cls, rule, first, second", [
    (optim.Adagrad, H.adagrad, dict(lr=0.5, lr_decay=0.2),
     dict(lr=0.1, weight_decay=0.1, eps=1e-3, eps_inside_sqrt=True)),
    (optim.RMSprop, H.rmsprop, dict(lr=0.05, centered=True, momentum=0.5), dict(lr=0.01, alpha=0.9)),
    (optim.Adadelta, H.adadelta, dict(lr=1.0, rho=0.5), dict(lr=0.3, weight_decay=0.2)),
], ids=["Adagrad", "RMSprop", "Adadelta"])
def test_two_groups_with_their_own_options(cls, rule, first, second):
    H.check_two_groups(cls, rule, first, second, np.float64, split=3)


@pytest.mark.parametrize("cls, rule, options", [
    (optim.RMSprop, H.rmsprop, dict(lr=0.05, centered=True, momentum=0.9)),
    (optim.Adagrad, H.adagrad, dict(lr=0.05, eps=1e-3, eps_inside_sqrt=True)),
], ids=["RMSprop", "Adagrad"])
def test_large_parameter_runs_the_threaded_loop(cls, rule, options):
    H.check_large(cls, rule, options, np.float64, seed=4, rtol=1e-10, atol=1e-12)


# ---- the course notes' forms --------------------------------------------------------------

def test_notes_adagrad_with_delta():
    # note 001: r = r + g (.) g;  delta_theta = -eps / (delta + sqrt(r)) (.) g  (its code: delta 0.001)
    lr, delta = 0.5, 1e-3
    w0, grads = H.notes_data(0)
    w, r = w0.copy(), np.zeros_like(w0)
    for g in grads:
        r = r + g * g
        w = w + (-lr / (delta + np.sqrt(r)) * g)
    got, _ = H.run_given_grads(optim.Adagrad, dict(lr=lr, eps=delta), w0, grads)
    np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-14)


def test_notes_adagrad_with_delta_inside_the_root():
    # note 000: r = r + g^2; the learning rate becomes lr / sqrt(r + delta)
    lr, delta = 0.5, 1e-2  # a large delta makes the difference from delta outside plain
    w0, grads = H.notes_data(3)
    w, r = w0.copy(), np.zeros_like(w0)
    for g in grads:
        r = r + g ** 2
        w = w - lr / np.sqrt(r + delta) * g
    got, _ = H.run_given_grads(optim.Adagrad, dict(lr=lr, eps=delta, eps_inside_sqrt=True), w0, grads)
    np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-14)
    outside, _ = H.run_given_grads(optim.Adagrad, dict(lr=lr, eps=delta), w0, grads)
    assert np.abs(got - outside).max() > 1e-4


def test_notes_rmsprop():
    # notes 000/001/003: r = b r + (1 - b) g^2;  w = w - lr g / (sqrt(r) + eps)
    lr, b, eps = 0.05, 0.9, 1e-6
    w0, grads = H.notes_data(1)
    w, r = w0.copy(), np.zeros_like(w0)
    for g in grads:
        r = b * r + (1 - b) * g ** 2
        w = w - lr * g / (np.sqrt(r) + eps)
    got, _ = H.run_given_grads(optim.RMSprop, dict(lr=lr, alpha=b, eps=eps), w0, grads)
    np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-14)


def test_adagrad_state_exists_from_construction_as_in_pytorch():
    w = minidl.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adagrad([w], initial_accumulator_value=0.25)
    assert set(opt.state[w]) == {"step", "sum"}
    np.testing.assert_array_equal(opt.state[w]["sum"].numpy(), [0.25, 0.25])
    assert opt.state[w]["step"].item() == 0


# ---- PyTorch ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=H.case_id)
def test_matches_torch(case):
    cls, _, options = case
    H.check_against_torch(pytest.importorskip("torch"), cls, options, rtol=1e-10, atol=1e-12)
