"""minidl.optim: optimizers that update parameters from their gradients, as torch.optim.

Each optimizer's update rule runs in C++ as one fused loop per parameter; the classes here hold
the parameter groups, the options and the state, with PyTorch's names, defaults and semantics.
The forms the course notes write (momentum as a moving average, AdaGrad's delta, ...) are
reachable by arguments: see each class's docstring.
"""
from .optimizer import Optimizer, required  # noqa: F401

# -- optimizers (optimizer area) --
from .sgd import SGD  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from .rmsprop import RMSprop  # noqa: F401
from .adadelta import Adadelta  # noqa: F401
from .adam import Adam, AdamW  # noqa: F401
from .nadam import NAdam  # noqa: F401

# -- learning-rate schedules --
from . import lr_scheduler  # noqa: F401,E402
