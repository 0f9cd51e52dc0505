"""minidl.nn.utils: helpers around modules."""
from .clip_grad import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm  # noqa: F401
from .params import count_parameters  # noqa: F401

__all__ = ["count_parameters", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]
