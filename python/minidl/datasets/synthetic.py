"""Synthetic toy data for lessons, made by minidl itself (no scikit-learn needed).

Every generator returns ``(X, y)`` minidl tensors: ``X`` float32 ``(n_samples, n_features)`` and
``y`` int64 ``(n_samples,)`` class labels (float32 ``(n_samples, 1)`` targets for regression).
``seed=s`` gives the same data every time; with ``seed=None`` the data is drawn from minidl's
global generator, so ``minidl.manual_seed(s)`` makes it repeatable. ``noise`` is the standard
deviation of Gaussian noise added to the coordinates.
"""
import numbers

import numpy as np

from .. import _C
from ..utils._random import make_rng

__all__ = ["make_xor", "make_moons", "make_circles", "make_spirals", "make_blobs", "make_linearly_separable",
           "make_regression_curve", "make_sum_sign"]


def _check_n(n_samples, minimum=1, name="n_samples"):
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(n_samples).__name__} {n_samples!r}")
    if n_samples < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n_samples}")
    return int(n_samples)


def _check_noise(noise):
    if not isinstance(noise, numbers.Real) or noise < 0:
        raise ValueError(f"noise must be a non-negative number (a standard deviation), got {noise!r}")
    return float(noise)


def _per_class(n, k):
    """Class sizes for n samples over k classes: as equal as possible, the first n % k one larger."""
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _finish(X, y, rng, noise, shuffle):
    if noise > 0:
        X = X + rng.normal(0.0, noise, size=X.shape)
    if shuffle:
        perm = rng.permutation(len(y))
        X, y = X[perm], y[perm]
    return (_C.from_numpy(np.ascontiguousarray(X, dtype=np.float32)),
            _C.from_numpy(np.ascontiguousarray(y, dtype=np.int64)))


def make_xor(n_samples=200, noise=0.1, shuffle=True, seed=None):
    """The XOR problem (notes 000, 004: no single line separates it; an MLP with one hidden layer does).

    The points are the truth table's inputs ``(a, b)`` in ``{0, 1}^2``, ``n_samples / 4`` each
    (the first ``n_samples % 4`` corners one more), moved by Gaussian noise; ``y = a XOR b``.
    ``make_xor(4, noise=0, shuffle=False)`` is exactly the truth table, rows
    ``(0,0), (0,1), (1,0), (1,1)`` with labels ``0, 1, 1, 0``. With small noise the label is 1
    exactly in the quadrants (around ``(0.5, 0.5)``) where one coordinate is above 0.5 and the other below.
    """
    n = _check_n(n_samples)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    which = np.repeat(np.arange(4), _per_class(n, 4))
    X = corners[which]
    y = (corners[which, 0] != corners[which, 1]).astype(np.int64)
    return _finish(X, y, rng, noise, shuffle)


