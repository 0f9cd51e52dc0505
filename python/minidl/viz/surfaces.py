"""2-D test surfaces for watching optimizers: bowl, elongated quadratic, Rosenbrock, Beale, saddle.

Each surface writes ``f(x, y)`` with ``+ - * **`` only, so the one formula runs on NumPy arrays
(contour plots) and on minidl tensors (autograd gives the gradient an optimizer needs):

>>> p = minidl.tensor([-1.5, 2.0], requires_grad=True)
>>> rosenbrock(p).backward(); p.grad            # the gradient at p
>>> X, Y, Z = rosenbrock.grid(200)             # NumPy values for contour plots
"""
import numpy as np

from .._C import Tensor

__all__ = ["Surface", "Bowl", "Elongated", "Rosenbrock", "Beale", "Saddle",
           "bowl", "elongated", "rosenbrock", "beale", "saddle", "SURFACES", "get_surface"]


class Surface:
    """A function of two variables with a documented minimum, a starting point and a plot window.

    Subclasses define ``f(x, y)``. Attributes: ``name``, ``minimum`` (the minimiser (x*, y*), or
    None), ``start`` (a standard starting point), ``xlim``/``ylim`` (the plot window) and
    ``log_levels`` (contour levels spaced logarithmically, for surfaces with steep walls).
    """

    name = "surface"
    minimum = None
    start = (0.0, 0.0)
    xlim = (-1.0, 1.0)
    ylim = (-1.0, 1.0)
    log_levels = False

    def f(self, x, y):
        raise NotImplementedError

    def __call__(self, p):
        """f at ``p``: a minidl tensor of shape (2,) gives a differentiable 0-d tensor; a tensor or
        array of shape (..., 2) gives the values at each point."""
        if isinstance(p, Tensor):
            if p.ndim == 0 or p.shape[-1] != 2:
                raise ValueError(f"{self.name}: p must have shape (2,) or (..., 2), got {tuple(p.shape)}")
            x, y = p.unbind(-1)
            return self.f(x, y)
        arr = np.asarray(p, dtype=np.float64)
        if arr.ndim == 0 or arr.shape[-1] != 2:
            raise ValueError(f"{self.name}: p must have shape (2,) or (..., 2), got {tuple(arr.shape)}")
        return self.f(arr[..., 0], arr[..., 1])

    def grid(self, resolution=200, xlim=None, ylim=None):
        """``(X, Y, Z)`` NumPy arrays (resolution, resolution) of f over the plot window."""
        xs = np.linspace(*(xlim or self.xlim), resolution)
        ys = np.linspace(*(ylim or self.ylim), resolution)
        X, Y = np.meshgrid(xs, ys)
        return X, Y, self.f(X, Y)

    def __repr__(self):
        return f"{type(self).__name__}(minimum={self.minimum}, start={self.start})"


class Bowl(Surface):
    """``f = x^2 + y^2``: note 000's ``f(x) = x^2`` in two variables; minimum 0 at (0, 0).

    Gradient descent contracts each coordinate by ``1 - 2 lr`` per step (note 000: lr = 0.2
    converges, lr = 1.1 diverges). Start (-4, 3).
    """

    name = "bowl"
    minimum = (0.0, 0.0)
    start = (-4.0, 3.0)
    xlim = (-5.0, 5.0)
    ylim = (-5.0, 5.0)

    def f(self, x, y):
        return x ** 2 + y ** 2


class Elongated(Surface):
    """``f = a x^2 + b y^2`` (default ``a = 0.1, b = 2``): a narrow valley, minimum 0 at (0, 0).

    Curvatures 2a and 2b differ 20-fold, so a learning rate small enough for the steep y
    direction (lr < 1/b) crawls along x: plain gradient descent zig-zags, momentum and the
    adaptive methods do better. Gradient descent gives ``x_{t+1} = (1 - 2 lr a) x_t``,
    ``y_{t+1} = (1 - 2 lr b) y_t``. Start (-5, -2).
    """

    name = "elongated"
    minimum = (0.0, 0.0)
    start = (-5.0, -2.0)
    xlim = (-5.5, 5.5)
    ylim = (-3.0, 3.0)

    def __init__(self, a=0.1, b=2.0):
        if a <= 0 or b <= 0:
            raise ValueError(f"Elongated needs positive curvatures, got a={a}, b={b}")
        self.a, self.b = float(a), float(b)

    def f(self, x, y):
        return self.a * x ** 2 + self.b * y ** 2

    def __repr__(self):
        return f"Elongated(a={self.a}, b={self.b})"


class Rosenbrock(Surface):
    """``f = (a - x)^2 + b (y - x^2)^2`` (default ``a = 1, b = 100``): minimum 0 at (a, a^2).

    A curved, flat-bottomed valley: easy to reach, slow to follow. Start (-1.5, 2).
    """

    name = "rosenbrock"
    start = (-1.5, 2.0)
    xlim = (-2.0, 2.0)
    ylim = (-1.0, 3.0)
    log_levels = True

    def __init__(self, a=1.0, b=100.0):
        self.a, self.b = float(a), float(b)
        self.minimum = (self.a, self.a ** 2)

    def f(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x ** 2) ** 2

    def __repr__(self):
        return f"Rosenbrock(a={self.a}, b={self.b})"


class Beale(Surface):
    """``f = (1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2``:
    minimum 0 at (3, 0.5), with flat plateaus and steep ridges. Start (1, 1.5)."""

    name = "beale"
    minimum = (3.0, 0.5)
    start = (1.0, 1.5)
    xlim = (-4.5, 4.5)
    ylim = (-4.5, 4.5)
    log_levels = True

    def f(self, x, y):
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


class Saddle(Surface):
    """``f = x^2 - y^2``: a saddle point at (0, 0) (gradient 0, not a minimum), no minimum.

    Started almost on the ridge, at (-4, 0.001), gradient descent first slides to the saddle and
    only slowly escapes along y, which grows by ``1 + 2 lr`` per step.
    """

    name = "saddle"
    minimum = None
    saddle_point = (0.0, 0.0)
    start = (-4.0, 0.001)
    xlim = (-5.0, 5.0)
    ylim = (-5.0, 5.0)

    def f(self, x, y):
        return x ** 2 - y ** 2


bowl = Bowl()
elongated = Elongated()
rosenbrock = Rosenbrock()
beale = Beale()
saddle = Saddle()

SURFACES = {s.name: s for s in (bowl, elongated, rosenbrock, beale, saddle)}


def get_surface(surface):
    """A Surface from itself or its name ('bowl', 'elongated', 'rosenbrock', 'beale', 'saddle')."""
    if isinstance(surface, Surface):
        return surface
    if isinstance(surface, str):
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}; valid names: {', '.join(SURFACES)}")
        return SURFACES[surface]
    raise TypeError(f"surface must be a Surface or its name, got {type(surface).__name__}")
