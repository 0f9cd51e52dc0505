"""Training curves: loss and metrics per epoch, for one run or several on the same figure."""
import numpy as np

from ._figures import axes_for

__all__ = ["plot_history"]


def plot_history(histories, keys=("loss", "val_loss"), ax=None, title=None, logy=False):
    """Plot per-epoch curves of one or several training runs; returns the Figure.

    ``histories``: a ``minidl.train.History`` (anything with ``.history``, a dict of per-epoch
    lists, and ``.epoch``, the epoch numbers), a dict ``{label: History}`` to compare runs (one
    colour per run), or a plain dict of per-epoch lists such as ``History.history``.

    ``keys``: the curves to draw. Keys of the same kind share a panel: ``'loss'`` and
    ``'val_loss'`` go together (training solid, validation dashed), ``'accuracy'`` and
    ``'val_accuracy'`` get a second panel, and so on; so ``keys=('loss', 'val_loss', 'accuracy',
    'val_accuracy')`` gives two panels side by side. A key that no run has raises ValueError; a
    key that only some runs have (no validation set in one run) is drawn where it exists.

    ``ax``: an Axes when there is one panel, a sequence of axes (one per panel), or None for a
    new figure. ``logy``: logarithmic y axes (useful for losses spanning decades).
    """
    runs = _runs(histories)
    keys = [keys] if isinstance(keys, str) else list(keys)
    if not keys:
        raise ValueError("keys is empty: name at least one curve, e.g. keys=('loss', 'val_loss')")
    present = set().union(*(hist.keys() for _, hist in runs.values()))
    missing = [k for k in keys if k not in present]
    if missing:
        raise ValueError(f"no history has the key(s) {missing}; they hold {sorted(present)}")

    panels = {}
    for k in keys:
        panels.setdefault(k[4:] if k.startswith("val_") else k, []).append(k)
    fig, axes = axes_for(len(panels), ax, ncols=2, size=(5.5, 3.8))
    for (kind, panel_keys), a in zip(panels.items(), axes):
        for i, (label, (epochs, hist)) in enumerate(runs.items()):
            for k in panel_keys:
                if k not in hist:
                    continue
                values = np.array(hist[k], dtype=float)  # None (not measured that epoch) -> nan
                x = epochs[:len(values)] if len(epochs) >= len(values) else np.arange(1, len(values) + 1)
                curve = k if label is None else f"{label}: {k}"
                a.plot(x, values, "--" if k.startswith("val_") else "-", color=f"C{i % 10}", label=curve)
        a.set_xlabel("epoch")
        a.set_ylabel(kind)
        if logy:
            a.set_yscale("log")
        a.grid(alpha=0.3)
        a.legend()
    if title is not None:
        fig.suptitle(title)
    return fig


def _runs(histories):
    """{label or None: (epoch numbers, dict of per-epoch lists)} from what plot_history accepts."""
    if hasattr(histories, "history"):
        return {None: _one(histories)}
    if isinstance(histories, dict) and histories:
        values = list(histories.values())
        if all(hasattr(h, "history") for h in values):
            return {str(label): _one(h) for label, h in histories.items()}
        if all(isinstance(v, (list, tuple, np.ndarray)) for v in values):
            n = max(len(v) for v in values)
            return {None: (np.arange(1, n + 1), histories)}
    raise TypeError("histories must be a History (with .history and .epoch), a dict {label: History} or a "
                    f"dict of per-epoch lists, got {type(histories).__name__}")


def _one(h):
    hist = h.history
    epochs = getattr(h, "epoch", None)
    if epochs is None or len(epochs) == 0:
        epochs = np.arange(1, max((len(v) for v in hist.values()), default=0) + 1)
    return np.asarray(epochs), hist
