"""Figures and axes for the plotting functions; matplotlib is imported here, only when a plot is made."""
import math
import pathlib

import numpy as np

__all__ = ["pyplot", "axes_for", "save_figure"]


def pyplot():
    """matplotlib.pyplot, imported on first use so that ``import minidl`` never loads matplotlib."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - matplotlib is a dependency of the plots only
        raise ImportError("minidl.viz needs matplotlib: pip install matplotlib") from e
    return plt


def _is_axes(obj):
    return hasattr(obj, "plot") and hasattr(obj, "figure")


def axes_for(n, ax, overlay=False, ncols=3, size=(4.5, 3.4)):
    """(figure, list of n axes) for n panels.

    ``ax`` None: a new figure with n subplots (``ncols`` per row). A sequence of n axes: those.
    One Axes: the same Axes n times when ``overlay`` (everything drawn together), else it must
    be n == 1.
    """
    if ax is None:
        plt = pyplot()
        ncols = max(1, min(n, ncols))
        nrows = math.ceil(n / ncols)
        fig, grid = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
        axes = list(grid.ravel())
        for extra in axes[n:]:
            fig.delaxes(extra)
        return fig, axes[:n]
    if _is_axes(ax):
        if n != 1 and not overlay:
            raise ValueError(f"this plot has {n} panels: pass ax=None or a sequence of {n} axes, "
                             "not one Axes")
        return ax.figure, [ax] * n
    axes = list(np.ravel(np.asarray(ax, dtype=object)))
    if not all(_is_axes(a) for a in axes):
        raise TypeError(f"ax must be a matplotlib Axes or a sequence of them, got {type(ax).__name__}")
    if len(axes) != n:
        raise ValueError(f"this plot has {n} panels but {len(axes)} axes were given")
    return axes[0].figure, axes


def save_figure(fig, path, dpi=150, **savefig_kwargs):
    """Save ``fig`` to ``path`` (PNG, PDF, SVG... by its suffix), making missing directories.

    Uses ``bbox_inches='tight'`` unless told otherwise. Returns the path as a ``pathlib.Path``.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    savefig_kwargs.setdefault("bbox_inches", "tight")
    fig.savefig(path, dpi=dpi, **savefig_kwargs)
    return path
