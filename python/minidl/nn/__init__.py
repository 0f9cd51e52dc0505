"""minidl.nn: modules, layers, activations, losses and initialisation (PyTorch's API).

``nn.Module`` is pure Python (it holds parameters and routes calls); every layer's math and
gradient is C++, reached through ``minidl.nn.functional``.
"""
from . import functional  # noqa: F401
from . import init  # noqa: F401
from .parameter import Parameter  # noqa: F401
from .module import Module  # noqa: F401
from .containers import Sequential, ModuleList, ModuleDict  # noqa: F401
from .linear import Identity, Linear  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .activation import (  # noqa: F401
    ReLU, LeakyReLU, PReLU, ELU, Sigmoid, Tanh, Softmax, LogSoftmax, SiLU, GELU, Softplus, Hardtanh,
    Step, Sign,
)
from .dropout import Dropout  # noqa: F401
from .normalization import BatchNorm1d, LayerNorm  # noqa: F401
from .loss import (  # noqa: F401
    MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss,
    KLDivLoss, FocalLoss, MultiMarginLoss, TripletMarginLoss, ContrastiveLoss,
)
from . import utils  # noqa: F401
