"""Regression metrics (note 004, section 2.7.2): MSE, RMSE, MAE and R^2.

``input`` holds the predictions y_hat and ``target`` the true values y, each (N,) or (N, d)
for d outputs ((N, 1) and (N,) are the same thing). With d > 1, ``multioutput`` chooses
``'uniform_average'`` (the mean of the d per-output values, a Python float; scikit-learn's
default) or ``'raw_values'`` (a float64 tensor of the d values). Computed in float64.

These are metrics (numbers to report); the differentiable losses are ``nn.functional.mse_loss``
and ``l1_loss``.
"""
import numpy as np

from ._inputs import as_tensor, check_lengths, check_no_nan, squeeze_column, to_numpy

__all__ = ["mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "r2_score"]


def mean_squared_error(input, target, multioutput="uniform_average"):
    """Mean squared error (均方误差, note 004 eq. 38): ``MSE = 1/n sum_i (y_i - y_hat_i)^2``."""
    diff = _difference(input, target, multioutput)
    return _output(np.mean(diff * diff, axis=0), multioutput)


def root_mean_squared_error(input, target, multioutput="uniform_average"):
    """Root mean squared error (均方根误差, note 004 eq. 39): ``RMSE = sqrt(MSE)``, in y's units.

    With several outputs the average is over the per-output RMSEs (scikit-learn's rule), which
    is not the root of the average MSE.
    """
    diff = _difference(input, target, multioutput)
    return _output(np.sqrt(np.mean(diff * diff, axis=0)), multioutput)


def mean_absolute_error(input, target, multioutput="uniform_average"):
    """Mean absolute error (平均绝对误差, note 004 eq. 40): ``MAE = 1/n sum_i |y_i - y_hat_i|``."""
    diff = _difference(input, target, multioutput)
    return _output(np.mean(np.abs(diff), axis=0), multioutput)


def r2_score(input, target, multioutput="uniform_average"):
    """Coefficient of determination R^2 (决定系数, note 004 eq. 41):
    ``R^2 = 1 - SS_res / SS_tot = 1 - sum_i (y_i - y_hat_i)^2 / sum_i (y_i - y_bar)^2``.

    1 is a perfect fit, 0 is no better than predicting the mean y_bar, and it is negative for
    worse predictions. A constant target (SS_tot = 0) gives 1.0 when the predictions are exact
    and 0.0 otherwise (scikit-learn's ``force_finite=True``). Needs at least 2 samples.
    Note the order: ``r2_score(y_hat, y)``, where scikit-learn writes ``r2_score(y, y_hat)``;
    R^2 is not symmetric, so swapping them gives a different number.
    """
    diff = _difference(input, target, multioutput)
    if diff.shape[0] < 2:
        raise ValueError("r2_score needs at least 2 samples (SS_tot of one sample is 0)")
    y = _as_2d(squeeze_column(to_numpy(target, "target"))).astype(np.float64)
    ss_res = np.sum(diff * diff, axis=0)
    ss_tot = np.sum((y - y.mean(axis=0)) ** 2, axis=0)
    constant = ss_tot == 0
    r2 = 1.0 - ss_res / np.where(constant, 1.0, ss_tot)
    r2[constant] = np.where(ss_res[constant] == 0, 1.0, 0.0)
    return _output(r2, multioutput)


def _as_2d(a):
    return a[:, None] if a.ndim == 1 else a


def _difference(input, target, multioutput):
    """``target - input`` as (N, d) float64, after checking shapes, emptiness and NaN."""
    if multioutput not in ("uniform_average", "raw_values"):
        raise ValueError(f"multioutput must be 'uniform_average' or 'raw_values', got {multioutput!r}")
    inp = squeeze_column(to_numpy(input, "input"))
    tgt = squeeze_column(to_numpy(target, "target"))
    check_lengths(inp, tgt)
    if inp.shape != tgt.shape or inp.ndim > 2:
        raise ValueError(f"input and target must have the same shape (N,) or (N, d), got {tuple(inp.shape)} "
                         f"and {tuple(tgt.shape)}")
    check_no_nan(inp, "input")
    check_no_nan(tgt, "target")
    return _as_2d(tgt).astype(np.float64) - _as_2d(inp).astype(np.float64)


def _output(per_output, multioutput):
    if multioutput == "raw_values":
        return as_tensor(per_output)
    return float(np.mean(per_output))
