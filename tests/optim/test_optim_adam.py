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


def _id(case):
    cls, _, options = case
    return cls.__name__ + "(" + ",".join(f"{k}={v}" for k, v in options.items()) + ")"


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_matches_numpy_rule(case, dtype):
    cls, rule, options = case
    leaves, copies = H.make_params(dtype)
    noise = H.noises(copies)
    got = H.run_minidl(cls(leaves, **options), leaves, noise)
    H.assert_runs_match(got, H.run_reference(rule, options, copies, noise), dtype)


@pytest.mark.parametrize("cls, rule, first, second", [
    (optim.Adam, H.adam, dict(lr=0.1, amsgrad=True), dict(lr=0.02, betas=(0.5, 0.6), weight_decay=0.1)),
    (optim.AdamW, H.adamw, dict(lr=0.1, weight_decay=0.0), dict(lr=0.3, weight_decay=0.2)),
    (optim.NAdam, H.nadam, dict(lr=0.1), dict(lr=0.05, momentum_decay=0.1, decoupled_weight_decay=True,
                                              weight_decay=0.1)),
], ids=["Adam", "AdamW", "NAdam"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_two_groups_with_their_own_options(cls, rule, first, second, dtype):
    leaves, copies = H.make_params(dtype)
    opt = cls([{"params": leaves[:2], **first}, {"params": leaves[2:], **second}])
    noise = H.noises(copies)
    got = H.run_minidl(opt, leaves, noise)
    want = (H.run_reference(rule, first, copies[:2], [n[:2] for n in noise])
            + H.run_reference(rule, second, copies[2:], [n[2:] for n in noise]))
    H.assert_runs_match(got, want, dtype)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_large_parameter_runs_the_threaded_loop(amsgrad):
    rng = np.random.default_rng(5)
    w0 = rng.standard_normal(100_003).astype(np.float32)
    w = minidl.tensor(w0, requires_grad=True)
    opt = optim.Adam([w], lr=0.1, amsgrad=amsgrad)
    ref, state = w0.astype(np.float64), {}
    for t in range(1, 6):
        g = rng.standard_normal(w0.shape).astype(np.float32)
        w.grad = minidl.tensor(g)
        opt.step()
        ref = H.adam(ref, g.astype(np.float64), state, t, lr=0.1, amsgrad=amsgrad)
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-4, atol=1e-5)


def test_adamw_defaults_are_pytorchs():
    w = minidl.tensor([1.0], requires_grad=True)
    group = optim.AdamW([w]).param_groups[0]
    assert (group["lr"], group["betas"], group["eps"]) == (1e-3, (0.9, 0.999), 1e-8)
    assert group["weight_decay"] == 1e-2
    assert group["decoupled_weight_decay"] is True
    group = optim.NAdam([w]).param_groups[0]
    assert (group["lr"], group["momentum_decay"]) == (2e-3, 4e-3)


# ---- the course notes' Adam ---------------------------------------------------------------

def _adam_notes(w0, grads, lr, b1, b2, eps, correction):
    # notes 004 (65)-(69): m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; m_hat = m / correction(b1, t);
    # v_hat = v / correction(b2, t); w = w - lr / (sqrt(v_hat) + eps) m_hat
    w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat, v_hat = m / correction(b1, t), v / correction(b2, t)
        w = w - lr / (np.sqrt(v_hat) + eps) * m_hat
    return w


def test_notes_adam_with_bias_correction():
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(12)]
    w = minidl.tensor(w0, requires_grad=True)
    opt = optim.Adam([w], lr=lr, betas=(b1, b2), eps=eps)
    for g in grads:
        w.grad = minidl.tensor(g)
        opt.step()
    got = w.detach().numpy()
    np.testing.assert_allclose(got, _adam_notes(w0, grads, lr, b1, b2, eps, lambda b, t: 1 - b ** t),
                               rtol=1e-12, atol=1e-14)
    # erratum of slides 003: correcting by (1 - b)^t instead is a different (wrong) method
    misprint = _adam_notes(w0, grads, lr, b1, b2, eps, lambda b, t: (1 - b) ** t)
    assert np.abs(got - misprint).max() > 1e-2


# ---- PyTorch ------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=_id)
def test_matches_torch(case):
    torch = pytest.importorskip("torch")
    cls, _, options = case
    leaves, copies = H.make_params(np.float64)
    noise = H.noises(copies)
    opt = cls(leaves, **options)
    got = H.run_minidl(opt, leaves, noise)
    tw = [torch.tensor(w, requires_grad=True) for w in copies]
    topt = getattr(torch.optim, cls.__name__)(tw, **options)
    for step in noise:
        for p, n in zip(tw, step):
            p.grad = torch.tensor(H.grad_of(p.detach().numpy(), n))
        topt.step()
    for a, p in zip(got, tw):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-8, atol=1e-10)
    for p, tp in zip(leaves, tw):
        assert set(opt.state[p]) == set(topt.state[tp])
        for key, value in topt.state[tp].items():
            np.testing.assert_allclose(opt.state[p][key].numpy(), value.numpy(), rtol=1e-8, atol=1e-10)
