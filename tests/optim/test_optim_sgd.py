"""optim.SGD against a NumPy implementation of its rule, the notes' momentum forms, and torch.optim.SGD."""
import numpy as np
import pytest

import minidl
import optim_helpers as H
from minidl import optim

FLOATS = [np.float32, np.float64]

# a large lr magnifies any difference in the rule; 12 steps let momentum build up
OPTIONS = [
    dict(lr=0.5),
    dict(lr=0.3, momentum=0.9),
    dict(lr=0.3, momentum=0.9, dampening=0.9),
    dict(lr=0.3, momentum=0.8, dampening=0.3, weight_decay=0.2),
    dict(lr=0.2, momentum=0.9, nesterov=True),
    dict(lr=0.4, weight_decay=0.5),
    dict(lr=0.3, momentum=0.5, nesterov=True, weight_decay=0.1, maximize=True),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_sgd_matches_numpy_rule(options, dtype):
    leaves, copies = H.make_params(dtype)
    noise = H.noises(copies)
    got = H.run_minidl(optim.SGD(leaves, **options), leaves, noise)
    H.assert_runs_match(got, H.run_reference(H.sgd, options, copies, noise), dtype)
    for p in leaves:
        assert p.dtype == minidl.float32 if dtype == np.float32 else p.dtype == minidl.float64
        assert p.is_leaf and p.requires_grad and p.grad_fn is None


@pytest.mark.parametrize("dtype", FLOATS)
def test_sgd_two_groups_with_their_own_options(dtype):
    leaves, copies = H.make_params(dtype)
    first, second = dict(lr=0.3, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.3, maximize=True)
    opt = optim.SGD([{"params": leaves[:2], **first}, {"params": leaves[2:], "weight_decay": 0.3,
                                                        "maximize": True}], lr=0.1)
    noise = H.noises(copies)
    got = H.run_minidl(opt, leaves, noise)
    want = (H.run_reference(H.sgd, first, copies[:2], [n[:2] for n in noise])
            + H.run_reference(H.sgd, second, copies[2:], [n[2:] for n in noise]))
    H.assert_runs_match(got, want, dtype)


def test_sgd_large_parameter_runs_the_threaded_loop():
    # 100k elements: split across threads, SIMD batches plus a tail in each chunk
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal(100_003).astype(np.float32)
    w = minidl.tensor(w0, requires_grad=True)
    opt = optim.SGD([w], lr=0.5, momentum=0.9, nesterov=True)
    ref, state = w0.astype(np.float64), {}
    for t in range(1, 6):
        g = rng.standard_normal(w0.shape)
        w.grad = minidl.tensor(g.astype(np.float32))
        opt.step()
        g32 = g.astype(np.float32).astype(np.float64)
        ref = H.sgd(ref, g32, state, t, lr=0.5, momentum=0.9, nesterov=True)
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-5, atol=1e-5)


# ---- the course notes' forms, written as the notes write them -------------------------------

def _notes_run(rule, w0, grads):
    """rule(w, v, g) -> (w, v), from v = 0."""
    w, v = w0.copy(), np.zeros_like(w0)
    for g in grads:
        w, v = rule(w, v, g)
    return w, v


def _moving_average(a, lr):
    # v = a v + (1 - a) g;  w = w - lr v
    return lambda w, v, g: (w - lr * (a * v + (1 - a) * g), a * v + (1 - a) * g)


def _minidl_run(opt_factory, w0, grads, zero_buffer=False):
    w = minidl.tensor(w0, requires_grad=True)
    opt = opt_factory([w])
    if zero_buffer:
        opt.state[w]["momentum_buffer"] = minidl.zeros_like(w.detach())
    for g in grads:
        w.grad = minidl.tensor(g)
        opt.step()
    return w.detach().numpy(), opt.state[w].get("momentum_buffer")


