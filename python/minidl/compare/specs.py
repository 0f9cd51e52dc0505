"""Optimizer specs (``sgd``, ``momentum``, ``adam:lr=0.003,betas=0.9/0.99``) and the named optimizers.

A spec is a registered name, optionally followed by ``:`` and comma-separated ``key=value``
overrides of that optimizer's keyword arguments (PyTorch's names, and minidl's ``momentum_init``
and ``eps_inside_sqrt``). Values are numbers, booleans (``true``/``false``), one of an option's
words (``momentum_init=zeros``) or, for ``betas``, two numbers joined by ``/``.

The names give the course notes' forms with learning rates that suit the default comparison
(a 64-64-10 MLP on the standardised digits, batch 32):

- ``momentum`` is the notes' moving average ``v = a v + (1-a) g; w -= lr v`` from ``v_0 = 0``:
  ``SGD(momentum=a, dampening=a, momentum_init='zeros')`` (without ``momentum_init='zeros'``,
  PyTorch's way, the average starts at the first gradient, ``v_1 = g_1``); ``heavyball`` is
  PyTorch's own ``v = a v + g`` (``SGD(momentum=a)``, note 001), whose steps are 1/(1-a) times
  larger.
- ``adagrad``, ``rmsprop``, ``adam`` are the notes' AdaGrad, RMSProp and Adam with PyTorch's
  defaults except the learning rate.
"""
from dataclasses import dataclass, field

__all__ = ["OptimizerSpec", "OPTIMIZERS", "DEFAULT_OPTIMIZERS", "parse_spec", "parse_specs",
           "unknown_name_message"]


@dataclass(frozen=True)
class _Named:
    cls: str          # class name in minidl.optim
    kwargs: dict      # the keyword arguments this name stands for
    about: str        # one line for --list / help


# name -> what it builds. Learning rates: swept on the default comparison (digits, 64-64-10,
# 20 epochs of batch 32, seeds 0-2); each of these reaches about 98% validation accuracy.
# Adam, AdamW, NAdam and Adadelta keep PyTorch's defaults; RMSprop takes 1e-3 (Keras's default)
# rather than PyTorch's 1e-2. momentum's moving average keeps SGD's step size, so it shares
# SGD's lr, and heavyball's sum of gradients makes steps 1/(1-0.9) = 10 times larger, so it
# takes a tenth of it: the three then differ only in how they use past gradients.
OPTIMIZERS = {
    "sgd": _Named("SGD", {"lr": 0.1}, "plain SGD: w -= lr g"),
    "momentum": _Named("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.9, "momentum_init": "zeros"},
                       "notes' momentum, a moving average: v = a v + (1-a) g; w -= lr v"),
    "heavyball": _Named("SGD", {"lr": 0.01, "momentum": 0.9},
                        "PyTorch's momentum (note 001): v = a v + g; w -= lr v"),
    "nesterov": _Named("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True},
                       "heavy-ball momentum with Nesterov's look-ahead"),
    "adagrad": _Named("Adagrad", {"lr": 0.03}, "AdaGrad: r += g^2; w -= lr g / (sqrt(r) + eps)"),
    "rmsprop": _Named("RMSprop", {"lr": 0.001},
                      "RMSProp: r = b r + (1-b) g^2; w -= lr g / (sqrt(r) + eps)"),
    "adadelta": _Named("Adadelta", {"lr": 1.0}, "Adadelta (step sizes from past updates)"),
    "adam": _Named("Adam", {"lr": 0.001}, "Adam: moving averages of g and g^2, bias-corrected"),
    "adamw": _Named("AdamW", {"lr": 0.001, "weight_decay": 0.01}, "Adam with decoupled weight decay"),
    "nadam": _Named("NAdam", {"lr": 0.002}, "Adam with Nesterov momentum"),
}

DEFAULT_OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam")

