"""minidl.metrics classification: hand-computed cases and scikit-learn references."""
import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import minidl
from minidl import metrics

# A hand-checked binary case: TP = 3 (samples 0, 3, 6), FP = 2 (1, 4), FN = 1 (2), TN = 2 (5, 7).
Y_TRUE = np.array([1, 0, 1, 1, 0, 0, 1, 0])
Y_PRED = np.array([1, 1, 0, 1, 1, 0, 1, 0])


def test_binary_hand_computed():
    assert metrics.accuracy(Y_PRED, Y_TRUE) == pytest.approx(5 / 8)
    assert metrics.precision(Y_PRED, Y_TRUE) == pytest.approx(3 / 5)
    assert metrics.recall(Y_PRED, Y_TRUE) == pytest.approx(3 / 4)
    assert metrics.f1_score(Y_PRED, Y_TRUE) == pytest.approx(2 * 3 / (2 * 3 + 2 + 1))
    cm = metrics.confusion_matrix(Y_PRED, Y_TRUE)
    assert isinstance(cm, minidl.Tensor) and cm.dtype == minidl.int64
    np.testing.assert_array_equal(cm.numpy(), [[2, 2], [1, 3]])  # [[TN, FP], [FN, TP]]


def test_scalars_are_python_floats():
    for fn in (metrics.accuracy, metrics.precision, metrics.recall, metrics.f1_score):
        assert type(fn(Y_PRED, Y_TRUE)) is float


def _input_forms():
    """The same predictions Y_PRED in every input form the metrics accept."""
    logits2 = np.where(Y_PRED[:, None] == np.arange(2), 1.5, -0.5).astype(np.float32)
    probs = np.where(Y_PRED == 1, 0.8, 0.3)
    logit1 = np.where(Y_PRED == 1, 2.0, -1.0).astype(np.float32)
    return [
        ("labels tensor", minidl.tensor(Y_PRED), {}),
        ("list", Y_PRED.tolist(), {}),
        ("bool", Y_PRED.astype(bool), {}),
        ("(N, 2) logits tensor", minidl.from_numpy(logits2), {}),
        ("(N, 2) logits requiring grad", minidl.tensor(logits2, requires_grad=True), {}),
        ("(N,) probabilities", probs, {}),
        ("(N, 1) probabilities", minidl.tensor(probs[:, None]), {}),
        ("(N,) float 0/1", Y_PRED.astype(np.float32), {}),
        ("(N,) logits, threshold 0", logit1, {"threshold": 0.0}),
        ("(N, 1) logits, threshold 0", minidl.from_numpy(logit1[:, None]), {"threshold": 0.0}),
    ]


@pytest.mark.parametrize("form", _input_forms(), ids=lambda f: f[0])
def test_input_forms_agree(form):
    _, inp, kw = form
    y32 = Y_TRUE.astype(np.float32)
    targets = [Y_TRUE, minidl.tensor(y32), minidl.tensor(y32[:, None])]
    for tgt in targets:
        assert metrics.accuracy(inp, tgt, **kw) == pytest.approx(5 / 8)
        assert metrics.precision(inp, tgt, **kw) == pytest.approx(3 / 5)
        np.testing.assert_array_equal(metrics.confusion_matrix(inp, tgt, **kw).numpy(), [[2, 2], [1, 3]])


def test_one_hot_target_is_read_as_argmax():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(30, 4)).astype(np.float32)
    y = rng.integers(0, 4, 30)
    one_hot = np.eye(4, dtype=np.float32)[y]
    assert metrics.accuracy(z, one_hot) == pytest.approx(np.mean(z.argmax(1) == y))


def test_spatial_scores_as_cross_entropy_takes_them():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(5, 3, 7))  # (N, C, L)
    y = rng.integers(0, 3, (5, 7))
    assert metrics.accuracy(z, y) == pytest.approx(np.mean(z.argmax(1) == y))


def test_threshold_is_strictly_greater():
    p = np.array([0.5, 0.51, 0.2, 0.9])
    y = np.array([1, 1, 0, 1])
    assert metrics.accuracy(p, y) == pytest.approx(0.75)  # 0.5 is not > 0.5
    assert metrics.accuracy(p, y, threshold=0.3) == pytest.approx(1.0)


def test_pm1_labels_accuracy_and_binary_scores():
    y = np.array([1, -1, 1, 1, -1, -1, 1, -1])
    pred = np.where(Y_PRED == 1, 1.0, -1.0)  # a perceptron's sign outputs
    assert metrics.accuracy(pred, y) == pytest.approx(5 / 8)
    for pos in (1, -1):
        yp = pred.astype(int)
        ref = skm.precision_score(y, yp, pos_label=pos)
        assert metrics.precision(pred, y, pos_label=pos) == pytest.approx(ref)
        assert metrics.recall(pred, y, pos_label=pos) == pytest.approx(skm.recall_score(y, yp, pos_label=pos))
        assert metrics.f1_score(pred, y, pos_label=pos) == pytest.approx(skm.f1_score(y, yp, pos_label=pos))


