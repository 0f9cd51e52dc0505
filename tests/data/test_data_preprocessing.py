"""StandardScaler, MinMaxScaler (against NumPy formulas and scikit-learn) and one_hot (against NumPy)."""
import numpy as np
import pytest

import minidl
import minidl.nn.functional as F
from minidl.utils.data import MinMaxScaler, StandardScaler, one_hot
from helpers import assert_close, to_np


def _train_test(seed=0):
    rng = np.random.default_rng(seed)
    train = rng.normal(3.0, 2.0, size=(40, 4)) * np.array([1.0, 10.0, 0.1, 1.0])
    train[:, 3] = 7.0  # a constant feature
    test = rng.normal(3.0, 2.0, size=(9, 4))
    return train, test


def test_standard_scaler_formula_and_sklearn():
    train, test = _train_test()
    s = StandardScaler().fit(minidl.from_numpy(train.astype(np.float32)))
    mu, sigma = train.mean(0), train.std(0)
    sigma_safe = np.where(sigma == 0, 1.0, sigma)
    np.testing.assert_allclose(s.mean_, mu, rtol=1e-6)
    np.testing.assert_allclose(s.scale_, sigma_safe, rtol=1e-5)
    out = s.transform(minidl.from_numpy(test.astype(np.float32)))
    assert_close(out, ((test - mu) / sigma_safe).astype(np.float32), rtol=1e-4, atol=1e-5)
    sk = pytest.importorskip("sklearn.preprocessing")
    ref = sk.StandardScaler().fit(train)
    ours = StandardScaler().fit(train)
    np.testing.assert_allclose(ours.transform(test), ref.transform(test), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.scale_, ref.scale_, rtol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(test)), test, rtol=1e-12, atol=1e-12)
    # the constant column is only centred (scale 1), as in scikit-learn
    np.testing.assert_allclose(ours.fit_transform(train)[:, 3], 0.0, atol=1e-12)


def test_standard_scaler_options_and_types():
    train, test = _train_test(1)
    sk = pytest.importorskip("sklearn.preprocessing")
    for kw in ({"with_mean": False}, {"with_std": False}):
        np.testing.assert_allclose(StandardScaler(**kw).fit(train).transform(test),
                                   sk.StandardScaler(**kw).fit(train).transform(test), rtol=1e-12, atol=1e-12)
    out = StandardScaler().fit_transform(train.astype(np.float32))
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    out64 = StandardScaler().fit_transform(minidl.from_numpy(train))
    assert isinstance(out64, minidl.Tensor) and out64.dtype == minidl.float64
    assert StandardScaler().fit_transform(minidl.tensor([[1, 2], [3, 5]])).dtype == minidl.float32


def test_minmax_scaler_formula_and_sklearn():
    train, test = _train_test(2)
    for lo, hi in ((0, 1), (-1, 1), (2, 5)):
        s = MinMaxScaler(feature_range=(lo, hi)).fit(minidl.from_numpy(train))
        mn, mx = train.min(0), train.max(0)
        rng = np.where(mx - mn == 0, 1.0, mx - mn)
        expected = lo + (test - mn) * (hi - lo) / rng
        assert_close(s.transform(minidl.from_numpy(test)), expected, rtol=1e-12, atol=1e-12)
        assert_close(s.inverse_transform(s.transform(minidl.from_numpy(test))), test, rtol=1e-12, atol=1e-12)
        sk = pytest.importorskip("sklearn.preprocessing")
        ref = sk.MinMaxScaler(feature_range=(lo, hi)).fit(train)
        np.testing.assert_allclose(to_np(s.transform(minidl.from_numpy(test))), ref.transform(test),
                                   rtol=1e-12, atol=1e-12)
    fitted = MinMaxScaler().fit_transform(train)
    np.testing.assert_allclose(fitted[:, :3].min(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(fitted[:, :3].max(0), 1.0, atol=1e-12)
    np.testing.assert_array_equal(fitted[:, 3], 0.0)  # constant feature -> the range's low end
    clipped = MinMaxScaler(clip=True).fit(train).transform(test * 100)
    assert clipped.min() >= 0.0 and clipped.max() <= 1.0


def test_scaler_errors():
    for cls in (StandardScaler, MinMaxScaler):
        with pytest.raises(RuntimeError, match=f"{cls.__name__} instance is not fitted yet"):
            cls().transform(np.zeros((2, 3)))
        s = cls().fit(np.random.default_rng(0).random((5, 3)))
        with pytest.raises(ValueError, match="X has 2 features, but .* expecting 3 features"):
            s.transform(np.zeros((4, 2)))
        with pytest.raises(ValueError, match=r"2-D.*got shape \(5,\).*reshape"):
            cls().fit(np.zeros(5))
        with pytest.raises(ValueError, match="0 samples"):
            cls().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="Minimum of desired feature range must be smaller"):
        MinMaxScaler(feature_range=(1, 0))


@pytest.mark.parametrize("shape", [(6,), (2, 3), (0,)])
def test_one_hot_against_numpy(shape):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=shape)
    out = one_hot(minidl.from_numpy(labels), num_classes=5)
    assert_close(out, np.eye(5, dtype=np.int64)[labels])
    if labels.size:
        assert_close(F.one_hot(minidl.from_numpy(labels)), np.eye(labels.max() + 1, dtype=np.int64)[labels])


def test_one_hot_like_torch():
    torch = pytest.importorskip("torch")
    labels = np.array([[0, 3], [2, 1]])
    np.testing.assert_array_equal(to_np(F.one_hot(minidl.from_numpy(labels))),
                                  torch.nn.functional.one_hot(torch.from_numpy(labels)).numpy())


def test_one_hot_errors():
    with pytest.raises(TypeError, match="index tensors.*float32"):
        one_hot(minidl.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="non-negative, got -1"):
        one_hot(minidl.tensor([0, -1]))
    with pytest.raises(ValueError, match="smaller than num_classes=3, got 3"):
        one_hot(minidl.tensor([0, 3]), num_classes=3)
    with pytest.raises(ValueError, match="empty"):
        one_hot(minidl.tensor([], dtype=minidl.int64))
