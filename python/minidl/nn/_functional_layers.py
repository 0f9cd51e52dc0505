"""Layers and activations as functions, with PyTorch's signatures (minidl.nn.functional).

The kernels and their gradient formulas are C++ (``minidl._C._nn``, cpp/src/nn/); these
wrappers only adapt arguments. Notation: ``x`` is the input (a batch of rows), ``g`` the
gradient arriving from above, ``W``, ``b`` a layer's weight and bias.
"""
import numbers

from .. import _C

_nn = _C._nn

__all__ = [
    "linear",
    "leaky_relu", "elu", "prelu", "silu", "gelu", "softplus", "hardtanh", "step", "sign",
    "dropout", "batch_norm", "layer_norm",
]


def linear(input, weight, bias=None):
    """Affine map ``y = x W^T + b``.

    ``input`` is ``(*, in_features)``, ``weight`` ``(out_features, in_features)``, ``bias``
    ``(out_features,)`` or None; the result is ``(*, out_features)``. This is the notes' column
    form ``z = W a + b`` applied to each row ``a`` of the batch.

    Gradients: ``dx = g W``, ``dW = g^T x`` (summed over every row of the batch), ``db = sum(g)``
    over all leading dims. Forward and each gradient are one matrix product (BLAS gemm), the
    bias folded into the forward one. A float32/float64 mix computes in float64 (PyTorch
    raises instead).
    """
    return _nn.linear(input, weight, bias)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``y = x`` if ``x > 0`` else ``negative_slope * x``.

    Derivative 1 for ``x > 0`` and ``negative_slope`` for ``x <= 0`` (at 0 too, as in PyTorch).
    ``inplace`` is accepted for PyTorch compatibility; minidl always returns a new tensor.
    """
    return _nn.leaky_relu(input, float(negative_slope))


def elu(input, alpha=1.0, inplace=False):
    """Exponential linear unit: ``y = x`` if ``x > 0`` else ``alpha * (e^x - 1)``.

    Derivative 1 for ``x > 0`` and ``alpha * e^x`` for ``x <= 0`` (``alpha`` at 0, as in PyTorch).
    ``inplace`` is accepted for PyTorch compatibility; minidl always returns a new tensor.
    """
    return _nn.elu(input, float(alpha))


def prelu(input, weight):
    """Parametric ReLU: ``y = x`` if ``x > 0`` else ``a_c * x``, with learnable slopes ``a``.

    ``weight`` has 1 element (one slope shared by all) or ``C = input.shape[1]`` (one slope per
    channel). Gradients: ``dx = g`` (``x > 0``) or ``a_c g``; ``da_c = sum of x g`` over the
    elements of channel c with ``x <= 0``.
    """
    return _nn.prelu(input, weight)


def silu(input, inplace=False):
    """Sigmoid linear unit, the notes' Swish: ``y = x * sigmoid(x) = x / (1 + e^-x)``.

    Derivative ``s (1 + x (1 - s))`` with ``s = sigmoid(x)``. ``inplace`` is accepted for
    PyTorch compatibility; minidl always returns a new tensor.
    """
    return _nn.silu(input)


def gelu(input, approximate="none"):
    """Gaussian error linear unit: ``y = x * Phi(x)``, Phi the standard normal CDF.

    ``approximate='none'``: ``Phi(x) = (1 + erf(x / sqrt 2)) / 2`` exactly.
    ``approximate='tanh'``: ``y = x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2``.
    Derivative (exact form): ``Phi(x) + x phi(x)``, ``phi(x) = e^(-x^2/2) / sqrt(2 pi)``.
    """
    return _nn.gelu(input, approximate)


def softplus(input, beta=1.0, threshold=20.0):
    """Smooth ReLU: ``y = log(1 + e^(beta x)) / beta``, and ``y = x`` where ``beta x > threshold``.

    Derivative ``sigmoid(beta x)`` (1 above the threshold). Computed without overflow for any
    threshold.
    """
    return _nn.softplus(input, float(beta), float(threshold))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``y = min(max(x, min_val), max_val)``.

    Derivative 1 strictly inside ``(min_val, max_val)`` and 0 elsewhere, including at both ends
    (as in PyTorch). ``min_val > max_val`` raises ValueError. ``inplace`` is accepted for
    PyTorch compatibility; minidl always returns a new tensor.
    """
    return _nn.hardtanh(input, float(min_val), float(max_val))


