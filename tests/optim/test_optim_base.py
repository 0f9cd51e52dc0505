"""What every optimizer shares: option checks, skipped parameters, zero_grad, closures, the
version counter, parameter groups, and errors raised before anything is written."""
import numpy as np
import pytest

import minidl
from minidl import nn, optim

ALL = [optim.SGD, optim.Adagrad, optim.RMSprop, optim.Adadelta, optim.Adam, optim.AdamW, optim.NAdam]
ids = [c.__name__ for c in ALL]


def _w(values=(1.0, -2.0, 3.0)):
    return minidl.tensor(list(values), requires_grad=True)


# ---- invalid settings ---------------------------------------------------------------------

@pytest.mark.parametrize("cls, kwargs, match", [
    (optim.SGD, dict(lr=-0.1), r"learning rate: -0\.1"),
    (optim.SGD, dict(lr=0.1, momentum=-0.5), r"momentum value: -0\.5"),
    (optim.SGD, dict(lr=0.1, weight_decay=-1e-4), r"weight_decay value: -0\.0001"),
    (optim.SGD, dict(lr=0.1, nesterov=True), r"Nesterov.*momentum=0, dampening=0"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), r"Nesterov.*dampening=0\.1"),
    (optim.SGD, dict(lr=float("nan")), r"learning rate: nan"),
    (optim.Adagrad, dict(lr_decay=-1), r"lr_decay value: -1"),
    (optim.Adagrad, dict(initial_accumulator_value=-0.5), r"initial_accumulator_value: -0\.5"),
    (optim.Adagrad, dict(eps=-1e-10), r"epsilon value: -1e-10"),
    (optim.RMSprop, dict(alpha=-0.9), r"alpha value: -0\.9"),
    (optim.RMSprop, dict(momentum=-1), r"momentum value: -1"),
    (optim.RMSprop, dict(eps=-1), r"epsilon value: -1"),
    (optim.Adadelta, dict(rho=1.5), r"rho: 1\.5 \(must be in \[0\.0, 1\.0\]\)"),
    (optim.Adadelta, dict(lr=-1), r"learning rate: -1"),
    (optim.Adam, dict(betas=(1.0, 0.999)), r"beta parameter at index 0: 1\.0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), r"beta parameter at index 1: -0\.1"),
    (optim.Adam, dict(betas=0.9), r"betas must be a pair"),
    (optim.Adam, dict(eps=-1e-8), r"epsilon value: -1e-08"),
    (optim.Adam, dict(weight_decay=-0.1), r"weight_decay value: -0\.1"),
    (optim.AdamW, dict(lr=-1e-3), r"AdamW: invalid learning rate: -0\.001"),
    (optim.NAdam, dict(momentum_decay=-0.1), r"momentum_decay value: -0\.1"),
    (optim.NAdam, dict(betas=(0.9, 1.0)), r"beta parameter at index 1: 1\.0"),
    (optim.SGD, dict(lr=0.1, momentum=0.9, momentum_init="ones"),
     r"SGD: invalid momentum_init: 'ones' \(must be one of 'grad', 'zeros'\)"),
    (optim.SGD, dict(lr=0.1, momentum_init=None), r"invalid momentum_init: None"),
])
def test_invalid_settings_raise_value_error(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls([_w()], **kwargs)


def test_a_group_with_invalid_settings_is_not_added():
    w, v = _w(), _w()
    opt = optim.Adam([w])
    with pytest.raises(ValueError, match=r"beta parameter at index 0: 2"):
        opt.add_param_group({"params": [v], "betas": (2, 0.9)})
    assert len(opt.param_groups) == 1


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match=r"lr must be a real number, got str"):
        optim.SGD([_w()], lr="0.1")
    with pytest.raises(TypeError, match=r"single Tensor"):
        optim.Adam(_w())
    for cls in (optim.Adagrad, optim.Adam, optim.AdamW, optim.NAdam):
        with pytest.raises(TypeError, match=r"eps_inside_sqrt must be True or False, got 'yes'"):
            cls([_w()], eps_inside_sqrt="yes")


@pytest.mark.parametrize("cls", ALL, ids=ids)
def test_unknown_parameter_types_are_refused(cls):
    with pytest.raises(ValueError, match=r"floating-point.*int64"):
        cls([minidl.tensor([1, 2, 3])])
    with pytest.raises(ValueError, match=r"empty parameter list"):
        cls([])
    with pytest.raises(TypeError, match=r"params\[1\] is a list"):
        cls([_w(), [1.0]])


def test_differentiable_is_refused():
    with pytest.raises(ValueError, match=r"differentiable=True is not supported"):
        optim.Adam([_w()], differentiable=True)


def test_pytorch_only_switches_are_accepted():
    w = _w()
    optim.Adam([w], foreach=True, fused=False, capturable=False)
    optim.SGD([w], lr=0.1, foreach=False, fused=None)
    optim.RMSprop([w], 0.01, 0.99, 1e-8, 0, 0, False, False, None)  # PyTorch's positional order


# ---- skipped parameters, zero_grad, closure -----------------------------------------------