def make_moons(n_samples=100, noise=0.0, shuffle=True, seed=None):
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Class 0: ``(cos t, sin t)``, class 1: ``(1 - cos t, 0.5 - sin t)`` for ``t`` evenly spaced in
    ``[0, pi]``: unit half circles centred at ``(0, 0)`` and ``(1, 0.5)``. Class 0 gets
    ``n_samples // 2`` points, class 1 the rest.
    """
    n = _check_n(n_samples, 2)
    noise = _check_noise(noise)
    rng = make_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.repeat([0, 1], [n_out, n_in])
    return _finish(X, y, rng, noise, shuffle)


def make_circles(n_samples=100, noise=0.0, factor=0.8, shuffle=True, seed=None):
    """A circle inside another (as scikit-learn's ``make_circles``): class 0 on the unit circle,
    class 1 on the circle of radius ``factor`` (0 < factor < 1), both centred at the origin,
    angles evenly spaced. Class 0 gets ``n_samples // 2`` points, class 1 the rest.
    """
    n = _check_n(n_samples, 2)
    noise = _check_noise(noise)
    if not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"factor has to be between 0 and 1 (the inner radius), got {factor!r}")
    rng = make_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        factor * np.stack([np.cos(t_in), np.sin(t_in)], 1)])
    y = np.repeat([0, 1], [n_out, n_in])
    return _finish(X, y, rng, noise, shuffle)


def make_spirals(n_samples=300, n_classes=3, noise=0.0, turns=1.0, shuffle=True, seed=None):
    """``n_classes`` interleaved spiral arms (the CS231n spiral data), one class per arm.

    Arm ``k`` is ``r * (cos a, sin a)`` with radii ``r`` evenly spaced in ``[0.05, 1]`` and angle
    ``a = 2 pi k / n_classes + 2 pi turns r``: every arm starts near the centre and winds ``turns``
    times around it. Class sizes differ by at most one.
    """
    n_classes = _check_n(n_classes, 2, "n_classes")
    n = _check_n(n_samples, n_classes)
    noise = _check_noise(noise)
    if not isinstance(turns, numbers.Real) or turns <= 0:
        raise ValueError(f"turns must be a positive number, got {turns!r}")
    rng = make_rng(seed)
    sizes = _per_class(n, n_classes)
    y = np.repeat(np.arange(n_classes), sizes)
    r = np.concatenate([np.linspace(0.05, 1.0, m) for m in sizes])
    a = 2 * np.pi * y / n_classes + 2 * np.pi * turns * r
    X = r[:, None] * np.stack([np.cos(a), np.sin(a)], 1)
    return _finish(X, y, rng, noise, shuffle)


def make_blobs(n_samples=100, n_features=2, centers=3, cluster_std=1.0, center_box=(-10.0, 10.0),
               shuffle=True, seed=None, return_centers=False):
    """Gaussian blobs, one class per blob (as scikit-learn's ``make_blobs``).

    ``centers`` is a number of blobs (their centres drawn uniformly in ``center_box`` in every
    coordinate) or an array ``(k, n_features)`` of centres. ``cluster_std`` is one standard
    deviation or one per blob. Blob sizes differ by at most one. ``return_centers=True`` also
    returns the centres as a float32 tensor ``(k, n_features)``.
    """
    n = _check_n(n_samples)
    rng = make_rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _check_n(centers, 1, "centers")
        d = _check_n(n_features, 1, "n_features")
        lo, hi = (float(v) for v in center_box)
        if lo >= hi:
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box!r}")
        C = rng.uniform(lo, hi, size=(k, d))
    else:
        C = np.asarray(centers.numpy() if isinstance(centers, _C.Tensor) else centers, dtype=np.float64)
        if C.ndim != 2 or len(C) == 0:
            raise ValueError(f"centers must be an int or an array (n_centers, n_features), "
                             f"got shape {C.shape}")
        k, d = C.shape
    std = np.asarray(cluster_std, dtype=np.float64)
    if std.shape not in ((), (k,)) or np.any(std < 0):
        raise ValueError(f"cluster_std must be one non-negative number or one per center ({k}), "
                         f"got {cluster_std!r}")
    std = np.broadcast_to(std, (k,))
    y = np.repeat(np.arange(k), _per_class(n, k))
    X = C[y] + rng.normal(size=(n, d)) * std[y, None]
    Xt, yt = _finish(X, y, rng, 0.0, shuffle)
    if return_centers:
        return Xt, yt, _C.from_numpy(C.astype(np.float32))
    return Xt, yt


def make_linearly_separable(n_samples=100, n_features=2, margin=0.2, signed=False, shuffle=True, seed=None,
                            return_hyperplane=False):
    """Two classes that a hyperplane separates with a margin: data for the perceptron (note 004, 2.1).

    A random unit normal ``w`` and offset ``b`` define the hyperplane ``w^T x + b = 0``. Points are
    drawn uniformly in ``[-1, 1]^n_features`` and each is pushed ``margin`` further away from the
    hyperplane along ``w``, so every point lies at distance >= ``margin`` from it; ``y = 1`` on
    the side ``w`` points to (``w^T x + b > 0``), else 0.

    Labels are in ``{0, 1}`` (for sigmoid + BCE); the perceptron of note 004 uses ``{-1, +1}``:
    pass ``signed=True``, or compute ``2 * y - 1``. ``return_hyperplane=True`` also returns
    ``(w, b)`` (``w`` a float32 tensor of unit norm, ``b`` a float).
    """
    n = _check_n(n_samples, 2)
    d = _check_n(n_features, 1, "n_features")
    if not isinstance(margin, numbers.Real) or margin < 0:
        raise ValueError(f"margin must be a non-negative number, got {margin!r}")
    rng = make_rng(seed)
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    b = float(rng.uniform(-0.2, 0.2))
    X = rng.uniform(-1.0, 1.0, size=(n, d))
    s = X @ w + b
    if np.all(s >= 0) or np.all(s < 0):
        # Both classes must exist: mirror the first point across the hyperplane.
        X[0] -= 2 * s[0] * w
        s[0] = -s[0] if s[0] != 0 else -1.0
    side = np.where(s >= 0, 1.0, -1.0)
    X = X + (side * margin)[:, None] * w
    y = (side > 0).astype(np.int64)
    if signed:
        y = 2 * y - 1
    Xt, yt = _finish(X, y, rng, 0.0, shuffle)
    if return_hyperplane:
        return Xt, yt, (_C.from_numpy(w.astype(np.float32)), b)
    return Xt, yt


_CURVES = {
    "linear": (lambda x: 2.0 * x + 1.0, (-2.0, 2.0)),
    "quadratic": (lambda x: x ** 2, (-2.0, 2.0)),
    "poly": (lambda x: x ** 3 - 2.0 * x, (-2.0, 2.0)),
    "sin": (np.sin, (-np.pi, np.pi)),
    "exp": (np.exp, (-2.0, 2.0)),
}


def make_regression_curve(n_samples=100, kind="sin", noise=0.1, x_range=None, sort=False, seed=None):
    """Noisy samples of a 1-D curve, for regression: ``y = f(x) + noise * N(0, 1)``.

    ``kind`` names ``f`` (or is a callable taking and returning NumPy arrays):

    ===========  ====================  ===================
    kind         f(x)                  default x_range
    ===========  ====================  ===================
    'linear'     2 x + 1               (-2, 2)
    'quadratic'  x^2                   (-2, 2)
    'poly'       x^3 - 2 x             (-2, 2)
    'sin'        sin x                 (-pi, pi)
    'exp'        e^x                   (-2, 2)
    ===========  ====================  ===================

    ``x`` is drawn uniformly in ``x_range`` (sorted if ``sort=True``, handy for plotting).
    Returns ``X`` float32 ``(n, 1)`` and ``y`` float32 ``(n, 1)`` (the shape ``mse_loss`` pairs
    with a ``Linear(.., 1)`` output).
    """
    n = _check_n(n_samples)
    noise = _check_noise(noise)
    if callable(kind):
        f, default_range = kind, (-2.0, 2.0)
    elif kind in _CURVES:
        f, default_range = _CURVES[kind]
    else:
        raise ValueError(f"unknown curve kind={kind!r}; expected one of {sorted(_CURVES)} or a callable")
    lo, hi = (float(v) for v in (default_range if x_range is None else x_range))
    if lo >= hi:
        raise ValueError(f"x_range must be (low, high) with low < high, got {x_range!r}")
    rng = make_rng(seed)
    x = rng.uniform(lo, hi, size=n)
    if sort:
        x = np.sort(x)
    y = np.asarray(f(x), dtype=np.float64) + (rng.normal(0.0, noise, size=n) if noise > 0 else 0.0)
    if y.shape != (n,):
        raise ValueError(f"the curve function returned shape {y.shape} for {n} inputs; expected ({n},)")
    return (_C.from_numpy(x.reshape(n, 1).astype(np.float32)),
            _C.from_numpy(y.reshape(n, 1).astype(np.float32)))


def make_sum_sign(n_samples=1000, n_features=4, as_column=False, seed=None, numpy_legacy=False):
    """Note 004 (section 3)'s data: ``X = randn(n, 4)`` and ``label = (X.sum(1) > 0)``.

    By default ``y`` is int64 ``(n,)`` like the other generators. ``as_column=True`` gives the
    note's form, float32 ``(n, 1)`` (``.astype(float).reshape(-1, 1)`` there), to pair with a
    sigmoid output of shape ``(n, 1)`` and ``binary_cross_entropy``.

    ``numpy_legacy=True`` draws ``X`` with ``np.random.RandomState(seed).randn(n, n_features)``,
    the same numbers as the note's ``np.random.seed(42); X_train = np.random.randn(1000, 4)``
    (with ``seed=42``), so its example can be reproduced exactly (X is then rounded to float32).
    """
    n = _check_n(n_samples)
    d = _check_n(n_features, 1, "n_features")
    if numpy_legacy:
        if seed is None:
            raise ValueError("numpy_legacy=True needs a seed (the note uses np.random.seed(42))")
        X = np.random.RandomState(seed).randn(n, d)
    else:
        X = make_rng(seed).standard_normal((n, d))
    label = X.sum(axis=1) > 0
    y = label.astype(np.float32).reshape(n, 1) if as_column else label.astype(np.int64)
    return _C.from_numpy(X.astype(np.float32)), _C.from_numpy(y)