def _random_multiclass(n=200, c=5, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    pred = np.where(rng.random(n) < 0.5, y, rng.integers(0, c, n))  # better than chance
    return pred, y


@pytest.mark.parametrize("average", ["micro", "macro", "weighted", None])
@pytest.mark.parametrize("name", ["precision", "recall", "f1_score"])
def test_multiclass_against_sklearn(average, name):
    pred, y = _random_multiclass()
    ours = getattr(metrics, name)(minidl.tensor(pred), minidl.tensor(y), average=average)
    ref = getattr(skm, name if name == "f1_score" else name + "_score")(y, pred, average=average)
    if average is None:
        assert isinstance(ours, minidl.Tensor) and ours.dtype == minidl.float64
        np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-12)
    else:
        assert ours == pytest.approx(ref, rel=1e-12)


def test_micro_equals_accuracy_for_single_label():
    pred, y = _random_multiclass(seed=3)
    acc = np.mean(pred == y)
    for fn in (metrics.precision, metrics.recall, metrics.f1_score):
        assert fn(pred, y, average="micro") == pytest.approx(acc)


@pytest.mark.parametrize("zero_division", [0.0, 1.0, math.nan])
@pytest.mark.parametrize("average", ["macro", "weighted", None])
@pytest.mark.parametrize("name", ["precision", "recall", "f1_score"])
def test_zero_division_against_sklearn(zero_division, average, name):
    # class 1 is never predicted (precision 0/0), class 3 is absent everywhere (all 0/0)
    y = np.array([0, 1, 2, 2, 0, 1, 2])
    pred = np.array([0, 2, 2, 2, 0, 0, 2])
    ours = getattr(metrics, name)(pred, y, average=average, num_classes=4, zero_division=zero_division)
    ref = getattr(skm, name if name == "f1_score" else name + "_score")(
        y, pred, average=average, labels=[0, 1, 2, 3], zero_division=zero_division)
    if average is None:
        np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-12, equal_nan=True)
    else:
        assert ours == pytest.approx(ref, rel=1e-12, nan_ok=True)


def test_zero_division_warns_and_uses_zero():
    y = np.array([0, 1, 0, 1])
    pred = np.array([0, 0, 0, 0])
    with pytest.warns(metrics.UndefinedMetricWarning, match="Precision is ill-defined"):
        assert metrics.precision(pred, y) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert metrics.precision(pred, y, zero_division=1.0) == 1.0
        assert metrics.recall(pred, y) == 0.0  # 0 / 2: defined, no warning


def test_labels_present_vs_num_classes():
    # class 2 never appears: sklearn's default leaves it out, num_classes=4 puts it in
    y = np.array([0, 1, 3, 3, 0, 1])
    pred = np.array([0, 1, 3, 0, 0, 3])
    assert metrics.f1_score(pred, y, average="macro") == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert metrics.f1_score(pred, y, average="macro", num_classes=4, zero_division=0.0) == pytest.approx(
        skm.f1_score(y, pred, average="macro", labels=[0, 1, 2, 3], zero_division=0.0))


def test_scores_use_all_their_classes():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(40, 6))
    z[:, 4] = -10.0  # class 4 is never predicted
    y = rng.integers(0, 4, 40)  # and never true
    ref = skm.recall_score(y, z.argmax(1), average="macro", labels=range(6), zero_division=0.0)
    assert metrics.recall(z, y, average="macro", zero_division=0.0) == pytest.approx(ref)


@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix_against_sklearn(normalize):
    pred, y = _random_multiclass(n=150, c=4, seed=7)
    ours = metrics.confusion_matrix(minidl.tensor(pred), minidl.tensor(y), normalize=normalize)
    ref = skm.confusion_matrix(y, pred, labels=range(4), normalize=normalize)
    assert ours.dtype == (minidl.int64 if normalize is None else minidl.float64)
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-12)


def test_confusion_matrix_num_classes_and_empty_rows():
    cm = metrics.confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=4, normalize="true")
    expected = np.zeros((4, 4))
    expected[0, 0] = expected[0, 1] = 0.5
    expected[1, 1] = 1.0
    np.testing.assert_allclose(cm.numpy(), expected)
    z = np.zeros((3, 5), dtype=np.float32)
    assert tuple(metrics.confusion_matrix(z, [0, 1, 2]).shape) == (5, 5)


def test_top_k_against_sklearn():
    rng = np.random.default_rng(9)
    z = rng.normal(size=(100, 7)).astype(np.float32)
    y = rng.integers(0, 7, 100)
    for k in (1, 2, 3, 6):
        assert metrics.top_k_accuracy(minidl.from_numpy(z), minidl.tensor(y), k=k) == pytest.approx(
            skm.top_k_accuracy_score(y, z, k=k, labels=range(7)))


def test_top_k_ties_count_for_the_true_class():
    z = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [3.0, 2.0, 1.0]])
    y = np.array([1, 1, 2])
    # sample 0: nothing scores above class 1 -> rank 0; sample 1: rank 0; sample 2: rank 2
    assert metrics.top_k_accuracy(z, y, k=1) == pytest.approx(2 / 3)
    assert metrics.top_k_accuracy(z, y, k=2) == pytest.approx(2 / 3)
    assert metrics.top_k_accuracy(z, y, k=3) == pytest.approx(1.0)


