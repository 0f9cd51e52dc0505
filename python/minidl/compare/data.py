"""The datasets a comparison can run on, split into train and validation parts and standardised.

Every dataset is a classification task: ``digits`` (8x8 handwritten digits, 1797 images, 10
classes, through scikit-learn's bundled copy) and minidl's synthetic 2-D sets. The split and the
synthetic points depend only on ``data_seed``, so runs with different ``seed`` values (initial
weights, batch order) still see the same data.
"""
from dataclasses import dataclass

import numpy as np

from .specs import unknown_name_message

__all__ = ["DATASETS", "Split", "load"]


@dataclass(frozen=True)
class _Source:
    func: str       # function in minidl.datasets
    synthetic: bool  # takes n_samples and seed
    about: str
    kwargs: tuple = ()  # (name, value) pairs passed to func: noise, so that no optimizer gets 100%


DATASETS = {
    "digits": _Source("load_digits", False, "8x8 handwritten digits, 64 features, 10 classes"),
    "moons": _Source("make_moons", True, "two interleaving half circles, noise 0.2, 2 classes",
                     (("noise", 0.2),)),
    "circles": _Source("make_circles", True, "a circle inside a ring, noise 0.1, 2 classes",
                       (("noise", 0.1), ("factor", 0.5))),
    "spirals": _Source("make_spirals", True, "three interleaved spiral arms, noise 0.1, 3 classes",
                       (("noise", 0.1),)),
    "xor": _Source("make_xor", True, "the four XOR quadrants, 2 classes"),
    "blobs": _Source("make_blobs", True, "three overlapping Gaussian clusters in 2-D, 3 classes",
                     (("cluster_std", 2.5),)),
    "linear": _Source("make_linearly_separable", True, "linearly separable points, 2 classes"),
    "sum-sign": _Source("make_sum_sign", True, "note 004: randn(n, 4), label = sum > 0"),
}


@dataclass
class Split:
    """Standardised train and validation arrays (float32 X, int64 y) and what they are."""
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    n_classes: int

    @property
    def n_features(self):
        return self.x_train.shape[1]


def check_name(name):
    """The canonical dataset name, or ValueError listing the valid ones."""
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in DATASETS:
        raise ValueError(unknown_name_message("dataset", name, list(DATASETS)))
    return key


def _numpy(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def load(name, n_samples=1000, val_fraction=0.2, data_seed=0):
    """Load dataset ``name``, split off ``val_fraction`` for validation (shuffled with
    ``data_seed``), and standardise both parts with the mean and standard deviation of the
    training part (``minidl.utils.data.StandardScaler``), so nothing about the validation
    data leaks into training."""
    name = check_name(name)
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    from .. import datasets
    from ..utils.data import StandardScaler

    source = DATASETS[name]
    make = getattr(datasets, source.func)
    if source.synthetic:
        if int(n_samples) < 10:
            raise ValueError(f"n_samples must be at least 10, got {n_samples}")
        X, y = make(n_samples=int(n_samples), seed=data_seed, **dict(source.kwargs))
    else:
        X, y = make()
    X = _numpy(X).astype(np.float32, copy=False)
    y = _numpy(y).astype(np.int64, copy=False)
    n = len(y)
    order = np.random.default_rng(data_seed).permutation(n)
    n_val = max(1, int(round(n * val_fraction)))
    val, train = order[:n_val], order[n_val:]
    import minidl
    scaler = StandardScaler().fit(minidl.from_numpy(np.ascontiguousarray(X[train])))

    def scaled(rows):
        part = scaler.transform(minidl.from_numpy(np.ascontiguousarray(X[rows])))
        return np.ascontiguousarray(_numpy(part), dtype=np.float32)

    return Split(name, scaled(train), y[train], scaled(val), y[val], int(y.max()) + 1)
