"""CIFAR-10 from its python batches, as torchvision's ``datasets.CIFAR10``."""
import os
import pickle

import numpy as np

from .. import _C
from ._download import download_file, extract_tar
from ._vision import VisionDataset

__all__ = ["CIFAR10"]


def _field(entry, *names):
    for name in names:
        for key in (name.encode(), name):
            if key in entry:
                return entry[key]
    return None


def _load_batch(path):
    """One pickled batch: ``{b'data': uint8 (N, 3072), b'labels': [N ints], ...}``."""
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
            IndexError) as e:
        raise ValueError(f"{path}: could not read the pickled batch ({type(e).__name__}: {e}); the file is "
                         "truncated or corrupt: delete it and download it again") from e
    data = _field(entry, "data") if isinstance(entry, dict) else None
    labels = _field(entry, "labels", "fine_labels") if isinstance(entry, dict) else None
    if not isinstance(data, np.ndarray) or labels is None:
        raise ValueError(f"{path}: not a CIFAR-10 python batch (expected a dict with 'data' and 'labels')")
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise ValueError(f"{path}: 'data' should be uint8 (N, 3072), got {data.dtype} {data.shape}")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (data.shape[0],):
        raise ValueError(f"{path}: {data.shape[0]} images but {labels.size} labels")
    return data, labels


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32x32, in 10 classes.

    >>> train = CIFAR10("data", train=True, download=True)
    >>> img, label = train[0]            # img float32 (3, 32, 32) in [0, 1], label an int

    Read from the python version's batches in ``root/cifar-10-batches-py/`` (``data_batch_1`` ...
    ``data_batch_5`` for training, ``test_batch``; the layout torchvision uses, so its download
    works as is), or from ``root`` itself when the batches are there. ``download=True`` fetches
    ``cifar-10-python.tar.gz`` (checked against its MD5) and extracts it in ``root``, raising
    ``RuntimeError`` with what to do by hand where there is no network.

    Attributes (as torchvision's): ``data`` uint8 NumPy array ``(N, 32, 32, 3)`` (HWC, torchvision's
    layout; minidl has no uint8 tensors), ``targets`` int64 tensor ``(N,)`` (torchvision: a list),
    ``classes`` (from ``batches.meta`` when present), ``class_to_idx``, ``train``. ``dataset[i]``
    gives the image as ``ToTensor()`` would: float32 CHW ``(3, 32, 32)``, pixel / 255.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [f"data_batch_{i}" for i in range(1, 6)]
    test_list = ["test_batch"]
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = bool(train)
        names = self.train_list if self.train else self.test_list
        folder = self._find(names)
        if folder is None and download:
            self.download()
            folder = self._find(names)
        if folder is None:
            expected = os.path.join(self.root, self.base_folder)
            raise RuntimeError(f"CIFAR10 files not found: expected {', '.join(names)} in {expected} "
                               f"(or in {self.root}). Pass download=True to fetch them, or download "
                               f"{self.url} by hand and extract it in {self.root}")
        batches = [_load_batch(os.path.join(folder, n)) for n in names]
        self.data = np.concatenate([b[0] for b in batches]).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        labels = np.concatenate([b[1] for b in batches])
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise ValueError(f"CIFAR10 labels in {folder} should be in 0..9, "
                             f"found {labels.min()}..{labels.max()}")
        self.targets = _C.from_numpy(labels)
        self._read_meta(folder)

    def _find(self, names):
        for folder in (os.path.join(self.root, self.base_folder), self.root):
            if all(os.path.isfile(os.path.join(folder, n)) for n in names):
                return folder
        return None

    def _read_meta(self, folder):
        path = os.path.join(folder, "batches.meta")
        if not os.path.isfile(path):
            return  # the class names are fixed; the meta file only repeats them
        try:
            with open(path, "rb") as f:
                meta = pickle.load(f, encoding="bytes")
            names = _field(meta, "label_names")
        except Exception as e:  # noqa: BLE001 - any failure here is a bad file, reported as such
            raise ValueError(f"{path}: could not read the class names ({type(e).__name__}: {e})") from e
        if names is not None:
            self.classes = [n.decode() if isinstance(n, bytes) else str(n) for n in names]

    def download(self):
        """Fetch and extract the archive into ``root`` unless the batches are already there."""
        if self._find(self.train_list + self.test_list) is not None:
            return
        archive = os.path.join(self.root, self.filename)
        if not (os.path.isfile(archive) and _md5_ok(archive, self.tgz_md5)):
            download_file([self.url], archive, self.tgz_md5)
        extract_tar(archive, self.root)

    def _to_float(self, images):
        return images.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255.0)

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


def _md5_ok(path, md5):
    from ._download import md5sum
    return md5sum(path) == md5
