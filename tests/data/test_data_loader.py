"""DataLoader and datasets: every sample once per epoch, reproducible reshuffles, batches = NumPy indexing."""
import math

import numpy as np
import pytest

import minidl
from minidl.utils.data import (ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, default_collate)
from helpers import to_np


def _data(n, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    idx = np.arange(n, dtype=np.int64)  # a column of sample ids, to see which samples each batch holds
    return X, idx


def _epoch_ids(loader):
    return [to_np(b[1]) for b in loader]


@pytest.mark.parametrize("n,bs", [(10, 3), (10, 5), (7, 10), (1, 1), (33, 8)])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
def test_epoch_covers_every_sample_once(n, bs, shuffle, drop_last):
    X, ids = _data(n)
    loader = DataLoader(TensorDataset(minidl.from_numpy(X), minidl.from_numpy(ids)), batch_size=bs,
                        shuffle=shuffle, drop_last=drop_last, seed=3)
    batches = list(loader)
    expected_batches = n // bs if drop_last else math.ceil(n / bs)
    assert len(loader) == len(batches) == expected_batches
    sizes = [len(to_np(b[1])) for b in batches]
    assert all(s == bs for s in sizes[:-1])
    if batches:
        assert sizes[-1] == (bs if drop_last or n % bs == 0 else n % bs)
    seen = np.concatenate([to_np(b[1]) for b in batches]) if batches else np.zeros(0, np.int64)
    assert len(np.unique(seen)) == len(seen) == (n - n % bs if drop_last else n)
    if not shuffle:
        np.testing.assert_array_equal(seen, np.arange(len(seen)))
    for xb, ib in batches:  # each batch is NumPy's fancy indexing of the data by its ids
        assert isinstance(xb, minidl.Tensor) and xb.dtype == minidl.float32
        np.testing.assert_array_equal(to_np(xb), X[to_np(ib)])


def test_batches_are_a_tuple_and_copies():
    X, ids = _data(6)
    Xt = minidl.from_numpy(X.copy())
    xb, ib = next(iter(DataLoader(TensorDataset(Xt, minidl.from_numpy(ids)), batch_size=4)))
    assert isinstance(next(iter(DataLoader(TensorDataset(Xt), batch_size=4))), tuple)
    xb.numpy()[...] = 100.0  # a batch is a copy: writing to it leaves the dataset alone
    np.testing.assert_array_equal(Xt.numpy(), X)


def test_reshuffles_each_epoch_reproducibly():
    X, ids = _data(50)
    ds = TensorDataset(minidl.from_numpy(X), minidl.from_numpy(ids))
    a = DataLoader(ds, batch_size=50, shuffle=True, seed=7)
    b = DataLoader(ds, batch_size=50, shuffle=True, seed=7)
    c = DataLoader(ds, batch_size=50, shuffle=True, seed=8)
    epochs_a = [_epoch_ids(a)[0] for _ in range(3)]
    epochs_b = [_epoch_ids(b)[0] for _ in range(3)]
    epochs_c = [_epoch_ids(c)[0] for _ in range(3)]
    for k in range(3):
        np.testing.assert_array_equal(epochs_a[k], epochs_b[k])  # same seed: same k-th epoch
        assert not np.array_equal(epochs_a[k], epochs_c[k])  # other seed: other order
    assert not np.array_equal(epochs_a[0], epochs_a[1]) and not np.array_equal(epochs_a[1], epochs_a[2])
    b.set_epoch(1)  # jumping to an epoch replays its order
    np.testing.assert_array_equal(_epoch_ids(b)[0], epochs_a[1])


def test_manual_seed_makes_shuffling_repeatable():
    X, ids = _data(40)
    ds = TensorDataset(minidl.from_numpy(X), minidl.from_numpy(ids))

    def run():
        minidl.manual_seed(123)
        loader = DataLoader(ds, batch_size=8, shuffle=True)
        return [np.concatenate(_epoch_ids(loader)) for _ in range(2)]

    first, second = run(), run()
    for e1, e2 in zip(first, second):
        np.testing.assert_array_equal(e1, e2)
    assert not np.array_equal(first[0], first[1])
    minidl.manual_seed(124)
    other = np.concatenate(_epoch_ids(DataLoader(ds, batch_size=8, shuffle=True)))
    assert not np.array_equal(other, first[0])


def test_numpy_generator():
    X, ids = _data(30)
    ds = TensorDataset(minidl.from_numpy(X), minidl.from_numpy(ids))
    orders = []
    for _ in range(2):
        loader = DataLoader(ds, batch_size=30, shuffle=True, generator=np.random.default_rng(5))
        orders.append([_epoch_ids(loader)[0] for _ in range(2)])
    np.testing.assert_array_equal(orders[0][0], orders[1][0])
    np.testing.assert_array_equal(orders[0][1], orders[1][1])
    assert not np.array_equal(orders[0][0], orders[0][1])
    # the orders are the generator's permutations
    rng = np.random.default_rng(5)
    np.testing.assert_array_equal(orders[0][0], rng.permutation(30))


class _Squares(Dataset):
    """A generic dataset (no batch fetching): samples are (tensor, int, float)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return minidl.tensor([float(i), float(i * i)]), i, i / 2


def test_generic_dataset_collate():
    loader = DataLoader(_Squares(7), batch_size=3, shuffle=True, seed=1)
    seen = []
    for x, i, h in loader:
        ii = to_np(i)
        # PyTorch's rule: Python floats collate to float64
        assert i.dtype == minidl.int64 and h.dtype == minidl.float64
        np.testing.assert_array_equal(to_np(x), np.stack([ii, ii * ii], 1).astype(np.float32))
        np.testing.assert_array_equal(to_np(h), ii / 2)
        seen.extend(ii.tolist())
    assert sorted(seen) == list(range(7))


def test_default_collate_structures():
    out = default_collate([{"a": np.array([1.0, 2.0]), "s": "x"}, {"a": np.array([3.0, 4.0]), "s": "y"}])
    np.testing.assert_array_equal(to_np(out["a"]), [[1.0, 2.0], [3.0, 4.0]])
    assert out["a"].dtype == minidl.float64 and out["s"] == ["x", "y"]
    assert to_np(default_collate([True, False])).dtype == np.bool_
    lst = default_collate([[1, 2], [3, 4]])
    assert isinstance(lst, list) and to_np(lst[0]).tolist() == [1, 3]
    with pytest.raises(RuntimeError, match=r"equal size.*\(2,\).*\(3,\)"):
        default_collate([minidl.zeros(2), minidl.zeros(3)])
    with pytest.raises(TypeError, match="NoneType"):
        default_collate([None, None])


def test_custom_collate_and_unbatched():
    ds = TensorDataset(minidl.arange(5))
    got = list(DataLoader(ds, batch_size=2, collate_fn=lambda samples: [int(s[0].item()) for s in samples]))
    assert got == [[0, 1], [2, 3], [4]]
    unbatched = list(DataLoader(ds, batch_size=None))
    assert len(unbatched) == 5 and unbatched[3][0].item() == 3


def test_sampler_and_batch_sampler():
    X, ids = _data(6)
    ds = TensorDataset(minidl.from_numpy(X), minidl.from_numpy(ids))
    got = [to_np(b[1]).tolist() for b in DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])]
    assert got == [[5, 4], [3, 2], [1, 0]]
    got = [to_np(b[1]).tolist() for b in DataLoader(ds, batch_sampler=[[0, 2], [1, 3, 5]])]
    assert got == [[0, 2], [1, 3, 5]]
    got = [to_np(b[1]).tolist() for b in DataLoader(_Squares(4), batch_sampler=[[3, 1]])]
    assert got == [[3, 1]]


def test_subset_and_concat_batches():
    X, ids = _data(20)
    base = TensorDataset(minidl.from_numpy(X), minidl.from_numpy(ids))
    sub = Subset(Subset(base, list(range(2, 20, 2))), [0, 3, 5, -1])  # a subset of a subset, negative index
    assert [int(sub[k][1].item()) for k in range(4)] == [2, 8, 12, 18]
    batches = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(np.concatenate([to_np(b[1]) for b in batches]), [2, 8, 12, 18])
    np.testing.assert_array_equal(to_np(batches[0][0]), X[[2, 8, 12]])
    cat = base + Subset(base, [0, 1])
    assert isinstance(cat, ConcatDataset) and len(cat) == 22 and int(cat[21][1].item()) == 1
    assert int(cat[-1][1].item()) == 1 and int(cat[19][1].item()) == 19
    seen = np.concatenate([to_np(b[1]) for b in DataLoader(cat, batch_size=5, shuffle=True, seed=0)])
    np.testing.assert_array_equal(np.sort(seen), np.sort(np.r_[np.arange(20), 0, 1]))


def test_tensor_dataset_indexing_and_errors():
    X = minidl.arange(12).reshape(4, 3)
    ds = TensorDataset(X, np.arange(4))  # NumPy arrays are accepted
    x, y = ds[-1]
    assert x.tolist() == [9, 10, 11] and y.item() == 3 and len(ds) == 4
    with pytest.raises(IndexError, match="index 4 is out of range.*length 4"):
        ds[4]
    with pytest.raises(TypeError, match="integers"):
        ds[1.5]
    with pytest.raises(ValueError, match=r"same first dim.*\[4, 3\]"):
        TensorDataset(X, minidl.zeros(3))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(TypeError, match="argument 1 is list"):
        TensorDataset(X, [1, 2, 3, 4])
    with pytest.raises(IndexError, match="Subset index 9"):
        Subset(ds, [0, 9])


def test_loader_argument_errors():
    ds = TensorDataset(minidl.zeros(4, 2))
    with pytest.raises(ValueError, match="batch_size=0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="batch_size"):
        DataLoader(ds, batch_size=2.0)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, shuffle=True, sampler=[0, 1])
    with pytest.raises(ValueError, match="batch_sampler"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="either seed=1 or generator"):
        DataLoader(ds, shuffle=True, seed=1, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        DataLoader(ds, shuffle=True, generator=42)
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        DataLoader(ds, shuffle=True, seed=-1)
    with pytest.raises(TypeError, match="map-style dataset"):
        DataLoader(5)
    # accepted for PyTorch compatibility; loading stays in this process
    loader = DataLoader(ds, batch_size=3, num_workers=2, pin_memory=True, persistent_workers=True)
    assert [tuple(b[0].shape) for b in loader] == [(3, 2), (1, 2)]


def test_like_torch_dataloader_lengths():
    torch = pytest.importorskip("torch")
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False)]:
        t = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(n)), batch_size=bs,
                                        drop_last=drop)
        m = DataLoader(TensorDataset(minidl.zeros(n)), batch_size=bs, drop_last=drop)
        assert len(m) == len(t) and [b[0].shape[0] for b in m] == [b[0].shape[0] for b in t]
