"""Splitting data: random_split (PyTorch), KFold (scikit-learn), kfold_split and train_val_test_split.

Note 000 (2.1): the training set fits the parameters, the validation set picks hyperparameters and
when to stop, the test set is touched once at the end; k-fold cross-validation rotates a
validation fold through the data when it is small.
"""
import math
import numbers

import numpy as np

from ... import _C
from ..._C import Tensor
from .._random import check_seed, make_rng
from .dataset import Subset

__all__ = ["random_split", "KFold", "kfold_split", "train_val_test_split"]


def _split_lengths(n, lengths):
    """Counts for ``lengths`` given as counts (summing to n) or as fractions (summing to 1)."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("lengths must not be empty")
    if all(isinstance(x, numbers.Integral) and not isinstance(x, bool) for x in lengths):
        if any(x < 0 for x in lengths):
            raise ValueError(f"lengths must be non-negative, got {lengths}")
        if sum(lengths) != n:
            raise ValueError(f"Sum of input lengths ({sum(lengths)}) does not equal the length of the input "
                             f"dataset ({n}); lengths={lengths}")
        return [int(x) for x in lengths]
    fracs = [float(x) for x in lengths]
    if any(not 0.0 <= f <= 1.0 for f in fracs) or not math.isclose(sum(fracs), 1.0, abs_tol=1e-6):
        raise ValueError(f"lengths must be counts summing to the dataset length ({n}) or fractions in [0, 1] "
                         f"summing to 1, got {lengths}")
    counts = [int(math.floor(n * f)) for f in fracs]
    # As PyTorch: what the floors leave over goes one by one to the splits in order.
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(dataset, lengths, seed=None, generator=None):
    """Split ``dataset`` at random into non-overlapping ``Subset``s of the given lengths
    (``torch.utils.data.random_split``).

    >>> train, val = random_split(ds, [0.8, 0.2], seed=0)   # or counts: [1400, 397]

    Fractions are turned into counts by flooring ``n * f`` and handing what is left over, one at a
    time, to the splits in order (PyTorch's rule). ``seed`` / ``generator`` (a
    ``numpy.random.Generator``) make it reproducible; with neither the permutation follows
    ``minidl.manual_seed``.
    """
    n = len(dataset)
    counts = _split_lengths(n, lengths)
    perm = make_rng(seed, generator).permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start:start + c].tolist()))
        start += c
    return out


def _num_samples(n_or_data):
    if isinstance(n_or_data, numbers.Integral) and not isinstance(n_or_data, bool):
        return int(n_or_data)
    if isinstance(n_or_data, Tensor):
        if n_or_data.dim() == 0:
            raise TypeError("expected a number of samples or data with a first dim, got a 0-d tensor")
        return n_or_data.shape[0]
    try:
        return len(n_or_data)
    except TypeError:
        raise TypeError(f"expected a number of samples or something with a length (dataset, tensor, array), "
                        f"got {type(n_or_data).__name__}") from None


class KFold:
    """K-fold cross-validation indices, as scikit-learn's ``sklearn.model_selection.KFold``.

    The samples (shuffled first if ``shuffle``) are cut into ``n_splits`` consecutive folds; the
    first ``n % n_splits`` folds have one sample more. Each fold is the validation part once while
    the others train:

    >>> for train_idx, val_idx in KFold(5, shuffle=True, seed=0).split(len(ds)):
    ...     ...

    ``split`` takes a number of samples or anything with a length (a dataset, a tensor, an array)
    and yields ``(train_indices, val_indices)`` as sorted int64 NumPy arrays. Without shuffling the
    folds are exactly scikit-learn's. ``seed`` stands for scikit-learn's ``random_state``; with
    ``shuffle=True`` and no seed the permutation follows ``minidl.manual_seed``.
    """

    def __init__(self, n_splits=5, shuffle=False, seed=None):
        if isinstance(n_splits, bool) or not isinstance(n_splits, numbers.Integral):
            raise TypeError(f"n_splits must be an int, got {type(n_splits).__name__} {n_splits!r}")
        if n_splits < 2:
            raise ValueError(f"k-fold cross-validation needs at least two folds: n_splits={n_splits}")
        seed = check_seed(seed)
        if not shuffle and seed is not None:
            raise ValueError(f"seed={seed} has no effect since shuffle is False; set shuffle=True to use it")
        self.n_splits, self.shuffle, self.seed = int(n_splits), bool(shuffle), seed

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_splits

    def split(self, X, y=None, groups=None):
        n = _num_samples(X)
        if self.n_splits > n:
            raise ValueError(f"Cannot have number of splits n_splits={self.n_splits} greater than the "
                             f"number of samples: n_samples={n}")
        order = make_rng(self.seed).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            mask = np.zeros(n, dtype=bool)
            mask[order[start:start + size]] = True
            start += size
            yield np.flatnonzero(~mask), np.flatnonzero(mask)

    def __repr__(self):
        return f"KFold(n_splits={self.n_splits}, shuffle={self.shuffle}, seed={self.seed})"


def kfold_split(dataset, k=5, shuffle=False, seed=None):
    """Yield ``(train, val)`` pairs of ``Subset``s of ``dataset``, one per fold of
    ``KFold(k, shuffle, seed)``.

    >>> for fold, (train, val) in enumerate(kfold_split(ds, k=5, shuffle=True, seed=0)):
    ...     model = make_model(); fit(model, ..., DataLoader(train, 32, shuffle=True), DataLoader(val, 256))

    Note 000: with little data, train k times, each time validating on a different fold, and
    report the mean validation score.
    """
    for train_idx, val_idx in KFold(k, shuffle=shuffle, seed=seed).split(len(dataset)):
        yield Subset(dataset, train_idx.tolist()), Subset(dataset, val_idx.tolist())


def _count(size, n, name):
    if isinstance(size, bool):
        raise TypeError(f"{name} must be a fraction or a count, got {size!r}")
    if isinstance(size, numbers.Integral):
        if not 0 <= size <= n:
            raise ValueError(f"{name}={size} must be between 0 and the number of samples ({n})")
        return int(size)
    if isinstance(size, numbers.Real):
        if not 0.0 <= size < 1.0:
            raise ValueError(f"{name}={size} as a fraction must be in [0, 1)")
        return int(math.ceil(size * n))
    raise TypeError(f"{name} must be a fraction or a count, got {type(size).__name__}")


def _allocate(counts, total, capacity):
    """Share ``total`` among classes in proportion to ``counts`` (largest remainders), <= capacity each."""
    want = counts * (total / counts.sum())
    got = np.minimum(np.floor(want).astype(np.int64), capacity)
    order = np.argsort(-(want - np.floor(want)), kind="stable")
    while got.sum() < total:
        for c in order:
            if got.sum() == total:
                break
            if got[c] < capacity[c]:
                got[c] += 1
    return got


def _take(a, idx):
    if isinstance(a, Tensor):
        return _C.index_select(a, 0, _C.from_numpy(np.ascontiguousarray(idx, dtype=np.int64)))
    return a[idx]


def train_val_test_split(*arrays, val_size=0.15, test_size=0.15, shuffle=True, seed=None, stratify=None):
    """Split arrays (same first dim) into training, validation and test parts, in one call.

    >>> (X_tr, y_tr), (X_val, y_val), (X_te, y_te) = train_val_test_split(X, y, seed=0)
    >>> train_ds = TensorDataset(X_tr, y_tr)

    Returns ``(train, val, test)``; each is a tuple with one part per input array, in the input
    order (with a single input array each is that array's part itself). minidl tensors give minidl
    tensors (copies, by ``index_select``); anything else is turned into a NumPy array.

    - ``val_size``, ``test_size``: fractions of the samples in [0, 1) (rounded up, as
      scikit-learn's ``test_size``) or counts. The training part gets the rest; note 000 suggests
      60-70 / 10-20 / 10-20 per cent.
    - ``shuffle``: shuffle before splitting (else train, val, test are consecutive in that order).
    - ``seed``: same seed, same split; with no seed the permutation follows ``minidl.manual_seed``.
    - ``stratify``: class labels (length n); each part then keeps every class's share (each
      class's samples are divided in the same proportions, largest remainders deciding the rounding).
      Needs ``shuffle=True``, as scikit-learn's.

    Fit scalers (``StandardScaler``...) on the training part only, then transform all three.
    """
    if not arrays:
        raise ValueError("train_val_test_split needs at least one array")
    data = [a if isinstance(a, Tensor) else np.asarray(a) for a in arrays]
    if any(a.ndim == 0 for a in data):
        raise ValueError("train_val_test_split: every array needs a first dim indexing the samples")
    lengths = [a.shape[0] for a in data]
    if any(m != lengths[0] for m in lengths):
        raise ValueError(f"Found input arrays with inconsistent numbers of samples: {lengths}")
    n = lengths[0]
    n_test, n_val = _count(test_size, n, "test_size"), _count(val_size, n, "val_size")
    n_train = n - n_val - n_test
    if n_train < 1:
        raise ValueError(f"with n_samples={n}, val_size={val_size} and test_size={test_size} the "
                         f"training part would be empty (val {n_val} + test {n_test} samples)")
    if stratify is None:
        order = make_rng(seed).permutation(n) if shuffle else np.arange(n)
        parts = [order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]]
    else:
        if not shuffle:
            raise ValueError("Stratified train/val/test split is not implemented for shuffle=False")
        parts = _stratified(stratify, n, n_val, n_test, make_rng(seed))
    out = []
    for idx in parts:
        split = tuple(_take(a, idx) for a in data)
        out.append(split[0] if len(split) == 1 else split)
    return tuple(out)


def _stratified(stratify, n, n_val, n_test, rng):
    labels = stratify.numpy() if isinstance(stratify, Tensor) else np.asarray(stratify)
    if labels.shape[:1] != (n,):
        raise ValueError(f"stratify must have one label per sample ({n}), got shape {labels.shape}")
    classes, y = np.unique(labels, return_inverse=True, axis=0 if labels.ndim > 1 else None)
    y = y.reshape(-1)
    counts = np.bincount(y, minlength=len(classes))
    test_c = _allocate(counts, n_test, counts)
    val_c = _allocate(counts, n_val, counts - test_c)
    perm = rng.permutation(n)
    by_class = perm[np.argsort(y[perm], kind="stable")]  # each class's samples in random order
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    parts = [[], [], []]
    for c, s in enumerate(starts):
        members = by_class[s:s + counts[c]]
        t, v = test_c[c], val_c[c]
        parts[2].append(members[:t])
        parts[1].append(members[t:t + v])
        parts[0].append(members[t + v:])
    return [rng.permutation(np.concatenate(p)) for p in parts]
