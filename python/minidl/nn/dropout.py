"""Dropout."""
from . import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the
    kept ones by ``1/(1-p)``, so the expected output equals the input; in ``eval()`` the identity.

    ``p`` is the probability of DROPPING (PyTorch). Slides 003 write ``p`` for the keep
    probability: their ``p`` is ``1 - p`` here. Note 004 also multiplies by ``(1-p)`` at test
    time; with inverted scaling that would scale twice, so minidl does not.
    Monte Carlo dropout: leave the module in training mode at inference (``m.train()``) and
    average several forward passes.

    ``p`` must lie in [0, 1). PyTorch also accepts ``p = 1`` (an all-zero output, for which the
    scale ``1/(1-p)`` is undefined); minidl refuses it as a likely mistake.
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"dropout probability has to be in [0, 1), but got {p}")
        self.p = float(p)
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
