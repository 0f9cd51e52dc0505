"""minidl: a small teaching deep-learning library.

Tensors with reverse-mode automatic differentiation, written in C++ (xtensor, OpenBLAS,
OpenMP) and bound to Python with pybind11. The API follows PyTorch's, so that what you
learn here carries straight over: ``import minidl as torch`` is (almost) all it takes.
"""
from . import _openmp  # noqa: F401  (first: sets OpenMP's spin before _C loads libgomp)
from . import _C
from ._C import (  # noqa: F401  (re-exported)
    Tensor, dtype, from_numpy, manual_seed, initial_seed,
    set_num_threads, get_num_threads, is_grad_enabled,
    zeros, ones, empty, full, arange, linspace, eye, rand, randn, randint, randperm,
    zeros_like, ones_like, empty_like, full_like, rand_like, randn_like,
    add, sub, mul, div, pow, maximum, minimum, neg, abs, exp, log, sqrt, sin, cos, tanh,
    sigmoid, relu, clamp, where, clone, eq, ne, lt, le, gt, ge,
    logical_and, logical_or, logical_xor, logical_not,
)
from ._tensor import tensor, as_tensor  # noqa: F401

# -- reductions and softmax (reduce area) --
from ._C import (  # noqa: F401, A004  (max, min, sum, any, all shadow builtins, as in torch)
    sum, mean, var, std, max, min, argmax, argmin, logsumexp, softmax, log_softmax, any, all,
    return_types,
)

# -- shape ops and indexing (shape/index area) --
from ._C import (  # noqa: F401
    reshape, transpose, swapaxes, swapdims, permute, t, squeeze, unsqueeze, flatten, broadcast_to,
    narrow, select, split, chunk, unbind, cat, concat, stack,
    index_select, gather, nonzero, index_add, scatter_add,
)

# -- linear algebra (linalg area) --
from ._C import matmul, mm, bmm, dot  # noqa: F401

from ._grad_mode import no_grad, enable_grad, set_grad_enabled  # noqa: F401
from . import autograd  # noqa: F401

float32 = dtype.float32
float64 = dtype.float64
int64 = dtype.int64
bool = dtype.bool  # noqa: A001  (minidl.bool, like torch.bool)
float = float32  # noqa: A001
double = float64
long = int64

__version__ = "0.1.0"

# -- nn, saving and model summaries (nn module area) --
from . import nn  # noqa: F401,E402
from .serialization import save, load  # noqa: F401,E402
from ._summary import summary  # noqa: F401,E402

# -- optimizers, data, metrics, training (issue 5 areas) --
from . import optim  # noqa: F401,E402
from . import utils, datasets  # noqa: F401,E402
from . import metrics  # noqa: F401,E402
from . import train  # noqa: F401,E402


def __getattr__(name):
    # minidl.viz is loaded on first use (``minidl.viz.plot_history``), keeping ``import minidl``
    # light; it imports matplotlib only inside its plotting functions. minidl.compare (and
    # minidl.compare_optimizers) likewise: it costs ~15 ms to import and only scripts need it.
    if name in ("viz", "compare"):
        import importlib
        return importlib.import_module("." + name, __name__)
    if name == "compare_optimizers":
        from .compare import compare_optimizers
        return compare_optimizers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
