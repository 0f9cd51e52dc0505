"""MNIST / FashionMNIST (IDX) and CIFAR10 (python batches) readers on small files written here;
download failures."""
import gzip
import hashlib
import io
import os
import pickle
import struct
import tarfile
import urllib.error
import urllib.request

import numpy as np
import pytest

import minidl
from minidl.datasets import CIFAR10, MNIST, FashionMNIST, _download
from minidl.utils.data import DataLoader
from helpers import to_np


def idx_bytes(arr, magic_type=0x08):
    arr = np.asarray(arr)
    header = bytes([0, 0, magic_type, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(">u1" if magic_type == 0x08 else arr.dtype).tobytes()


def write(path, data, gz=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if gz:
        data = gzip.compress(data)
        path += ".gz"
    with open(path, "wb") as f:
        f.write(data)
    return path


def make_mnist(folder, n_train=7, n_test=3, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        write(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), idx_bytes(images), gz)
        write(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), idx_bytes(labels), gz)
        out[prefix] = (images, labels)
    return out


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_idx(tmp_path, gz):
    ref = make_mnist(str(tmp_path / "MNIST" / "raw"), gz=gz)
    train = MNIST(tmp_path)
    images, labels = ref["train"]
    assert len(train) == 7 and train.train
    assert train.data.dtype == np.uint8 and train.data.shape == (7, 28, 28)
    np.testing.assert_array_equal(train.data, images)
    assert train.targets.dtype == minidl.int64
    np.testing.assert_array_equal(to_np(train.targets), labels)
    img, target = train[3]
    assert img.dtype == minidl.float32 and tuple(img.shape) == (1, 28, 28)
    np.testing.assert_allclose(to_np(img)[0], images[3] / np.float32(255), rtol=1e-7)
    assert isinstance(target, int) and target == labels[3]
    assert train.class_to_idx["3 - three"] == 3
    test = MNIST(str(tmp_path), train=False)
    np.testing.assert_array_equal(test.data, ref["t10k"][0])
    assert "Split: Test" in repr(test)


def test_mnist_batches_match_samples_and_transforms(tmp_path):
    ref = make_mnist(str(tmp_path), n_train=10)  # files straight in root work too
    ds = MNIST(tmp_path)
    xb, yb = next(iter(DataLoader(ds, batch_size=4, shuffle=True, seed=0)))  # whole-batch path
    idx = [int(np.flatnonzero((ref["train"][0] == (to_np(x)[0] * 255).round()).all((1, 2)))[0]) for x in xb]
    np.testing.assert_allclose(to_np(xb), ref["train"][0][idx][:, None] / np.float32(255), rtol=1e-7)
    np.testing.assert_array_equal(to_np(yb), ref["train"][1][idx])
    # transforms go sample by sample, as torchvision's
    tds = MNIST(tmp_path, transform=lambda t: t.reshape(-1), target_transform=lambda c: c + 100)
    x, y = tds[2]
    assert tuple(x.shape) == (784,) and y == ref["train"][1][2] + 100
    xb, yb = next(iter(DataLoader(tds, batch_size=10)))
    assert tuple(xb.shape) == (10, 784)
    np.testing.assert_array_equal(to_np(yb), ref["train"][1].astype(np.int64) + 100)


def test_fashion_mnist(tmp_path):
    ref = make_mnist(str(tmp_path / "FashionMNIST" / "raw"), gz=True, seed=1)
    ds = FashionMNIST(tmp_path, train=False)
    np.testing.assert_array_equal(ds.data, ref["t10k"][0])
    assert ds.classes[9] == "Ankle boot"
    with pytest.raises(RuntimeError, match="MNIST files not found"):
        MNIST(tmp_path)  # MNIST looks in root/MNIST/raw, not FashionMNIST's folder


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_idx_raises(tmp_path, gz):
    make_mnist(str(tmp_path), gz=gz)
    path = str(tmp_path / ("train-images-idx3-ubyte" + (".gz" if gz else "")))
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) - 100])
    with pytest.raises(ValueError, match="truncated") as info:
        MNIST(tmp_path)
    assert "train-images-idx3-ubyte" in str(info.value)


def test_corrupt_idx_raises(tmp_path):
    folder = str(tmp_path)
    make_mnist(folder)
    images_path = os.path.join(folder, "train-images-idx3-ubyte")
    with open(images_path, "wb") as f:
        f.write(b"\x12\x34\x56\x78" + b"\0" * 20)
    with pytest.raises(ValueError, match="not an IDX file: magic number 0x12345678"):
        MNIST(folder)
    write(images_path, idx_bytes(np.zeros(7, np.uint8)))  # labels' magic in the images file
    with pytest.raises(ValueError, match=r"0x00000801 \(2049\).*expected 0x00000803 \(2051\)"):
        MNIST(folder)
    write(images_path, idx_bytes(np.zeros((5, 28, 28), np.uint8)))
    with pytest.raises(ValueError, match="holds 5 images but .* holds 7 labels"):
        MNIST(folder)
    write(images_path, idx_bytes(np.zeros((7, 28, 28), np.uint8)) + b"extra")
    with pytest.raises(ValueError, match="longer than its header says"):
        MNIST(folder)
    with open(images_path + ".gz", "wb") as f:  # plain file wins; a broken .gz alone is reported
        f.write(b"not gzip")
    os.remove(images_path)
    with pytest.raises(ValueError, match="could not decompress"):
        MNIST(folder)


def test_missing_files_name_the_paths(tmp_path):
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path / "nowhere")
    msg = str(info.value)
    assert os.path.join(str(tmp_path / "nowhere"), "MNIST", "raw") in msg
    assert "train-images-idx3-ubyte" in msg and "download=True" in msg
    with pytest.raises(RuntimeError, match="cifar-10-batches-py"):
        CIFAR10(tmp_path)


