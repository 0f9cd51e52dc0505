"""minidl.viz: plots for lessons and experiments (matplotlib, imported only when a plot is made).

- ``plot_history``: loss and metric curves of one or several runs (``minidl.train.History``)
- ``plot_decision_boundary`` / ``decision_regions``: what a 2-D classifier predicts where
- ``plot_optimizer_trajectories`` / ``optimizer_trajectory``: real ``minidl.optim`` optimizers
  on the test surfaces ``bowl``, ``elongated``, ``rosenbrock``, ``beale``, ``saddle``
- ``plot_activations`` / ``activation_and_derivative``: activations and their autograd derivatives
- ``plot_weight_histograms``: weight (or gradient) distributions per layer
- ``draw_graph``: the autograd graph of a tensor (graphviz, or indented text without it)
- ``save_figure``: save a figure, making directories

Every plotting function returns the matplotlib Figure and takes an optional ``ax``. They never
call ``plt.show()``: in a script call it yourself (or ``save_figure``); in a notebook the
figure shows by itself.
"""
from ._figures import save_figure  # noqa: F401
from .curves import plot_history  # noqa: F401
from .boundary import decision_regions, plot_decision_boundary  # noqa: F401
from .surfaces import (  # noqa: F401
    Surface, Bowl, Elongated, Rosenbrock, Beale, Saddle, bowl, elongated, rosenbrock, beale, saddle,
    SURFACES, get_surface,
)
from .trajectories import optimizer_trajectory, plot_optimizer_trajectories  # noqa: F401
from .activations import ACTIVATIONS, activation_and_derivative, plot_activations  # noqa: F401
from .weights import plot_weight_histograms  # noqa: F401

__all__ = [
    "save_figure", "plot_history", "draw_graph", "TextGraph", "decision_regions", "plot_decision_boundary",
    "Surface", "Bowl", "Elongated", "Rosenbrock", "Beale", "Saddle",
    "bowl", "elongated", "rosenbrock", "beale", "saddle", "SURFACES", "get_surface",
    "optimizer_trajectory", "plot_optimizer_trajectories",
    "ACTIVATIONS", "activation_and_derivative", "plot_activations", "plot_weight_histograms",
]
from .graph import TextGraph, draw_graph  # noqa: F401,E402