# ---- errors -------------------------------------------------------------------------------------

def test_error_mismatched_lengths():
    with pytest.raises(ValueError, match="different numbers of samples: 3 and 4"):
        metrics.accuracy([0, 1, 1], [0, 1, 1, 0])
    with pytest.raises(ValueError, match="different numbers of samples: 2 and 3"):
        metrics.f1_score(np.zeros((2, 3)), [0, 1, 2])


def test_error_empty():
    with pytest.raises(ValueError, match="empty"):
        metrics.accuracy([], [])
    with pytest.raises(ValueError, match="empty"):
        metrics.top_k_accuracy(np.zeros((0, 3)), np.zeros(0, dtype=np.int64), k=1)


def test_error_unknown_average_and_zero_division():
    with pytest.raises(ValueError, match="average must be one of.*'samples'"):
        metrics.precision(Y_PRED, Y_TRUE, average="samples")
    with pytest.raises(ValueError, match="zero_division must be.*got 2"):
        metrics.recall(Y_PRED, Y_TRUE, zero_division=2)
    with pytest.raises(ValueError, match="normalize must be.*'rows'"):
        metrics.confusion_matrix(Y_PRED, Y_TRUE, normalize="rows")


def test_error_binary_average_on_multiclass():
    with pytest.raises(ValueError, match=r"'binary' needs two classes, but the labels are \[0, 1, 2\]"):
        metrics.f1_score([0, 1, 2], [0, 1, 1])
    with pytest.raises(ValueError, match="pos_label=2 is not one of the labels"):
        metrics.precision([0, 1], [1, 0], pos_label=2)


def test_error_labels_out_of_range():
    with pytest.raises(IndexError, match=r"target\[2\] = 5 is not a class index in \[0, 3\]"):
        metrics.confusion_matrix([0, 1, 2], [0, 1, 5], num_classes=4)
    with pytest.raises(IndexError, match=r"target\[1\] = 3 is not a class index in \[0, 2\]"):
        metrics.f1_score(np.zeros((2, 3)), [0, 3], average="macro")
    with pytest.raises(IndexError, match=r"target\[0\] = -1"):
        metrics.confusion_matrix([0, 1], [-1, 1])
    with pytest.raises(IndexError, match=r"target\[1\] = 4 is not a class index in \[0, 2\]"):
        metrics.top_k_accuracy(np.zeros((2, 3)), [0, 4], k=2)


def test_error_num_classes_disagrees_with_scores():
    with pytest.raises(ValueError, match="num_classes=4 but the input has scores for 3 classes"):
        metrics.confusion_matrix(np.zeros((2, 3)), [0, 1], num_classes=4)


def test_error_top_k_k():
    z = np.zeros((4, 3))
    with pytest.raises(ValueError, match="k must be between 1 and the number of classes C=3, got k=5"):
        metrics.top_k_accuracy(z, [0, 1, 2, 0], k=5)
    with pytest.raises(ValueError, match="got k=0"):
        metrics.top_k_accuracy(z, [0, 1, 2, 0], k=0)
    with pytest.raises(TypeError, match="k must be an int"):
        metrics.top_k_accuracy(z, [0, 1, 2, 0], k=1.5)
    with pytest.raises(ValueError, match=r"needs \(N, C\) float scores"):
        metrics.top_k_accuracy([0, 1], [0, 1], k=1)


def test_error_nan_input():
    z = np.zeros((3, 2))
    z[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"input contains NaN \(1 of 6 values, the first at index \(1, 0\)"):
        metrics.accuracy(z, [0, 1, 0])
    with pytest.raises(ValueError, match="input contains NaN"):
        metrics.precision(np.array([0.2, np.nan]), [0, 1])


def test_error_logits_without_threshold():
    with pytest.raises(ValueError, match=r"fractions in \[-1.5, 2.5\]: for logits pass threshold=0.0"):
        metrics.accuracy(np.array([-1.5, 0.3, 2.5]), [0, 1, 1])


def test_error_fractional_target_and_probabilities_with_multiclass_target():
    with pytest.raises(ValueError, match=r"class labels \(whole numbers\), but target\[1\] = 0.5"):
        metrics.accuracy([0, 1], np.array([0.0, 0.5]))
    with pytest.raises(ValueError, match=r"needs 0/1 targets, but target\[2\] = 2"):
        metrics.accuracy(np.array([0.1, 0.7, 0.4]), [0, 1, 2])


def test_error_types_and_shapes():
    with pytest.raises(TypeError, match="input must hold numbers"):
        metrics.accuracy(["a", "b"], [0, 1])
    with pytest.raises(ValueError, match="must hold float scores"):
        metrics.accuracy(np.zeros((2, 3), dtype=np.int64), [0, 1])
    with pytest.raises(ValueError, match=r"needs a target of shape \(2,\)"):
        metrics.accuracy(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="arrays of samples"):
        metrics.accuracy(1, 1)
