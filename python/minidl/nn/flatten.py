"""Flatten and Unflatten: reshape between layers (e.g. images into vectors for a Linear)."""
import operator

from .module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one: ``(N, C, H, W) -> (N, C*H*W)`` by default
    (the batch dim 0 is kept, unlike ``minidl.flatten`` whose default start_dim is 0)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``: ``Unflatten(1, (1, 28, 28))`` turns
    ``(N, 784)`` into ``(N, 1, 28, 28)``. One entry may be -1 (inferred)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(unflattened_size, (list, tuple)) and unflattened_size:
            sizes = tuple(operator.index(s) for s in unflattened_size)
        else:
            raise TypeError("unflattened_size must be a non-empty tuple or list of ints, "
                            f"got {unflattened_size!r}")
        self.dim = dim
        self.unflattened_size = sizes

    def forward(self, input):
        shape = tuple(input.shape)
        n = len(shape)
        if not -n <= self.dim < n:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of shape {shape}")
        d = self.dim % n
        sizes = self.unflattened_size
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        bad = sum(s == -1 for s in sizes) > 1 or any(s < -1 for s in sizes)
        if -1 in sizes:
            bad = bad or known == 0 or shape[d] % known != 0
        else:
            bad = bad or known != shape[d]
        if bad:
            raise ValueError(f"Unflatten: unflattened_size {sizes} does not match the size {shape[d]} "
                             f"of dim {self.dim} of the input of shape {shape}")
        if -1 in sizes:
            sizes = tuple(shape[d] // known if s == -1 else s for s in sizes)
        return input.reshape(shape[:d] + sizes + shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