@pytest.mark.parametrize("cls", ALL, ids=ids)
def test_parameters_without_grad_are_skipped(cls):
    w, frozen = _w(), _w((5.0, 6.0))
    opt = cls([w, frozen], lr=0.1)
    w.grad = minidl.tensor([1.0, 1.0, 1.0])
    before = frozen._version
    opt.step()
    assert not np.allclose(w.detach().numpy(), [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(frozen.detach().numpy(), [5.0, 6.0])
    assert frozen._version == before
    if cls is optim.Adagrad:  # its state exists from construction, as in PyTorch, and stays at step 0
        assert opt.state[frozen]["step"].item() == 0
    else:
        assert len(opt.state.get(frozen, {})) == 0


def test_zero_grad_set_to_none_and_in_place():
    w = _w()
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    held = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(held.numpy(), [0.0, 0.0, 0.0])  # zeroed in place
    opt.zero_grad()
    assert w.grad is None
    opt.zero_grad()  # nothing to clear: fine
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, -4.0, 6.0])  # fresh, not accumulated


@pytest.mark.parametrize("cls", ALL, ids=ids)
def test_step_returns_the_closures_loss(cls):
    w = _w()
    opt = cls([w], lr=0.1)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        calls.append(minidl.is_grad_enabled())
        return loss

    with minidl.no_grad():
        loss = opt.step(closure)
    assert calls == [True]  # the closure runs with gradients on
    assert loss.item() == pytest.approx(14.0)
    assert opt.step() is None


# ---- autograd: no history, and the version counter ----------------------------------------

@pytest.mark.parametrize("cls", ALL, ids=ids)
def test_step_records_no_history_and_bumps_the_version(cls):
    w = _w()
    opt = cls([w], lr=0.1)
    w.grad = minidl.tensor([0.5, 0.5, 0.5])
    before = w._version
    opt.step()
    assert w._version > before
    assert w.is_leaf and w.grad_fn is None and w.requires_grad


@pytest.mark.parametrize("cls", ALL, ids=ids)
def test_backward_through_a_graph_that_saved_the_old_value_fails(cls):
    w = _w()
    opt = cls([w], lr=0.1)
    loss = (w * w).sum()  # saves w
    w.grad = minidl.tensor([1.0, 1.0, 1.0])
    opt.step()
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation"):
        loss.backward()


def test_errors_from_the_kernel_leave_everything_unchanged():
    # the second parameter's state is broken: the check runs before the first one is written
    w, v = _w(), _w((1.0, 2.0))
    opt = optim.Adam([w, v], lr=0.1)
    for p in (w, v):
        p.grad = minidl.ones_like(p.detach())
    opt.step()
    opt.state[v]["exp_avg"] = minidl.zeros(3)
    before = w.detach().numpy().copy()
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 1 has shape \[3\] but the "
                                         r"parameter has shape \[2\]"):
        opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), before)
    assert opt.state[w]["step"].item() == 1


# ---- groups and modules -------------------------------------------------------------------

def test_module_parameters_and_add_param_group():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = optim.SGD(net[0].parameters(), lr=0.1, momentum=0.9)
    opt.add_param_group({"params": net[2].parameters(), "lr": 0.01})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]  # defaults fill the new group
    with pytest.raises(ValueError, match=r"more than one parameter group"):
        opt.add_param_group({"params": [net[0].weight]})


def test_a_small_network_learns_with_each_optimizer():
    # y = 2 x0 - x1 + 0.5 from 64 points: every optimizer brings the loss well below its start
    # (Adadelta's first steps are about sqrt(eps): its default eps 1e-6 is too slow for 60 steps)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y = (2 * x[:, :1] - x[:, 1:] + 0.5).astype(np.float32)
    X, Y = minidl.tensor(x), minidl.tensor(y)
    settings = [(optim.SGD, dict(lr=0.1, momentum=0.9)), (optim.Adagrad, dict(lr=0.3)),
                (optim.RMSprop, dict(lr=0.01)), (optim.Adadelta, dict(lr=1.0, eps=1e-3)),
                (optim.Adam, dict(lr=0.05)), (optim.AdamW, dict(lr=0.05)), (optim.NAdam, dict(lr=0.05))]
    for cls, kwargs in settings:
        minidl.manual_seed(0)
        net = nn.Linear(2, 1)
        opt = cls(net.parameters(), **kwargs)
        losses = []
        for _ in range(60):
            opt.zero_grad()
            loss = nn.functional.mse_loss(net(X), Y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < 0.3 * losses[0], f"{cls.__name__}: loss {losses[0]:.3f} -> {losses[-1]:.3f}"


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam], ids=["SGD", "Adam"])
def test_a_gradient_sharing_the_parameters_memory_is_read_before_the_write(cls):
    # grad = w^T viewed from w's own memory: the update must use the old values throughout
    w0 = np.array([[1.0, 2.0, 0.5], [3.0, 4.0, -1.0], [0.2, -0.3, 0.7]])
    w = minidl.tensor(w0, requires_grad=True)
    w.grad = w.detach().t()
    reference = minidl.tensor(w0, requires_grad=True)
    reference.grad = minidl.tensor(w0.T.copy())
    cls([w], lr=0.5).step()
    cls([reference], lr=0.5).step()
    np.testing.assert_allclose(w.detach().numpy(), reference.detach().numpy(), rtol=1e-15)
    assert not np.allclose(w.detach().numpy(), w0)
