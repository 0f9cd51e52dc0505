"""Helpers shared by the optimizer tests: NumPy references of each update rule, a harness
that runs a minidl optimizer and a reference side by side on the same gradient sequence, the
same against torch.optim, and short runs for the course notes' forms.

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


def options_id(options):
    """The test id of keyword arguments: ``lr=0.1,amsgrad=True``."""
    return ",".join(f"{k}={v}" for k, v in options.items())


def case_id(case):
    """The test id of a (class, rule, options) case: ``Adam(lr=0.1,amsgrad=True)``."""
    cls, _, options = case
    return f"{cls.__name__}({options_id(options)})"


def check_rule(cls, rule, options, dtype):
    """cls(**options) against rule(**options) over STEPS steps, from the same parameters in
    every layout of LAYOUTS; returns the leaves."""
    leaves, copies = make_params(dtype)
    noise = noises(copies)
    got = run_minidl(cls(leaves, **options), leaves, noise)
    assert_runs_match(got, run_reference(rule, options, copies, noise), dtype)
    return leaves


def check_two_groups(cls, rule, first, second, dtype, split, defaults=None):
    """Two parameter groups (the first `split` parameters, then the rest) with their own options
    and the optimizer's `defaults`, each against its reference run."""
    defaults = defaults or {}
    leaves, copies = make_params(dtype)
    opt = cls([{"params": leaves[:split], **first}, {"params": leaves[split:], **second}], **defaults)
    noise = noises(copies)
    got = run_minidl(opt, leaves, noise)
    want = (run_reference(rule, {**defaults, **first}, copies[:split], [n[:split] for n in noise])
            + run_reference(rule, {**defaults, **second}, copies[split:], [n[split:] for n in noise]))
    assert_runs_match(got, want, dtype)


def check_against_torch(torch, cls, options, rtol, atol):
    """cls(**options) and torch.optim's class of the same name over the same float64 run: the
    same parameters, and the same state under the same keys."""
    leaves, copies = make_params(np.float64)
    noise = noises(copies)
    opt = cls(leaves, **options)
    got = run_minidl(opt, leaves, noise)
    tw = [torch.tensor(w, requires_grad=True) for w in copies]
    topt = getattr(torch.optim, cls.__name__)(tw, **options)
    for step in noise:
        for p, n in zip(tw, step):
            p.grad = torch.tensor(grad_of(p.detach().numpy(), n))
        topt.step()
    for a, p in zip(got, tw):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=rtol, atol=atol)
    for p, tp in zip(leaves, tw):
        assert set(opt.state[p]) == set(topt.state[tp])
        for key, value in topt.state[tp].items():
            np.testing.assert_allclose(opt.state[p][key].numpy(), value.numpy(), rtol=rtol, atol=atol)


def check_large(cls, rule, options, dtype, seed, **tol):
    """cls(**options) against rule on one parameter of 100,003 elements over 5 steps: split across
    threads, SIMD batches plus a tail in each chunk."""
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(100_003).astype(dtype)
    w = minidl.tensor(w0, requires_grad=True)
    opt = cls([w], **options)
    ref, state = w0.astype(np.float64), {}
    for t in range(1, 6):
        g = rng.standard_normal(w0.shape).astype(dtype)
        w.grad = minidl.tensor(g)
        opt.step()
        ref = rule(ref, g.astype(np.float64), state, t, **options)
    np.testing.assert_allclose(w.detach().numpy(), ref, **tol)


# ---- the course notes' forms: one float64 parameter, gradients given ----------------------

def notes_data(seed, shape=(4, 3), steps=STEPS):
    """A starting parameter and `steps` gradients (not depending on the parameter)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape), [rng.standard_normal(shape) for _ in range(steps)]


def run_given_grads(cls, options, w0, grads):
    """cls([w], **options) stepped with the given gradients; (final w, w's state)."""
    w = minidl.tensor(w0, requires_grad=True)
    opt = cls([w], **options)
    for g in grads:
        w.grad = minidl.tensor(g)
        opt.step()
    return w.detach().numpy(), opt.state[w]


# ---- the update rules ---------------------------------------------------------------------

def sgd(w, g, s, t, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False,
        momentum_init="grad"):
    if maximize:
        g = -g
    g = g + weight_decay * w
    if momentum:
        if "v" not in s and momentum_init == "grad":
            s["v"] = g.copy()
        else:
            s["v"] = momentum * s.get("v", 0.0) + (1 - dampening) * g
        g = g + momentum * s["v"] if nesterov else s["v"]
    return w - lr * g


def adagrad(w, g, s, t, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
            maximize=False, eps_inside_sqrt=False):
    if maximize:
        g = -g
    g = g + weight_decay * w
    lr_t = lr / (1 + (t - 1) * lr_decay)
    s["r"] = s.get("r", np.full_like(w, initial_accumulator_value)) + g * g
    return w - lr_t * g / (np.sqrt(s["r"] + eps) if eps_inside_sqrt else np.sqrt(s["r"]) + eps)


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


def _moments(w, g, s, lr, betas, weight_decay, decoupled_weight_decay, maximize):
    """Adam's and NAdam's start: maximize, weight decay (coupled or decoupled), the moving
    averages m and v in s; returns (w, g)."""
    b1, b2 = betas
    if maximize:
        g = -g
    if decoupled_weight_decay:
        w = w * (1 - lr * weight_decay)
    else:
        g = g + weight_decay * w
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    return w, g


def _root(v_hat, eps, eps_inside_sqrt):
    return np.sqrt(v_hat + eps) if eps_inside_sqrt else np.sqrt(v_hat) + eps


def adam(w, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
         decoupled_weight_decay=False, eps_inside_sqrt=False):
    b1, b2 = betas
    w, g = _moments(w, g, s, lr, betas, weight_decay, decoupled_weight_decay, maximize)
    v = s["v"]
    if amsgrad:
        s["vmax"] = v = np.maximum(s.get("vmax", 0.0), v)
    m_hat = s["m"] / (1 - b1 ** t)
    v_hat = v / (1 - b2 ** t)
    return w - lr * m_hat / _root(v_hat, eps, eps_inside_sqrt)


def adamw(w, g, s, t, weight_decay=1e-2, **options):
    return adam(w, g, s, t, weight_decay=weight_decay, decoupled_weight_decay=True, **options)


def nadam(w, g, s, t, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
          decoupled_weight_decay=False, maximize=False, eps_inside_sqrt=False):
    b1, b2 = betas
    w, g = _moments(w, g, s, lr, betas, weight_decay, decoupled_weight_decay, maximize)
    mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    # PyTorch keeps the product in a float32 tensor ('mu_product') and multiplies it in float32
    s["P"] = float(np.float32(s.get("P", 1.0)) * np.float32(mu))
    denom = _root(s["v"] / (1 - b2 ** t), eps, eps_inside_sqrt)
    return (w - lr * (1 - mu) / (1 - s["P"]) * g / denom
            - lr * mu_next / (1 - s["P"] * mu_next) * s["m"] / denom)
