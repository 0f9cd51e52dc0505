"""The 8x8 handwritten digits (UCI), through the copy bundled with scikit-learn (no download)."""
import numpy as np

from .. import _C

__all__ = ["load_digits"]


def load_digits(normalize=True, return_dataset=False):
    """1797 handwritten digits, 8x8 grey images flattened to 64 features, labels 0-9.

    Returns ``(X, y)``: ``X`` float32 ``(1797, 64)``, pixel values 0-16 divided by 16 into
    ``[0, 1]`` (``normalize=False`` keeps 0-16), and ``y`` int64 ``(1797,)``. With
    ``return_dataset=True`` returns a ``TensorDataset(X, y)`` instead. Read from scikit-learn's
    bundled copy (``sklearn.datasets.load_digits``): scikit-learn must be installed.
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as e:
        raise ImportError("minidl.datasets.load_digits reads the digits bundled with scikit-learn, "
                          f"which is not installed ({e}); install it with: pip install scikit-learn") from e
    bunch = _sk_load_digits()
    X = np.asarray(bunch.data, dtype=np.float32)
    if normalize:
        X = X / np.float32(16.0)
    X = _C.from_numpy(np.ascontiguousarray(X))
    y = _C.from_numpy(np.asarray(bunch.target, dtype=np.int64))
    if return_dataset:
        from ..utils.data import TensorDataset
        return TensorDataset(X, y)
    return X, y
