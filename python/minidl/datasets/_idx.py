"""Reading IDX files (the MNIST format), plain or gzip-compressed, with NumPy.

The format (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number ``0x00 0x00 <type> <ndim>``,
then ``ndim`` big-endian uint32 sizes, then the values, big-endian, C order. MNIST images are
``0x00000803`` (2051: uint8, 3 dims), labels ``0x00000801`` (2049: uint8, 1 dim).
"""
import gzip
import struct
import zlib

import numpy as np

__all__ = ["read_idx", "read_bytes"]

_TYPES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
          0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_bytes(path):
    """The file's bytes, decompressed if its name ends in .gz; corrupt archives raise ValueError."""
    if not str(path).endswith(".gz"):
        with open(path, "rb") as f:
            return f.read()
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (EOFError, OSError, zlib.error) as e:
        raise ValueError(f"{path}: could not decompress it ({type(e).__name__}: {e}); the file is "
                         "truncated or corrupt: delete it and download it again") from e


def read_idx(path, expect_magic=None):
    """An IDX file as a NumPy array (native byte order); checks the magic number (``expect_magic``
    when given) and that the data has exactly the size the header announces."""
    raw = read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file: {len(raw)} bytes, shorter than the 4-byte magic number")
    magic = struct.unpack(">I", raw[:4])[0]
    code, ndim = raw[2], raw[3]
    if raw[:2] != b"\x00\x00" or code not in _TYPES:
        raise ValueError(f"{path}: not an IDX file: magic number 0x{magic:08X} (expected 0x000008NN, "
                         "e.g. 0x00000803 = 2051 for MNIST images, 0x00000801 = 2049 for labels)")
    if expect_magic is not None and magic != expect_magic:
        raise ValueError(f"{path}: magic number 0x{magic:08X} ({magic}) announces {ndim}-D "
                         f"{_TYPES[code]} data; expected 0x{expect_magic:08X} ({expect_magic}): "
                         "is this the right file?")
    dtype = _TYPES[code]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header: {len(raw)} bytes, the {ndim} sizes need {header}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    count = int(np.prod(shape, dtype=np.int64))
    expected, got = count * dtype.itemsize, len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "longer than its header says"
        raise ValueError(f"{path}: file is {what}: the header announces shape {shape} "
                         f"({expected} bytes of data) but {got} bytes follow it; "
                         "delete it and download it again")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)
