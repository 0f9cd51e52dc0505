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
# minidl's own option (not in torch.optim.SGD)
ZERO_INIT = [
    dict(lr=0.3, momentum=0.9, dampening=0.9, momentum_init="zeros"),
    dict(lr=0.3, momentum=0.8, dampening=0.3, weight_decay=0.2, momentum_init="zeros"),
    dict(lr=0.2, momentum=0.9, nesterov=True, maximize=True, momentum_init="zeros"),
    dict(lr=0.5, momentum_init="zeros"),
]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("options", OPTIONS + ZERO_INIT, ids=H.options_id)
def test_sgd_matches_numpy_rule(options, dtype):
    leaves = H.check_rule(optim.SGD, H.sgd, options, dtype)
    for p in leaves:
        assert p.dtype == minidl.float32 if dtype == np.float32 else p.dtype == minidl.float64
        assert p.is_leaf and p.requires_grad and p.grad_fn is None


@pytest.mark.parametrize("dtype", FLOATS)
def test_sgd_two_groups_with_their_own_options(dtype):
    # the second group takes lr from the optimizer's defaults
    H.check_two_groups(optim.SGD, H.sgd, dict(lr=0.3, momentum=0.9, nesterov=True),
                       dict(weight_decay=0.3, maximize=True, momentum=0.5, momentum_init="zeros"), dtype,
                       split=2, defaults=dict(lr=0.1))


@pytest.mark.parametrize("momentum_init", ["grad", "zeros"])
def test_sgd_large_parameter_runs_the_threaded_loop(momentum_init):
    H.check_large(optim.SGD, H.sgd, dict(lr=0.5, momentum=0.9, nesterov=True, momentum_init=momentum_init),
                  np.float32, seed=3, rtol=1e-5, atol=1e-5)


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


def test_notes_moving_average_momentum_with_momentum_init_zeros():
    # notes 000/003/004: v = a v + (1 - a) g;  w = w - lr v, from v = 0
    a, lr = 0.9, 0.5
    w0, grads = H.notes_data(0, shape=(6,))
    want_w, want_v = _notes_run(_moving_average(a, lr), w0, grads)
    got_w, state = H.run_given_grads(optim.SGD, dict(lr=lr, momentum=a, dampening=a, momentum_init="zeros"),
                                     w0, grads)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(state["momentum_buffer"].numpy(), want_v, rtol=1e-12, atol=1e-12)


def test_notes_moving_average_first_step_is_one_minus_a_times_g():
    # v_1 = (1 - a) g_1 from v_0 = 0: the first step is lr (1 - a) g_1, in float32 too
    a, lr = 0.9, 0.5
    w0 = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    g = np.array([0.4, 1.0, -3.0], dtype=np.float32)
    options = dict(lr=lr, momentum=a, dampening=a, momentum_init="zeros")
    w1, state = H.run_given_grads(optim.SGD, options, w0, [g])
    np.testing.assert_allclose(state["momentum_buffer"].numpy(), (1 - a) * g.astype(np.float64), rtol=1e-6)
    np.testing.assert_allclose(w1, w0 - lr * (1 - a) * g.astype(np.float64), rtol=1e-6)
    assert state["momentum_buffer"].dtype == minidl.float32


def test_moving_average_momentum_by_default_starts_at_g():
    # PyTorch starts the buffer at v_1 = g_1; after t steps it exceeds the notes' v by a^t g_1
    a, lr = 0.9, 0.5
    w0, grads = H.notes_data(1, shape=(6,))
    _, notes_v = _notes_run(_moving_average(a, lr), w0, grads)
    _, state = H.run_given_grads(optim.SGD, dict(lr=lr, momentum=a, dampening=a), w0, grads)
    np.testing.assert_allclose(state["momentum_buffer"].numpy() - notes_v, a ** len(grads) * grads[0],
                               rtol=1e-9, atol=1e-12)


def test_notes_heavy_ball_momentum():
    # note 001: v = r v + g;  x = x - lr v (from v = 0, so v_1 = g_1 as in PyTorch): both inits agree
    r, lr = 0.8, 0.1
    w0, grads = H.notes_data(2, shape=(2, 3))
    want_w, _ = _notes_run(lambda w, v, g: (w - lr * (r * v + g), r * v + g), w0, grads)
    for init in ("grad", "zeros"):
        got_w, _ = H.run_given_grads(optim.SGD, dict(lr=lr, momentum=r, momentum_init=init), w0, grads)
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

@pytest.mark.parametrize("options", OPTIONS, ids=H.options_id)
def test_sgd_matches_torch(options):
    H.check_against_torch(pytest.importorskip("torch"), optim.SGD, options, rtol=1e-10, atol=1e-12)
