"""Feature scaling (scikit-learn's StandardScaler and MinMaxScaler) and one-hot encoding
(PyTorch's F.one_hot).

Note 000 (2.2) unifies feature scales by Z-score standardisation or min-max normalisation. A
scaler is **fitted on the training part only** and then applied unchanged to the validation and
test parts: statistics taken over all the data would let the held-out samples leak into training
(the model would be tuned on numbers computed from the very samples meant to judge it), and the
validation/test scores would come out optimistic.

>>> scaler = StandardScaler().fit(X_train)
>>> X_train, X_val, X_test = (scaler.transform(X) for X in (X_train, X_val, X_test))
"""
import numpy as np

from ... import _C
from ..._C import Tensor

__all__ = ["StandardScaler", "MinMaxScaler", "one_hot"]


def _as_2d(X, who):
    """``X`` as an ndarray (a zero-copy view of a tensor's data), the result dtype, and whether to wrap it."""
    if isinstance(X, Tensor):
        arr = X.detach().numpy()
        out_dtype = np.float64 if arr.dtype == np.float64 else np.float32
        wrap = True
    else:
        arr = np.asarray(X)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{who}: expected numbers, got an array of dtype {arr.dtype}")
        out_dtype = np.float32 if arr.dtype == np.float32 else np.float64
        wrap = False
    if arr.ndim != 2:
        raise ValueError(f"{who}: expected a 2-D (n_samples, n_features) input, got shape {tuple(arr.shape)}"
                         + ("; reshape a single feature with X.reshape(-1, 1)" if arr.ndim == 1 else ""))
    return arr, out_dtype, wrap


def _result(values, out_dtype, wrap):
    values = np.ascontiguousarray(values, dtype=out_dtype)
    return _C.from_numpy(values) if wrap else values


def _constant_features(var, mean, n):
    # scikit-learn's test (_is_constant_feature): a variance within float64 rounding error of 0 is 0.
    eps = np.finfo(np.float64).eps
    bound = n * eps * var + (n * mean * eps) ** 2
    return var <= bound


class _Scaler:
    """What both scalers share: fitted-or-not and feature-count checks, fit_transform."""

    def _check_fitted(self, X, who):
        if not hasattr(self, "n_features_in_"):
            raise RuntimeError(f"This {type(self).__name__} instance is not fitted yet: call fit(X_train) "
                               f"before {who}")
        arr, out_dtype, wrap = _as_2d(X, f"{type(self).__name__}.{who}")
        if arr.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {arr.shape[1]} features, but {type(self).__name__} is expecting "
                             f"{self.n_features_in_} features as input (the number it was fitted on)")
        return arr, out_dtype, wrap

    def _fit_input(self, X):
        arr, _, _ = _as_2d(X, f"{type(self).__name__}.fit")
        if arr.shape[0] == 0:
            raise ValueError(f"{type(self).__name__}.fit: found 0 samples; at least 1 is required")
        return arr.astype(np.float64)

    def fit_transform(self, X, y=None):
        """``fit(X)`` then ``transform(X)``; for the training part only."""
        return self.fit(X).transform(X)


class StandardScaler(_Scaler):
    """Z-score standardisation per feature: ``x_hat = (x - mu) / sigma`` (note 000), scikit-learn's
    ``sklearn.preprocessing.StandardScaler``.

    ``fit`` stores ``mean_`` (mu) and ``var_`` (the biased variance, ddof=0) of each column and
    ``scale_`` = sigma = sqrt(var_) (``var_`` and ``scale_`` are None with ``with_std=False``); a
    feature with zero variance gets ``scale_ = 1`` (it is only centred, not divided by zero), as
    scikit-learn does. ``with_mean=False`` / ``with_std=False``
    skip the centring / the scaling. Inputs are 2-D ``(n_samples, n_features)`` minidl tensors or
    NumPy arrays; results have the input's kind (float32 tensors stay float32). Fit on the
    training part only (see the module docstring: no leakage).
    """

    def __init__(self, with_mean=True, with_std=True):
        self.with_mean, self.with_std = bool(with_mean), bool(with_std)

    def fit(self, X, y=None):
        arr = self._fit_input(X)
        mean, var = arr.mean(axis=0), arr.var(axis=0)
        self.n_samples_seen_ = arr.shape[0]
        self.n_features_in_ = arr.shape[1]
        self.mean_ = mean
        self.var_ = var if self.with_std else None
        if self.with_std:
            scale = np.sqrt(var)
            scale[_constant_features(var, mean, arr.shape[0])] = 1.0
            self.scale_ = scale
        else:
            self.scale_ = None
        return self

    def transform(self, X):
        arr, out_dtype, wrap = self._check_fitted(X, "transform")
        out = arr.astype(np.float64)
        if self.with_mean:
            out = out - self.mean_
        if self.with_std:
            out = out / self.scale_
        return _result(out, out_dtype, wrap)

    def inverse_transform(self, X):
        """Back to the original units: ``x = x_hat * sigma + mu``."""
        arr, out_dtype, wrap = self._check_fitted(X, "inverse_transform")
        out = arr.astype(np.float64)
        if self.with_std:
            out = out * self.scale_
        if self.with_mean:
            out = out + self.mean_
        return _result(out, out_dtype, wrap)

    def __repr__(self):
        return f"StandardScaler(with_mean={self.with_mean}, with_std={self.with_std})"


