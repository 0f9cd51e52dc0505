"""minidl.summary: a table of a model's layers, their output shapes and parameter counts.

>>> net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
>>> minidl.summary(net, (1, 784))
===========================================
Layer (type)    Output Shape    Param #
===========================================
Sequential      [1, 10]         --
0 (Linear)      [1, 128]        100,480
1 (ReLU)        [1, 128]        0
2 (Linear)      [1, 10]         1,290
===========================================
Total params: 101,770
Trainable params: 101,770
Non-trainable params: 0
Params size (MB): 0.39
===========================================

"--": a container's parameters are counted in the rows of its children.
Each Linear(n_in, n_out) holds ``n_in * n_out`` weights and ``n_out`` biases:
784*128 + 128 = 100,480 and 128*10 + 10 = 1,290.
"""
from . import _C
from ._C import Tensor
from ._grad_mode import no_grad

__all__ = ["summary", "ModelSummary"]


def _shape_str(out):
    if isinstance(out, Tensor):
        return str(list(out.shape))
    if isinstance(out, (list, tuple)):
        return "[" + ", ".join(_shape_str(o) for o in out) + "]"
    return "--"


class ModelSummary:
    """What ``summary`` returns: ``rows`` of ``(name, type, output shape, #params)`` (``None`` where
    a container's parameters are counted in its children, or a module ran again), and the totals.
    ``str(s)`` is the table."""

    def __init__(self, rows, total, trainable, param_bytes):
        self.rows = rows
        self.total_params = total
        self.trainable_params = trainable
        self.non_trainable_params = total - trainable
        self.param_bytes = param_bytes

    def __str__(self):
        header = ("Layer (type)", "Output Shape", "Param #")
        cells = [(f"{name} ({kind})" if name else kind, shape, "--" if n is None else f"{n:,}")
                 for name, kind, shape, n in self.rows]
        widths = [max(len(r[i]) for r in [header] + cells) + 4 for i in range(3)]
        line = "=" * sum(widths)

        def fmt(r):
            return (r[0].ljust(widths[0]) + r[1].ljust(widths[1]) + r[2]).rstrip()

        out = [line, fmt(header), line] + [fmt(c) for c in cells] + [
            line,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            f"Params size (MB): {self.param_bytes / 1024 ** 2:.2f}",
            line,
        ]
        return "\n".join(out)

    def __repr__(self):
        return (f"ModelSummary(total_params={self.total_params}, trainable_params={self.trainable_params}, "
                f"layers={len(self.rows)})")


def _make_inputs(input_size, dtypes):
    if isinstance(input_size, (list, tuple)) and input_size and all(isinstance(s, int) for s in input_size):
        sizes = [tuple(input_size)]
    elif isinstance(input_size, (list, tuple)) and input_size and \
            all(isinstance(s, (list, tuple)) and all(isinstance(d, int) for d in s) for s in input_size):
        sizes = [tuple(s) for s in input_size]
    else:
        raise TypeError(f"summary: input_size must be a tuple of ints (one input, batch dim included, e.g. "
                        f"(1, 784)) or a list of such tuples; got {input_size!r}")
    if dtypes is None or isinstance(dtypes, _C.dtype):
        dtypes = [dtypes or _C.dtype.float32] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: {len(sizes)} input sizes but {len(dtypes)} dtypes")
    # zeros, not random data: a summary must not advance the generator behind minidl.manual_seed
    return [_C.zeros(s, dtype=d) for s, d in zip(sizes, dtypes)]


def summary(model, input_size=None, *, input_data=None, dtypes=None, verbose=True):
    """Run ``model`` once on zeros of shape ``input_size`` (batch dim included, as torchinfo:
    ``(1, 784)``; a list of shapes for several inputs) or on ``input_data``, and tabulate every
    module that ran, in call order: dotted name, type, output shape, and its own parameter count.

    The model runs in ``eval()`` mode under ``no_grad`` (BatchNorm's running statistics are not
    touched) and every module's mode is restored afterwards. Prints the table unless
    ``verbose=False``; returns a ``ModelSummary`` (``str()`` of it is the table).
    """
    from .nn.utils import count_parameters
    if input_data is not None:
        inputs = list(input_data) if isinstance(input_data, (list, tuple)) else [input_data]
    elif input_size is not None:
        inputs = _make_inputs(input_size, dtypes)
    else:
        raise TypeError("summary: give input_size (e.g. (1, 784)) or input_data")

    names = {}
    for name, m in model.named_modules():
        names.setdefault(id(m), name)
    rows, stack, seen, handles = [], [], set(), []

    def pre_hook(module, args):
        first = id(module) not in seen
        seen.add(id(module))
        own = sum(p.numel() for p in module.parameters(recurse=False))
        has_children = next(module.children(), None) is not None
        n = own if first and (own or not has_children) else None
        stack.append(len(rows))
        rows.append([names.get(id(module), "?"), type(module).__name__, "--", n])

    def hook(module, args, output):
        rows[stack.pop()][2] = _shape_str(output)

    modes = [(m, m.training) for m in model.modules()]
    try:
        for m in model.modules():
            handles.append(m.register_forward_pre_hook(pre_hook))
            handles.append(m.register_forward_hook(hook))
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            m.training = mode

    params = list(model.parameters())
    result = ModelSummary([tuple(r) for r in rows], count_parameters(model), count_parameters(model, True),
                          sum(p.numel() * p.element_size() for p in params))
    if verbose:
        print(result)
    return result
