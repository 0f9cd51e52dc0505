"""gradcheck: compare autograd's gradients with central finite differences.

For each input x_k and output y, the analytical Jacobian row j is d y_j / d x_k from
autograd.grad with grad_outputs = e_j; the numerical column i is

    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),

and the check passes when |analytical - numerical| <= atol + rtol * |numerical| everywhere.
Inputs must be float64: in float32 the rounding error of f is ~1e-7 * |f|, which divided
by 2 eps swamps the difference being measured.
"""
import numpy as np

from .. import _C
from .._C import Tensor
from .._grad_mode import no_grad
from .functional import grad as _grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _outputs(fn, inputs):
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(out)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when fn's autograd gradients match finite differences for every input that requires grad.

    >>> x = minidl.randn(3, dtype=minidl.float64, requires_grad=True)
    >>> minidl.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    True
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not diff_inputs:
        raise ValueError("gradcheck: no input requires grad; pass tensors made with requires_grad=True")
    for x in diff_inputs:
        if x.dtype != _C.dtype.float64:
            raise TypeError(f"gradcheck: inputs must be float64 for finite differences to be accurate, got {x.dtype} "
                            "(use x.double())")
    outputs = _outputs(fn, inputs)
    for o_idx, out in enumerate(outputs):
        if not out.is_floating_point():
            continue  # integer outputs (indices, labels) have no derivative
        # An output that does not require grad has an analytical Jacobian of zero; it is still
        # compared with finite differences, so an op that forgets to record its backward fails.
        n_out = out.numel()
        seed_dtype = np.float64 if out.dtype == _C.dtype.float64 else np.float32
        for x_idx, x in enumerate(diff_inputs):
            analytical = np.zeros((n_out, x.numel()))
            for j in range(n_out if out.requires_grad else 0):
                seed = np.zeros(n_out, dtype=seed_dtype)
                seed[j] = 1.0
                g = _grad(out, x, grad_outputs=_C.from_numpy(seed.reshape(out.shape)), retain_graph=True,
                          allow_unused=True)[0]
                if g is not None:
                    analytical[j] = g.numpy().ravel()
            numerical = np.zeros((n_out, x.numel()))
            view = x.detach().numpy()  # shares memory: perturbing it perturbs x
            flat_idx = list(np.ndindex(view.shape)) if view.ndim else [()]
            with no_grad():
                for i, idx in enumerate(flat_idx):
                    orig = view[idx].copy()
                    view[idx] = orig + eps
                    plus = _outputs(fn, inputs)[o_idx].detach().numpy().astype(np.float64).ravel().copy()
                    view[idx] = orig - eps
                    minus = _outputs(fn, inputs)[o_idx].detach().numpy().astype(np.float64).ravel().copy()
                    view[idx] = orig
                    numerical[:, i] = (plus - minus) / (2 * eps)
            bad = np.abs(analytical - numerical) > atol + rtol * np.abs(numerical)
            if bad.any():
                j, i = np.argwhere(bad)[0]
                msg = (f"gradcheck: Jacobian mismatch for output {o_idx} with respect to input {x_idx} "
                       f"(shape {tuple(x.shape)}): at output element {j}, input element {i}, "
                       f"autograd gives {analytical[j, i]:.8g} but finite differences give {numerical[j, i]:.8g} "
                       f"(max abs difference {np.abs(analytical - numerical).max():.3g}).\n"
                       f"numerical:\n{numerical}\nanalytical:\n{analytical}")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True
