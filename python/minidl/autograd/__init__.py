"""minidl.autograd: gradients of tensors with respect to others.

``backward``/``grad`` run the C++ engine: an iterative reverse topological walk of the
graph of ``grad_fn`` nodes (no recursion limit), summing every path into a tensor used
several times and reducing broadcast gradients to each input's shape in one place.
"""
from .. import _C
from .functional import backward, grad  # noqa: F401
from .gradcheck import gradcheck  # noqa: F401
from .anomaly_mode import (  # noqa: F401
    detect_anomaly, set_detect_anomaly, is_anomaly_enabled, is_anomaly_check_nan_enabled,
)

Node = _C.Node