class MinMaxScaler(_Scaler):
    """Min-max normalisation per feature into ``feature_range=(a, b)``:
    ``x_hat = a + (x - min) * (b - a) / (max - min)``, scikit-learn's ``sklearn.preprocessing.MinMaxScaler``.

    ``fit`` stores ``data_min_``, ``data_max_``, ``data_range_`` and the affine map
    ``x_hat = x * scale_ + min_``. A constant feature (``max == min``) is divided by 1 instead of 0,
    so it maps to ``a``, as in scikit-learn. Values outside the fitted range (in validation or test
    data) map outside ``(a, b)`` unless ``clip=True``. Fit on the training part only (see the
    module docstring: no leakage).
    """

    def __init__(self, feature_range=(0, 1), clip=False):
        try:
            lo, hi = (float(v) for v in feature_range)
        except (TypeError, ValueError):
            raise TypeError(f"feature_range must be a pair of numbers (min, max), "
                            f"got {feature_range!r}") from None
        if lo >= hi:
            raise ValueError("Minimum of desired feature range must be smaller than maximum. "
                             f"Got {feature_range!r}.")
        self.feature_range, self.clip = (lo, hi), bool(clip)

    def fit(self, X, y=None):
        arr = self._fit_input(X)
        lo, hi = self.feature_range
        self.n_samples_seen_ = arr.shape[0]
        self.n_features_in_ = arr.shape[1]
        self.data_min_, self.data_max_ = arr.min(axis=0), arr.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        rng = self.data_range_.copy()
        rng[rng < 10 * np.finfo(np.float64).eps] = 1.0  # scikit-learn's _handle_zeros_in_scale
        self.scale_ = (hi - lo) / rng
        self.min_ = lo - self.data_min_ * self.scale_
        return self

    def transform(self, X):
        arr, out_dtype, wrap = self._check_fitted(X, "transform")
        out = arr.astype(np.float64) * self.scale_ + self.min_
        if self.clip:
            out = np.clip(out, *self.feature_range)
        return _result(out, out_dtype, wrap)

    def inverse_transform(self, X):
        """Back to the original units: ``x = (x_hat - min_) / scale_``."""
        arr, out_dtype, wrap = self._check_fitted(X, "inverse_transform")
        return _result((arr.astype(np.float64) - self.min_) / self.scale_, out_dtype, wrap)

    def __repr__(self):
        return f"MinMaxScaler(feature_range={self.feature_range}, clip={self.clip})"


def one_hot(tensor, num_classes=-1):
    """One-hot encoding, PyTorch's ``torch.nn.functional.one_hot``: int64 class indices of any
    shape ``(*)`` -> int64 ``(*, num_classes)`` with a 1 at each index and 0 elsewhere.

    ``num_classes=-1`` takes ``max + 1``. Use ``.float()`` for soft targets of ``cross_entropy``
    or for the notes' ``y_{i,c}`` in the cross-entropy sum.
    """
    if isinstance(tensor, Tensor):
        labels = tensor.detach().numpy()
    else:
        labels = np.asarray(tensor)
    if labels.dtype.kind not in "iu" or labels.dtype == np.bool_:
        raise TypeError(f"one_hot is only applicable to index tensors (int64), got dtype {labels.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(f"num_classes must be an int, got {type(num_classes).__name__}")
    num_classes = int(num_classes)
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(labels.min())}")
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError("one_hot: can not infer the number of classes from an empty tensor; "
                             "pass num_classes")
        num_classes = int(labels.max()) + 1
    elif num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be -1 or non-negative, got {num_classes}")
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"one_hot: class values must be smaller than num_classes={num_classes}, "
                         f"got {int(labels.max())}")
    out = np.zeros((labels.size, num_classes), dtype=np.int64)
    out[np.arange(labels.size), labels.reshape(-1)] = 1
    return _C.from_numpy(out.reshape(labels.shape + (num_classes,)))
