"""Identity and Linear layers."""
import math

from .. import _C
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer); ignores any arguments."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """Fully connected layer: ``y = x @ W.T + b``.

    ``weight`` has shape ``(out_features, in_features)`` and ``bias`` ``(out_features,)``, as in
    PyTorch. For one sample (a row of ``x``) this is the notes' column form ``z = W a + b``.
    Input ``(*, in_features)``, output ``(*, out_features)``.

    Both are initialised from ``U(-1/sqrt(in_features), 1/sqrt(in_features))``, PyTorch's
    default (and the rule of slides 003 / note 001); re-initialise with ``nn.init``.
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: in_features and out_features must be >= 0, got "
                             f"in_features={in_features}, out_features={out_features}")
        self.in_features = in_features
        self.out_features = out_features
        dtype = _C.dtype.float32 if dtype is None else dtype
        self.weight = Parameter(_C.empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(_C.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # PyTorch writes this as kaiming_uniform_(w, a=sqrt(5)): the same bound 1/sqrt(fan_in).
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        # The hot path of every MLP: the parameters are read from _parameters (self.weight would
        # go through Module.__getattr__, a Python call each), and the shape is checked by the
        # kernel; only when it refuses do we look again, to give the layer's own message.
        params = self._parameters
        try:
            return F.linear(input, params["weight"], params["bias"])
        except ValueError:
            shape = getattr(input, "shape", None)
            if shape is not None and (not shape or shape[-1] != self.in_features):
                raise ValueError(f"Linear(in_features={self.in_features}, out_features={self.out_features}) "
                                 f"expects input of shape (*, {self.in_features}), got {tuple(shape)}"
                                 ) from None
            raise

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
