"""DataLoader: mini-batches over a dataset, one epoch per ``for`` loop (``torch.utils.data.DataLoader``)."""
import math
import numbers

import numpy as np

from ... import _C
from .._random import check_seed, make_rng
from .collate import default_collate

__all__ = ["DataLoader"]


def _check_batch_size(batch_size):
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(f"batch_size should be a positive integer (or None), got {type(batch_size).__name__} "
                        f"{batch_size!r}")
    if batch_size <= 0:
        raise ValueError(f"batch_size should be a positive integer, got batch_size={batch_size}")
    return int(batch_size)


class DataLoader:
    """Iterate over ``dataset`` in mini-batches; each ``for`` loop over the loader is one epoch.

    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
    >>> for xb, yb in loader:          # xb (32, d), yb (32,); the last batch may be smaller
    ...     ...
    >>> len(loader)                    # batches per epoch: ceil(N / 32), or floor with drop_last

    Arguments (PyTorch's, plus ``seed``):

    - ``batch_size``: samples per batch; ``None`` yields the samples one by one, unbatched.
    - ``shuffle``: a new random order every epoch. Reproducible: with ``seed=s`` the k-th epoch
      (k-th ``for`` loop; ``set_epoch(k)`` jumps there) always has the same order for the same
      ``s``; with ``generator`` (a ``numpy.random.Generator``) the orders are drawn from it; with
      neither, each epoch draws a seed from minidl's global generator, so ``minidl.manual_seed(s)``
      at the start makes the whole run repeatable (as ``torch.manual_seed`` does for PyTorch).
    - ``drop_last``: drop the last batch when it is smaller than ``batch_size``.
    - ``collate_fn``: turns a list of samples into a batch (default: ``default_collate``, which
      stacks tensors and turns numbers into tensors).
    - ``sampler`` / ``batch_sampler``: any iterable of indices / of lists of indices, in place of
      the built-in order (as in PyTorch; exclusive with ``shuffle``).
    - ``num_workers``, ``pin_memory``, ``timeout``, ``worker_init_fn``, ``prefetch_factor``,
      ``persistent_workers``: accepted so that PyTorch code runs unchanged, but minidl always loads
      in the calling process (there is no GPU memory to pin, and for in-memory data the batches are
      one gather away, faster than sending them between processes).

    Batches of a ``TensorDataset`` (or of a ``Subset`` of one) are made by one ``index_select``
    per tensor per batch, never sample by sample; other datasets are read with ``dataset[i]`` per
    sample and collated. Either way a batch is a tuple of minidl tensors when samples are tuples.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, seed=None):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader needs a map-style dataset with __len__ and __getitem__, got "
                            f"{type(dataset).__name__}")
        batch_size = _check_batch_size(batch_size)
        shuffle = bool(shuffle)
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(f"num_workers option should be a non-negative integer, got {num_workers!r}")
        if timeout < 0:
            raise ValueError(f"timeout option should be non-negative, got {timeout!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size = None
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"collate_fn must be callable, got {type(collate_fn).__name__}")
        self.seed = check_seed(seed)
        if generator is not None:
            make_rng(self.seed, generator)  # checks the type and that seed is not also given
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = bool(drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self._epoch = 0
        self._arange = None

    def set_epoch(self, epoch):
        """Make the next ``for`` loop epoch number ``epoch`` (0-based); with ``seed`` its order is then
        the same as that epoch's order in any other run (resuming a run mid-way)."""
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Integral) or epoch < 0:
            raise ValueError(f"epoch must be a non-negative int, got {epoch!r}")
        self._epoch = int(epoch)

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        """This epoch's sample indices, an int64 array."""
        n = len(self.dataset)
        if self.sampler is not None:
            return np.fromiter((int(i) for i in self.sampler), dtype=np.int64)
        if not self.shuffle:
            if self._arange is None or len(self._arange) != n:
                self._arange = np.arange(n, dtype=np.int64)
            return self._arange
        if self.seed is not None:
            rng = np.random.default_rng([self.seed, self._epoch])
        else:
            rng = make_rng(None, self.generator)
        return rng.permutation(n).astype(np.int64, copy=False)

    def __iter__(self):
        # The order is drawn now, when the epoch starts, not at the first next().
        if self.batch_sampler is not None:
            batches = [np.asarray(list(b), dtype=np.int64) for b in self.batch_sampler]
            self._epoch += 1
            return self._iter_index_lists(batches)
        order = self._order()
        self._epoch += 1
        if self.batch_size is None:
            return (self.dataset[int(i)] for i in order)
        n, bs = len(order), self.batch_size
        stop = n - n % bs if self.drop_last else n
        fetch = getattr(self.dataset, "_get_batch", None) if self.collate_fn is default_collate else None
        if fetch is not None:
            return self._iter_gather(fetch, _C.from_numpy(np.ascontiguousarray(order)), stop, bs)
        return self._iter_index_lists([order[s:s + bs] for s in range(0, stop, bs)])

    @staticmethod
    def _iter_gather(fetch, order, stop, bs):
        # This loop runs once per batch: the full batches first, then the short last one.
        narrow = _C.narrow
        full = stop - stop % bs
        for start in range(0, full, bs):
            yield fetch(narrow(order, 0, start, bs))
        if full < stop:
            yield fetch(narrow(order, 0, full, stop - full))

    def _iter_index_lists(self, batches):
        fetch = getattr(self.dataset, "_get_batch", None) if self.collate_fn is default_collate else None
        for idx in batches:
            if fetch is not None:
                yield fetch(_C.from_numpy(np.ascontiguousarray(idx)))
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})")
