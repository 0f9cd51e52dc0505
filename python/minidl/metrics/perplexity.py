"""Perplexity (困惑度, note 004 section 11: judging generated text), from a loss or from logits."""
import math
import numbers

import numpy as np

from .._C import Tensor
from ._inputs import as_labels, check_no_nan, to_numpy

__all__ = ["perplexity"]


def perplexity(input, target=None, ignore_index=-100):
    """Perplexity: ``PPL = exp(H)``, H the mean cross-entropy in nats,
    ``H = -1/N sum_i log p(y_i | x_i)``.

    A model that spreads its probability evenly over K choices has perplexity K (H = ln K):
    it is "as unsure as a fair K-sided die". Two ways to call it:

    - ``perplexity(loss)``: ``loss`` is a mean cross-entropy in nats (a Python float or a 0-d
      tensor, e.g. ``F.cross_entropy(logits, y)``); returns ``exp(loss)``. A loss in bits
      (log base 2) would need ``2 ** loss`` instead.
    - ``perplexity(logits, target)``: ``logits`` (N, C) or (N, C, d1, ...) and class indices
      ``target`` (N,) or (N, d1, ...), exactly as ``nn.functional.cross_entropy`` takes them, so
      the result is ``exp(cross_entropy(logits, target))``. Positions whose target equals
      ``ignore_index`` (padding) are left out of the mean.

    Returns a Python float (``inf`` when exp overflows).
    """
    if target is None:
        return _from_loss(input)
    logits = to_numpy(input, "input")
    tgt = to_numpy(target, "target")
    if logits.ndim < 2 or logits.dtype.kind != "f":
        raise ValueError(f"perplexity(logits, target) needs float logits of shape (N, C, ...), got shape "
                         f"{tuple(logits.shape)} of dtype {logits.dtype}; for a loss value call "
                         "perplexity(loss)")
    expected = logits.shape[:1] + logits.shape[2:]
    if tgt.shape != expected:
        raise ValueError(f"logits of shape {tuple(logits.shape)} (classes over dim 1) need a target of shape "
                         f"{expected}, got {tuple(tgt.shape)}")
    if logits.shape[0] == 0:
        raise ValueError("logits and target are empty: perplexity needs at least one sample")
    check_no_nan(logits, "input")
    n_classes = logits.shape[1]
    z = np.moveaxis(logits, 1, -1).reshape(-1, n_classes).astype(np.float64)
    y = as_labels(tgt, "target").ravel()
    keep = y != ignore_index
    if not keep.any():
        raise ValueError(f"every target equals ignore_index={ignore_index}: no position to average over")
    z, y = z[keep], y[keep]
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        i = int(np.argmax(bad))
        raise IndexError(f"target class index {y[i]} is out of range for {n_classes} classes; valid indices "
                         f"are 0 to {n_classes - 1} (or ignore_index={ignore_index})")
    # log-sum-exp with the max shifted out: -log p(y) = logsumexp(z) - z_y
    m = z.max(axis=1)
    lse = m + np.log(np.sum(np.exp(z - m[:, None]), axis=1))
    nll = lse - np.take_along_axis(z, y[:, None], axis=1)[:, 0]
    return _from_loss(float(np.mean(nll)))


def _from_loss(loss):
    if isinstance(loss, Tensor):
        if loss.numel() != 1:
            raise ValueError(f"perplexity(loss) needs one mean loss value, got a tensor of shape "
                             f"{tuple(loss.shape)}; for logits call perplexity(logits, target)")
        loss = loss.item()
    elif isinstance(loss, np.ndarray) and loss.size == 1:
        loss = loss.item()
    if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
        raise TypeError(f"perplexity(loss) needs a number (a mean cross-entropy in nats), got "
                        f"{type(loss).__name__}; for logits call perplexity(logits, target)")
    loss = float(loss)
    if math.isnan(loss) or loss < 0:
        raise ValueError(f"a cross-entropy loss is a non-negative number, got {loss}")
    try:
        return math.exp(loss)
    except OverflowError:
        return math.inf
