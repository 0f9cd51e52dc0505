"""minidl.datasets: data to learn on.

- Synthetic toy problems made by minidl (``make_xor``, ``make_moons``, ``make_circles``,
  ``make_spirals``, ``make_blobs``, ``make_linearly_separable``, ``make_regression_curve``,
  ``make_sum_sign``), each returning ``(X, y)`` tensors and taking ``seed``.
- ``load_digits``: the 8x8 handwritten digits bundled with scikit-learn.
- ``MNIST``, ``FashionMNIST``, ``CIFAR10``: torchvision-like datasets read from files under
  ``root`` (``download=True`` fetches them where there is a network).
"""
from .synthetic import (make_xor, make_moons, make_circles, make_spirals, make_blobs, make_linearly_separable,
                        make_regression_curve, make_sum_sign)
from .digits import load_digits
from .mnist import MNIST, FashionMNIST
from .cifar import CIFAR10

__all__ = ["make_xor", "make_moons", "make_circles", "make_spirals", "make_blobs", "make_linearly_separable",
           "make_regression_curve", "make_sum_sign", "load_digits", "MNIST", "FashionMNIST", "CIFAR10"]
