"""optim.Optimizer: the base class of every optimizer, as PyTorch's torch.optim.Optimizer.

An optimizer holds **parameter groups** and per-parameter **state**:

- ``param_groups``: a list of dicts, each with its ``'params'`` (a list of tensors) and its own
  options (``'lr'``, ``'momentum'``, ...). Options missing from a group take the optimizer's
  ``defaults``. Schedulers change ``group['lr']`` between steps.
- ``state``: a dict from parameter to a dict of what its update rule remembers between steps
  (the momentum buffer ``v``, Adam's moments ``m`` and ``v``, the step count ``t``...).

Subclasses implement ``step()``. The update arithmetic itself runs in C++ (``minidl._C._optim``),
one fused loop over each parameter's elements: no per-element Python.

Why ``step`` caches (see ``_fused_groups``): gathering a group's parameters, gradients and
state into lists took longer in Python than the fused C++ update of a small network itself.
Once every parameter of a group has its state, the lists do not change from step to step (the
update writes into the same tensors), so they are kept; only the gradients are read again.
``state[p]`` dicts count their own changes (``_ParamState``), so a state tensor the user
replaces is still the one the next step uses, as in PyTorch.
"""
import copy
import inspect
from collections import defaultdict
from operator import is_

from .. import _C
from .._C import Tensor
from .._grad_mode import enable_grad

__all__ = ["Optimizer", "required"]


class _RequiredOption:
    """Marks an option without a default (SGD's ``lr``): a group that lacks it is an error."""

    def __repr__(self):
        return "<required option>"


required = _RequiredOption()

# Bumped by every change to an optimizer's ``state`` or to one of its ``state[p]`` dicts (in any
# optimizer): a cached group (``_GroupCache``) is used only while this has not moved since it was made.
_state_changes = 0


def _state_changed():
    global _state_changes
    _state_changes += 1


class _ParamState(dict):
    """``optimizer.state[p]``: a plain dict, except that every change bumps ``_state_changes``.

    That is how ``step`` notices, at the cost of one comparison, that the user replaced a state
    tensor (``opt.state[p]['exp_avg'] = t``) or deleted one. (A change made by calling ``dict``'s
    methods on it directly, ``dict.__setitem__(s, k, v)``, goes unnoticed.)
    """

    __slots__ = ()

    def __init__(self, *args, **kwargs):
        _state_changed()
        dict.__init__(self, *args, **kwargs)

    def __setitem__(self, key, value):
        _state_changed()
        dict.__setitem__(self, key, value)

    def __delitem__(self, key):
        _state_changed()
        dict.__delitem__(self, key)

    def __ior__(self, other):
        _state_changed()
        return dict.__ior__(self, other)

    def clear(self):
        _state_changed()
        dict.clear(self)

    def pop(self, *args):
        _state_changed()
        return dict.pop(self, *args)

    def popitem(self):
        _state_changed()
        return dict.popitem(self)

    def setdefault(self, key, default=None):
        _state_changed()
        return dict.setdefault(self, key, default)

    def update(self, *args, **kwargs):
        _state_changed()
        dict.update(self, *args, **kwargs)


class _OptimizerState(defaultdict):
    """``optimizer.state``: a ``defaultdict(dict)`` whose missing entries are ``_ParamState``
    dicts and whose changes (a parameter's dict replaced or deleted) bump ``_state_changes``.
    It prints as the ``defaultdict(<class 'dict'>, ...)`` it stands for."""

    __slots__ = ()

    def __init__(self, default_factory=dict, *args, **kwargs):
        _state_changed()
        super().__init__(default_factory, *args, **kwargs)

    def __missing__(self, param):
        state = self[param] = _ParamState()
        return state

    def __repr__(self):
        return f"defaultdict({self.default_factory!r}, {dict.__repr__(self)})"

    __setitem__ = _ParamState.__setitem__
    __delitem__ = _ParamState.__delitem__
    __ior__ = _ParamState.__ior__
    clear = _ParamState.clear
    pop = _ParamState.pop
    popitem = _ParamState.popitem
    setdefault = _ParamState.setdefault
    update = _ParamState.update


class _GroupCache:
    """What one fused update of a group needs, kept from the step that made it (``_fused_groups``).

    Valid while: ``group['params']`` is the same list holding the same tensors, ``opt.state`` is
    the same mapping, no state dict has changed anywhere (``_state_changes``), and the same
    parameters have gradients. ``params`` are those (all of the group's, or those in ``mask``:
    frozen layers left in the optimizer have none). ``lists`` holds, for each state key, each
    of those parameters' entry; a key none of them has yet (Adam's ``max_exp_avg_sq`` without
    amsgrad) is a list of None, in ``sparse``, checked after each update.
    """

    __slots__ = ("group", "params_list", "params_all", "params", "n", "mask", "state", "states", "lists",
                 "sparse", "changes")

    def __init__(self, group, params, state, states, lists, sparse):
        self.group = group
        self.params_list = group["params"]
        self.params_all = tuple(self.params_list)
        self.params = tuple(params)
        self.n = len(params)
        stepped = {id(p) for p in params}
        self.mask = None if self.n == len(self.params_all) else [id(p) in stepped for p in self.params_all]
        self.state = state
        self.states = states
        self.lists = lists
        self.sparse = sparse
        self.changes = _state_changes


