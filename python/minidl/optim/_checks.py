"""Checks of optimizer options, shared by the optimizers' ``_check_group``.

Each raises ``ValueError`` naming the option and the value (PyTorch's messages, with the rule
added), or ``TypeError`` when the value is not a number at all.
"""
import numbers

from .._C import Tensor


def number(opt, name, value):
    """``value`` as a float; TypeError naming ``name`` when it is not a real number."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{opt}: {name} must be a number or a one-element tensor, got a tensor of shape "
                             f"{tuple(value.shape)}")
        return float(value.item())
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{opt}: {name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def non_negative(opt, name, value, label=None):
    v = number(opt, name, value)
    if not v >= 0.0:  # also refuses NaN
        raise ValueError(f"{opt}: invalid {label or name}: {value!r} ({name} must be >= 0)")


def in_range(opt, name, value, lo, hi, hi_inclusive=False):
    v = number(opt, name, value)
    ok = lo <= v <= hi if hi_inclusive else lo <= v < hi
    if not ok:
        interval = f"[{lo}, {hi}]" if hi_inclusive else f"[{lo}, {hi})"
        raise ValueError(f"{opt}: invalid {name}: {value!r} (must be in {interval})")


def betas(opt, value):
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{opt}: betas must be a pair (beta1, beta2), got {value!r}")
    for i, b in enumerate(value):
        v = number(opt, f"betas[{i}]", b)
        if not 0.0 <= v < 1.0:
            raise ValueError(f"{opt}: invalid beta parameter at index {i}: {b!r} (betas must be in [0, 1))")


def flag(opt, name, value):
    if not isinstance(value, (bool, int)) and type(value).__name__ != "bool_":
        raise TypeError(f"{opt}: {name} must be True or False, got {value!r}")


def choice(opt, name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{opt}: invalid {name}: {value!r} (must be one of {', '.join(map(repr, choices))})")


def not_differentiable(opt, differentiable):
    """PyTorch's ``differentiable=True`` (gradients through the update itself) is not supported."""
    if differentiable:
        raise ValueError(f"{opt}: differentiable=True is not supported: minidl's updates run in C++ outside "
                         "autograd (leave it False)")
