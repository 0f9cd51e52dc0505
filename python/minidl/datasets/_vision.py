"""What the image datasets share (torchvision's VisionDataset): root, transforms, indexing, batches."""
import os

from .. import _C
from ..utils.data.dataset import Dataset, _as_index

__all__ = ["VisionDataset"]


class VisionDataset(Dataset):
    """Base of MNIST, FashionMNIST and CIFAR10.

    Subclasses set ``self.data`` (a uint8 NumPy array of all images: minidl has no uint8 dtype,
    torchvision keeps a uint8 tensor or array here), ``self.targets`` (an int64 tensor) and define
    ``_to_float(images)``, which turns a uint8 array of images into float32 ``(B, C, H, W)`` in
    ``[0, 1]``: what ``torchvision.transforms.ToTensor()`` gives. ``dataset[i]`` is
    ``(image, target)`` with that float32 image (after ``transform``) and an int target (after
    ``target_transform``). Without transforms the DataLoader reads whole batches at once.
    """

    def __init__(self, root, transform=None, target_transform=None):
        if isinstance(root, (str, bytes, os.PathLike)):
            root = os.path.expanduser(os.fsdecode(root))
        else:
            raise TypeError(f"root must be a path (str or os.PathLike), got {type(root).__name__}")
        for name, f in (("transform", transform), ("target_transform", target_transform)):
            if f is not None and not callable(f):
                raise TypeError(f"{name} must be callable or None, got {type(f).__name__}")
        self.root = root
        self.transform = transform
        self.target_transform = target_transform

    def _to_float(self, images):
        raise NotImplementedError

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        i = _as_index(index, len(self), type(self).__name__)
        img = _C.from_numpy(self._to_float(self.data[i:i + 1])[0])
        target = int(self._targets_np[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    @property
    def _get_batch(self):
        if self.transform is not None or self.target_transform is not None:
            # transforms work per sample: let the DataLoader go sample by sample
            raise AttributeError("_get_batch")
        return self._batch

    def _batch(self, indices):
        images = self._to_float(self.data[indices.numpy()])
        return _C.from_numpy(images), _C.index_select(self.targets, 0, indices)

    @property
    def _targets_np(self):
        return self.targets.numpy()

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}"]
        lines += ["    " + line for line in self.extra_repr().splitlines()]
        for name in ("transform", "target_transform"):
            if getattr(self, name) is not None:
                lines.append(f"    {name}: {getattr(self, name)!r}")
        return "\n".join(lines)
