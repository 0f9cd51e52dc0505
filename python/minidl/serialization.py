"""minidl.save / minidl.load: tensors and state dicts in a safe, documented file format.

    minidl.save(net.state_dict(), "net.pt")
    net.load_state_dict(minidl.load("net.pt"))

Why not pickle (what torch.save uses): unpickling runs code named by the file, so loading a
file from someone else can run anything. A minidl file holds only data:

The format (version 1) is a ZIP archive, readable by ``numpy.load`` like an ``.npz``:

- ``minidl.json``: a UTF-8 JSON manifest ``{"format": "minidl", "version": 1, "arrays": [...],
  "root": <node>}``. ``arrays[i]`` describes member ``arrays/<i>.npy``: ``{"kind": "tensor" or
  "ndarray", "dtype": "float32", "shape": [..], "requires_grad": bool, "parameter": bool}``.
  A node is one of ``{"tensor": i}``, ``{"ndarray": i}``, ``{"dict": [[key_node, node], ...],
  "ordered": bool}``, ``{"list": [...]}``, ``{"tuple": [...]}``, ``{"str": s}``, ``{"int": n}``,
  ``{"float": repr(x)}`` (a string, so nan/inf and every bit survive), ``{"bool": b}``,
  ``{"none": null}``, ``{"dtype": "float64"}``.
- ``arrays/<i>.npy``: NumPy's .npy format, written and read with ``allow_pickle=False``.

Round trips are exact, bit for bit. A tensor reachable twice from ``obj`` (one Python object) is
stored once and loads as one tensor. NumPy scalars load as Python numbers. Loading checks
everything and raises ``ValueError`` for truncated, corrupted or foreign files.
"""
import io
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np

from . import _C
from ._C import Tensor

__all__ = ["save", "load"]

FORMAT = "minidl"
VERSION = 1
MANIFEST = "minidl.json"
_DTYPES = {"float32": _C.dtype.float32, "float64": _C.dtype.float64, "int64": _C.dtype.int64,
           "bool": _C.dtype.bool}
_DTYPE_NAMES = {v: k for k, v in _DTYPES.items()}
_NP_DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "bool": np.bool_}
_SUPPORTED = "tensors, NumPy arrays, dicts, lists, tuples, str, int, float, bool, None and dtypes"


