"""backward() and grad(), the two ways to run the backward pass."""
from .. import _C
from .._C import Tensor


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None):
    """Accumulate d(sum_i <tensors[i], grad_tensors[i]>)/d(leaf) into every leaf's ``.grad``."""
    _C._run_backward(_as_tuple(tensors), _as_tuple(grad_tensors), bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, allow_unused=False):
    """Return d(outputs)/d(inputs) as a tuple, without touching any ``.grad``.

    >>> x = minidl.tensor(3.0, requires_grad=True)
    >>> minidl.autograd.grad(x ** 2, x)
    (tensor(6.),)
    """
    return _C._grad(_as_tuple(outputs), _as_tuple(inputs), _as_tuple(grad_outputs), bool(retain_graph),
                    bool(allow_unused))
