"""Histograms of a model's weights (or of their gradients), one per parameter."""
import numpy as np

from ._figures import axes_for

__all__ = ["plot_weight_histograms"]


def plot_weight_histograms(model, ax=None, bins=50, weights_only=True, grad=False):
    """One histogram per parameter of ``model`` (an ``nn.Module``), titled with its name, shape,
    mean and standard deviation; returns the Figure.

    ``weights_only=True`` keeps the parameters with at least 2 dims (the weight matrices and
    kernels of Linear and Conv layers); ``False`` adds biases and normalisation scales.
    ``grad=True`` shows each parameter's ``.grad`` instead (after a backward: vanishing or
    exploding gradients show up layer by layer); parameters without a gradient are skipped.
    ``ax``: None (one panel per parameter), one Axes (all histograms overlaid) or a sequence
    of one axes per parameter.
    """
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"model must be an nn.Module (with named_parameters()), got {type(model).__name__}")
    chosen = []
    for name, p in model.named_parameters():
        if weights_only and p.ndim < 2:
            continue
        value = p.grad if grad else p
        if value is not None:
            chosen.append((name, tuple(p.shape), value.detach().numpy().ravel()))
    if not chosen:
        what = "gradients (run backward first)" if grad else "parameters"
        raise ValueError(f"the model has no {what}" + (" with 2 or more dims; pass weights_only=False"
                                                       if weights_only and not grad else ""))
    fig, axes = axes_for(len(chosen), ax, overlay=True, ncols=3, size=(4.2, 3.2))
    shared = len(chosen) > 1 and axes[0] is axes[-1]
    for i, ((name, shape, values), a) in enumerate(zip(chosen, axes)):
        label = f"{name}{'.grad' if grad else ''} {shape}"
        stats = f"mean {np.mean(values):.3g}, std {np.std(values):.3g}"
        a.hist(values, bins=bins, color=f"C{i % 10}", alpha=0.6 if shared else 0.85,
               label=f"{label}: {stats}" if shared else None)
        if not shared:
            a.set_title(f"{label}\n{stats}", fontsize="medium")
        a.grid(alpha=0.3)
    if shared:
        axes[0].legend(fontsize="small")
    return fig