def step(input):
    """The perceptron's threshold unit (Heaviside step): ``y = 1`` if ``x >= 0`` else ``0``.

    Any numeric dtype; the result has the input's dtype. The gradient is **zero** everywhere
    (the step is flat on both sides of its jump, and minidl takes 0 at the jump): nothing
    learns through it by backpropagation, which is why the perceptron has its own learning
    rule ``w += lr (target - y) x`` and why smooth activations replaced it. PyTorch has no
    ``step``; ``torch.heaviside(x, torch.tensor(1.))`` gives the same values.
    """
    return _nn.step(input)


def sign(input):
    """``y = 1`` if ``x > 0``, ``-1`` if ``x < 0``, ``0`` if ``x == 0`` (the ±1 perceptron's output).

    Any numeric dtype; the result has the input's dtype. The gradient is zero everywhere, as
    in ``torch.sign``.
    """
    return _nn.sign(input)


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: ``p`` is the probability of **dropping** each element (PyTorch's meaning).

    Training: ``y = x * m / (1 - p)`` with ``m_i ~ Bernoulli(1 - p)`` drawn from minidl's global
    generator (``minidl.manual_seed`` repeats the masks); gradient ``g * m / (1 - p)``. The
    expected value of ``y`` is ``x``, so nothing is rescaled at test time. ``p == 1`` gives zeros.
    Not training: the input itself. Monte Carlo dropout is this function left with
    ``training=True`` at inference.

    The notes differ: slides 003 use ``p`` as the keep probability (pass ``1 - p`` here), and
    notes 004 also multiply by ``(1 - p)`` at test time, which with inverted scaling would
    scale twice. ``p`` outside ``[0, 1]`` raises ValueError. ``inplace`` is accepted for PyTorch
    compatibility; minidl always returns a new tensor.
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"dropout: p must be a number, got {p!r}")
    return _nn.dropout(input, float(p), bool(training))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Batch normalisation over dim 1 (features / channels) of ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``.

    For each channel c, with the statistics over the ``M`` values of that channel:
    ``y = weight_c * (x - mean_c) / sqrt(var_c + eps) + bias_c``.

    ``training=True``: ``mean_c``, ``var_c`` are the batch's (variance **biased**, divided by M)
    and the running statistics, when given, are updated in place (no autograd):
    ``running_mean = (1 - momentum) running_mean + momentum mean_c`` and
    ``running_var = (1 - momentum) running_var + momentum var_c M / (M - 1)`` (**unbiased**).
    Slides 003's "decay 0.99" is ``momentum=0.01``. The cumulative average of note 001
    (``momentum=None`` in ``nn.BatchNorm1d``) is ``momentum = 1 / num_batches_tracked``, which
    the module computes; this function needs a number.

    ``training=False``: normalise with ``running_mean`` and ``running_var`` (required then).

    Gradients (training): ``dx = weight_c / sqrt(var_c + eps) * (g - mean(g) - xhat * mean(g xhat))``
    with the means over the channel and ``xhat = (x - mean_c) / sqrt(var_c + eps)``;
    ``dweight_c = sum(g xhat)``, ``dbias_c = sum(g)``. In eval the statistics are constants and
    ``dx = weight_c / sqrt(var_c + eps) * g``.
    """
    if momentum is None:
        raise TypeError("batch_norm: momentum must be a number; the cumulative average (momentum=None in "
                        "nn.BatchNorm1d) is momentum = 1 / num_batches_tracked, computed by the module")
    return _nn.batch_norm(input, running_mean, running_var, weight, bias, bool(training), float(momentum),
                          float(eps))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the last ``len(normalized_shape)`` dims of each sample.

    With mean and **biased** variance over those dims:
    ``y = weight * (x - mean) / sqrt(var + eps) + bias``, ``weight`` and ``bias`` of shape
    ``normalized_shape`` (or None). ``normalized_shape`` may be an int.

    Gradients, with ``h = g * weight`` and means over the normalised dims:
    ``dx = (h - mean(h) - xhat * mean(h xhat)) / sqrt(var + eps)``;
    ``dweight = sum(g xhat)``, ``dbias = sum(g)`` over all leading dims.
    """
    return _nn.layer_norm(input, normalized_shape, weight, bias, float(eps))
