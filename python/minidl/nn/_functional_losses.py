"""Loss functions of minidl.nn.functional, with PyTorch's signatures and semantics.

The kernels and their gradients are C++ (``minidl._C._nn``, cpp/src/nn/loss_*.cpp); these
wrappers only adapt arguments. Notation follows the course notes: ``x`` (or ``z`` for logits)
is the input, ``y`` the target, ``N`` the number of elements (or samples) averaged over.

Every loss takes ``reduction='mean' | 'sum' | 'none'`` (a bad string raises ValueError listing
the valid ones); PyTorch's deprecated ``size_average`` / ``reduce`` arguments are accepted in the
same positions and mapped as PyTorch maps them.

One deliberate difference from PyTorch: an input and target of different shapes raise
ValueError naming both shapes, where PyTorch broadcasts them with a warning (the classic bug
of an (N, 1) prediction against an (N,) target silently averaging N^2 differences).
"""
import numbers
import warnings

import numpy as np

from .. import _C
from .._C import Tensor

_nn = _C._nn

__all__ = [
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
    "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "nll_loss", "kl_div",
    "sigmoid_focal_loss", "focal_loss",
    "multi_margin_loss", "triplet_margin_loss", "contrastive_loss",
]


def _reduction(size_average, reduce, reduction):
    """PyTorch's legacy rule: the deprecated flags, when given, override ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='mean', 'sum' or 'none' "
                  "instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


# ----------------------------------------------------------------------------- regression

def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (note 004 eq. 22): ``L = 1/N sum_i (x_i - y_i)^2``.

    Gradient: ``dL/dx_i = 2 (x_i - y_i) / N`` (the target gets the negative).
    The notes' "MSE" written as ``1/2 sum (y - y_hat)^2`` (notes 001, 003) is
    ``0.5 * mse_loss(x, y, reduction='sum')``; note 001's code ``0.5/m * sum`` is
    ``0.5 * mse_loss(x, y)`` for m samples of one output.
    ``weight`` (input's shape) multiplies each term; 'mean' then divides by ``sum(weight)``
    (PyTorch's rule).
    """
    return _nn.mse_loss(input, target, _reduction(size_average, reduce, reduction), weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error (note 004 eq. 23, MAE): ``L = 1/N sum_i |x_i - y_i|``.

    Gradient: ``dL/dx_i = sign(x_i - y_i) / N`` (0 where x_i = y_i). ``weight`` as in mse_loss.
    """
    return _nn.l1_loss(input, target, _reduction(size_average, reduce, reduction), weight)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """Huber loss (note 004 eq. 24), with d = x - y:

    ``l = 1/2 d^2`` if ``|d| <= delta``, else ``delta (|d| - 1/2 delta)``; ``L = mean(l)``.
    Gradient: ``dl/dx = clamp(d, -delta, delta)``. ``delta > 0`` (default 1.0, as the notes).
    ``weight`` (input's shape) multiplies each term; 'mean' is then ``mean(weight * l)`` (PyTorch).
    """
    return _nn.huber_loss(input, target, reduction, float(delta), weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1 loss, with d = x - y: ``l = d^2 / (2 beta)`` if ``|d| < beta``, else ``|d| - beta/2``.

    Equal to ``huber_loss(x, y, delta=beta) / beta``; ``beta = 0`` gives ``l1_loss``.
    Gradient: ``dl/dx = clamp(d / beta, -1, 1)``.
    """
    return _nn.smooth_l1_loss(input, target, _reduction(size_average, reduce, reduction), float(beta))


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence ``KL(p || q)`` with ``input = log q`` (log-probabilities) and
    ``target = p`` (or ``log p`` when ``log_target=True``):

    ``l_i = p_i (log p_i - log q_i)`` (0 where p_i = 0); gradient ``dl/d(log q_i) = -p_i``.
    ``reduction='batchmean'`` (``sum / input.size(0)``) gives the true KL divergence per sample;
    'mean' divides by every element, as PyTorch does.
    """
    return _nn.kl_div(input, target, _reduction(size_average, reduce, reduction), bool(log_target))


# ----------------------------------------------------------------------------- binary

def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Binary cross-entropy on probabilities x in [0, 1] (note 004 eq. 25):

    ``L = -1/N sum_i w_i [y_i log x_i + (1 - y_i) log(1 - x_i)]``, each log clamped at -100
    (PyTorch's rule, so x = 0 or 1 gives a finite loss). Gradient:
    ``dL/dx_i = w_i (x_i - y_i) / (x_i (1 - x_i)) / N``. Input outside [0, 1] raises ValueError.
    Prefer ``binary_cross_entropy_with_logits`` on logits: it is stable and cheaper.
    """
    return _nn.binary_cross_entropy(input, target, weight, _reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy of ``sigmoid(z)`` computed from the logits z, stably:

    ``l = max(z, 0) - z y + log(1 + exp(-|z|))``, the same as ``-[y log s + (1-y) log(1-s)]``,
    ``s = sigmoid(z)``, without overflow at logits of +-1000. Gradient: ``dl/dz = sigmoid(z) - y``.
    ``weight`` (broadcast to input) multiplies each term; ``pos_weight`` (one per class, broadcast
    along the last dim) weighs the positive term: ``l = -w [pw y log s + (1 - y) log(1 - s)]``.
    """
    return _nn.binary_cross_entropy_with_logits(input, target, weight, _reduction(size_average, reduce, reduction),
                                                pos_weight)


# ----------------------------------------------------------------------------- classification

def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy of raw logits z, fused with log-softmax (notes 001, 003; note 004 eq. 26):

    ``l = -sum_k y_k log softmax(z)_k``, gradient ``dl/dz = softmax(z) - y``,
    where y is the one-hot vector of a class index or a probability vector.

    - input: (C,), (N, C) or (N, C, d1, ...) logits (no softmax applied: the fusion is what keeps
      logits of +-1000 finite).
    - target: int64 class indices of shape (), (N) or (N, d1, ...), or float class probabilities of
      the input's shape.
    - weight: (C,) per-class weights w: ``l = -w_y log softmax(z)_y``; with 'mean' the sum is divided
      by ``sum of w_y`` over the targets not ignored (PyTorch's rule; by N for probability targets).
    - ignore_index: samples with this target contribute 0 and are left out of the mean.
    - label_smoothing eps: y becomes ``(1 - eps) y + eps / C``.

    Out-of-range class indices raise IndexError naming the index and C. Weights get no gradient.
    With 10 balanced classes and zero logits the loss is ``ln 10 = 2.302585``.
    """
    if size_average is not None or reduce is not None:  # (checked here: a call costs on every step)
        reduction = _reduction(size_average, reduce, reduction)
    return _nn.cross_entropy(input, target, weight, int(ignore_index), reduction, float(label_smoothing))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities x (e.g. from log_softmax):

    ``l = -w_y x_y``; gradient ``dl/dx_c = -w_y [c = y]``. ``cross_entropy(z, y)`` equals
    ``nll_loss(log_softmax(z, 1), y)``. Shapes, weight, ignore_index and 'mean' as in cross_entropy.
    """
    return _nn.nll_loss(input, target, weight, int(ignore_index), _reduction(size_average, reduce, reduction))


def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """Binary focal loss on logits (note 004 eq. 27; torchvision.ops.sigmoid_focal_loss):

    ``p = sigmoid(x)``, ``p_t = p y + (1 - p)(1 - y)``, ``alpha_t = alpha y + (1 - alpha)(1 - y)``,
    ``l = -alpha_t (1 - p_t)^gamma log p_t``, with ``-log p_t`` computed stably as
    binary_cross_entropy_with_logits. ``alpha < 0`` disables the alpha weighting.
    The default reduction is 'none', as torchvision's.
    """
    return _nn.sigmoid_focal_loss(inputs, targets, float(alpha), float(gamma), reduction)


def focal_loss(input, target, gamma=2.0, alpha=None, reduction="mean"):
    """Multi-class focal loss on logits with class indices (note 004 eq. 27):

    ``l = -alpha_t (1 - p_t)^gamma log p_t``, ``p_t = softmax(z)_y``, computed from
    ``log p_t = log_softmax(z)_y`` (stable at logits of +-1000). ``gamma = 0`` and no alpha is
    ``cross_entropy``. ``alpha``: None (1), a number (the same factor for every class) or C
    per-class factors (alpha_t = alpha[y]). 'mean' divides by the number of samples.
    Input and target shapes as in cross_entropy.
    """
    if alpha is not None and not isinstance(alpha, Tensor):
        if input.dim() < 1:
            raise ValueError("focal_loss: input must have shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor")
        n_classes = input.shape[0] if input.dim() == 1 else input.shape[1]
        if isinstance(alpha, numbers.Real):
            alpha = _C.full((n_classes,), float(alpha), dtype=input.dtype)
        else:  # straight to the input's dtype (through float32 would round 0.1)
            np_dtype = np.float64 if input.dtype == _C.dtype.float64 else np.float32
            alpha = _C.from_numpy(np.array(alpha, dtype=np_dtype))
    return _nn.focal_loss(input, target, float(gamma), alpha, reduction)


# ----------------------------------------------------------------------------- margins

def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """Multi-class hinge loss (PyTorch's MultiMarginLoss) for input (N, C) or (C,), target indices y:

    ``l = w_y / C * sum_{i != y} max(0, margin - x_y + x_i)^p``, p = 1 or 2.
    Gradient: ``dl/dx_i = w_y / C * p max(0, h_i)^(p-1)`` for i != y, and ``dl/dx_y`` is minus their sum.
    """
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 are supported, got p={p!r}")
    return _nn.multi_margin_loss(input, target, int(p), float(margin), weight,
                                 _reduction(size_average, reduce, reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """Triplet loss (note 004 eq. 29): ``l = max(0, d(a, p) - d(a, n) + margin)``,

    with PyTorch's ``d(u, v) = ||u - v + eps||_p`` over the last dim. ``swap=True`` uses
    ``min(d(a, n), d(p, n))`` as the negative distance (Balntas et al.). Inputs (N, D) or (D,),
    all of the same shape. Gradients through the composed ops.
    """
    return _nn.triplet_margin_loss(anchor, positive, negative, float(margin), float(p), float(eps), bool(swap),
                                   _reduction(size_average, reduce, reduction))


def contrastive_loss(x1, x2, label, margin=1.0, reduction="mean"):
    """Contrastive loss of note 004 (section 2.6.3, eq. 28), with ``d = ||x1 - x2||_2`` per pair:

    ``l = 1/2 d^2`` for a similar pair (``label = 1``) and ``l = 1/2 max(0, margin - d)^2`` for a
    dissimilar pair (``label = 0``); a label y in between gives ``y * 1/2 d^2 + (1 - y) * 1/2 max(0, m - d)^2``.
    PyTorch has no such function; the label convention (1 = similar) is the note's.
    Inputs (N, D) or (D,); label (N,) or () of any dtype, values in [0, 1] (ValueError otherwise).
    Gradient: ``dl/dx1 = (x1 - x2)`` for similar pairs, ``-(max(0, m - d) / d) (x1 - x2)`` for
    dissimilar ones (0 at d = 0); ``dl/dx2 = -dl/dx1``.
    """
    return _nn.contrastive_loss(x1, x2, label, float(margin), reduction)
