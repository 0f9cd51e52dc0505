"""Optimizer trajectories: the real ``minidl.optim`` classes stepping a 2-element parameter over a
test surface, drawn on the surface's contour plot."""
import numpy as np

from .. import _C
from .._C import Tensor
from .._tensor import tensor
from ._figures import axes_for
from .surfaces import get_surface

__all__ = ["optimizer_trajectory", "plot_optimizer_trajectories"]


def optimizer_trajectory(surface, optimizer_cls, steps=100, start=None, dtype=None, **opt_kwargs):
    """The points an optimizer visits minimising ``surface``: a NumPy array (steps + 1, 2).

    Runs exactly a training loop on one parameter ``p`` (float32 by default, ``dtype`` to change)::

        p = minidl.tensor(start, requires_grad=True)
        opt = optimizer_cls([p], **opt_kwargs)
        for _ in range(steps):
            opt.zero_grad(); surface(p).backward(); opt.step()

    ``surface``: a Surface or its name; ``start``: (x, y), by default ``surface.start``;
    ``optimizer_cls``: an optimizer class such as ``minidl.optim.Adam`` (or any callable taking
    the parameter list and the keyword arguments). Row 0 is the start. If the point stops being
    finite (a learning rate that diverges), the remaining rows are NaN.
    """
    surface = get_surface(surface)
    start = np.asarray(surface.start if start is None else start, dtype=np.float64)
    if start.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got shape {start.shape}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative int, got {steps!r}")
    p = tensor(start.tolist(), dtype=dtype if dtype is not None else _C.dtype.float32, requires_grad=True)
    opt = optimizer_cls([p], **opt_kwargs)
    path = np.full((steps + 1, 2), np.nan)
    path[0] = p.detach().numpy()
    for t in range(steps):
        opt.zero_grad()
        loss = surface(p)
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            raise ValueError(f"{surface.name}(p) must give one value, got {loss!r}")
        loss.backward()
        opt.step()
        point = p.detach().numpy()
        path[t + 1] = point
        if not np.all(np.isfinite(point)):
            break
    return path


def plot_optimizer_trajectories(surface, optimizers, steps=100, start=None, ax=None, resolution=200,
                                levels=30, title=None):
    """Trajectories of several optimizers from the same start, over ``surface``'s contour plot.

    ``optimizers``: ``{label: (optimizer_cls, kwargs)}`` (or ``{label: optimizer_cls}``), e.g.::

        plot_optimizer_trajectories('rosenbrock', {
            'SGD': (optim.SGD, {'lr': 1e-3}),
            'momentum': (optim.SGD, {'lr': 1e-3, 'momentum': 0.9}),
            'Adam': (optim.Adam, {'lr': 0.05}),
        }, steps=300)

    Each path is drawn with one colour, its legend entry giving the final value of f; the start
    is a black dot and the minimum a red star (a cross for the saddle point). The view stays on
    the surface's window, so a diverging path runs off the edge. Returns the Figure.
    """
    surface = get_surface(surface)
    if not isinstance(optimizers, dict) or not optimizers:
        raise TypeError("optimizers must be a non-empty dict {label: (optimizer_cls, kwargs)}")
    paths = {}
    for label, spec in optimizers.items():
        cls, kwargs = _spec(label, spec)
        paths[label] = optimizer_trajectory(surface, cls, steps, start, **kwargs)

    fig, (a,) = axes_for(1, ax, size=(6.5, 5.2))
    X, Y, Z = surface.grid(resolution)
    if surface.log_levels:
        from matplotlib.colors import LogNorm
        floor = max(float(Z.min()), float(Z.max()) * 1e-6, 1e-3)
        a.contour(X, Y, np.maximum(Z, floor), levels=np.geomspace(floor, Z.max(), levels), norm=LogNorm(),
                  cmap="viridis", linewidths=0.6, alpha=0.8)
    else:
        a.contour(X, Y, Z, levels=levels, cmap="viridis", linewidths=0.6, alpha=0.8)
    first = next(iter(paths.values()))[0]
    a.plot(first[0], first[1], "o", color="k", markersize=6, label="start")
    if surface.minimum is not None:
        a.plot(*surface.minimum, "*", color="r", markersize=14, label="minimum")
    elif getattr(surface, "saddle_point", None) is not None:
        a.plot(*surface.saddle_point, "x", color="r", markersize=10, mew=2, label="saddle point")
    for i, (label, path) in enumerate(paths.items()):
        finite = path[np.all(np.isfinite(path), axis=1)]
        end = float(surface(finite[-1]))
        a.plot(path[:, 0], path[:, 1], "-o", color=f"C{i % 10}", markersize=2.5, linewidth=1.2,
               label=f"{label} (f = {end:.3g})")
    a.set_xlim(*surface.xlim)
    a.set_ylim(*surface.ylim)
    a.set_xlabel("x")
    a.set_ylabel("y")
    a.set_title(title if title is not None else f"{surface.name}, {steps} steps")
    a.legend(loc="best", fontsize="small")
    return fig


def _spec(label, spec):
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict):
        return spec
    if callable(spec):
        return spec, {}
    raise TypeError(f"optimizers[{label!r}] must be (optimizer_cls, kwargs) or an optimizer class, "
                    f"got {spec!r}")
