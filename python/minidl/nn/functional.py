"""minidl.nn.functional: layers, activations and losses as functions.

The kernels and their gradient formulas are C++ (minidl._C._nn); the files imported
here only adapt arguments (reduction strings, defaults) to PyTorch's signatures.
"""
from .._C import relu, sigmoid, tanh, softmax, log_softmax  # noqa: F401
from ._functional_layers import *  # noqa: F401,F403
from ._functional_losses import *  # noqa: F401,F403
from .penalties import l1_penalty, l2_penalty, elastic_net_penalty  # noqa: F401,E402
from ..utils.data.preprocessing import one_hot  # noqa: F401,E402
