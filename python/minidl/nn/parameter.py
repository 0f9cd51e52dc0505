"""nn.Parameter: a tensor that a Module registers as one of its learnable weights."""
from .. import _C
from .._C import Tensor


class Parameter(Tensor):
    """A Tensor that, assigned as an attribute of a ``Module``, becomes one of its parameters.

    ``Parameter(data)`` shares ``data``'s memory (no copy), is cut from the graph (a leaf)
    and has ``requires_grad=True`` unless told otherwise, as in PyTorch:

    >>> w = nn.Parameter(minidl.randn(3, 2))
    >>> w.requires_grad, w.is_leaf
    (True, True)

    It is a ``minidl.Tensor`` (``isinstance(w, minidl.Tensor)`` holds) and every op accepts it;
    results of ops are plain tensors.
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a minidl.Tensor as data, got {type(data).__name__} "
                            "(make one with minidl.tensor(...))")
        super().__init__(data)
        Tensor.requires_grad_(self, bool(requires_grad))

    def requires_grad_(self, requires_grad=True):
        Tensor.requires_grad_(self, bool(requires_grad))
        return self

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        raise TypeError("minidl tensors are not pickled; use minidl.save / minidl.load")
