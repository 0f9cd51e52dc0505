r"""Gradient clipping, as torch.nn.utils: rescale the gradients in place before ``optimizer.step()``.

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    opt.step()

Clipping by the norm keeps the direction of the whole gradient and bounds its length, the usual
cure for exploding gradients (deep or recurrent nets); clipping by value bounds each component.
"""
import math

from ... import _C
from ..._C import Tensor
from ..._grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_tensor_list(tensors, name):
    if isinstance(tensors, Tensor):
        return [tensors]
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name} must be a Tensor or an iterable of Tensors, but {name}[{i}] "
                            f"is a {type(t).__name__}")
    return tensors


def _grads(parameters):
    return [p.grad for p in _as_tensor_list(parameters, "parameters") if p.grad is not None]


def _norm_type(norm_type):
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        raise TypeError(f"norm_type must be a number or 'inf', got {norm_type!r}") from None
    if not p > 0:  # also rejects nan
        raise ValueError(f"norm_type must be > 0 (or inf), got {norm_type!r}")
    return p


def _vector_norm(t, p):
    """``||t||_p`` over all elements, as a 0-d tensor of ``t``'s dtype."""
    if p == math.inf:
        return t.abs().max()
    if p == 1.0:
        return t.abs().sum()
    if p == 2.0:
        return (t * t).sum().sqrt()
    return t.abs().pow(p).sum().pow(1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector:
    :math:`\|g\|_p = (\sum_i \|g_i\|_p^p)^{1/p}` (:math:`\max_i \|g_i\|_\infty` for ``inf``).

    Returns a 0-d tensor of the tensors' dtype (float64 if they mix dtypes); each tensor's
    norm is accumulated in float64 so that large float32 gradients do not overflow when squared.
    ``foreach`` is accepted for PyTorch compatibility and ignored (minidl has one code path).
    """
    tensors = [t for t in _as_tensor_list(tensors, "tensors") if t.numel() > 0]
    p = _norm_type(norm_type)
    if not tensors:
        return _C.full([], 0.0)
    for i, t in enumerate(tensors):
        if not t.is_floating_point():
            raise TypeError(f"get_total_norm: tensors must be floating point, but tensor {i} has "
                            f"dtype {t.dtype}")
    dtypes = {t.dtype for t in tensors}
    out_dtype = dtypes.pop() if len(dtypes) == 1 else _C.dtype.float64
    with no_grad():
        if p == math.inf:
            norms = [_vector_norm(t.detach(), p).double() for t in tensors]
        else:
            norms = [_vector_norm(t.detach().double(), p) for t in tensors]
        total = _vector_norm(_C.stack(norms), p).to(out_dtype)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           f"non-finite ({total.item()}), so it cannot be clipped. To disable this "
                           "error and scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    r"""Scale the gradients of ``parameters`` in place by
    :math:`\min(1, \text{max\_norm} / (\text{total\_norm} + 10^{-6}))` (PyTorch's formula; the
    1e-6 guards a zero norm), given a ``total_norm`` computed beforehand (``get_total_norm``)."""
    max_norm = _max_norm(max_norm)
    grads = _grads(parameters)
    if not grads:
        return
    if not isinstance(total_norm, Tensor):
        total_norm = _C.full([], float(total_norm), dtype=_C.dtype.float64)
    with no_grad():
        # Computed in the norm's dtype, as PyTorch does, so float32 results match bit for bit.
        coef = _C.clamp(max_norm / (total_norm.detach() + 1e-6), None, 1.0)
        if coef.item() >= 1.0:  # nothing to do (a NaN coefficient still scales, as in PyTorch)
            return
        for g in grads:
            g.mul_(coef)


def _max_norm(max_norm):
    try:
        value = float(max_norm)
    except (TypeError, ValueError):
        raise TypeError(f"max_norm must be a number, got {max_norm!r}") from None
    if not value >= 0:
        raise ValueError(f"max_norm must be >= 0, got {max_norm!r}")
    return value


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""Clip the gradients' total norm to ``max_norm``, in place; returns the total norm before
    clipping (a 0-d tensor).

    With :math:`g` all the gradients as one vector and :math:`\|g\|_p` their ``norm_type``-norm
    (``float('inf')`` for the max-norm), each gradient is multiplied by
    :math:`\min\left(1, \frac{\text{max\_norm}}{\|g\|_p + 10^{-6}}\right)`: unchanged when the norm
    is below ``max_norm``, else rescaled so that the total norm is (just under) ``max_norm``.

    ``parameters``: a tensor or an iterable of tensors; those whose ``grad`` is None are skipped.
    ``error_if_nonfinite=True`` raises RuntimeError when the total norm is NaN or infinite (by
    default such gradients are scaled by it, giving NaN or zeros, as in PyTorch). ``foreach`` is
    accepted and ignored. Unlike PyTorch, a negative ``max_norm`` is an error (it would flip every
    gradient).
    """
    max_norm = _max_norm(max_norm)
    parameters = _as_tensor_list(parameters, "parameters")
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_value_(parameters, clip_value, foreach=None):
    r"""Clamp every gradient element to ``[-clip_value, clip_value]``, in place:
    :math:`g \leftarrow \min(\max(g, -c), c)`.

    ``parameters``: a tensor or an iterable of tensors; those whose ``grad`` is None are skipped.
    ``clip_value`` must be >= 0 (PyTorch does not check; a negative one would set every element
    to it).
    """
    try:
        c = float(clip_value)
    except (TypeError, ValueError):
        raise TypeError(f"clip_value must be a number, got {clip_value!r}") from None
    if not c >= 0:
        raise ValueError(f"clip_value must be >= 0, got {clip_value!r}")
    with no_grad():
        for g in _grads(parameters):
            g.copy_(_C.clamp(g, -c, c))