class Optimizer:
    """Base class of the optimizers: ``params`` is an iterable of tensors, or of dicts (groups).

    >>> opt = optim.SGD([{'params': net.fc1.parameters()},
    ...                  {'params': net.fc2.parameters(), 'lr': 1e-3}], lr=1e-2, momentum=0.9)

    Each training step is ``opt.zero_grad(); loss.backward(); opt.step()``.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = _OptimizerState(dict)
        self.param_groups = []
        self._fused_cache = {}  # id(group) -> _GroupCache
        if isinstance(params, Tensor):
            raise TypeError("params should be an iterable of Tensors or dicts, got a single Tensor "
                            "(wrap it in a list: [w])")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # -- groups ---------------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. a new layer being unfrozen).

        The group is checked completely before it is added: on error nothing changes.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"a param group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("a param group needs a 'params' entry (a list of tensors)")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters must be an ordered collection (a list or tuple); "
                            "a set's order varies between runs")
        else:
            params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but params[{i}] is a "
                                f"{type(p).__name__}")
            if not p.is_floating_point():
                raise ValueError(f"optimizer can only optimize floating-point tensors (float32, float64), "
                                 f"but params[{i}] has dtype {p.dtype}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Tensor (params[{i}] has grad_fn="
                                 f"{p.grad_fn.name()}); "
                                 "optimize the leaf it was computed from, or .detach() it")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a param group contains the same parameter twice")
        group["params"] = params

        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required option '{name}'")
            group.setdefault(name, default)
        self._check_group(group)

        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)
        self._fused_cache.clear()

    def _check_group(self, group):
        """Subclasses raise ValueError here for invalid options (negative lr, betas outside [0, 1))."""

    # -- the step -------------------------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Forget the gradients of the last backward (``backward`` adds into ``.grad``).

        ``set_to_none=True`` (PyTorch's default) drops them: the next backward writes fresh
        tensors, and ``step`` skips parameters whose ``grad`` is None. ``False`` zeroes them in place.
        """
        if set_to_none:
            # Assigning None to a grad that is already None does nothing, and is cheaper than
            # reading .grad first to check (each read makes a new Python tensor object).
            for group in self.param_groups:
                for p in group["params"]:
                    p.grad = None
            return
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if g.grad_fn is not None:
                    g = g.detach()
                    p.grad = g
                g.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient. ``closure``: re-evaluates the loss
        (runs forward and backward) and returns it; needed by methods that look at the loss."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # The state keys of the fused update, in the order of the C++ call's lists (each subclass).
    _state_keys = ()

    def _fused_groups(self):
        """Yield ``(group, params, grads, lists)`` for each group with gradients, for the
        subclass's ``step`` to make one fused C++ update of; after the update (when the loop asks
        for the next group), keep the state it created.

        ``lists`` has one list per ``_state_keys`` key, each with an entry per parameter (None
        where the state does not exist yet: the update creates it and writes it into the list).

        The first steps gather everything from ``param_groups`` and ``state`` (``_gather``).
        Once a step finds every parameter of a group with a gradient and leaves its state
        complete, the lists are kept (``_GroupCache``), and later steps only read the gradients:
        see ``_GroupCache`` for when it is used.
        """
        keys = self._state_keys
        caches = self._fused_cache
        for group in self.param_groups:
            c = caches.get(id(group))  # (c holds its group: no other group can have that id)
            if (c is not None and c.changes == _state_changes
                    and c.state is self.state and group["params"] is c.params_list
                    and len(c.params_list) == len(c.params_all)
                    and False not in map(is_, c.params_list, c.params_all)):
                if c.mask is None:  # every parameter had a gradient: they all must again
                    grads = _C._optim.grads_if_all(c.params)
                    same = grads is not None
                else:  # the same parameters must have one (the others still None)
                    grads = [p.grad for p in c.params_all]
                    same = [g is not None for g in grads] == c.mask
                    grads = [g for g in grads if g is not None]
                if same:
                    yield group, c.params, grads, c.lists
                    for entries in c.sparse:
                        # (count compares by identity first, so a list of None costs nothing; a
                        # tensor the update wrote in compares unequal to None, as any object does)
                        if entries.count(None) != c.n:  # the update created state: an option changed
                            self._store(c.states, keys, c.lists)
                            del caches[id(group)]
                            break
                    continue
            if c is not None:  # stale: let go of the tensors it holds (state the user dropped)
                del caches[id(group)]
            params, grads, states, lists = self._gather(group, keys)
            if not params:
                continue
            yield group, params, grads, lists
            self._store(states, keys, lists)
            self._remember(group, params, states, keys)

    def _remember(self, group, params, states, keys):
        """Cache ``group``'s lists if its state can be watched for changes and is complete."""
        caches = self._fused_cache
        if len(caches) > len(self.param_groups):  # groups dropped from param_groups by hand
            caches.clear()
        if type(self.state) is not _OptimizerState or any(type(s) is not _ParamState for s in states):
            return  # a plain dict put in by hand: its changes would go unnoticed
        # read back from the dicts, so the cache holds exactly what they hold
        lists = [[s.get(k) for s in states] for k in keys]
        sparse = []
        for entries in lists:
            missing = sum(v is None for v in entries)
            if missing == len(entries):
                sparse.append(entries)
            elif missing:
                return  # some parameters have this state and others not: gather each step
        caches[id(group)] = _GroupCache(group, params, self.state, states, lists, tuple(sparse))

    def _gather(self, group, keys):
        """What one fused C++ update of ``group`` needs: the parameters that have a gradient,
        their gradients, their state dicts, and for each state key the list of its entries
        (None where the state does not exist yet; the update creates it)."""
        params, grads = [], []
        for p in group["params"]:
            g = p.grad
            if g is not None:
                params.append(p)
                grads.append(g)
        states = [self.state[p] for p in params]
        return params, grads, states, [[s.get(k) for s in states] for k in keys]

    @staticmethod
    def _store(states, keys, lists):
        """Keep the state an update created (it filled the None entries of ``lists``)."""
        for key, entries in zip(keys, lists):
            for s, v in zip(states, entries):
                if v is not None and key not in s:
                    s[key] = v

    @staticmethod
    def _run_closure(closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- saving ---------------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state as a dict: ``{'state': {index: {...}}, 'param_groups': [...]}``.

        Parameters are named by their position across all groups (0, 1, ...), so the dict can be
        loaded into a new optimizer built over a new copy of the same model. The state's tensors
        are the optimizer's own (not copies), as in PyTorch; ``minidl.save`` copies them to disk.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Continue from a saved ``state_dict``: the groups' options and each parameter's state.

        The saved groups must match this optimizer's in number and size; everything is checked
        before anything is changed, so a failed load leaves the optimizer as it was.
        """
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict or "state" not in state_dict:
            raise ValueError("an optimizer state_dict is a dict with 'state' and 'param_groups' entries")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        for i, (mine, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(mine["params"]) != len(saved["params"]):
                raise ValueError(f"parameter group {i} has {len(mine['params'])} parameters here but "
                                 f"{len(saved['params'])} in the loaded state dict")
        by_index = {}
        for mine, saved in zip(self.param_groups, saved_groups):
            for p, i in zip(mine["params"], saved["params"]):
                by_index[i] = p

        new_state = _OptimizerState(dict)
        for i, s in state_dict["state"].items():
            key = int(i)
            if key not in by_index:
                raise ValueError(f"the loaded state dict has state for parameter {key}, which no group lists")
            p = by_index[key]
            new_state[p] = _ParamState({k: self._cast_state(p, k, v) for k, v in s.items()})
        arguments = inspect.signature(type(self).__init__).parameters.values()
        signature_defaults = {a.name: a.default for a in arguments if a.default is not a.empty}
        new_groups = []
        for mine, saved in zip(self.param_groups, saved_groups):
            group = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            group["params"] = mine["params"]
            # an option the saved dict lacks (PyTorch's dicts lack minidl's own; older minidl's
            # lack newer ones) takes the class's default: the saved run did not use it
            for name, default in self.defaults.items():
                if default is not required:
                    group.setdefault(name, signature_defaults.get(name, default))
            new_groups.append(group)
        for group in new_groups:
            self._check_group(group)
        self.state = new_state
        self.param_groups = new_groups
        self._fused_cache.clear()

    @staticmethod
    def _cast_state(param, key, value):
        """A copy of a saved state tensor, on the parameter's dtype (the step count and NAdam's
        ``mu_product``, one-number counters, keep their own, so a loaded run continues bit for bit)."""
        if not isinstance(value, Tensor):
            return copy.deepcopy(value)
        value = value.detach().clone()
        if key not in ("step", "mu_product") and value.dtype != param.dtype and value.is_floating_point():
            value = value.to(param.dtype)
        return value

    def __getstate__(self):
        # copies and pickles leave the step cache behind: it is rebuilt by the next step
        state = dict(self.__dict__)
        state.pop("_fused_cache", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._fused_cache = {}

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
