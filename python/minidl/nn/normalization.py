"""Normalisation layers: BatchNorm1d and LayerNorm (math and gradients in C++)."""
import numbers

from .. import _C
from .._grad_mode import no_grad
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "LayerNorm"]


class _BatchNorm(Module):
    """Shared by the BatchNorm layers; the dims of the input are checked by each subclass."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=None, *, bias=True):
        super().__init__()
        if momentum is not None and not 0 <= momentum <= 1:
            raise ValueError(f"{type(self).__name__}: momentum must be in [0, 1] or None, got {momentum}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = dtype or _C.dtype.float32
        if affine:
            self.weight = Parameter(_C.ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(_C.zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _C.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", _C.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", _C.zeros((), dtype=_C.dtype.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            with no_grad():
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected input with {self.num_features} features "
                             f"(dim 1), got input of shape {tuple(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative average of all batches seen so far
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep_running = not self.training or self.track_running_stats
        return F.batch_norm(input,
                            self.running_mean if keep_running else None,
                            self.running_var if keep_running else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over the batch (and length) dims of ``(N, C)`` or ``(N, C, L)`` input.

    Training: ``y = (x - mean_B) / sqrt(var_B + eps) * gamma + beta`` with the batch mean and
    the biased batch variance per feature; the running statistics are updated as
    ``running = (1 - momentum) * running + momentum * batch`` (``running_var`` from the unbiased
    variance). ``eval()``: the running statistics replace the batch ones.
    ``gamma``/``beta`` are ``weight``/``bias`` (``affine=True``), starting at 1 and 0;
    ``bias=False`` keeps the scale only.

    ``momentum`` is PyTorch's: the weight of the NEW batch. Slides 003's "decay 0.99" is
    ``momentum=0.01``. ``momentum=None`` gives the cumulative (equal-weight) average of all
    batches so far, as note 001's code keeps: the factor is ``1 / num_batches_tracked``.
    ``track_running_stats=False`` always uses batch statistics.
    """

    def _check_input_dim(self, input):
        if input.dim() not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {input.dim()}D input of shape "
                             f"{tuple(input.shape)})")


class LayerNorm(Module):
    """Layer normalisation over the last ``len(normalized_shape)`` dims of each sample:
    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` (biased variance), the same in training
    and evaluation. ``weight``/``bias`` have shape ``normalized_shape`` (``elementwise_affine``),
    starting at 1 and 0; ``bias=False`` drops the shift."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(s) for s in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = dtype or _C.dtype.float32
        if elementwise_affine:
            self.weight = Parameter(_C.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(_C.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")
