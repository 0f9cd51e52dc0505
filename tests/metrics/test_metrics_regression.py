"""minidl.metrics regression metrics and perplexity: hand-computed values, scikit-learn, NumPy."""
import math

import numpy as np
import pytest
from sklearn import metrics as skm

import minidl
from minidl import metrics

REG = {
    "mean_squared_error": skm.mean_squared_error,
    "root_mean_squared_error": skm.root_mean_squared_error,
    "mean_absolute_error": skm.mean_absolute_error,
    "r2_score": skm.r2_score,
}


def test_hand_computed():
    y = [3.0, -0.5, 2.0, 7.0]
    y_hat = [2.5, 0.0, 2.0, 8.0]
    # errors 0.5, -0.5, 0, -1 -> squares 0.25, 0.25, 0, 1
    assert metrics.mean_squared_error(y_hat, y) == pytest.approx(1.5 / 4)
    assert metrics.root_mean_squared_error(y_hat, y) == pytest.approx(math.sqrt(1.5 / 4))
    assert metrics.mean_absolute_error(y_hat, y) == pytest.approx(2.0 / 4)
    # y_bar = 2.875; SS_tot = 0.015625 + 11.390625 + 0.765625 + 17.015625 = 29.1875
    assert metrics.r2_score(y_hat, y) == pytest.approx(1 - 1.5 / 29.1875)


@pytest.mark.parametrize("name", list(REG))
def test_single_output_against_sklearn(name):
    rng = np.random.default_rng(0)
    y = rng.normal(size=64).astype(np.float32)
    y_hat = (y + 0.3 * rng.normal(size=64)).astype(np.float32)
    ours = getattr(metrics, name)(minidl.from_numpy(y_hat[:, None]), minidl.from_numpy(y))  # (N, 1) vs (N,)
    assert type(ours) is float
    assert ours == pytest.approx(REG[name](y.astype(np.float64), y_hat.astype(np.float64)), rel=1e-10)


@pytest.mark.parametrize("multioutput", ["uniform_average", "raw_values"])
@pytest.mark.parametrize("name", list(REG))
def test_multioutput_against_sklearn(name, multioutput):
    rng = np.random.default_rng(1)
    y = rng.normal(size=(40, 3)) * [1.0, 5.0, 0.1]
    y_hat = y + rng.normal(size=(40, 3))
    ours = getattr(metrics, name)(y_hat, minidl.from_numpy(y), multioutput=multioutput)
    ref = REG[name](y, y_hat, multioutput=multioutput)
    if multioutput == "raw_values":
        assert isinstance(ours, minidl.Tensor) and tuple(ours.shape) == (3,)
        np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-12)
    else:
        assert ours == pytest.approx(ref, rel=1e-12)


def test_r2_edge_cases():
    assert metrics.r2_score([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert metrics.r2_score([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]) == pytest.approx(0.0)  # predicting the mean
    assert metrics.r2_score([3.0, 2.0, 1.0], [1.0, 2.0, 3.0]) == pytest.approx(1 - 8 / 2)
    assert metrics.r2_score([4.0, 4.0], [4.0, 4.0]) == 1.0  # constant target, exact
    assert metrics.r2_score([4.0, 5.0], [4.0, 4.0]) == 0.0  # constant target, not exact
    with pytest.raises(ValueError, match="r2_score needs at least 2 samples"):
        metrics.r2_score([1.0], [2.0])


def test_regression_errors():
    with pytest.raises(ValueError, match=r"same shape \(N,\) or \(N, d\), got \(4,\) and \(4, 2\)"):
        metrics.mean_squared_error(np.zeros(4), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="different numbers of samples: 3 and 4"):
        metrics.mean_absolute_error(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="empty"):
        metrics.mean_squared_error([], [])
    with pytest.raises(ValueError, match=r"target contains NaN \(1 of 2 values, the first at index 1\)"):
        metrics.mean_squared_error([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="'uniform_average' or 'raw_values', got 'variance_weighted'"):
        metrics.r2_score([1.0, 2.0], [1.0, 2.0], multioutput="variance_weighted")


# ---- perplexity -------------------------------------------------------------------------------

def _np_cross_entropy(z, y):
    """Mean -log softmax(z)[y] over rows, through the max-shifted log-sum-exp."""
    z = np.asarray(z, dtype=np.float64)
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return -np.mean(log_p[np.arange(len(y)), y])


def test_perplexity_of_uniform_prediction_is_the_number_of_classes():
    z = np.zeros((8, 10), dtype=np.float32)
    assert metrics.perplexity(z, np.arange(8)) == pytest.approx(10.0)
    assert metrics.perplexity(math.log(10)) == pytest.approx(10.0)


def test_perplexity_from_loss():
    assert metrics.perplexity(0.0) == 1.0
    assert metrics.perplexity(minidl.tensor(2.0)) == pytest.approx(math.exp(2.0))
    assert metrics.perplexity(np.float32(1.5)) == pytest.approx(math.exp(1.5))
    assert metrics.perplexity(1000.0) == math.inf


def test_perplexity_from_logits_against_numpy():
    rng = np.random.default_rng(3)
    z = (rng.normal(size=(50, 7)) * 3).astype(np.float32)
    y = rng.integers(0, 7, 50)
    ours = metrics.perplexity(minidl.from_numpy(z), minidl.tensor(y))
    assert ours == pytest.approx(math.exp(_np_cross_entropy(z, y)), rel=1e-6)


def test_perplexity_sequence_layout_and_ignore_index():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(3, 5, 4))  # (N, C, T) as cross_entropy takes it
    y = rng.integers(0, 5, (3, 4))
    y[0, 3] = y[2, 0] = -100  # padding
    keep = y != -100
    rows = np.moveaxis(z, 1, -1)[keep]
    assert metrics.perplexity(z, y) == pytest.approx(math.exp(_np_cross_entropy(rows, y[keep])), rel=1e-12)
    y2 = np.where(keep, y, 9)
    assert metrics.perplexity(z, y2, ignore_index=9) == pytest.approx(metrics.perplexity(z, y))


def test_perplexity_errors():
    with pytest.raises(ValueError, match="non-negative number, got -0.5"):
        metrics.perplexity(-0.5)
    with pytest.raises(ValueError, match="got nan"):
        metrics.perplexity(float("nan"))
    with pytest.raises(TypeError, match="needs a number.*got str"):
        metrics.perplexity("2.0")
    with pytest.raises(ValueError, match=r"one mean loss value, got a tensor of shape \(3,\)"):
        metrics.perplexity(minidl.zeros(3))
    with pytest.raises(IndexError, match="target class index 5 is out of range for 3 classes"):
        metrics.perplexity(np.zeros((2, 3)), [0, 5])
    with pytest.raises(ValueError, match=r"need a target of shape \(2,\), got \(3,\)"):
        metrics.perplexity(np.zeros((2, 3)), [0, 1, 2])
    with pytest.raises(ValueError, match="every target equals ignore_index=-100"):
        metrics.perplexity(np.zeros((2, 3)), [-100, -100])
    with pytest.raises(ValueError, match="input contains NaN"):
        metrics.perplexity(np.full((2, 3), np.nan), [0, 1])
