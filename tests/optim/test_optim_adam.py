"""optim.Adam, AdamW, NAdam against NumPy implementations of their rules, the notes' Adam (with
its errata), and torch.optim."""
import numpy as np
import pytest

import minidl
import optim_helpers as H
from minidl import optim

FLOATS = [np.float32, np.float64]

CASES = [
    (optim.Adam, H.adam, dict(lr=0.1)),
    (optim.Adam, H.adam, dict(lr=0.2, betas=(0.8, 0.99), eps=1e-3)),
    (optim.Adam, H.adam, dict(lr=0.1, amsgrad=True)),
    (optim.Adam, H.adam, dict(lr=0.1, weight_decay=0.3)),
    (optim.Adam, H.adam, dict(lr=0.1, weight_decay=0.3, decoupled_weight_decay=True)),
    (optim.Adam, H.adam, dict(lr=0.1, amsgrad=True, maximize=True, weight_decay=0.1)),
    (optim.AdamW, H.adamw, dict(lr=0.1)),
    (optim.AdamW, H.adamw, dict(lr=0.1, weight_decay=0.5, amsgrad=True)),
    (optim.AdamW, H.adamw, dict(lr=0.1, betas=(0.5, 0.9), maximize=True)),
    (optim.NAdam, H.nadam, dict(lr=0.1)),
    (optim.NAdam, H.nadam, dict(lr=0.1, betas=(0.8, 0.99), momentum_decay=0.05, weight_decay=0.2)),
    (optim.NAdam, H.nadam, dict(lr=0.1, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)),
]
# minidl's own option (not in torch.optim): eps inside the root
EPS_INSIDE = [
    (optim.Adam, H.adam, dict(lr=0.2, betas=(0.8, 0.99), eps=1e-3, eps_inside_sqrt=True)),
    (optim.Adam, H.adam, dict(lr=0.1, eps=1e-2, amsgrad=True, weight_decay=0.1, maximize=True,
                              eps_inside_sqrt=True)),
    (optim.AdamW, H.adamw, dict(lr=0.1, eps=1e-3, weight_decay=0.5, eps_inside_sqrt=True)),
    (optim.NAdam, H.nadam, dict(lr=0.1, eps=1e-3, momentum_decay=0.05, eps_inside_sqrt=True)),
    (optim.NAdam, H.nadam, dict(lr=0.1, eps=1e-2, weight_decay=0.2, decoupled_weight_decay=True,
                                eps_inside_sqrt=True)),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", CASES + EPS_INSIDE, ids=H.case_id)
def test_matches_numpy_rule(case, dtype):
    H.check_rule(*case, dtype)


@pytest.mark.parametrize("cls, rule, first, second", [
    (optim.Adam, H.adam, dict(lr=0.1, amsgrad=True), dict(lr=0.02, betas=(0.5, 0.6), weight_decay=0.1,
                                                           eps=1e-3, eps_inside_sqrt=True)),
    (optim.AdamW, H.adamw, dict(lr=0.1, weight_decay=0.0), dict(lr=0.3, weight_decay=0.2)),
    (optim.NAdam, H.nadam, dict(lr=0.1), dict(lr=0.05, momentum_decay=0.1, decoupled_weight_decay=True,
                                              weight_decay=0.1)),
], ids=["Adam", "AdamW", "NAdam"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_two_groups_with_their_own_options(cls, rule, first, second, dtype):
    H.check_two_groups(cls, rule, first, second, dtype, split=2)


@pytest.mark.parametrize("options", [
    dict(lr=0.1), dict(lr=0.1, amsgrad=True), dict(lr=0.1, eps=1e-3, amsgrad=True, eps_inside_sqrt=True),
], ids=H.options_id)
def test_adam_large_parameter_runs_the_threaded_loop(options):
    H.check_large(optim.Adam, H.adam, options, np.float32, seed=5, rtol=1e-4, atol=1e-5)


def test_adamw_defaults_are_pytorchs():
    w = minidl.tensor([1.0], requires_grad=True)
    group = optim.AdamW([w]).param_groups[0]
    assert (group["lr"], group["betas"], group["eps"]) == (1e-3, (0.9, 0.999), 1e-8)
    assert group["weight_decay"] == 1e-2
    assert group["decoupled_weight_decay"] is True
    group = optim.NAdam([w]).param_groups[0]
    assert (group["lr"], group["momentum_decay"]) == (2e-3, 4e-3)


# ---- the course notes' Adam ---------------------------------------------------------------

def _adam_notes(w0, grads, lr, b1, b2, eps, correction, eps_inside_sqrt=False):
    # notes 004 (65)-(69): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; m_hat = m / correction(b1, t);
    # v_hat = v / correction(b2, t); w = w - lr / (sqrt(v_hat) + eps) m_hat
    # note 000: ... w = w - lr / sqrt(v_hat + delta) * m_hat  (eps_inside_sqrt, eps = delta)
    w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat, v_hat = m / correction(b1, t), v / correction(b2, t)
        if eps_inside_sqrt:
            w = w - lr / np.sqrt(v_hat + eps) * m_hat
        else:
            w = w - lr / (np.sqrt(v_hat) + eps) * m_hat
    return w


def test_notes_adam_with_bias_correction():
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    w0, grads = H.notes_data(0)
    got, _ = H.run_given_grads(optim.Adam, dict(lr=lr, betas=(b1, b2), eps=eps), w0, grads)
    np.testing.assert_allclose(got, _adam_notes(w0, grads, lr, b1, b2, eps, lambda b, t: 1 - b ** t),
                               rtol=1e-12, atol=1e-14)
    # erratum of slides 003: correcting by (1 - b)^t instead is a different (wrong) method
    misprint = _adam_notes(w0, grads, lr, b1, b2, eps, lambda b, t: (1 - b) ** t)
    assert np.abs(got - misprint).max() > 1e-2


def test_notes_adam_with_eps_inside_the_root():
    # note 000 (lr / sqrt(r_hat + delta) * v_hat) and note 001's code (np.sqrt(newR + 0.00001)), with
    # note 001's first moment fixed to use g; a large delta makes the difference from eps outside plain
    lr, b1, b2, delta = 0.05, 0.9, 0.999, 1e-2
    w0, grads = H.notes_data(1)
    got, _ = H.run_given_grads(optim.Adam, dict(lr=lr, betas=(b1, b2), eps=delta, eps_inside_sqrt=True),
                               w0, grads)
    def correction(b, t):
        return 1 - b ** t

    want = _adam_notes(w0, grads, lr, b1, b2, delta, correction, eps_inside_sqrt=True)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    assert np.abs(got - _adam_notes(w0, grads, lr, b1, b2, delta, correction)).max() > 1e-4


def test_note_001_adam_code_with_eps_inside_the_root():
    # note 001's code, its first-moment erratum fixed (g, not g**2): rho1 = 0.9, rho2 = 0.999,
    # newS = s / (1 - rho1**t); newR = r / (1 - rho2**t); W = W - lr * newS / np.sqrt(newR + 0.00001)
    lr, rho1, rho2 = 0.01, 0.9, 0.999
    w0, grads = H.notes_data(2, shape=(5,))
    W, sW, rW = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for AdamTime, W_grad in enumerate(grads, start=1):
        sW = rho1 * sW + (1 - rho1) * W_grad
        rW = rho2 * rW + (1 - rho2) * W_grad ** 2
        newS = sW / (1 - rho1 ** AdamTime)
        newR = rW / (1 - rho2 ** AdamTime)
        W = W - lr * newS / np.sqrt(newR + 0.00001)
    got, _ = H.run_given_grads(optim.Adam, dict(lr=lr, betas=(rho1, rho2), eps=1e-5, eps_inside_sqrt=True),
                               w0, grads)
    np.testing.assert_allclose(got, W, rtol=1e-12, atol=1e-14)


# ---- PyTorch ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=H.case_id)
def test_matches_torch(case):
    cls, _, options = case
    H.check_against_torch(pytest.importorskip("torch"), cls, options, rtol=1e-8, atol=1e-10)
