"""minidl.nn.functional against torch.nn.functional (skipped when PyTorch is not installed).

Same float64 inputs through both libraries: outputs, input gradients and parameter gradients
must agree, and so must BatchNorm's running statistics. This checks the claim that moving to
PyTorch is a change of import.
"""
import numpy as np
import pytest

import minidl
import minidl.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(2024)


def randn(*shape):
    return RNG.standard_normal(shape)


def run_both(m_fn, t_fn, arrays, grad_mask=None):
    """Outputs and gradients of both libraries for the same float64 arrays (None entries pass through)."""
    grad_mask = grad_mask or [a is not None for a in arrays]
    m_in = [None if a is None else minidl.from_numpy(a.copy()).requires_grad_(bool(r))
            for a, r in zip(arrays, grad_mask)]
    t_in = [None if a is None else torch.tensor(a, requires_grad=bool(r)) for a, r in zip(arrays, grad_mask)]
    m_out, t_out = m_fn(*m_in), t_fn(*t_in)
    g = randn(*t_out.shape)
    m_out.backward(minidl.from_numpy(g))
    t_out.backward(torch.tensor(g))
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for m, t in zip(m_in, t_in):
        if m is not None and m.requires_grad:
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("in_shape", [(5,), (3, 5), (2, 3, 5)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear(in_shape, with_bias):
    arrays = [randn(*in_shape), randn(4, 5), randn(4) if with_bias else None]
    run_both(F.linear, TF.linear, arrays)


@pytest.mark.parametrize("name,kwargs", [
    ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}), ("elu", {"alpha": 0.5}),
    ("silu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("softplus", {}),
    ("softplus", {"beta": 2.0, "threshold": 1.0}), ("hardtanh", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("relu", {}), ("sigmoid", {}), ("tanh", {}),
])
def test_activations(name, kwargs):
    x = randn(4, 6) * 3
    x[0, :4] = [0.0, -0.5, 1.0, 2.0]  # the kinks: both libraries must pick the same one-sided derivative
    m_fn, t_fn = getattr(F, name), getattr(TF, name) if hasattr(TF, name) else getattr(torch, name)
    run_both(lambda a: m_fn(a, **kwargs), lambda a: t_fn(a, **kwargs), [x])


@pytest.mark.parametrize("shape,c", [((5,), 1), ((4, 3), 1), ((4, 3), 3), ((2, 3, 5), 3)])
def test_prelu(shape, c):
    x = randn(*shape)
    x.flat[0] = 0.0
    run_both(F.prelu, TF.prelu, [x, RNG.uniform(0.05, 0.5, c)])


def test_sign_and_step():
    x = np.array([-2.0, 0.0, 3.0, -0.0, np.nan])
    np.testing.assert_array_equal(F.sign(minidl.from_numpy(x)).numpy(), torch.sign(torch.tensor(x)).numpy())
    one = torch.tensor(1.0, dtype=torch.float64)
    np.testing.assert_array_equal(F.step(minidl.from_numpy(x)).numpy(),
                                  torch.heaviside(torch.tensor(x), one).numpy())


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 2, 2)])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(shape, affine, training):
    c = shape[1]
    rm0, rv0 = randn(c), RNG.uniform(0.5, 2, c)
    m_stats = [minidl.from_numpy(rm0.copy()), minidl.from_numpy(rv0.copy())]
    t_stats = [torch.tensor(rm0), torch.tensor(rv0)]
    arrays = [randn(*shape) * 2 + 1, randn(c) if affine else None, randn(c) if affine else None]
    run_both(lambda x, w, b: F.batch_norm(x, *m_stats, w, b, training=training, momentum=0.2),
             lambda x, w, b: TF.batch_norm(x, *t_stats, w, b, training=training, momentum=0.2), arrays)
    for m, t in zip(m_stats, t_stats):
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-12)


def test_batch_norm_running_stats_float32_over_steps():
    m_rm, m_rv = minidl.zeros(4), minidl.ones(4)
    t_rm, t_rv = torch.zeros(4), torch.ones(4)
    for step in range(5):
        x = (randn(8, 4) * (step + 1) + step).astype(np.float32)
        F.batch_norm(minidl.from_numpy(x), m_rm, m_rv, training=True, momentum=0.01)
        TF.batch_norm(torch.tensor(x), t_rm, t_rv, training=True, momentum=0.01)
    np.testing.assert_allclose(m_rm.numpy(), t_rm.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(m_rv.numpy(), t_rv.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape,ns", [((4, 5), (5,)), ((2, 3, 4), (3, 4))])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm(shape, ns, affine):
    arrays = [randn(*shape) * 2 + 1, randn(*ns) if affine else None, randn(*ns) if affine else None]
    run_both(lambda x, w, b: F.layer_norm(x, ns, w, b), lambda x, w, b: TF.layer_norm(x, ns, w, b), arrays)


def test_dropout_eval_and_scaling_agree():
    x = randn(100, 10) + 4
    np.testing.assert_array_equal(F.dropout(minidl.from_numpy(x), 0.3, training=False).numpy(),
                                  TF.dropout(torch.tensor(x), 0.3, training=False).numpy())
    m = F.dropout(minidl.from_numpy(x), 0.3).numpy()
    t = TF.dropout(torch.tensor(x), 0.3).numpy()
    np.testing.assert_allclose(m[m != 0], x[m != 0] / 0.7, rtol=1e-14)
    np.testing.assert_allclose(t[t != 0], x[t != 0] / 0.7, rtol=1e-14)
