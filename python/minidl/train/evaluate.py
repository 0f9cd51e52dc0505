"""evaluate and predict: a model's loss, metrics and outputs on data it does not learn from.

Both run the model in eval mode (Dropout off, BatchNorm on running statistics) and under
``minidl.no_grad()`` (no graph is recorded), and give each module back the mode it had.
"""
from .._C import Tensor, cat
from .._grad_mode import no_grad
from ._batches import (as_loader, bad_batch, check_loss_fn, check_model, compute_metrics, eval_mode,
                       n_samples, resolve_metrics, scalar_loss)

__all__ = ["evaluate", "predict"]


def evaluate(model, loss_fn, loader, metrics=()):
    """The loss and metrics of ``model`` on ``loader`` (batches ``(input, target)``, or one pair
    ``(X, y)`` of tensors), as a dict ``{'loss': ..., '<metric>': ...}``.

    ``loss`` is the sample-weighted mean of the batch losses, ``sum_b n_b * L_b / sum_b n_b``, which
    is the loss over the whole data set when ``loss_fn`` averages over its batch (PyTorch's
    ``reduction='mean'``). Metrics are computed once, on all outputs and targets together.
    ``loss_fn=None`` computes the metrics only.
    """
    where = "evaluate"
    check_model(model, where)
    if loss_fn is not None:
        check_loss_fn(loss_fn, where)
    return _evaluate(model, loss_fn, as_loader(loader, "loader", where), resolve_metrics(metrics, where),
                     "loader", where)


def _evaluate(model, loss_fn, loader, metrics, name, where):
    total, count = 0.0, 0
    outputs, targets = [], []
    with eval_mode(model), no_grad():
        for batch in loader:
            if not isinstance(batch, (tuple, list)) or len(batch) != 2:
                raise bad_batch(batch, name, where)
            x, y = batch
            out = model(x)
            n = n_samples(y)
            if loss_fn is not None:
                total += scalar_loss(loss_fn(out, y), where) * n
            count += n
            if metrics:
                outputs.append(out)
                targets.append(y)
    if count == 0:
        raise ValueError(f"{where}: {name} yielded no batches")
    logs = {"loss": total / count} if loss_fn is not None else {}
    logs.update(compute_metrics(metrics, outputs, targets))
    return logs


def predict(model, data, batch_size=None):
    """The model's outputs on ``data``, concatenated along dim 0: ``data`` is a tensor (split into
    chunks of ``batch_size`` rows when given) or an iterable of batches (for ``(input, target)``
    batches only the input is used)."""
    check_model(model, "predict")
    if isinstance(data, Tensor):
        if batch_size is None:
            batches = [data]
        else:
            if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
                raise ValueError(f"predict: batch_size must be a positive int or None, got {batch_size!r}")
            batches = data.split(batch_size)
    elif hasattr(data, "__iter__"):
        batches = data
    else:
        raise TypeError(f"predict: data must be a tensor or an iterable of batches, "
                        f"got {type(data).__name__}")
    outputs = []
    with eval_mode(model), no_grad():
        for batch in batches:
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            outputs.append(model(x))
    if not outputs:
        raise ValueError("predict: data yielded no batches")
    return outputs[0] if len(outputs) == 1 else cat(outputs)
