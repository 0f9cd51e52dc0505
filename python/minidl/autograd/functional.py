"""backward() and grad(), the two ways to run the backward pass."""
from .. import _C
from .._C import Tensor


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _no_create_graph(create_graph):
    if create_graph:
        raise NotImplementedError("minidl does not record the backward pass, so create_graph=True "
                                  "(higher-order gradients) is not supported")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate d(sum_i <tensors[i], grad_tensors[i]>)/d(leaf) into every leaf's ``.grad``."""
    _no_create_graph(create_graph)
    _C._run_backward(_as_tuple(tensors), _as_tuple(grad_tensors), bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Return d(outputs)/d(inputs) as a tuple, without touching any ``.grad``.

    >>> x = minidl.tensor(3.0, requires_grad=True)
    >>> minidl.autograd.grad(x ** 2, x)
    (tensor(6.),)

    The arguments are PyTorch's, in PyTorch's order; create_graph=True is not supported.
    """
    _no_create_graph(create_graph)
    return _C._grad(_as_tuple(outputs), _as_tuple(inputs), _as_tuple(grad_outputs), bool(retain_graph),
                    bool(allow_unused))
