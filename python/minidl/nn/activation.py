"""Activation modules: thin wrappers over minidl.nn.functional (the math and gradients are C++).

``inplace=`` is accepted where PyTorch has it, so code ports unchanged; minidl always returns
a new tensor (the values are the same).
"""
import warnings

from .. import _C
from . import functional as F
from .module import Module
from .parameter import Parameter

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "SiLU",
           "GELU", "Softplus", "Hardtanh", "Step", "Sign"]


class _InplaceArg(Module):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_InplaceArg):
    """``relu(x) = max(0, x)``; ``relu'(x) = 1 if x > 0 else 0`` (0 at x = 0)."""

    def forward(self, input):
        return F.relu(input)


class LeakyReLU(Module):
    """``x if x >= 0 else negative_slope * x`` (default slope 0.01)."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky ReLU whose slope ``a`` is learned: ``x if x >= 0 else a * x``.

    ``num_parameters=1`` shares one slope; ``num_parameters=C`` learns one per channel (dim 1 of
    the input). Slopes start at ``init`` (0.25).
    """

    def __init__(self, num_parameters=1, init=0.25, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_C.full((num_parameters,), init, dtype=dtype or _C.dtype.float32))

    def reset_parameters(self):
        from .init import constant_
        constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """``x if x > 0 else alpha * (exp(x) - 1)`` (alpha 1.0; notes 004)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """``sigmoid(x) = 1 / (1 + exp(-x))``; ``sigmoid' = sigmoid (1 - sigmoid)`` (0.25 at 0)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """``tanh(x)``; ``tanh' = 1 - tanh^2`` (1 at 0)."""

    def forward(self, input):
        return F.tanh(input)


def _legacy_softmax_dim(ndim):
    warnings.warn("Implicit dimension choice for softmax has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """``softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m)`` along ``dim`` (``m = max x``: stable).

    Give ``dim`` (usually -1 or 1); ``dim=None`` picks one as old PyTorch did, with a warning.
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        dim = _legacy_softmax_dim(input.dim()) if self.dim is None else self.dim
        return F.softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """``log_softmax(x)_i = x_i - m - log(sum_j exp(x_j - m))`` along ``dim`` (stable)."""

    def forward(self, input):
        dim = _legacy_softmax_dim(input.dim()) if self.dim is None else self.dim
        return F.log_softmax(input, dim)


class SiLU(_InplaceArg):
    """SiLU, the notes' Swish: ``x * sigmoid(x)``."""

    def forward(self, input):
        return F.silu(input)


class GELU(Module):
    """``x * Phi(x)`` (``Phi`` the standard normal CDF); ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """``(1/beta) log(1 + exp(beta x))``, and ``x`` itself where ``beta x > threshold``."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``clamp(x, min_val, max_val)`` (default [-1, 1]); gradient 1 inside, 0 outside."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Step(Module):
    """The threshold (Heaviside step) unit of the MP neuron and perceptron lessons (notes 000, 001),
    computed by ``minidl.nn.functional.step`` (its docstring gives the value at 0). Not in PyTorch.
    Its derivative is 0 wherever it exists, which is why networks trained by backpropagation use
    smooth activations instead (note 001)."""

    def forward(self, input):
        return F.step(input)


class Sign(Module):
    """The sign unit of the perceptron, ``f(x) = sign(w^T x + b)`` (note 004, eq. 1), computed by
    ``minidl.nn.functional.sign`` (its docstring gives the value at 0). Not a PyTorch module."""

    def forward(self, input):
        return F.sign(input)
