"""random_split, KFold / kfold_split, train_val_test_split: partitions, sizes, seeds, scikit-learn's folds."""
import numpy as np
import pytest

import minidl
from minidl.utils.data import KFold, Subset, TensorDataset, kfold_split, random_split, train_val_test_split
from helpers import to_np


def _ids_dataset(n):
    return TensorDataset(minidl.arange(n))


def _ids(subset):
    return sorted(int(subset[k][0].item()) for k in range(len(subset)))


@pytest.mark.parametrize("lengths,expected", [([3, 7], [3, 7]), ([0.5, 0.5], [5, 5]),
                                              ([0.33, 0.33, 0.34], [4, 3, 3]), ([1.0, 0.0], [10, 0])])
def test_random_split_partitions(lengths, expected):
    parts = random_split(_ids_dataset(10), lengths, seed=0)
    # fractions: floors, then the rest one by one in order (PyTorch's rule)
    assert [len(p) for p in parts] == expected
    assert all(isinstance(p, Subset) for p in parts)
    assert sorted(sum((_ids(p) for p in parts), [])) == list(range(10))


def test_random_split_like_torch_sizes():
    torch = pytest.importorskip("torch")
    for lengths in ([0.3, 0.3, 0.4], [0.1, 0.2, 0.7], [0.25, 0.75]):
        t = torch.utils.data.random_split(range(17), lengths, generator=torch.Generator().manual_seed(0))
        assert [len(p) for p in random_split(_ids_dataset(17), lengths, seed=0)] == [len(p) for p in t]


def test_random_split_reproducible():
    a = random_split(_ids_dataset(20), [10, 10], seed=4)
    b = random_split(_ids_dataset(20), [10, 10], seed=4)
    c = random_split(_ids_dataset(20), [10, 10], seed=5)
    assert a[0].indices == b[0].indices and a[0].indices != c[0].indices
    minidl.manual_seed(3)
    d = random_split(_ids_dataset(20), [10, 10])
    minidl.manual_seed(3)
    e = random_split(_ids_dataset(20), [10, 10], generator=None)
    assert d[0].indices == e[0].indices
    g1 = random_split(_ids_dataset(20), [10, 10], generator=np.random.default_rng(9))
    assert g1[0].indices == np.random.default_rng(9).permutation(20)[:10].tolist()


def test_random_split_errors():
    with pytest.raises(ValueError, match=r"Sum of input lengths \(9\) does not equal.*\(10\)"):
        random_split(_ids_dataset(10), [4, 5])
    with pytest.raises(ValueError, match="fractions"):
        random_split(_ids_dataset(10), [0.5, 0.6])


@pytest.mark.parametrize("n,k", [(10, 5), (11, 3), (7, 7), (23, 4)])
def test_kfold_equals_sklearn(n, k):
    sk = pytest.importorskip("sklearn.model_selection")
    ours = list(KFold(k).split(n))
    theirs = list(sk.KFold(k).split(np.zeros((n, 1))))
    assert len(ours) == len(theirs) == k
    for (tr, va), (str_, sva) in zip(ours, theirs):
        np.testing.assert_array_equal(tr, str_)
        np.testing.assert_array_equal(va, sva)


def test_kfold_shuffle_partitions_and_reproducible():
    n, k = 23, 4
    folds = list(KFold(k, shuffle=True, seed=1).split(minidl.zeros(n, 2)))  # anything with a length
    vals = [va for _, va in folds]
    assert sorted(len(v) for v in vals) == [5, 6, 6, 6]
    np.testing.assert_array_equal(np.sort(np.concatenate(vals)), np.arange(n))  # each sample validated once
    for tr, va in folds:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == n
    again = list(KFold(k, shuffle=True, seed=1).split(n))
    other = list(KFold(k, shuffle=True, seed=2).split(n))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other))
    # shuffled folds are not just the consecutive ones
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, KFold(k).split(n)))


def test_kfold_errors():
    with pytest.raises(ValueError, match="n_splits=1"):
        KFold(1)
    with pytest.raises(ValueError, match="n_splits=5 greater than the number of samples: n_samples=3"):
        list(KFold(5).split(3))
    with pytest.raises(ValueError, match="shuffle is False"):
        KFold(3, seed=0)


def test_kfold_split_subsets():
    ds = _ids_dataset(10)
    pairs = list(kfold_split(ds, k=5, shuffle=True, seed=0))
    assert len(pairs) == 5
    all_val = []
    for train, val in pairs:
        assert len(train) == 8 and len(val) == 2
        assert set(_ids(train)).isdisjoint(_ids(val))
        all_val += _ids(val)
    assert sorted(all_val) == list(range(10))


def test_train_val_test_split_sizes_and_alignment():
    n = 100
    X = minidl.from_numpy(np.arange(2 * n, dtype=np.float32).reshape(n, 2))
    y = np.arange(n)
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = train_val_test_split(X, y, val_size=0.15, test_size=0.2,
                                                                    seed=0)
    assert isinstance(X_tr, minidl.Tensor) and isinstance(y_tr, np.ndarray)
    assert (len(y_tr), len(y_va), len(y_te)) == (65, 15, 20)
    for Xp, yp in ((X_tr, y_tr), (X_va, y_va), (X_te, y_te)):
        np.testing.assert_array_equal(to_np(Xp)[:, 0], 2 * yp)  # rows stay aligned across arrays
    np.testing.assert_array_equal(np.sort(np.concatenate([y_tr, y_va, y_te])), np.arange(n))
    # counts, and no shuffling: consecutive parts
    tr, va, te = train_val_test_split(y, val_size=10, test_size=5, shuffle=False)
    np.testing.assert_array_equal(tr, np.arange(85))
    np.testing.assert_array_equal(va, np.arange(85, 95))
    np.testing.assert_array_equal(te, np.arange(95, 100))
    # reproducible
    a = train_val_test_split(y, seed=3)
    b = train_val_test_split(y, seed=3)
    c = train_val_test_split(y, seed=4)
    assert all(np.array_equal(p, q) for p, q in zip(a, b)) and not np.array_equal(a[0], c[0])


def test_train_val_test_split_stratified():
    labels = np.repeat([0, 1, 2], [50, 30, 20])
    tr, va, te = train_val_test_split(labels, val_size=0.2, test_size=0.1, stratify=labels, seed=0)
    assert (len(tr), len(va), len(te)) == (70, 20, 10)
    assert np.bincount(va).tolist() == [10, 6, 4] and np.bincount(te).tolist() == [5, 3, 2]
    # rounding by largest remainders keeps every share within one sample of exact
    labels = np.repeat([0, 1, 2], [7, 5, 4])
    idx = np.arange(16)
    tr, va, te = train_val_test_split(idx, val_size=0.25, test_size=0.25, stratify=labels, seed=1)
    for part, frac in ((va, 0.25), (te, 0.25)):
        counts = np.bincount(labels[part], minlength=3)
        assert np.all(np.abs(counts - frac * np.array([7, 5, 4])) < 1)
    np.testing.assert_array_equal(np.sort(np.concatenate([tr, va, te])), idx)


def test_train_val_test_split_errors():
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[5, 4\]"):
        train_val_test_split(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match="training part would be empty"):
        train_val_test_split(np.zeros(4), val_size=2, test_size=2)
    with pytest.raises(ValueError, match=r"test_size=1.5.*\[0, 1\)"):
        train_val_test_split(np.zeros(4), test_size=1.5)
    with pytest.raises(ValueError, match="shuffle=False"):
        train_val_test_split(np.zeros(4), stratify=np.zeros(4), shuffle=False)
