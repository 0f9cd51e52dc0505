"""nn.init: fill a weight tensor in place, as torch.nn.init does.

Every function works under ``no_grad`` (so it can fill a Parameter), draws from minidl's one
global generator (``minidl.manual_seed(s)`` makes it repeatable) and returns its argument.

Fans: for a weight of shape ``(out, in, *kernel)`` (Linear's ``(out_features, in_features)``,
Conv2d's ``(C_out, C_in, kH, kW)``), ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``.

Which rule the course notes use:
- Xavier / Glorot (slides 003): ``Var(w) = 2 / (fan_in + fan_out)`` -> ``xavier_normal_``;
  ``U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))`` -> ``xavier_uniform_``.
- He / Kaiming for ReLU: ``Var(w) = 2 / fan_in`` -> ``kaiming_normal_(w, nonlinearity='relu')``.
  Note 004's "Xavier" code ``randn * sqrt(2 / fan_in)`` is this He rule; note 001's
  ``2 * randn / sqrt(n)`` has variance 4/n (an erratum) and is not reproduced.
- ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` (slides 003, note 001, PyTorch's Linear default) is
  ``kaiming_uniform_(w, a=math.sqrt(5))``, or simply ``uniform_(w, -b, b)``.
"""
import math
import warnings

from .._grad_mode import no_grad

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "ones_", "zeros_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The gain that keeps activations' variance steady through ``nonlinearity``.

    ======================  ==============================
    nonlinearity            gain
    ======================  ==============================
    linear, conv, sigmoid   1
    tanh                    5/3
    relu                    sqrt(2)
    leaky_relu              sqrt(2 / (1 + negative_slope^2))  (``param``, default 0.01)
    selu                    3/4
    ======================  ==============================
    """
    if nonlinearity in _LINEAR_FNS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """``(fan_in, fan_out)`` of a weight shaped ``(out, in, *receptive_field)``."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {tuple(tensor.shape)})")
    receptive_field = 1
    for s in tensor.shape[2:]:
        receptive_field *= s
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0):
    """Fill with draws from ``U(a, b)``."""
    with no_grad():
        tensor.uniform_(a, b)
    return tensor


def normal_(tensor, mean=0.0, std=1.0):
    """Fill with draws from ``N(mean, std^2)``."""
    with no_grad():
        tensor.normal_(mean, std)
    return tensor


def constant_(tensor, val):
    """Fill with the value ``val``."""
    with no_grad():
        tensor.fill_(val)
    return tensor


def ones_(tensor):
    return constant_(tensor, 1.0)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, zeros elsewhere)."""
    if tensor.dim() != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got shape {tuple(tensor.shape)}")
    from .. import eye
    with no_grad():
        tensor.copy_(eye(tensor.shape[0], tensor.shape[1]))
    return tensor


def xavier_uniform_(tensor, gain=1.0):
    """Glorot uniform: ``U(-a, a)``, ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor, gain=1.0):
    """Glorot normal: ``N(0, std^2)``, ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: ``U(-b, b)``, ``b = gain * sqrt(3 / fan)``, ``fan`` by ``mode``.

    ``gain = calculate_gain(nonlinearity, a)``; ``a`` is the negative slope of a leaky ReLU
    (0 gives ReLU's ``sqrt(2)``).
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: ``N(0, std^2)``, ``std = gain / sqrt(fan)`` (``2 / fan_in`` variance for ReLU)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity))
