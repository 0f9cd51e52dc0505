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
    (optim.Adagrad, H.adagrad, dict(lr=0.5, lr_decay=0.2), dict(lr=0.1, weight_decay=0.1)),
    (optim.RMSprop, H.rmsprop, dict(lr=0.05, centered=True, momentum=0.5), dict(lr=0.01, alpha=0.9)),
    (optim.Adadelta, H.adadelta, dict(lr=1.0, rho=0.5), dict(lr=0.3, weight_decay=0.2)),
], ids=["Adagrad", "RMSprop", "Adadelta"])
def test_two_groups_with_their_own_options(cls, rule, first, second):
    leaves, copies = H.make_params(np.float64)
    opt = cls([{"params": leaves[:3], **first}, {"params": leaves[3:], **second}])
    noise = H.noises(copies)
    got = H.run_minidl(opt, leaves, noise)
    want = (H.run_reference(rule, first, copies[:3], [n[:3] for n in noise])
            + H.run_reference(rule, second, copies[3:], [n[3:] for n in noise]))
    H.assert_runs_match(got, want, np.float64)


def test_rmsprop_large_parameter_runs_the_threaded_loop():
    rng = np.random.default_rng(4)
    w0 = rng.standard_normal(100_003)
    w = minidl.tensor(w0, requires_grad=True)
    options = dict(lr=0.05, centered=True, momentum=0.9)
    opt = optim.RMSprop([w], **options)
    ref, state = w0.copy(), {}
    for t in range(1, 6):
        g = rng.standard_normal(w0.shape)
        w.grad = minidl.tensor(g)
        opt.step()
        ref = H.rmsprop(ref, g, state, t, **options)
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-10, atol=1e-12)


# ---- the course notes' forms --------------------------------------------------------------

def _run(opt_cls, options, w0, grads):
    w = minidl.tensor(w0, requires_grad=True)
    opt = opt_cls([w], **options)
    for g in grads:
        w.grad = minidl.tensor(g)
        opt.step()
    return w.detach().numpy()


def _data(seed, shape=(4, 3), steps=12):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), [rng.standard_normal(shape) for _ in range(steps)]


def test_notes_adagrad_with_delta():
    # note 001: r = r + g (.) g;  delta_theta = -eps / (delta + sqrt(r)) (.) g  (its code: delta 0.001)
    lr, delta = 0.5, 1e-3
    w0, grads = _data(0)
    w, r = w0.copy(), np.zeros_like(w0)
    for g in grads:
        r = r + g * g
        w = w + (-lr / (delta + np.sqrt(r)) * g)
    got = _run(optim.Adagrad, dict(lr=lr, eps=delta), w0, grads)
    np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-14)


def test_notes_rmsprop():
    # notes 000/001/003: r = b r + (1 - b) g^2;  w = w - lr g / (sqrt(r) + eps)
    lr, b, eps = 0.05, 0.9, 1e-6
    w0, grads = _data(1)
    w, r = w0.copy(), np.zeros_like(w0)
    for g in grads:
        r = b * r + (1 - b) * g ** 2
        w = w - lr * g / (np.sqrt(r) + eps)
    np.testing.assert_allclose(_run(optim.RMSprop, dict(lr=lr, alpha=b, eps=eps), w0, grads), w,
                               rtol=1e-12, atol=1e-14)


def test_adagrad_state_exists_from_construction_as_in_pytorch():
    w = minidl.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adagrad([w], initial_accumulator_value=0.25)
    assert set(opt.state[w]) == {"step", "sum"}
    np.testing.assert_array_equal(opt.state[w]["sum"].numpy(), [0.25, 0.25])
    assert opt.state[w]["step"].item() == 0


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
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-10, atol=1e-12)
    # the same state, under PyTorch's names
    for p, tp in zip(leaves, tw):
        assert set(opt.state[p]) == set(topt.state[tp])
        for key, value in topt.state[tp].items():
            np.testing.assert_allclose(opt.state[p][key].numpy(), value.numpy(), rtol=1e-10, atol=1e-12)
