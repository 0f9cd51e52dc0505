"""default_collate: a list of samples -> one batch (``torch.utils.data.default_collate``)."""
import collections.abc
import numbers

import numpy as np

from ... import _C
from ..._C import Tensor

__all__ = ["default_collate"]


def default_collate(batch):
    """Stack a list of samples into a batch, keeping the samples' structure.

    - tensors -> ``minidl.stack(batch)`` (a new first dim of size ``len(batch)``);
    - NumPy arrays and NumPy scalars -> stacked into a tensor of their dtype;
    - Python ints -> an int64 tensor, bools -> a bool tensor, floats -> a **float64** tensor
      (PyTorch's rule: a Python float is a double; convert with ``.float()`` for float32 models);
    - strings -> the list as is;
    - tuples / lists -> a tuple / list of the collated fields (PyTorch returns a list for tuple
      samples; a tuple unpacks the same way, ``x, y = batch``);
    - dicts -> a dict of collated values.
    """
    if not batch:
        raise ValueError("default_collate got an empty batch")
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(t.shape) for t in batch}
        if len(shapes) > 1:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, got shapes "
                               f"{sorted(shapes)} in one batch (pad them or pass a collate_fn)")
        return _C.stack(list(batch), 0)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        from ..._tensor import tensor
        return tensor(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, bool):
        return _C.from_numpy(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return _C.from_numpy(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return _C.from_numpy(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        sizes = {len(b) for b in batch}
        if len(sizes) > 1:
            raise RuntimeError(f"default_collate: each sample in a batch should have the same number of "
                               f"fields, got {sorted(sizes)}")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(f"default_collate: samples must contain tensors, NumPy arrays, numbers, strings, dicts "
                    f"or lists; found {type(elem).__name__} (pass a collate_fn to batch these)")
