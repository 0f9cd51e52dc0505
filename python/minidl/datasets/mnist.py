"""MNIST and Fashion-MNIST from their IDX files, as torchvision's ``datasets.MNIST`` / ``FashionMNIST``."""
import os

import numpy as np

from .. import _C
from ._download import download_file
from ._idx import read_idx
from ._vision import VisionDataset

__all__ = ["MNIST", "FashionMNIST"]

_IMAGES_MAGIC, _LABELS_MAGIC = 0x00000803, 0x00000801


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grey, labels 0-9.

    >>> train = MNIST("data", train=True, download=True)
    >>> img, label = train[0]            # img float32 (1, 28, 28) in [0, 1], label an int
    >>> loader = DataLoader(train, batch_size=64, shuffle=True)

    The four IDX files (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each plain or ``.gz``) are looked for
    in ``root/MNIST/raw/`` (torchvision's layout, so a torchvision download works as is) and then
    in ``root`` itself. ``download=True`` fetches the missing ``.gz`` files into
    ``root/MNIST/raw/`` from the mirrors (checked against their MD5) and raises ``RuntimeError``
    saying where to put them by hand when there is no network.

    Attributes (as torchvision's): ``data`` uint8 NumPy array ``(N, 28, 28)`` (minidl has no uint8
    tensors), ``targets`` int64 tensor ``(N,)``, ``classes``, ``class_to_idx``, ``train``.
    ``dataset[i]`` gives the image as ``ToTensor()`` would: float32 ``(1, 28, 28)``, pixel / 255.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = bool(train)
        prefix = "train" if self.train else "t10k"
        names = [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]
        if download:
            self.download()  # both splits, as torchvision; files already there are kept
        paths = [self._find(n) for n in names]
        if None in paths:
            missing = [n for n, p in zip(names, paths) if p is None]
            where = " or ".join(os.path.join(d, "{" + ", ".join(missing) + "}[.gz]") for d in self._folders())
            raise RuntimeError(f"{type(self).__name__} files not found: expected {where}. "
                               "Pass download=True to fetch them, or put the files there by hand "
                               f"(from {self.mirrors[0]})")
        images = read_idx(paths[0], _IMAGES_MAGIC)
        labels = read_idx(paths[1], _LABELS_MAGIC)
        if len(images) != len(labels):
            raise ValueError(f"{paths[0]} holds {len(images)} images but {paths[1]} holds "
                             f"{len(labels)} labels")
        if labels.size and labels.max() >= len(self.classes):
            raise ValueError(f"{paths[1]}: label {int(labels.max())} is out of range for "
                             f"{len(self.classes)} classes")
        self.data = images
        self.targets = _C.from_numpy(labels.astype(np.int64))

    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, "raw")

    def _folders(self):
        return [self.raw_folder, self.root]

    def _find(self, name):
        for folder in self._folders():
            for candidate in (name, name + ".gz"):
                path = os.path.join(folder, candidate)
                if os.path.isfile(path):
                    return path
        return None

    def download(self):
        """Fetch the missing files into ``raw_folder`` (no-op for files already there)."""
        for filename, md5 in self.resources:
            if self._find(filename[:-3]) is not None:
                continue
            download_file([m + filename for m in self.mirrors], os.path.join(self.raw_folder, filename), md5)

    def _to_float(self, images):
        return (images.astype(np.float32) / np.float32(255.0))[:, None, :, :]

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): MNIST's format and sizes with 10 kinds of clothing instead of digits.

    Same files, layout and behaviour as ``MNIST``, looked for in ``root/FashionMNIST/raw/`` and ``root``.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
               "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
