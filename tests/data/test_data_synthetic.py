"""Synthetic generators: shapes, dtypes, balance, seeds, and the geometry each one promises; load_digits."""
import sys

import numpy as np
import pytest

import minidl
from minidl import datasets
from helpers import to_np

CLASSIFIERS = [
    (datasets.make_xor, {}, 2, 2),
    (datasets.make_moons, {"noise": 0.1}, 2, 2),
    (datasets.make_circles, {"noise": 0.05}, 2, 2),
    (datasets.make_spirals, {"n_classes": 3, "noise": 0.05}, 2, 3),
    (datasets.make_blobs, {"centers": 4, "n_features": 3}, 3, 4),
    (datasets.make_linearly_separable, {"n_features": 5}, 5, 2),
    (datasets.make_sum_sign, {}, 4, 2),
]


@pytest.mark.parametrize("make,kw,d,k", CLASSIFIERS, ids=lambda v: getattr(v, "__name__", ""))
def test_classification_shapes_dtypes_seeds(make, kw, d, k):
    X, y = make(n_samples=401, seed=0, **kw)
    assert X.dtype == minidl.float32 and tuple(X.shape) == (401, d)
    assert y.dtype == minidl.int64 and tuple(y.shape) == (401,)
    counts = np.bincount(to_np(y), minlength=k)
    assert len(counts) == k
    if make not in (datasets.make_linearly_separable, datasets.make_sum_sign):
        assert counts.max() - counts.min() <= 1  # balanced by construction
    else:
        assert counts.min() > 0.3 * 401 / k  # balanced in expectation
    X2, y2 = make(n_samples=401, seed=0, **kw)
    np.testing.assert_array_equal(to_np(X), to_np(X2))
    np.testing.assert_array_equal(to_np(y), to_np(y2))
    X3, _ = make(n_samples=401, seed=1, **kw)
    assert not np.array_equal(to_np(X), to_np(X3))
    minidl.manual_seed(11)
    a = to_np(make(n_samples=401, **kw)[0])
    minidl.manual_seed(11)
    np.testing.assert_array_equal(a, to_np(make(n_samples=401, **kw)[0]))