# The keyword arguments of each class (PyTorch's signatures) and how to read their values.
# A tuple of words is an option that takes one of them.
_FLOAT, _BOOL, _PAIR = "a number", "true or false", "two numbers joined by '/', e.g. 0.9/0.999"
_COMMON = {"lr": _FLOAT, "weight_decay": _FLOAT, "maximize": _BOOL}
_ADAM = {"betas": _PAIR, "eps": _FLOAT, "amsgrad": _BOOL, "eps_inside_sqrt": _BOOL}
_KEYS = {
    "SGD": {**_COMMON, "momentum": _FLOAT, "dampening": _FLOAT, "nesterov": _BOOL,
            "momentum_init": ("grad", "zeros")},
    "Adagrad": {**_COMMON, "lr_decay": _FLOAT, "initial_accumulator_value": _FLOAT, "eps": _FLOAT,
                "eps_inside_sqrt": _BOOL},
    "RMSprop": {**_COMMON, "alpha": _FLOAT, "eps": _FLOAT, "momentum": _FLOAT, "centered": _BOOL},
    "Adadelta": {**_COMMON, "rho": _FLOAT, "eps": _FLOAT},
    "Adam": {**_COMMON, **_ADAM},
    "AdamW": {**_COMMON, **_ADAM},
    "NAdam": {**_COMMON, "betas": _PAIR, "eps": _FLOAT, "momentum_decay": _FLOAT, "eps_inside_sqrt": _BOOL},
}
_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


@dataclass(frozen=True)
class OptimizerSpec:
    """A parsed spec: ``name``, the class it builds, and every keyword argument it passes."""
    name: str
    cls: str
    kwargs: dict
    overrides: dict = field(default_factory=dict)  # what the spec changed from the name's defaults
    label: str = ""

    def build(self, params):
        """The optimizer over ``params``: ``minidl.optim.<cls>(params, **kwargs)``."""
        from .. import optim
        cls = getattr(optim, self.cls, None)
        if cls is None:
            raise RuntimeError(f"minidl.optim has no {self.cls} (needed by optimizer '{self.label}')")
        try:
            return cls(params, **self.kwargs)
        except (TypeError, ValueError) as e:
            raise ValueError(f"optimizer '{self.label}': {self.cls}({_format_kwargs(self.kwargs)}) "
                             f"failed: {e}") from e

    def describe(self):
        """``SGD(lr=0.05, momentum=0.9, dampening=0.9)``."""
        return f"{self.cls}({_format_kwargs(self.kwargs)})"

    def with_lr(self, lr):
        """The same spec with learning rate ``lr`` (labelled as an override)."""
        overrides = {**self.overrides, "lr": _check_value(self.label, "lr", lr, _FLOAT)}
        return OptimizerSpec(self.name, self.cls, {**self.kwargs, "lr": overrides["lr"]}, overrides,
                             _label(self.name, overrides))


def unknown_name_message(kind, name, valid):
    """``unknown optimizer 'foo'; valid names: sgd, momentum, ...`` (shared by the CLI and the API)."""
    return f"unknown {kind} {name!r}; valid names: {', '.join(valid)}"


def _format_value(v):
    if isinstance(v, tuple):
        return "/".join(_format_value(x) for x in v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def _format_kwargs(kwargs):
    return ", ".join(f"{k}={_format_value(v)}" for k, v in kwargs.items())


def _label(name, overrides):
    if not overrides:
        return name
    return f"{name}({','.join(f'{k}={_format_value(v)}' for k, v in overrides.items())})"


def _check_value(spec, key, value, kind):
    """``value`` (a string from a spec, or a Python value) converted to ``kind``."""
    where = f"optimizer spec {spec!r}: {key}"
    if isinstance(kind, tuple):
        word = value.strip().lower() if isinstance(value, str) else value
        if word not in kind:
            raise ValueError(f"{where} must be one of {', '.join(kind)}, got {value!r}")
        return word
    if kind == _BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"{where} must be {kind}, got {value!r}")
    if kind == _PAIR:
        parts = value.split("/") if isinstance(value, str) else list(value) if isinstance(
            value, (tuple, list)) else [value]
        if len(parts) != 2:
            raise ValueError(f"{where} must be {kind}, got {value!r}")
        return tuple(_check_value(spec, key, p, _FLOAT) for p in parts)
    if isinstance(value, bool):
        raise ValueError(f"{where} must be {kind}, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where} must be {kind}, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{where} must be a finite number, got {value!r}")
    return number


