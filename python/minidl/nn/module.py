"""nn.Module: the base class of every layer and network, as PyTorch's torch.nn.Module.

Design (decided once for minidl): there is ONE Module story and it is this pure-Python class.
Modules only hold state (parameters, buffers, sub-modules) and route calls; every piece of
math runs in C++ (minidl.nn.functional -> minidl._C._nn), so Python costs one call per layer.
Why not a C++ Module base bound with a pybind11 trampoline: attribute registration, hooks and
object lifetimes would be split across two languages for no gain in speed, and a second,
half-finished C++ module tree would drift from this one. C++ programs call the same
minidl::nn kernels directly (cpp/examples/train_mlp.cpp).
A student subclasses it exactly as in PyTorch:

>>> class Net(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.fc1 = nn.Linear(784, 128)   # a sub-module: registered by __setattr__
...         self.fc2 = nn.Linear(128, 10)
...     def forward(self, x):
...         return self.fc2(minidl.relu(self.fc1(x)))
>>> net = Net(); y = net(x)              # __call__ runs hooks around forward
"""
import itertools
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from .. import _C
from .._C import Tensor
from .._grad_mode import no_grad
from .parameter import Parameter

__all__ = ["Module", "RemovableHandle"]


class RemovableHandle:
    """Returned by ``register_forward_hook`` and friends; ``handle.remove()`` unregisters the hook.

    Also a context manager: ``with net.fc1.register_forward_hook(h): net(x)`` removes it on exit.
    """

    _next_id = itertools.count()

    def __init__(self, hooks_dict):
        self._hooks_dict = hooks_dict
        self.id = next(RemovableHandle._next_id)

    def remove(self):
        self._hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: the keys it skipped (only non-empty with strict=False)."""

    missing_keys: list
    unexpected_keys: list

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def _addindent(s, num_spaces):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * num_spaces + line for line in lines[1:])


def _quoted(keys):
    return ", ".join(f'"{k}"' for k in keys)


def _as_tensor_value(value):
    """A state-dict value (Tensor, NumPy array, anything with __array__, Python number) as a Tensor."""
    if isinstance(value, Tensor):
        return value.detach()
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001  (any failure means: not array-like)
        return None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        return None
    if arr.dtype.kind == "f" and arr.dtype.itemsize not in (4, 8):
        arr = arr.astype(np.float32)  # float16 etc.: copy_ casts to the destination's dtype anyway
    elif arr.dtype.kind in "iu" and arr.dtype != np.int64:
        arr = arr.astype(np.int64)
    return _C.from_numpy(np.asarray(arr, order="C"))  # (ascontiguousarray would make 0-d arrays 1-d)


class Module:
    """Base class for all neural network modules; subclass it and write ``forward``.

    Attributes assigned in ``__init__`` are registered by kind: an ``nn.Parameter`` becomes a
    parameter, a ``Module`` a sub-module (child), and ``register_buffer`` adds state that is not
    learned but is saved (BatchNorm's running statistics). ``parameters()``, ``state_dict()``,
    ``train()``/``eval()``, ``zero_grad()`` then walk this tree in registration order.
    """

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments: "
                            f"{args if args else ''}{kwargs if kwargs else ''}")
        # object.__setattr__: our own __setattr__ needs these dicts to exist already
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        """The computation of this module; every subclass writes its own."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" '
                                  "function")

    # ---- calling, with hooks ---------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        if not self._forward_pre_hooks and not self._forward_hooks:  # the common case: one call
            # Calls with one or two positional arguments (a layer's input; a loss's input and
            # target) pass them as they are: forward(*args, **kwargs) takes a slower path through
            # the interpreter, a measurable share of a small layer's time.
            if not kwargs:
                if len(args) == 1:
                    return self.forward(args[0])
                if len(args) == 2:
                    return self.forward(args[0], args[1])
            return self.forward(*args, **kwargs)
        for hook in tuple(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in tuple(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_hook(self, hook, *, prepend=False):
        """Call ``hook(module, input, output)`` after every ``forward``; returns a removable handle.

        ``input`` is the tuple of positional arguments. A hook that returns a value replaces the
        output. Students use it to capture hidden activations:

        >>> acts = {}
        >>> h = net.fc1.register_forward_hook(lambda m, inp, out: acts.__setitem__("fc1", out))
        >>> net(x); h.remove()
        """
        return self._add_hook(self._forward_hooks, hook, prepend)

    def register_forward_pre_hook(self, hook, *, prepend=False):
        """Call ``hook(module, input)`` before every ``forward``; a returned value replaces the input
        (a tuple, or a single value that is wrapped in a tuple)."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend)

    @staticmethod
    def _add_hook(hooks, hook, prepend):
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    # ---- registration -----------------------------------------------------------------------

    def _check_new_name(self, name, kind, dicts):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
        if hasattr(self, name) and not any(name in d for d in dicts):
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add ``param`` (an ``nn.Parameter``, or None for an absent one such as ``bias=False``)."""
        self._check_new_name(name, "parameter", (self._parameters,))
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(minidl.nn.Parameter or None required)")
        if param is not None and param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             "created explicitly: wrap the data with nn.Parameter(t.detach())")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not a parameter (e.g. BatchNorm's ``running_mean``).

        Buffers move with ``to()``/``double()``, and persistent ones are part of ``state_dict()``.
        """
        self._check_new_name(name, "buffer", (self._buffers,))
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(minidl.Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module; ``self.name = module`` does the same."""
        self._check_new_name(name, "module", (self._modules,))
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")

        def remove_from(*dicts):
            for dd in dicts:
                if name in dd:
                    del dd[name]

        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(d, self._buffers, self._modules)
            self._non_persistent_buffers_set.discard(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(minidl.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            remove_from(d, params, self._buffers)
            self._non_persistent_buffers_set.discard(name)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' "
                                "(minidl.nn.Module or None expected)")
            self._modules[name] = value
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(minidl.Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails: parameters, buffers and children live in dicts.
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if key in d and name in d[key]:
                return d[key][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules)
        return sorted(k for k in keys if not k[0].isdigit())

    # ---- walking the tree -------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(name, module)`` for this module (name ``''``) and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self):
        """This module and all its descendants (each once)."""
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """``(name, module)`` for the direct children."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        if recurse:
            mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            mods = [(prefix, self)]
        for mod_prefix, module in mods:
            for name, value in get_members(module):
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``(name, parameter)`` in registration order, sub-modules' names dotted (``fc1.weight``).

        A parameter shared by two modules (tied weights) is listed once, under its first name.
        """
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """The parameters, in registration order (what an optimizer gets: ``SGD(net.parameters())``)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target):
        """The sub-module at a dotted path, e.g. ``net.get_submodule('encoder.0')``."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not isinstance(mod, Module) or item not in mod._modules or mod._modules[item] is None:
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}` (looking up '{target}')")
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target):
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters or mod._parameters[name] is None:
            raise AttributeError(f"{mod._get_name()} has no parameter `{name}` (looking up '{target}')")
        return mod._parameters[name]

    # ---- modes and bulk operations ----------------------------------------------------------

    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and in every
        descendant; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {type(mode).__name__}")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """``train(False)``: Dropout is the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Switch gradient tracking for all parameters (``False`` freezes the module); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the ``.grad`` of every parameter: to None (default, as PyTorch) or to zeros."""
        if set_to_none:
            # (assigning None is cheaper than reading .grad to check: a read makes a new object)
            for p in self.parameters():
                p.grad = None
            return
        for p in self.parameters():
            g = p.grad
            if g is None:
                continue
            if g.grad_fn is not None:
                g.detach_()
            else:
                g.requires_grad_(False)
            with no_grad():
                g.zero_()

    def apply(self, fn):
        """Call ``fn(module)`` on every descendant (children first) and then self; returns self.

        >>> def init_weights(m):
        ...     if isinstance(m, nn.Linear):
        ...         nn.init.xavier_uniform_(m.weight)
        >>> net.apply(init_weights)
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply(self, fn):
        """Apply a tensor -> tensor function to every parameter (keeping the Parameter objects,
        so optimizers holding them stay valid) and buffer."""
        for module in self.children():
            module._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                p.data = fn(p.detach())
                if p.grad is not None:
                    p.grad = fn(p.grad.detach())
            for name, b in self._buffers.items():
                if b is not None:
                    self._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs):
        """``to(dtype)`` converts floating parameters and buffers (in place); ``to('cpu')`` is accepted
        and does nothing, since minidl runs on the CPU only. Returns self."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _C.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            else:
                device = a
        if device is not None and str(device).split(":")[0] != "cpu":
            raise ValueError(f"minidl runs on the CPU only; got device {device!r}")
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError("nn.Module.to only accepts floating point dtypes, "
                            f"but got desired dtype={dtype!r}")
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self):
        return self.to(_C.dtype.float32)

    def double(self):
        return self.to(_C.dtype.float64)

    def cpu(self):
        return self

    # ---- state dict -------------------------------------------------------------------------

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An OrderedDict from names to tensors: parameters and persistent buffers, PyTorch's keys.

        Keys are dotted paths (``'fc1.weight'``, ``'0.bias'``, ``'bn.running_mean'``,
        ``'bn.num_batches_tracked'``). Values are detached tensors that share memory with the
        module (save a copy, e.g. with ``minidl.save``, to keep a snapshot). A NumPy copy
        ``{k: v.numpy() for k, v in sd.items()}`` loads into the same PyTorch model
        (``{k: torch.from_numpy(v)}``), and PyTorch's does into minidl's.
        """
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _state_entries(self):
        """``(key, module, kind, local_name, tensor)`` for every entry ``state_dict`` would hold."""
        entries = []
        for prefix, module in self.named_modules(remove_duplicate=False):
            pre = prefix + "." if prefix else ""
            for name, p in module._parameters.items():
                if p is not None:
                    entries.append((pre + name, module, "parameter", name, p))
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers_set:
                    entries.append((pre + name, module, "buffer", name, b))
        return entries

    def load_state_dict(self, state_dict, strict=True):
        """Copy ``state_dict``'s values into this module's parameters and buffers, in place.

        Everything is checked first: keys missing from ``state_dict``, unexpected keys (both only
        when ``strict``), values of the wrong shape (always) and values that are not arrays. Any
        problem raises ONE RuntimeError listing them all, and the module is left unchanged.
        Values may be minidl tensors, NumPy arrays or anything ``numpy.asarray`` accepts (so a
        NumPy copy of a PyTorch state dict loads); they are cast to each tensor's dtype.
        Returns ``(missing_keys, unexpected_keys)`` as a NamedTuple.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        entries = self._state_entries()
        own_keys = {key for key, *_ in entries}
        missing = [key for key, *_ in entries if key not in state_dict]
        missing = list(dict.fromkeys(missing))
        unexpected = [k for k in state_dict.keys() if k not in own_keys]
        errors = []
        copies = []
        for key, _module, _kind, _name, dest in entries:
            if key not in state_dict:
                continue
            src = _as_tensor_value(state_dict[key])
            if src is None:
                errors.append(f'While copying the parameter named "{key}", expected a tensor or array '
                              f"from the checkpoint, but received {type(state_dict[key]).__name__}")
                continue
            if tuple(src.shape) != tuple(dest.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape {tuple(src.shape)} from "
                              f"checkpoint, the shape in current model is {tuple(dest.shape)}.")
                continue
            if not dest.is_floating_point() and src.is_floating_point():
                errors.append(f"dtype mismatch for {key}: copying floating values into the "
                              f"{dest.dtype!r} tensor of the current model would truncate them.")
                continue
            copies.append((dest, src))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + _quoted(unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + _quoted(missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {self._get_name()}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for dest, src in copies:
                dest.copy_(src)
        return _IncompatibleKeys(missing, unexpected)

    # ---- repr --------------------------------------------------------------------------------

    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The text between the parentheses of this module's repr (its settings); '' by default."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
