"""Helpers shared by the loss tests: dtype-aware tolerances and tensor shorthands."""
import numpy as np

import minidl

FLOATS = [np.float32, np.float64]
REDUCTIONS = ["mean", "sum", "none"]


def tol(dtype):
    return dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)


def T(a, requires_grad=False):
    """A minidl tensor sharing a's memory."""
    t = minidl.from_numpy(a)
    if requires_grad:
        t.requires_grad_(True)
    return t


def leaf(a):
    """A float64 leaf that requires grad (for gradcheck)."""
    return T(np.array(a, dtype=np.float64), requires_grad=True)


def npv(t):
    return t.detach().numpy()
