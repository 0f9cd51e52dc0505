"""Decision boundaries of classifiers on 2-D inputs (XOR, moons, circles, spirals...)."""
import numpy as np

from .. import _C
from .._C import Tensor
from .._grad_mode import no_grad
from ._figures import axes_for, pyplot

__all__ = ["decision_regions", "plot_decision_boundary"]


def decision_regions(model, X, resolution=200, padding=0.1, threshold=None):
    """The class the model predicts at each point of a grid around ``X``: ``(xx, yy, labels)``.

    ``X`` (n, 2) points (tensor or array) set the grid's extent, widened by ``padding`` times
    its width on each side; ``xx``, ``yy`` and ``labels`` are (resolution, resolution) NumPy
    arrays. The model sees the whole grid in one batched forward, in eval mode under
    ``no_grad`` (its training mode is restored afterwards). Outputs (M, C) with C > 1 give the
    argmax; one output per point is a probability thresholded at 0.5, or with ``threshold``
    given (0.0 for logits) ``output > threshold``.
    """
    points = _points(X)
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = padding * np.where(hi > lo, hi - lo, 1.0)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    out = _forward(model, np.stack([xx.ravel(), yy.ravel()], axis=1))
    return xx, yy, _labels(out, threshold).reshape(xx.shape)


def plot_decision_boundary(model, X, y=None, ax=None, resolution=200, padding=0.1, threshold=None,
                           title=None):
    """Filled regions of the class a 2-D classifier predicts, with the data points on top.

    ``model``: an ``nn.Module`` (or any callable from an (M, 2) tensor to outputs) ending in C
    class scores, or in one probability (``threshold=0.0`` if it is a logit). ``X`` (n, 2) and
    the labels ``y`` (n,) are drawn as points coloured by class (``y=None``: regions only).
    See ``decision_regions`` for the grid. Returns the Figure.
    """
    xx, yy, regions = decision_regions(model, X, resolution, padding, threshold)
    points = _points(X)
    labels = None
    if y is not None:
        labels = np.asarray(y.detach().numpy() if isinstance(y, Tensor) else y).reshape(-1)
        if labels.shape[0] != points.shape[0]:
            raise ValueError(f"X has {points.shape[0]} points but y has {labels.shape[0]} labels")
        labels = labels.astype(np.int64)
    n_classes = int(max(regions.max(), labels.max() if labels is not None else 0)) + 1
    plt = pyplot()
    cmap = plt.get_cmap("tab10" if n_classes <= 10 else "tab20")
    bounds = np.arange(n_classes + 1) - 0.5
    fig, (a,) = axes_for(1, ax, size=(5.5, 4.5))
    a.contourf(xx, yy, regions, levels=bounds, cmap=cmap, vmin=-0.5, vmax=cmap.N - 0.5, alpha=0.35)
    if regions.min() != regions.max():
        a.contour(xx, yy, regions, levels=bounds[1:-1], colors="k", linewidths=0.8)
    if labels is not None:
        a.scatter(points[:, 0], points[:, 1], c=labels, cmap=cmap, vmin=-0.5, vmax=cmap.N - 0.5, s=18,
                  edgecolors="k", linewidths=0.4)
    a.set_xlim(xx[0, 0], xx[0, -1])
    a.set_ylim(yy[0, 0], yy[-1, 0])
    a.set_xlabel("$x_1$")
    a.set_ylabel("$x_2$")
    if title is not None:
        a.set_title(title)
    return fig


def _points(X):
    points = np.asarray(X.detach().numpy() if isinstance(X, Tensor) else X, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] == 0:
        raise ValueError(f"X must be (n, 2) points in the plane, got shape {tuple(points.shape)}")
    return points


def _forward(model, grid):
    """The model's outputs on the (M, 2) grid as a NumPy array: one batch, eval mode, no_grad."""
    params = list(model.parameters()) if hasattr(model, "parameters") else []
    dtype = np.float64 if params and params[0].dtype == _C.dtype.float64 else np.float32
    was_training = getattr(model, "training", None)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            out = model(_C.from_numpy(np.ascontiguousarray(grid, dtype=dtype)))
    finally:
        if was_training is not None and hasattr(model, "train"):
            model.train(was_training)
    return np.asarray(out.detach().numpy() if isinstance(out, Tensor) else out)


def _labels(out, threshold):
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1)
    out = out.reshape(out.shape[0], -1)
    if out.shape[1] != 1:
        raise ValueError(f"the model's output of shape {tuple(out.shape)} is neither (M, C) scores nor one "
                         "value per point")
    out = out[:, 0]
    if threshold is None:
        lo, hi = float(np.nanmin(out)), float(np.nanmax(out))
        if lo < 0.0 or hi > 1.0:
            raise ValueError(f"the model has one output with values in [{lo:g}, {hi:g}], not probabilities: "
                             "for logits pass threshold=0.0, or end the model with Sigmoid")
        threshold = 0.5
    return (out > threshold).astype(np.int64)