class _Encoder:
    def __init__(self):
        self.arrays = []   # (ndarray, description)
        self.memo = {}     # id(tensor or ndarray) -> index in arrays
        self.active = set()  # ids of containers being encoded (cycle check)

    def array(self, obj, kind, where):
        if id(obj) in self.memo:
            return self.memo[id(obj)]
        if kind == "tensor":
            arr = obj.detach().numpy()
            from .nn.parameter import Parameter
            desc = {"kind": "tensor", "dtype": _DTYPE_NAMES[obj.dtype], "shape": list(obj.shape),
                    "requires_grad": bool(obj.requires_grad), "parameter": isinstance(obj, Parameter)}
        else:
            if obj.dtype.name not in _NP_DTYPES:
                raise TypeError(f"minidl.save: the NumPy array at {where} has dtype {obj.dtype}; "
                                f"only {', '.join(_NP_DTYPES)} are stored")
            arr = obj
            desc = {"kind": "ndarray", "dtype": obj.dtype.name, "shape": list(obj.shape)}
        self.memo[id(obj)] = len(self.arrays)
        self.arrays.append((arr, desc))
        return self.memo[id(obj)]

    def node(self, obj, where):
        if isinstance(obj, Tensor):
            return {"tensor": self.array(obj, "tensor", where)}
        if isinstance(obj, np.ndarray):
            return {"ndarray": self.array(obj, "ndarray", where)}
        if obj is None:
            return {"none": None}
        if isinstance(obj, (bool, np.bool_)):
            return {"bool": bool(obj)}
        if isinstance(obj, (int, np.integer)):
            return {"int": int(obj)}
        if isinstance(obj, (float, np.floating)):
            return {"float": repr(float(obj))}
        if isinstance(obj, str):
            return {"str": obj}
        if isinstance(obj, _C.dtype):
            return {"dtype": _DTYPE_NAMES[obj]}
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self.active:
                raise ValueError(f"minidl.save: the object contains a reference cycle at {where}")
            self.active.add(id(obj))
            try:
                if isinstance(obj, dict):
                    items = []
                    for k, v in obj.items():
                        if not (k is None or isinstance(k, (str, int, float, bool))):
                            raise TypeError(f"minidl.save: dict keys must be str, int, float, bool or None; "
                                            f"got {type(k).__name__} at {where}")
                        items.append([self.node(k, where), self.node(v, f"{where}[{k!r}]")])
                    return {"dict": items, "ordered": isinstance(obj, OrderedDict)}
                kind = "list" if isinstance(obj, list) else "tuple"
                return {kind: [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
            finally:
                self.active.discard(id(obj))
        raise TypeError(f"minidl.save cannot store a {type(obj).__name__} (at {where}); "
                        f"it stores {_SUPPORTED}. To save a model, save its state_dict().")


def save(obj, f):
    """Save ``obj`` (a tensor, a state dict, or dicts/lists/tuples of tensors, NumPy arrays and
    plain Python values) to the path or binary file object ``f``. See the module doc for the format.

    Writing to a path goes through a temporary file, so a failed save never leaves half a file.
    """
    enc = _Encoder()
    root = enc.node(obj, "obj")
    manifest = {"format": FORMAT, "version": VERSION, "arrays": [d for _, d in enc.arrays], "root": root}
    data = json.dumps(manifest, ensure_ascii=False, allow_nan=False).encode("utf-8")

    def write(target):
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(MANIFEST, data)
            for i, (arr, _) in enumerate(enc.arrays):
                with zf.open(f"arrays/{i}.npy", "w", force_zip64=True) as fh:
                    np.lib.format.write_array(fh, arr, allow_pickle=False)

    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fspath(f)
        tmp = path + (b".tmp" if isinstance(path, bytes) else ".tmp")
        try:
            write(tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    else:
        write(f)


def _check_npy_size(raw, member):
    """Refuse a .npy whose header promises more data than the member holds, before NumPy
    allocates room for it (a damaged header could ask for terabytes)."""
    f = io.BytesIO(raw)
    version = np.lib.format.read_magic(f)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read_header is None:
        raise ValueError(f"unsupported .npy version {version}")
    shape, _, dtype = read_header(f)
    if not all(isinstance(s, int) and s >= 0 for s in shape):
        raise ValueError(f"bad shape {shape} in the .npy header")
    need = dtype.itemsize
    for s in shape:
        need *= s
    if need > len(raw) - f.tell():
        raise ValueError(f"the .npy header says {dtype} {shape} ({need} bytes), but {member} holds "
                         f"{len(raw) - f.tell()} bytes of data")


class _Decoder:
    def __init__(self, zf, descs, name):
        self.zf = zf
        self.names = set(zf.namelist())
        self.descs = descs
        self.name = name
        self.loaded = {}

    def fail(self, msg):
        raise ValueError(f"{self.name}: {msg}")

    def array(self, i, kind):
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(self.descs):
            self.fail(f"corrupted manifest: array reference {i!r} out of range")
        if i in self.loaded:
            return self.loaded[i]
        desc = self.descs[i]
        if not isinstance(desc, dict) or desc.get("kind") != kind or desc.get("dtype") not in _NP_DTYPES:
            self.fail(f"corrupted manifest: bad description of array {i}: {desc!r}")
        member = f"arrays/{i}.npy"
        if member not in self.names:
            self.fail(f"array {member} is missing from the archive")
        try:
            raw = self.zf.read(member)  # checks the CRC
            _check_npy_size(raw, member)
            arr = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
        except Exception as e:  # noqa: BLE001  (zip, npy and pickle refusals all mean a bad file)
            raise ValueError(f"{self.name}: array {member} is corrupted or truncated "
                             f"({type(e).__name__}: {e})") from None
        if arr.dtype != np.dtype(_NP_DTYPES[desc["dtype"]]) or list(arr.shape) != desc.get("shape"):
            self.fail(f"array {member} holds {arr.dtype} {arr.shape}, but the manifest says "
                      f"{desc['dtype']} {tuple(desc.get('shape') or ())}")
        if kind == "ndarray":
            out = np.array(arr, copy=True)  # writable, owns its memory
        else:
            out = _C.from_numpy(np.array(arr, copy=True, order="C"))  # .npy keeps Fortran order
            if desc.get("parameter"):
                from .nn.parameter import Parameter
                out = Parameter(out, requires_grad=bool(desc.get("requires_grad")))
            elif desc.get("requires_grad"):
                out.requires_grad_(True)
        self.loaded[i] = out
        return out

    def node(self, n):
        if not isinstance(n, dict) or len(n) not in (1, 2):
            self.fail(f"corrupted manifest: bad node {str(n)[:80]}")
        key = next(iter(n)) if len(n) == 1 else ("dict" if "dict" in n else None)
        v = n.get(key)
        if key in ("tensor", "ndarray"):
            return self.array(v, key)
        if key == "none" and v is None:
            return None
        if key == "bool" and isinstance(v, bool):
            return v
        if key == "int" and isinstance(v, int) and not isinstance(v, bool):
            return v
        if key == "float" and isinstance(v, str):
            try:
                return float(v)
            except ValueError:
                pass
        if key == "str" and isinstance(v, str):
            return v
        if key == "dtype" and v in _DTYPES:
            return _DTYPES[v]
        if key in ("list", "tuple") and isinstance(v, list):
            items = [self.node(x) for x in v]
            return items if key == "list" else tuple(items)
        if key == "dict" and isinstance(v, list):
            out = OrderedDict() if n.get("ordered") else {}
            for pair in v:
                if not isinstance(pair, list) or len(pair) != 2:
                    self.fail("corrupted manifest: a dict item is not a [key, value] pair")
                key = self.node(pair[0])
                try:
                    hash(key)
                except TypeError:
                    self.fail(f"corrupted manifest: a dict key is a {type(key).__name__}")
                out[key] = self.node(pair[1])
            return out
        self.fail(f"corrupted manifest: bad node {str(n)[:80]}")


def load(f, map_location=None, weights_only=True):
    """Load what ``minidl.save`` wrote to the path or binary file object ``f``.

    Tensors come back with their dtype, shape, values (bit for bit) and ``requires_grad``;
    ``nn.Parameter``s as Parameters; dicts keep their order (OrderedDicts stay OrderedDicts).
    ``map_location`` and ``weights_only`` are accepted for PyTorch compatibility: minidl runs on
    the CPU and never loads code. A file that is not a minidl file, or is truncated or corrupted,
    raises ``ValueError`` saying so.
    """
    if map_location is not None and not callable(map_location) and not str(map_location).startswith("cpu"):
        raise ValueError(f"minidl runs on the CPU only; got map_location={map_location!r}")
    if isinstance(f, (str, bytes, os.PathLike)):
        with open(f, "rb") as fh:  # a missing file is FileNotFoundError, not a bad file
            return _load(fh, os.fspath(f))
    return _load(f, getattr(f, "name", "<file object>"))


def _load(f, name):
    try:
        zf = zipfile.ZipFile(f)
    except Exception as e:  # noqa: BLE001  (BadZipFile, but a damaged header can raise almost anything)
        raise ValueError(f"{name}: not a minidl file (minidl files are ZIP archives written by minidl.save); "
                         f"it may be truncated or corrupted ({type(e).__name__}: {e})") from None
    with zf:
        names = zf.namelist()
        if MANIFEST not in names:
            if any(n.endswith("data.pkl") for n in names):
                raise ValueError(f"{name}: this looks like a PyTorch file (torch.save, pickled); minidl "
                                 "does not unpickle. Load it with torch.load and pass "
                                 "{k: v.numpy() for k, v in sd.items()} to load_state_dict")
            raise ValueError(f"{name}: not a minidl file (no {MANIFEST} manifest in the archive)")
        try:
            manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
        except Exception as e:  # noqa: BLE001
            raise ValueError(f"{name}: corrupted manifest {MANIFEST} ({type(e).__name__}: {e})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError(f"{name}: not a minidl file (manifest format is not {FORMAT!r})")
        version = manifest.get("version")
        if not isinstance(version, int) or version > VERSION or version < 1:
            raise ValueError(f"{name}: minidl file format version {version!r} is not supported "
                             f"(this minidl reads version {VERSION}; a newer minidl may have written it)")
        descs = manifest.get("arrays")
        if not isinstance(descs, list) or "root" not in manifest:
            raise ValueError(f"{name}: corrupted manifest (no 'arrays' list or 'root')")
        try:
            return _Decoder(zf, descs, name).node(manifest["root"])
        except RecursionError:
            raise ValueError(f"{name}: corrupted manifest (nested too deeply)") from None
        except (TypeError, KeyError, AttributeError) as e:  # a manifest of the wrong shape
            raise ValueError(f"{name}: corrupted manifest ({type(e).__name__}: {e})") from None
