"""Counting parameters."""

__all__ = ["count_parameters"]


def count_parameters(model, trainable_only=False):
    """The number of scalar parameters of ``model`` (each shared parameter counted once).

    A Linear(n_in, n_out) layer has ``n_in * n_out + n_out``: the 784-128-10 MLP of note 000
    has 784*128 + 128 + 128*10 + 10 = 101,770, note 004's 4-8-4-1 net 81.
    ``trainable_only=True`` counts only parameters with ``requires_grad``.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