def test_notes_moving_average_momentum_with_a_zero_buffer():
    # notes 000/003/004: v = a v + (1 - a) g;  w = w - lr v, from v = 0
    a, lr = 0.9, 0.5
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(6)
    grads = [rng.standard_normal(6) for _ in range(12)]
    want_w, want_v = _notes_run(_moving_average(a, lr), w0, grads)
    got_w, got_v = _minidl_run(lambda ps: optim.SGD(ps, lr=lr, momentum=a, dampening=a), w0, grads,
                               zero_buffer=True)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_v.numpy(), want_v, rtol=1e-12, atol=1e-12)


def test_moving_average_momentum_without_a_buffer_starts_at_g():
    # PyTorch starts the buffer at v_1 = g_1; after t steps it exceeds the notes' v by a^t g_1
    a, lr = 0.9, 0.5
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal(6)
    grads = [rng.standard_normal(6) for _ in range(12)]
    _, notes_v = _notes_run(_moving_average(a, lr), w0, grads)
    _, got_v = _minidl_run(lambda ps: optim.SGD(ps, lr=lr, momentum=a, dampening=a), w0, grads)
    np.testing.assert_allclose(got_v.numpy() - notes_v, a ** len(grads) * grads[0], rtol=1e-9, atol=1e-12)


def test_notes_heavy_ball_momentum():
    # note 001: v = r v + g;  x = x - lr v (from v = 0, so v_1 = g_1 as in PyTorch)
    r, lr = 0.8, 0.1
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((2, 3))
    grads = [rng.standard_normal((2, 3)) for _ in range(12)]
    want_w, _ = _notes_run(lambda w, v, g: (w - lr * (r * v + g), r * v + g), w0, grads)
    got_w, _ = _minidl_run(lambda ps: optim.SGD(ps, lr=lr, momentum=r), w0, grads)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-12, atol=1e-12)


def test_notes_gradient_descent_on_x_squared():
    # note 000: f(x) = x^2 from x = 10 with lr 0.2 converges as 10 * 0.6^t; lr 1.1 diverges
    for lr, factor in ((0.2, 0.6), (1.1, -1.2)):
        x = minidl.tensor([10.0], dtype=minidl.float64, requires_grad=True)
        opt = optim.SGD([x], lr=lr)
        for _ in range(10):
            opt.zero_grad()
            (x * x).sum().backward()
            opt.step()
        np.testing.assert_allclose(x.item(), 10 * factor ** 10, rtol=1e-12)


def test_weight_decay_is_the_l2_penalty_gradient():
    # weight_decay=lambda adds lambda w to g: the gradient of the notes' lambda/2 ||w||^2 in the loss
    lam, lr = 0.3, 0.2
    x = minidl.tensor([[1.0, -2.0, 0.5], [0.3, 0.1, -1.0]], dtype=minidl.float64)
    w_penalty = minidl.tensor([0.5, -0.2, 0.8], dtype=minidl.float64, requires_grad=True)
    w_decay = minidl.tensor([0.5, -0.2, 0.8], dtype=minidl.float64, requires_grad=True)
    opt_penalty = optim.SGD([w_penalty], lr=lr, momentum=0.9)
    opt_decay = optim.SGD([w_decay], lr=lr, momentum=0.9, weight_decay=lam)
    for _ in range(10):
        for w, opt, penalty in ((w_penalty, opt_penalty, lam), (w_decay, opt_decay, 0.0)):
            opt.zero_grad()
            loss = ((x * w).sum(dim=1) ** 2).mean() + penalty / 2 * (w * w).sum()
            loss.backward()
            opt.step()
    np.testing.assert_allclose(w_decay.detach().numpy(), w_penalty.detach().numpy(), rtol=1e-12, atol=1e-14)


# ---- PyTorch ------------------------------------------------------------------------------

@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_sgd_matches_torch(options):
    torch = pytest.importorskip("torch")
    leaves, copies = H.make_params(np.float64)
    noise = H.noises(copies)
    got = H.run_minidl(optim.SGD(leaves, **options), leaves, noise)
    tw = [torch.tensor(w, requires_grad=True) for w in copies]
    topt = torch.optim.SGD(tw, **options)
    for step in noise:
        for p, n in zip(tw, step):
            p.grad = torch.tensor(H.grad_of(p.detach().numpy(), n))
        topt.step()
    for a, p in zip(got, tw):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-10, atol=1e-12)
