"""Activation functions beside their derivatives, the derivatives computed by minidl's autograd."""
import numpy as np

from .._C import Tensor
from .._tensor import tensor

__all__ = ["ACTIVATIONS", "activation_and_derivative", "plot_activations"]


def _functions():
    from .. import nn
    F = nn.functional
    return {"sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu, "leaky_relu": F.leaky_relu, "elu": F.elu,
            "silu": F.silu, "gelu": F.gelu, "softplus": F.softplus, "hardtanh": F.hardtanh,
            "step": F.step, "sign": F.sign}


ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "silu", "gelu", "softplus", "hardtanh",
               "step", "sign")
"""The names ``plot_activations`` knows (``nn.functional``'s functions with their default arguments)."""

_SATURATING = ("sigmoid", "tanh")


def activation_and_derivative(fn, x):
    """``(f(x), f'(x))`` as float64 NumPy arrays; ``fn`` is a name from ``ACTIVATIONS`` or a
    function of a tensor. The derivative is autograd's: the backward of ``f(x).sum()``."""
    name, fn = _resolve(fn)
    xt = tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = fn(xt)
    if not isinstance(y, Tensor) or tuple(y.shape) != tuple(xt.shape):
        raise ValueError(f"activation {name!r} must map a tensor to a tensor of the same shape")
    y.sum().backward()
    grad = xt.grad.numpy().copy() if xt.grad is not None else np.zeros(xt.shape)
    return y.detach().numpy().copy(), grad


def plot_activations(names=("sigmoid", "tanh", "relu", "leaky_relu", "elu", "silu"), ax=None,
                     x_range=(-5.0, 5.0), num=501, saturation=0.05):
    """Each activation (solid) with its derivative (dashed), the derivative by autograd.

    ``names``: names from ``ACTIVATIONS``, functions of a tensor, or ``(label, function)`` pairs.
    For sigmoid and tanh the saturated regions, where ``f'(x) < saturation * max f'`` (the
    gradient has all but vanished), are shaded. ``ax``: None (one panel per function), one Axes
    (all functions on it, one colour each) or a sequence of one axes per function.
    Returns the Figure.
    """
    from ._figures import axes_for

    if isinstance(names, str) or callable(names):
        names = [names]
    resolved = [_resolve(n) for n in names]
    if not resolved:
        raise ValueError("names is empty: give at least one activation")
    x = np.linspace(x_range[0], x_range[1], num)
    fig, axes = axes_for(len(resolved), ax, overlay=True, ncols=3, size=(4.2, 3.2))
    shared = len(resolved) > 1 and axes[0] is axes[-1]
    for i, ((label, fn), a) in enumerate(zip(resolved, axes)):
        y, dy = activation_and_derivative(fn, x)
        color = f"C{i % 10}" if shared else "C0"
        a.plot(x, y, "-", color=color, label=label)
        a.plot(x, dy, "--", color=color if shared else "C1", label=f"{label}'")
        if label in _SATURATING:
            a.fill_between(x, 0, 1, where=dy < saturation * dy.max(), transform=a.get_xaxis_transform(),
                           color=color if shared else "grey", alpha=0.12, linewidth=0,
                           label=f"{label} saturated" if shared else "saturated")
        a.axhline(0.0, color="k", linewidth=0.5)
        a.axvline(0.0, color="k", linewidth=0.5)
        a.grid(alpha=0.3)
        if not shared:
            a.set_title(label)
            a.legend(fontsize="small")
    if shared:
        axes[0].legend(fontsize="small", ncol=2)
    return fig


def _resolve(fn):
    """(label, function) from a name, a function or a (label, function) pair."""
    if isinstance(fn, str):
        table = _functions()
        if fn not in table:
            raise ValueError(f"unknown activation {fn!r}; valid names: {', '.join(ACTIVATIONS)}")
        return fn, table[fn]
    if isinstance(fn, tuple) and len(fn) == 2 and callable(fn[1]):
        return str(fn[0]), fn[1]
    if callable(fn):
        return getattr(fn, "__name__", type(fn).__name__), fn
    raise TypeError(f"an activation is a name, a function or a (label, function) pair, got {fn!r}")
