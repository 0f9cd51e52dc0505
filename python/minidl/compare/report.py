"""What a comparison writes: the summary table (text and CSV), the histories (CSV and JSON) and
a PNG of the curves."""
import csv
import json
import math
import numbers
from pathlib import Path

__all__ = ["summary_row", "format_table", "write_outputs", "OUTPUT_FILES"]

# name in CompareResult.paths -> file name in the output directory
OUTPUT_FILES = {
    "table": "summary.txt",
    "summary_csv": "summary.csv",
    "csv": "histories.csv",
    "json": "histories.json",
    "png": "curves.png",
}
SUMMARY_FIELDS = ("optimizer", "settings", "epochs", "train_loss", "val_loss", "val_accuracy",
                  "best_val_accuracy", "epoch_to_target", "time_s", "stopped")


def _last(values):
    return values[-1] if values else math.nan


def epoch_reaching(accuracies, target):
    """The first epoch (1-based) whose accuracy is at least ``target``, or None."""
    if target is None:
        return None
    for epoch, acc in enumerate(accuracies, 1):
        if acc >= target:
            return epoch
    return None


def summary_row(label, spec, history, wall_time, target):
    """One row of the table, as a dict with SUMMARY_FIELDS keys (numbers unformatted)."""
    h = history.history
    val_acc = list(h.get("val_accuracy", []))
    return {
        "optimizer": label,
        "settings": spec.describe(),
        "epochs": len(history.epoch),
        "train_loss": float(_last(h.get("loss", []))),
        "val_loss": float(_last(h.get("val_loss", []))),
        "val_accuracy": float(_last(val_acc)),
        "best_val_accuracy": float(max(val_acc)) if val_acc else math.nan,
        "epoch_to_target": epoch_reaching(val_acc, target),
        "time_s": float(wall_time),
        "stopped": getattr(history, "stopped_reason", None),  # e.g. a NaN loss ended the run early
    }


def format_table(rows, target=None):
    """The summary as an aligned plain-text table (what the CLI prints)."""
    target_head = f"epoch to {target:.0%}" if target is not None else "epoch to target"
    header = ["optimizer", "train loss", "val loss", "val acc", "best val acc", target_head, "time"]
    lines = []
    for r in rows:
        reached = r["epoch_to_target"]
        lines.append([r["optimizer"], f"{r['train_loss']:.4f}", f"{r['val_loss']:.4f}",
                      f"{r['val_accuracy']:.2%}", f"{r['best_val_accuracy']:.2%}",
                      "-" if reached is None else str(reached), f"{r['time_s']:.2f} s"])
    widths = [max(len(x) for x in col) for col in zip(header, *lines)]

    def fmt(cells):  # names left-aligned, numbers right-aligned
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    notes = [f"{r['optimizer']} stopped after {r['epochs']} epochs: {r['stopped']}"
             for r in rows if r.get("stopped")]
    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(cells) for cells in lines] + notes)


def _history_columns(histories):
    """The union of the history keys, in the order they first appear."""
    keys = {}
    for h in histories.values():
        keys.update(dict.fromkeys(h.history))
    return list(keys)


def _is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _json_number(v):
    """JSON has no NaN or inf: write them as null. Anything not a number is left as it is."""
    if not _is_number(v):
        return v
    v = float(v)
    return v if math.isfinite(v) else None


def _csv_cell(v):
    """Numbers at full precision (repr round-trips a float exactly)."""
    return repr(float(v)) if _is_number(v) else "" if v is None else str(v)


def write_histories_csv(path, histories):
    """Long format: one row per (optimizer, epoch), one column per history key."""
    keys = _history_columns(histories)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["optimizer", "epoch", *keys])
        for label, h in histories.items():
            for i, epoch in enumerate(h.epoch):
                w.writerow([label, epoch, *(_csv_cell(h.history[k][i]) if i < len(h.history.get(k, []))
                                            else "" for k in keys)])


def write_summary_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r[k] is None else r[k]) for k in SUMMARY_FIELDS})


def write_json(path, histories, rows, config):
    data = {
        "config": config,
        "summary": [{k: _json_number(v) for k, v in r.items()} for r in rows],
        "histories": {label: {"epoch": list(h.epoch),
                              **{k: [_json_number(v) for v in vals] for k, vals in h.history.items()}}
                      for label, h in histories.items()},
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=1)


def plot_curves(path, histories, title=None):
    """Loss curves (train solid, validation dashed, log scale) beside the validation accuracy,
    one colour per optimizer (minidl.viz.plot_history), one legend for both, saved as a PNG."""
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, nothing global touched
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator
    from ..viz import plot_history

    fig = Figure(figsize=(12, 4.4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    # losses fall by orders of magnitude; on a linear axis the ends of the curves look alike
    plot_history(histories, keys=("loss", "val_loss"), ax=ax_loss, logy=True)
    ax_loss.set_title("loss: training (solid), validation (dashed)")
    if any("val_accuracy" in h.history for h in histories.values()):
        plot_history(histories, keys=("val_accuracy",), ax=ax_acc)
        ax_acc.set_title("validation accuracy")
    else:
        ax_acc.set_visible(False)
    for ax in (ax_loss, ax_acc):  # plot_history's legends name every curve; one per optimizer is enough
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles = [Line2D([], [], color=f"C{i % 10}", label=label) for i, label in enumerate(histories)]
    fig.legend(handles=handles, loc="outside right center", frameon=False)
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100)
    return path


def write_outputs(out, histories, rows, config, table, plot=True):
    """Write every file into directory ``out`` (created if missing); return {name: Path}."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / fname for name, fname in OUTPUT_FILES.items()}
    paths["table"].write_text(table + "\n")
    write_summary_csv(paths["summary_csv"], rows)
    write_histories_csv(paths["csv"], histories)
    write_json(paths["json"], histories, rows, config)
    if plot:
        plot_curves(paths["png"], histories, config.get("title"))
    else:
        del paths["png"]
    return paths
