"""Datasets: PyTorch's ``torch.utils.data`` map-style datasets.

A dataset is anything with ``__len__`` and ``__getitem__(i)`` returning sample ``i``. The
``DataLoader`` batches them. Datasets that can also fetch a whole batch at once define
``_get_batch(indices)`` (``indices`` an int64 minidl tensor) and the DataLoader uses it instead of
fetching sample by sample: ``TensorDataset`` gathers each tensor with one ``index_select``, which
is what makes an epoch over in-memory data cheap.
"""
import bisect
import operator

import numpy as np

from ... import _C
from ..._C import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset"]


class Dataset:
    """Base class of map-style datasets (``torch.utils.data.Dataset``).

    Subclasses implement ``__getitem__(index)`` and ``__len__()``:

    >>> class Squares(Dataset):
    ...     def __len__(self): return 10
    ...     def __getitem__(self, i): return minidl.tensor([float(i)]), i * i

    ``a + b`` concatenates two datasets (a ``ConcatDataset``).
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __add__(self, other):
        return ConcatDataset([self, other])


def _as_index(index, length, who):
    """``index`` as a non-negative int < length (negative counts from the end, like a list)."""
    try:
        i = operator.index(index)
    except TypeError:
        if isinstance(index, Tensor) and index.numel() == 1 and not index.is_floating_point():
            i = int(index.item())
        else:
            raise TypeError(f"{who} indices must be integers, got {type(index).__name__}") from None
    if not -length <= i < length:
        raise IndexError(f"{who} index {i} is out of range for a dataset of length {length}")
    return i + length if i < 0 else i


class TensorDataset(Dataset):
    """Samples are rows of tensors: ``dataset[i] = (t[i] for t in tensors)``
    (``torch.utils.data.TensorDataset``).

    >>> ds = TensorDataset(X, y)       # X (N, d), y (N,)
    >>> x0, y0 = ds[0]

    Every tensor must have the same size N along its first dim. NumPy arrays are accepted and
    shared without a copy (``minidl.as_tensor``). The tensors stay in ``.tensors``.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        from ..._tensor import as_tensor
        converted = []
        for k, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                if not isinstance(t, np.ndarray):
                    raise TypeError(f"TensorDataset expects minidl tensors (or NumPy arrays); argument {k} "
                                    f"is {type(t).__name__}")
                t = as_tensor(t)
            if t.dim() == 0:
                raise ValueError(f"TensorDataset: tensor {k} is 0-dimensional; each tensor needs a first "
                                 "dim indexing the samples")
            converted.append(t)
        sizes = [t.shape[0] for t in converted]
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"Size mismatch between tensors: TensorDataset needs the same first dim "
                             f"in every tensor, got sizes {sizes} "
                             f"(shapes {[tuple(t.shape) for t in converted]})")
        self.tensors = tuple(converted)

    def __len__(self):
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        i = _as_index(index, len(self), "TensorDataset")
        return tuple(t[i] for t in self.tensors)

    def _get_batch(self, indices):
        # (a list comprehension: cheaper than tuple() over a generator, once per batch)
        return tuple([_C.index_select(t, 0, indices) for t in self.tensors])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (``torch.utils.data.Subset``).

    ``subset[k]`` is ``dataset[indices[k]]``. A Subset of a dataset that fetches whole batches
    (a ``TensorDataset``) fetches whole batches too.
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    @property
    def indices(self):
        return self._indices

    @indices.setter
    def indices(self, indices):
        if isinstance(indices, Tensor):
            indices = indices.numpy()
        arr = np.asarray(indices)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise TypeError(f"Subset indices must be a 1-D sequence of ints, got {type(indices).__name__} "
                            f"of dtype {arr.dtype} and shape {arr.shape}")
        arr = arr.astype(np.int64)
        n = len(self.dataset)
        if arr.size and (arr.min() < -n or arr.max() >= n):
            bad = arr[(arr < -n) | (arr >= n)][0]
            raise IndexError(f"Subset index {bad} is out of range for a dataset of length {n}")
        self._indices = indices
        self._index_array = np.where(arr < 0, arr + n, arr)
        self._index_tensor = None

    def __len__(self):
        return len(self._index_array)

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            return [self[i] for i in index]
        return self.dataset[int(self._index_array[_as_index(index, len(self), "Subset")])]

    @property
    def _get_batch(self):
        # Only there when the wrapped dataset can fetch whole batches (the DataLoader checks with getattr).
        inner = getattr(self.dataset, "_get_batch", None)
        if inner is None:
            raise AttributeError("_get_batch")
        if self._index_tensor is None:
            self._index_tensor = _C.from_numpy(self._index_array)
        base = self._index_tensor
        return lambda indices: inner(_C.index_select(base, 0, indices))


class ConcatDataset(Dataset):
    """Several datasets one after the other (``torch.utils.data.ConcatDataset``).

    ``cumulative_sizes[k]`` is the total length of the first k+1 datasets.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        i = _as_index(index, len(self), "ConcatDataset")
        k = bisect.bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[k - 1] if k > 0 else 0
        return self.datasets[k][i - start]
