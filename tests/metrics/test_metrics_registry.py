"""minidl.metrics.get: metrics by name for the training loop."""
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import minidl
from minidl import metrics


def test_names_and_values():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(60, 4)).astype(np.float32)
    y = rng.integers(0, 4, 60)
    pred = z.argmax(1)
    out, tgt = minidl.from_numpy(z), minidl.tensor(y)
    expected = {
        "accuracy": skm.accuracy_score(y, pred),
        "acc": skm.accuracy_score(y, pred),
        "f1_macro": skm.f1_score(y, pred, average="macro"),
        "precision_weighted": skm.precision_score(y, pred, average="weighted", zero_division=0.0),
        "recall_micro": skm.recall_score(y, pred, average="micro"),
        "top2_accuracy": skm.top_k_accuracy_score(y, z, k=2),
        "top_3_accuracy": skm.top_k_accuracy_score(y, z, k=3),
    }
    for name, value in expected.items():
        fn = metrics.get(name)
        assert fn.__name__ == (name if name != "acc" else "accuracy")
        assert fn(out, tgt) == pytest.approx(value)


def test_regression_and_ranking_names():
    rng = np.random.default_rng(1)
    y = rng.normal(size=30)
    y_hat = y + rng.normal(size=30)
    assert metrics.get("mse")(y_hat, y) == pytest.approx(skm.mean_squared_error(y, y_hat))
    assert metrics.get("mean_absolute_error")(y_hat, y) == pytest.approx(skm.mean_absolute_error(y, y_hat))
    assert metrics.get("rmse")(y_hat, y) == pytest.approx(skm.root_mean_squared_error(y, y_hat))
    assert metrics.get("r2")(y_hat, y) == pytest.approx(skm.r2_score(y, y_hat))
    yb = (y > 0).astype(np.int64)
    assert metrics.get("auc")(y_hat, yb) == pytest.approx(skm.roc_auc_score(yb, y_hat))
    assert metrics.get("perplexity")(np.zeros((3, 5)), [0, 1, 2]) == pytest.approx(5.0)


def test_named_entries_do_not_warn_on_zero_division():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.get("precision")([0, 0, 0], [0, 1, 1]) == 0.0


def test_callable_passes_through_and_errors():
    def my_metric(output, target):
        return 0.0
    assert metrics.get(my_metric) is my_metric
    with pytest.raises(ValueError, match="unknown metric 'accuracy2'; valid names: accuracy, f1,"):
        metrics.get("accuracy2")
    with pytest.raises(TypeError, match="a metric is a name .* got int"):
        metrics.get(3)


def test_available_lists_every_registered_name():
    names = metrics.available()
    for name in ("accuracy", "f1", "f1_macro", "precision_micro", "recall_weighted", "mse", "rmse", "mae",
                 "r2", "roc_auc", "perplexity"):
        assert name in names
        if not name.startswith("top"):
            metrics.get(name)  # every listed name resolves