def _refuse(url, timeout=None):
    raise urllib.error.URLError("no network here")


def test_download_failure_is_clear(tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", _refuse)
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path, download=True)
    msg = str(info.value)
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz: no network here" in msg
    assert "http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz" in msg
    assert os.path.join(str(tmp_path), "MNIST", "raw", "train-images-idx3-ubyte.gz") in msg
    with pytest.raises(RuntimeError, match="(?s)python.tar.gz: no network here.*by hand.*python.tar.gz"):
        CIFAR10(tmp_path, download=True)
    assert not any(name.endswith(".part") for _, _, names in os.walk(tmp_path) for name in names)


def test_download_unreachable_url(tmp_path, monkeypatch):
    class Offline(MNIST):
        mirrors = ["http://127.0.0.1:9/"]  # the discard port: nothing listens there

    monkeypatch.setattr(_download, "TIMEOUT", 2.0)
    with pytest.raises(RuntimeError, match=r"http://127.0.0.1:9/train-images-idx3-ubyte.gz: .*refused"):
        Offline(tmp_path, download=True)


def _serve(files):
    def urlopen(url, timeout=None):
        name = url.rsplit("/", 1)[-1]
        if name not in files:
            raise urllib.error.HTTPError(url, 404, "Not Found", None, None)
        return io.BytesIO(files[name])
    return urlopen


def test_download_then_read(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    files = {}
    for prefix, n in (("train", 5), ("t10k", 2)):
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(rng.integers(0, 256, (n, 28, 28))))
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(rng.integers(0, 10, n)))

    class Served(MNIST):
        resources = [(name, hashlib.md5(data).hexdigest()) for name, data in files.items()]

    served = dict(files)
    served["t10k-labels-idx1-ubyte.gz"] = b"tampered"
    monkeypatch.setattr(urllib.request, "urlopen", _serve(served))
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        Served(tmp_path, download=True)
    monkeypatch.setattr(urllib.request, "urlopen", _serve(files))
    ds = Served(tmp_path, download=True)
    assert len(ds) == 5 and os.path.isfile(tmp_path / "Served" / "raw" / "train-images-idx3-ubyte.gz")
    monkeypatch.setattr(urllib.request, "urlopen", _refuse)
    assert len(Served(tmp_path, train=False, download=True)) == 2  # present files are not fetched again


def make_cifar(folder, n_per_batch=4, seed=0, meta=True):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    out = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.integers(0, 256, size=(n_per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n_per_batch).tolist()
        with open(os.path.join(folder, name), "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data}, f)
        out[name] = (data, labels)
    if meta:
        names = [b"plane", b"car", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
        with open(os.path.join(folder, "batches.meta"), "wb") as f:
            pickle.dump({b"label_names": names, b"num_vis": 3072}, f)
    return out


def test_cifar10_reads_batches(tmp_path):
    ref = make_cifar(str(tmp_path / "cifar-10-batches-py"))
    train = CIFAR10(tmp_path)
    raw = np.concatenate([ref[f"data_batch_{i}"][0] for i in range(1, 6)])
    labels = sum((ref[f"data_batch_{i}"][1] for i in range(1, 6)), [])
    assert len(train) == 20 and train.data.dtype == np.uint8 and train.data.shape == (20, 32, 32, 3)
    chw = raw.reshape(20, 3, 32, 32)  # each row: 1024 red, then green, then blue values, row-major
    np.testing.assert_array_equal(train.data, chw.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(to_np(train.targets), labels)
    img, target = train[6]
    assert img.dtype == minidl.float32 and tuple(img.shape) == (3, 32, 32)
    np.testing.assert_allclose(to_np(img), chw[6] / np.float32(255), rtol=1e-7)
    assert target == labels[6] and train.classes[1] == "car"
    xb, yb = next(iter(DataLoader(train, batch_size=20)))
    np.testing.assert_allclose(to_np(xb), chw / np.float32(255), rtol=1e-7)
    np.testing.assert_array_equal(to_np(yb), labels)
    test = CIFAR10(tmp_path, train=False)
    np.testing.assert_array_equal(to_np(test.targets), ref["test_batch"][1])


def test_cifar10_without_meta_in_root(tmp_path):
    make_cifar(str(tmp_path), meta=False)
    ds = CIFAR10(tmp_path, train=False)
    assert len(ds) == 4 and ds.classes[0] == "airplane"


def test_cifar10_corrupt_batches(tmp_path):
    folder = str(tmp_path / "cifar-10-batches-py")
    make_cifar(folder)
    path = os.path.join(folder, "data_batch_3")
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="data_batch_3: could not read the pickled batch.*truncated"):
        CIFAR10(tmp_path)
    with open(path, "wb") as f:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(ValueError, match=r"should be uint8 \(N, 3072\), got uint8 \(2, 100\)"):
        CIFAR10(tmp_path)
    with open(path, "wb") as f:
        pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, f)
    with pytest.raises(ValueError, match="2 images but 1 labels"):
        CIFAR10(tmp_path)


def test_cifar10_download_then_read(tmp_path, monkeypatch):
    src = tmp_path / "src"
    make_cifar(str(src / "cifar-10-batches-py"), n_per_batch=2)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(str(src / "cifar-10-batches-py"), arcname="cifar-10-batches-py")
    archive = buf.getvalue()

    class Served(CIFAR10):
        tgz_md5 = hashlib.md5(archive).hexdigest()

    monkeypatch.setattr(urllib.request, "urlopen", _serve({"cifar-10-python.tar.gz": archive}))
    ds = Served(tmp_path / "root", download=True)
    assert len(ds) == 10 and os.path.isfile(tmp_path / "root" / "cifar-10-batches-py" / "test_batch")