def parse_spec(text):
    """``'adam:lr=0.003,betas=0.9/0.99'`` -> OptimizerSpec.

    Unknown names raise ValueError listing the valid ones; unknown keys list the keys the
    optimizer takes; values that do not parse name the key and the value.
    """
    if isinstance(text, OptimizerSpec):
        return text
    if not isinstance(text, str):
        raise TypeError(f"an optimizer spec is a string such as 'adam:lr=0.003', got {type(text).__name__}")
    name, _, rest = text.strip().partition(":")
    name = name.strip().lower()
    if name not in OPTIMIZERS:
        raise ValueError(unknown_name_message("optimizer", name or text, list(OPTIMIZERS)))
    named = OPTIMIZERS[name]
    keys = _KEYS[named.cls]
    if ":" in text and not rest.strip():
        raise ValueError(f"optimizer spec {text!r}: nothing after ':' (expected key=value,...)")
    overrides = {}
    for item in rest.split(",") if rest.strip() else ():
        key, eq, value = (part.strip() for part in item.partition("="))
        if not eq or not key or not value:
            raise ValueError(f"optimizer spec {text!r}: expected key=value, got {item.strip()!r}")
        if key not in keys:
            raise ValueError(f"optimizer spec {text!r}: {named.cls} has no option {key!r}; "
                             f"its options: {', '.join(keys)}")
        if key in overrides:
            raise ValueError(f"optimizer spec {text!r}: {key} given twice")
        overrides[key] = _check_value(text, key, value, keys[key])
    return OptimizerSpec(name, named.cls, {**named.kwargs, **overrides}, overrides, _label(name, overrides))


def parse_specs(specs, lr=None):
    """A list of specs (strings or OptimizerSpec) with unique labels, ``lr`` overrides applied.

    ``lr`` is None, one number for every optimizer, or a dict ``{name or label: lr}``. A
    spec that sets its own ``lr`` (``'adam:lr=0.01'``) keeps it unless ``lr`` names its full label.
    Repeated labels get ``#2``, ``#3``... so that every run has its own row and curve.
    """
    if isinstance(specs, (str, OptimizerSpec)):
        specs = [specs]
    parsed = [parse_spec(s) for s in specs]
    if not parsed:
        raise ValueError("no optimizers to compare (give at least one spec, e.g. 'sgd')")
    if lr is not None:
        if isinstance(lr, dict):
            known = {s.name for s in parsed} | {s.label for s in parsed}
            stray = [k for k in lr if k not in known]
            if stray:
                raise ValueError(f"lr given for {', '.join(map(repr, stray))}, which is not among the "
                                 f"optimizers compared: {', '.join(s.label for s in parsed)}")
            parsed = [s.with_lr(lr[s.label]) if s.label in lr
                      else s.with_lr(lr[s.name]) if s.name in lr and "lr" not in s.overrides
                      else s for s in parsed]
        else:
            parsed = [s if "lr" in s.overrides else s.with_lr(lr) for s in parsed]
    seen, out = {}, []
    for s in parsed:
        seen[s.label] = seen.get(s.label, 0) + 1
        label = s.label if seen[s.label] == 1 else f"{s.label} #{seen[s.label]}"
        out.append(OptimizerSpec(s.name, s.cls, s.kwargs, s.overrides, label))
    return out
