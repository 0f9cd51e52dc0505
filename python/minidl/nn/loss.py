"""Loss modules: each stores its options and calls ``minidl.nn.functional.<same name as PyTorch>``.

Every loss takes ``reduction='mean' | 'sum' | 'none'`` (default 'mean'): the per-element (or
per-sample) losses ``l_i`` are averaged, summed, or returned as they are. The notes' ``1/2 * sum``
MSE is ``0.5 * nn.MSELoss(reduction='sum')(y_hat, y)``.
Like PyTorch's, their repr does not show the options. PyTorch's deprecated ``size_average`` /
``reduce`` arguments are accepted (with a warning) so that old code ports; use ``reduction``.
"""
import warnings

from .. import _C
from . import functional as F
from .module import Module

__all__ = ["MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "NLLLoss", "KLDivLoss", "FocalLoss", "MultiMarginLoss",
           "TripletMarginLoss", "ContrastiveLoss"]

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce):
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='mean'|'sum'|'none' "
                  "instead.", stacklevel=4)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction!r} is not a valid value for reduction "
                             "(use 'mean', 'sum' or 'none')")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """Keeps ``weight`` as a buffer (it moves with ``to()`` and appears in ``state_dict``, as in PyTorch)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if weight is not None and not isinstance(weight, _C.Tensor):
            raise TypeError(f"{type(self).__name__}: weight must be a minidl.Tensor or None, "
                            f"got {type(weight).__name__}")
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error: ``l_i = (x_i - y_i)^2``."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error (MAE): ``l_i = |x_i - y_i|``."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Huber loss with ``d = x - y``: ``l = d^2 / 2`` if ``|d| <= delta`` else
    ``delta * (|d| - delta / 2)``; quadratic near 0, linear (robust to outliers) beyond delta."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        if delta <= 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """Smooth L1: ``l = 0.5 d^2 / beta`` if ``|d| < beta`` else ``|d| - 0.5 beta`` (``d = x - y``);
    equals ``HuberLoss(delta=beta) / beta``."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be non-negative, got {beta}")
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities ``p`` in [0, 1]:
    ``l_i = -w_i [y_i log p_i + (1 - y_i) log(1 - p_i)]`` (logs clamped at -100, as PyTorch).
    For logits use ``BCEWithLogitsLoss``, which is stable."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy fused on logits ``z`` (stable for any ``z``):
    ``l_i = -w_i [pos_weight * y_i log sigmoid(z_i) + (1 - y_i) log(1 - sigmoid(z_i))]``.
    ``pos_weight`` (one per class, broadcast over the last dim) weighs the positive examples."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, weight=self.weight, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy on raw logits ``z`` (``(N, C)`` or ``(N, C, d1, ...)``), fused with log-softmax.

    Class-index targets ``y`` (int64): ``l_n = -w_{y_n} log softmax(z_n)_{y_n}``; with
    ``reduction='mean'`` the sum is divided by ``sum_n w_{y_n}`` over targets that are not
    ``ignore_index``. Probability targets ``p`` (same shape as ``z``, e.g. one-hot):
    ``l_n = -sum_c w_c p_{n,c} log softmax(z_n)_c``. ``label_smoothing=eps`` mixes the target with
    the uniform distribution: ``(1 - eps) * target + eps / C``. The gradient with respect to the
    logits is ``softmax(z) - onehot(y)`` (notes 001, 003), divided by N for the mean.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                 label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        # weight from _buffers: self.weight would go through Module.__getattr__, which only runs
        # after the normal lookup has failed (and raised and caught an AttributeError)
        return F.cross_entropy(input, target, weight=self._buffers["weight"], ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood on log-probabilities ``a`` (e.g. from ``LogSoftmax``):
    ``l_n = -w_{y_n} a_{n, y_n}``. ``LogSoftmax`` + ``NLLLoss`` = ``CrossEntropyLoss``."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence with ``input`` = log-probabilities ``log q`` and target ``p``:
    ``l_i = p_i (log p_i - log q_i)`` (``log_target=True``: the target is ``log p``).
    The true KL divergence per sample is ``reduction='batchmean'`` (sum / batch size); 'mean'
    divides by the number of elements, as PyTorch does."""

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        batchmean = reduction == "batchmean"
        super().__init__(size_average, reduce, "mean" if batchmean else reduction)
        if batchmean:
            self.reduction = "batchmean"
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class FocalLoss(_Loss):
    """Focal loss (Lin et al. 2017; notes 004), minidl's own module (PyTorch has none;
    torchvision has the binary function ``sigmoid_focal_loss``).

    ``FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t)``, ``p_t`` the predicted probability of the
    true class: ``gamma = 0`` gives cross-entropy, larger ``gamma`` down-weights easy examples.

    - multi-class (``binary=False``, default): logits ``(N, C)`` and class indices ``(N,)``,
      ``p_t = softmax(z)_y``; ``alpha`` is None, a number, or a per-class weight tensor ``(C,)``.
      Calls ``minidl.nn.functional.focal_loss``.
    - binary (``binary=True``): logits and 0/1 targets of the same shape, ``p_t = sigmoid(z)``
      for positives and ``1 - sigmoid(z)`` for negatives; ``alpha_t = alpha`` for positives and
      ``1 - alpha`` for negatives (no weighting when ``alpha`` is None). Calls
      ``minidl.nn.functional.sigmoid_focal_loss``.
    """

    def __init__(self, gamma=2.0, alpha=None, reduction="mean", binary=False):
        super().__init__(reduction=reduction)
        if gamma < 0:
            raise ValueError(f"FocalLoss: gamma must be non-negative, got {gamma}")
        self.gamma = gamma
        self.alpha = alpha
        self.binary = binary

    def forward(self, input, target):
        if self.binary:
            return F.sigmoid_focal_loss(input, target, alpha=self.alpha, gamma=self.gamma,
                                        reduction=self.reduction)
        return F.focal_loss(input, target, gamma=self.gamma, alpha=self.alpha, reduction=self.reduction)

    def extra_repr(self):
        s = f"gamma={self.gamma}, alpha={self.alpha}"
        if self.binary:
            s += ", binary=True"
        return s + ("" if self.reduction == "mean" else f", reduction={self.reduction!r}")


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (SVM): ``l_n = sum_{i != y} w_y max(0, margin - z_y + z_i)^p / C``."""

    def __init__(self, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 supported, got {p}")
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin, weight=self.weight,
                                   reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet loss (notes 004): ``l = max(0, d(a, p) - d(a, n) + margin)`` with
    ``d(x, y) = ||x - y + eps||_p``; ``swap=True`` uses ``min(d(a, n), d(p, n))`` as the negative distance."""

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p, eps=self.eps,
                                     swap=self.swap, reduction=self.reduction)


class ContrastiveLoss(_Loss):
    """The contrastive loss of the notes (Hadsell et al. 2006), minidl's own (not in PyTorch):
    with ``d = ||x1 - x2||_2`` per pair, ``l = 1/2 d^2`` for a similar pair and
    ``l = 1/2 max(0, margin - d)^2`` for a dissimilar one. ``forward(x1, x2, target)`` passes the
    pair labels on to ``minidl.nn.functional.contrastive_loss`` (see it for the label encoding)."""

    def __init__(self, margin=1.0, reduction="mean"):
        super().__init__(reduction=reduction)
        if margin <= 0:
            raise ValueError(f"ContrastiveLoss: margin must be greater than 0, got {margin}")
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.contrastive_loss(input1, input2, target, margin=self.margin, reduction=self.reduction)

    def extra_repr(self):
        reduction = "" if self.reduction == "mean" else f", reduction={self.reduction!r}"
        return f"margin={self.margin}{reduction}"
