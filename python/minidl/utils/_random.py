"""Where minidl's data tools get their randomness: an explicit seed, a NumPy Generator, or
minidl's global generator (so that ``minidl.manual_seed(s)`` makes a whole run repeatable).

The draws themselves are NumPy's (``numpy.random.Generator``, PCG64): minidl's C++ generator has no
per-call state objects, and a seed drawn from it once per call keeps both properties we want:
``seed=s`` always gives the same numbers, and with no seed the numbers follow ``manual_seed``.
"""
import numbers

import numpy as np

from .. import _C

__all__ = ["check_seed", "seed_from_global", "make_rng"]

_SEED_HIGH = 2 ** 62


def check_seed(seed, name="seed"):
    """``seed`` as a Python int >= 0 (or None), with a clear error for anything else."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int or None, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {seed}")
    return seed


def seed_from_global():
    """A fresh seed drawn from minidl's global generator (advances it, like any random op)."""
    return int(_C.randint(0, _SEED_HIGH, (1,)).item())


def make_rng(seed=None, generator=None, seed_name="seed"):
    """A ``numpy.random.Generator``: ``generator`` itself, else one seeded with ``seed``, else one
    seeded from minidl's global generator."""
    seed = check_seed(seed, seed_name)
    if generator is not None:
        if seed is not None:
            raise ValueError(f"give either {seed_name}={seed} or generator, not both")
        if not isinstance(generator, np.random.Generator):
            raise TypeError("generator must be a numpy.random.Generator (np.random.default_rng(...)), "
                            f"got {type(generator).__name__}")
        return generator
    return np.random.default_rng(seed_from_global() if seed is None else seed)
