"""compare_optimizers: the same model, from the same initial weights, trained on the same data in
the same order by several optimizers."""
import importlib.util
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import data as _data
from .report import format_table, summary_row, write_outputs
from .specs import DEFAULT_OPTIMIZERS, parse_specs

__all__ = ["compare_optimizers", "CompareResult", "build_mlp"]


@dataclass
class CompareResult:
    """What ``compare_optimizers`` returns.

    - ``histories``: ``{label: minidl.train.History}``, in the order the optimizers were given;
    - ``rows``: one dict per optimizer (``optimizer``, ``settings``, ``train_loss``, ``val_loss``,
      ``val_accuracy``, ``best_val_accuracy``, ``epoch_to_target`` (None if never reached),
      ``time_s``...);
    - ``table``: the rows as the text table the CLI prints;
    - ``paths``: ``{'table', 'summary_csv', 'csv', 'json', 'png': Path}`` of the files written
      (empty when ``out=None``);
    - ``config``: the settings of the comparison (dataset, model, epochs, seed...);
    - ``models``: ``{label: the trained model}``; ``data``: the standardised train/validation
      arrays they were trained on (``x_train``, ``y_train``, ``x_val``, ``y_val``).
    """
    histories: dict
    rows: list
    table: str
    paths: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict, repr=False)
    data: object = field(default=None, repr=False)

    def __str__(self):
        return self.table


def build_mlp(n_features, hidden, n_classes):
    """``Linear-ReLU-...-Linear``: ``n_features`` -> each width in ``hidden`` -> ``n_classes``."""
    from .. import nn
    widths = [n_features, *hidden, n_classes]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(fan_in, fan_out))
    return nn.Sequential(*layers)


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return int(value)


def compare_optimizers(optimizers=DEFAULT_OPTIMIZERS, dataset="digits", hidden=(64,), epochs=20,
                       batch_size=32, lr=None, seed=0, target=0.95, out="runs/compare", plot=True,
                       progress=False, verbose=True, n_samples=1000, val_fraction=0.2, data_seed=0):
    """Train one MLP on ``dataset`` with each optimizer in turn, from the same initial weights and
    with the same batch order, and report the curves side by side.

    ``optimizers``: specs such as ``'sgd'``, ``'momentum'``, ``'adam:lr=0.003,betas=0.9/0.99'``
    (see ``minidl.compare.specs``; ``OPTIMIZERS`` lists the names). ``lr``: None, one learning rate
    for all, or ``{name or label: lr}``. ``dataset``: a name in ``minidl.compare.DATASETS``
    (digits, moons, circles, spirals, xor, blobs, linear, sum-sign); the synthetic ones have
    ``n_samples`` points. ``hidden``: hidden-layer widths of the MLP (ReLU between layers).
    ``target``: the validation accuracy whose first epoch the table reports (None: no column value).

    The model is built once after ``minidl.manual_seed(seed)``; each run loads its state_dict.
    Each run's DataLoader shuffles with ``seed``, so every optimizer sees the same batches in the
    same order, and the same seed gives the same numbers (all but the times). Validation data is
    ``val_fraction`` of the samples, split and standardised (scaler fitted on the training part)
    with ``data_seed``.

    Writes into ``out`` (None: write nothing) summary.txt, summary.csv, histories.csv,
    histories.json and (``plot``) curves.png. ``verbose`` prints a line per run and the table;
    ``progress`` is fit's progress bar (True: one bar per run; or fit's 'batch', 'line').
    Returns a CompareResult.

    Unknown optimizer or dataset names raise ValueError listing the valid ones, before any
    training starts.
    """
    import minidl
    from ..train import fit
    from ..utils.data import DataLoader, TensorDataset

    epochs = _check_int("epochs", epochs, 1)
    batch_size = _check_int("batch_size", batch_size, 1)
    hidden = (hidden,) if isinstance(hidden, (int, np.integer)) else tuple(hidden)
    for h in hidden:
        _check_int("hidden sizes", h, 1)
    if target is not None and not 0 < target <= 1:
        raise ValueError(f"target must be an accuracy in (0, 1], got {target}")
    dataset = _data.check_name(dataset)
    specs = parse_specs(optimizers, lr)
    if plot and out is not None and importlib.util.find_spec("matplotlib") is None:
        warnings.warn("matplotlib is not installed, so there will be no curves.png "
                      "(pip install matplotlib); the table, CSV and JSON are written as usual", stacklevel=2)
        plot = False

    split = _data.load(dataset, n_samples=n_samples, val_fraction=val_fraction, data_seed=data_seed)
    minidl.manual_seed(seed)
    model = build_mlp(split.n_features, hidden, split.n_classes)
    initial = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    for spec in specs:  # bad hyperparameters fail here, before minutes of training
        spec.build(model.parameters())

    train_set = TensorDataset(minidl.from_numpy(split.x_train), minidl.from_numpy(split.y_train))
    val_set = TensorDataset(minidl.from_numpy(split.x_val), minidl.from_numpy(split.y_val))
    widths = "-".join(map(str, (split.n_features, *hidden, split.n_classes)))
    config = {
        "dataset": dataset, "n_train": len(split.y_train), "n_val": len(split.y_val),
        "n_samples": None if dataset == "digits" else n_samples, "model": f"MLP {widths} (ReLU)",
        "epochs": epochs, "batch_size": batch_size, "seed": seed, "data_seed": data_seed,
        "val_fraction": val_fraction, "target": target,
        "optimizers": {s.label: s.describe() for s in specs},
        "title": f"{dataset}: MLP {widths}, {epochs} epochs, batch {batch_size}, seed {seed}",
    }
    if verbose:
        print(f"comparing {len(specs)} optimizers on {dataset} ({config['n_train']} train / "
              f"{config['n_val']} val samples), MLP {widths}, {epochs} epochs, batch {batch_size}, "
              f"seed {seed}", flush=True)

    histories, rows, models = {}, [], {}
    width = max(len(s.label) for s in specs)
    for spec in specs:
        minidl.manual_seed(seed)  # anything random during training starts from the same state
        net = build_mlp(split.n_features, hidden, split.n_classes)
        net.load_state_dict(initial)
        optimizer = spec.build(net.parameters())
        train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, seed=seed)
        val_loader = DataLoader(val_set, batch_size=max(batch_size, 256))
        start = time.perf_counter()
        history = fit(net, minidl.nn.CrossEntropyLoss(), optimizer, train_loader, val_loader,
                      epochs=epochs, metrics=("accuracy",),
                      progress="epoch" if progress is True else progress)
        wall = time.perf_counter() - start
        histories[spec.label] = history
        models[spec.label] = net
        rows.append(summary_row(spec.label, spec, history, wall, target))
        if verbose:
            r = rows[-1]
            print(f"  {spec.label:<{width}}  {spec.describe()}: val acc {r['val_accuracy']:.2%}, "
                  f"val loss {r['val_loss']:.4f}, {wall:.2f} s", flush=True)

    table = format_table(rows, target)
    paths = write_outputs(out, histories, rows, config, table, plot) if out is not None else {}
    if verbose:
        print()
        print(table)
    return CompareResult(histories, rows, table, paths, config, models, split)