def test_xor_truth_table_and_quadrants():
    X, y = datasets.make_xor(4, noise=0.0, shuffle=False)
    np.testing.assert_array_equal(to_np(X), [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(to_np(y), [0, 1, 1, 0])
    X, y = datasets.make_xor(400, noise=0.1, seed=2)
    X, y = to_np(X), to_np(y)
    clear = np.all(np.abs(X - 0.5) > 0.05, axis=1)  # away from the lines through (0.5, 0.5)
    quadrant_label = ((X[:, 0] > 0.5) != (X[:, 1] > 0.5)).astype(np.int64)
    assert np.mean(quadrant_label[clear] == y[clear]) > 0.99


def test_moons_radii():
    X, y = datasets.make_moons(200, noise=0.0, seed=0)
    X, y = to_np(X).astype(np.float64), to_np(y)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0, atol=1e-6)
    assert np.all(X[y == 0, 1] >= -1e-7) and np.all(X[y == 1, 1] <= 0.5 + 1e-7)  # upper / lower half circles


def test_circles_radii():
    X, y = datasets.make_circles(101, noise=0.0, factor=0.3, seed=0)
    r = np.linalg.norm(to_np(X).astype(np.float64), axis=1)
    y = to_np(y)
    np.testing.assert_allclose(r[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-6)
    assert (y == 0).sum() == 50 and (y == 1).sum() == 51
    with pytest.raises(ValueError, match="factor has to be between 0 and 1"):
        datasets.make_circles(factor=1.5)


def test_spirals_arms():
    K, turns = 4, 1.5
    X, y = datasets.make_spirals(400, n_classes=K, turns=turns, noise=0.0, seed=0)
    X, y = to_np(X).astype(np.float64), to_np(y)
    r = np.linalg.norm(X, axis=1)
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * y / K + 2 * np.pi * turns * r
    diff = np.angle(np.exp(1j * (angle - expected)))  # difference modulo 2 pi
    np.testing.assert_allclose(diff, 0.0, atol=1e-5)
    assert r.min() >= 0.05 - 1e-6 and r.max() <= 1 + 1e-6


def test_blobs_centers():
    X, y, C = datasets.make_blobs(300, n_features=2, centers=3, cluster_std=0.3, seed=5, return_centers=True)
    X, y, C = to_np(X), to_np(y), to_np(C)
    assert C.shape == (3, 2) and np.all((C >= -10) & (C <= 10))
    nearest = np.argmin(((X[:, None, :] - C[None]) ** 2).sum(-1), axis=1)
    assert np.min(np.linalg.norm(C[:, None] - C[None], axis=-1) + 100 * np.eye(3)) > 3  # seed 5: far apart
    np.testing.assert_array_equal(nearest, y)  # so with std 0.3 every point is nearest its own centre
    for c in range(3):  # sample means and spreads near the centres and cluster_std
        np.testing.assert_allclose(X[y == c].mean(0), C[c], atol=0.15)
        np.testing.assert_allclose(X[y == c].std(0), 0.3, rtol=0.3)
    X, y = datasets.make_blobs(6, centers=[[0.0, 0.0], [100.0, 100.0]], cluster_std=[0.0, 0.0], shuffle=False)
    np.testing.assert_array_equal(to_np(X), [[0, 0]] * 3 + [[100, 100]] * 3)
    np.testing.assert_array_equal(to_np(y), [0, 0, 0, 1, 1, 1])


def test_linearly_separable_margin():
    X, y, (w, b) = datasets.make_linearly_separable(500, n_features=3, margin=0.25, seed=3,
                                                    return_hyperplane=True)
    X, y, w = to_np(X).astype(np.float64), to_np(y), to_np(w).astype(np.float64)
    np.testing.assert_allclose(np.linalg.norm(w), 1.0, rtol=1e-6)
    s = X @ w + b
    assert np.all(np.abs(s) >= 0.25 - 1e-5)  # every point at least `margin` from the hyperplane
    np.testing.assert_array_equal(y, (s > 0).astype(np.int64))
    _, ys = datasets.make_linearly_separable(500, n_features=3, margin=0.25, seed=3, signed=True)
    np.testing.assert_array_equal(to_np(ys), 2 * y - 1)
    # tiny sets still hold both classes
    for seed in range(20):
        assert sorted(set(to_np(datasets.make_linearly_separable(2, seed=seed)[1]).tolist())) == [0, 1]


def test_perceptron_separates_it():
    """The note 004 perceptron rule converges on the data (a separable set, Novikoff's theorem)."""
    X, y = datasets.make_linearly_separable(200, margin=0.1, seed=0, signed=True)
    X, y = to_np(X).astype(np.float64), to_np(y)
    w, b = np.zeros(2), 0.0
    for _ in range(1000):
        errors = 0
        for xi, yi in zip(X, y):
            if yi * (w @ xi + b) <= 0:
                w, b, errors = w + yi * xi, b + yi, errors + 1
        if errors == 0:
            break
    assert errors == 0


@pytest.mark.parametrize("kind,f", [("linear", lambda x: 2 * x + 1), ("quadratic", lambda x: x ** 2),
                                    ("poly", lambda x: x ** 3 - 2 * x), ("sin", np.sin), ("exp", np.exp)])
def test_regression_curves(kind, f):
    X, y = datasets.make_regression_curve(500, kind=kind, noise=0.0, seed=0)
    assert X.dtype == y.dtype == minidl.float32 and tuple(X.shape) == tuple(y.shape) == (500, 1)
    x = to_np(X)[:, 0].astype(np.float64)
    np.testing.assert_allclose(to_np(y)[:, 0], f(x), rtol=1e-5, atol=1e-5)
    lo, hi = (-np.pi, np.pi) if kind == "sin" else (-2, 2)
    assert x.min() >= lo and x.max() <= hi
    _, yn = datasets.make_regression_curve(4000, kind=kind, noise=0.5, seed=0)
    Xn = to_np(datasets.make_regression_curve(4000, kind=kind, noise=0.5, seed=0)[0])[:, 0].astype(np.float64)
    assert abs(np.std(to_np(yn)[:, 0] - f(Xn)) - 0.5) < 0.03


def test_regression_curve_options():
    X, _ = datasets.make_regression_curve(50, kind=lambda x: 3 * x, x_range=(0, 1), sort=True, seed=1)
    x = to_np(X)[:, 0]
    assert np.all(np.diff(x) >= 0) and x.min() >= 0 and x.max() <= 1
    with pytest.raises(ValueError, match="unknown curve kind='tan'"):
        datasets.make_regression_curve(kind="tan")


def test_sum_sign_note_004():
    X, y = datasets.make_sum_sign(1000, seed=0)
    np.testing.assert_array_equal(to_np(y), (to_np(X).sum(1) > 0).astype(np.int64))
    Xc, yc = datasets.make_sum_sign(1000, seed=42, as_column=True, numpy_legacy=True)
    np.random.seed(42)  # the note's code, verbatim
    X_train = np.random.randn(1000, 4)
    y_train = (X_train.sum(axis=1) > 0).astype(float).reshape(-1, 1)
    np.testing.assert_array_equal(to_np(Xc), X_train.astype(np.float32))
    assert yc.dtype == minidl.float32 and tuple(yc.shape) == (1000, 1)
    np.testing.assert_array_equal(to_np(yc), y_train.astype(np.float32))


def test_generator_argument_errors():
    with pytest.raises(ValueError, match="noise must be a non-negative"):
        datasets.make_moons(noise=-1)
    with pytest.raises(TypeError, match="n_samples must be an int"):
        datasets.make_xor(10.5)
    with pytest.raises(ValueError, match="n_samples must be >= 3, got 2"):
        datasets.make_spirals(2, n_classes=3)
    with pytest.raises(TypeError, match="seed must be an int"):
        datasets.make_blobs(seed="a")


def test_load_digits():
    pytest.importorskip("sklearn")
    X, y = datasets.load_digits()
    assert X.dtype == minidl.float32 and tuple(X.shape) == (1797, 64)
    assert y.dtype == minidl.int64 and tuple(y.shape) == (1797,)
    Xn, yn = to_np(X), to_np(y)
    assert Xn.min() == 0.0 and Xn.max() == 1.0 and set(np.unique(yn)) == set(range(10))
    from sklearn.datasets import load_digits as sk_load
    ref = sk_load()
    np.testing.assert_array_equal(Xn, (ref.data / 16).astype(np.float32))
    raw = datasets.load_digits(normalize=False)[0]
    np.testing.assert_array_equal(to_np(raw), ref.data.astype(np.float32))
    ds = datasets.load_digits(return_dataset=True)
    assert len(ds) == 1797 and int(ds[5][1].item()) == ref.target[5]


def test_load_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        datasets.load_digits()
