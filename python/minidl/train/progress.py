"""Progress display for ``fit``: a tqdm bar, or one plain line per epoch.

``progress`` (fit's argument):

- ``True`` or ``'batch'``: a tqdm bar per epoch over its batches (running loss beside it), kept
  on screen with the epoch's results when the epoch ends (Keras' ``verbose=1``);
- ``'epoch'``: a single tqdm bar over the epochs, showing the last epoch's results (quiet enough
  for many runs in one notebook cell);
- ``'line'``: one printed line per epoch, no tqdm (Keras' ``verbose=2``); also what ``True`` and
  ``'epoch'`` fall back to where tqdm is not installed;
- ``False``: nothing at all (tqdm is not even imported).

tqdm writes to stderr (``tqdm.auto``: a widget in Jupyter); lines go to stdout.
"""
import sys

__all__ = ["make_progress", "format_logs"]

_MODES = (True, False, None, "batch", "epoch", "line")


def format_logs(logs, with_time=True):
    parts = []
    for k, v in logs.items():
        if k == "time":
            continue
        parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    if with_time and "time" in logs:
        parts.append(f"{logs['time']:.2f}s")
    return " ".join(parts)


def make_progress(progress, epochs, steps):
    """The display for ``fit``'s ``progress`` argument, or None for ``progress=False``."""
    if not any(progress is m or (isinstance(progress, str) and progress == m) for m in _MODES):
        raise ValueError(f"progress must be True, False, 'batch', 'epoch' or 'line', got {progress!r}")
    if progress is False or progress is None:
        return None
    if progress == "line":
        return _Lines(epochs)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Lines(epochs)
    if progress == "epoch":
        return _EpochBar(tqdm, epochs)
    return _BatchBars(tqdm, epochs, steps)


class _Lines:
    per_batch = False

    def __init__(self, epochs):
        self.epochs = epochs
        self.width = len(str(epochs))

    def epoch_begin(self, epoch):
        pass

    def epoch_end(self, epoch, logs):
        print(f"epoch {epoch:{self.width}d}/{self.epochs}: {format_logs(logs)}", file=sys.stdout, flush=True)

    def close(self):
        pass


class _BatchBars:
    per_batch = True

    def __init__(self, tqdm, epochs, steps):
        self.tqdm, self.epochs, self.steps = tqdm, epochs, steps
        self.width = len(str(epochs))
        self.bar = None

    def epoch_begin(self, epoch):
        self.bar = self.tqdm(total=self.steps, desc=f"epoch {epoch:{self.width}d}/{self.epochs}",
                             unit="batch", leave=True, dynamic_ncols=True)
        self.sum, self.n = 0.0, 0

    def batch_end(self, loss):
        self.sum += loss
        self.n += 1
        # refresh=False: the text is drawn when tqdm next redraws (at most ~10 times a second)
        self.bar.set_postfix_str(f"loss={self.sum / self.n:.4g}", refresh=False)
        self.bar.update(1)

    def epoch_end(self, epoch, logs):
        self.bar.set_postfix_str(format_logs(logs, with_time=False), refresh=False)
        self.close()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class _EpochBar:
    per_batch = False

    def __init__(self, tqdm, epochs):
        self.bar = tqdm(total=epochs, desc="training", unit="epoch", dynamic_ncols=True)

    def epoch_begin(self, epoch):
        pass

    def epoch_end(self, epoch, logs):
        self.bar.set_postfix_str(format_logs(logs, with_time=False), refresh=False)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
