"""Helpers shared by the optimizer tests: NumPy references of each update rule, and a harness
that runs a minidl optimizer and a reference side by side on the same gradient sequence.

The references are written from the published algorithms (PyTorch's documentation of each
torch.optim class), one parameter at a time, in float64, in the course notes' notation:
w parameter, g gradient, t step (from 1). They share no code with minidl.
"""
import numpy as np

import minidl
from helpers import noncontig, transposed

STEPS = 12

# (shape, layout): the layouts the fused loops must handle. "transposed" and "strided" give
# non-contiguous parameters (and gradients); 37 and 2145 elements leave a tail after the SIMD
# batches of 8 or 16.
LAYOUTS = [((7,), "contiguous"), ((3, 5), "transposed"), ((), "contiguous"), ((37,), "strided"),
           ((33, 65), "contiguous")]


def _layout(a, layout):
    if layout == "transposed":
        return transposed(a)
    if layout == "strided":
        return noncontig(a)
    return np.ascontiguousarray(a)


def make_params(dtype, seed=0, layouts=LAYOUTS):
    """Leaves (sharing memory with NumPy arrays in the given layouts) and float64 copies."""
    rng = np.random.default_rng(seed)
    leaves, copies = [], []
    for shape, layout in layouts:
        a = rng.uniform(-2, 2, size=shape)
        t = minidl.from_numpy(_layout(a.astype(dtype), layout)).requires_grad_(True)
        if layout != "contiguous":
            assert not t.is_contiguous()
        leaves.append(t)
        copies.append(a.astype(dtype).astype(np.float64))
    return leaves, copies


def noises(copies, steps=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(w.shape) for w in copies] for _ in range(steps)]


def grad_of(w, noise):
    """The gradient of 0.25 ||w||^2 + noise . w: depends on w, so differences compound."""
    return 0.5 * w + noise


def run_minidl(opt, leaves, noise_seq, layouts=LAYOUTS):
    """Step ``opt`` over ``leaves`` with gradients from grad_of (a non-contiguous leaf also
    gets a non-contiguous gradient); returns the leaves' final values as float64 arrays."""
    for noise in noise_seq:
        for p, n, (_, layout) in zip(leaves, noise, layouts):
            w = np.array(p.detach().numpy(), dtype=np.float64)
            g = grad_of(w, n).astype(p.detach().numpy().dtype)
            p.grad = minidl.from_numpy(_layout(g, layout))
        opt.step()
    return [np.array(p.detach().numpy(), dtype=np.float64) for p in leaves]


def run_reference(rule, options, copies, noise_seq):
    """The same run with a NumPy rule(w, g, state, t, **options) -> w, state per parameter."""
    ws = [w.copy() for w in copies]
    states = [{} for _ in ws]
    for t, noise in enumerate(noise_seq, start=1):
        for i, n in enumerate(noise):
            ws[i] = rule(ws[i], grad_of(ws[i], n), states[i], t, **options)
    return ws


def tolerance(dtype):
    """float32 runs (minidl in float32 vs the float64 reference) drift by rounding over the steps."""
    return dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def assert_runs_match(got, want, dtype):
    for i, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, **tolerance(dtype), err_msg=f"parameter {i}")


# ---- the update rules ---------------------------------------------------------------------

def sgd(w, g, s, t, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    if maximize:
        g = -g
    g = g + weight_decay * w
    if momentum:
        s["v"] = g.copy() if "v" not in s else momentum * s["v"] + (1 - dampening) * g
        g = g + momentum * s["v"] if nesterov else s["v"]
    return w - lr * g


def adagrad(w, g, s, t, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
            maximize=False):
    if maximize:
        g = -g
    g = g + weight_decay * w
    lr_t = lr / (1 + (t - 1) * lr_decay)
    s["r"] = s.get("r", np.full_like(w, initial_accumulator_value)) + g * g
    return w - lr_t * g / (np.sqrt(s["r"]) + eps)


def rmsprop(w, g, s, t, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
            maximize=False):
    if maximize:
        g = -g
    g = g + weight_decay * w
    s["r"] = alpha * s.get("r", 0.0) + (1 - alpha) * g * g
    if centered:
        s["m"] = alpha * s.get("m", 0.0) + (1 - alpha) * g
        denom = np.sqrt(s["r"] - s["m"] ** 2) + eps
    else:
        denom = np.sqrt(s["r"]) + eps
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0.0) + g / denom
        return w - lr * s["b"]
    return w - lr * g / denom


def adadelta(w, g, s, t, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    if maximize:
        g = -g
    g = g + weight_decay * w
    s["r"] = rho * s.get("r", 0.0) + (1 - rho) * g * g
    d = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(s["r"] + eps) * g
    s["u"] = rho * s.get("u", 0.0) + (1 - rho) * d * d
    return w - lr * d


def adam(w, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
         decoupled_weight_decay=False):
    b1, b2 = betas
    if maximize:
        g = -g
    if decoupled_weight_decay:
        w = w * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * w
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    v = s["v"]
    if amsgrad:
        s["vmax"] = v = np.maximum(s.get("vmax", 0.0), v)
    m_hat = s["m"] / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw(w, g, s, t, weight_decay=1e-2, **options):
    return adam(w, g, s, t, weight_decay=weight_decay, decoupled_weight_decay=True, **options)


def nadam(w, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
          decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    if maximize:
        g = -g
    if decoupled_weight_decay:
        w = w * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * w
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    # PyTorch keeps the product in a float32 tensor ('mu_product') and multiplies it in float32
    s["P"] = float(np.float32(s.get("P", 1.0)) * np.float32(mu))
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    denom = np.sqrt(s["v"] / (1 - b2 ** t)) + eps
    return (w - lr * (1 - mu) / (1 - s["P"]) * g / denom
            - lr * mu_next / (1 - s["P"] * mu_next) * s["m"] / denom)
