"""Shared pieces of the minidl.train tests: small data sets, batching, NumPy references, and GD,
a plain gradient-descent optimizer written here (so tests of fit do not depend on optim's rules)."""
import numpy as np

import minidl
from minidl import nn
from minidl.utils.data import DataLoader, TensorDataset

class GD(minidl.optim.Optimizer):
    """Plain gradient descent, p -= lr * grad: the stand-in optimizer, independent of minidl.optim.SGD."""

    def __init__(self, params, lr):
        super().__init__(params, dict(lr=lr))

    def step(self, closure=None):
        with minidl.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.sub_(group["lr"] * p.grad)


def sgd(params, lr):
    return minidl.optim.SGD(params, lr=lr)


def T(a):
    """A minidl tensor holding a copy of the NumPy array ``a``."""
    return minidl.from_numpy(np.array(a, order="C"))


def batches(X, y, size):
    """A list of (input, target) minidl tensors, in order (the last batch may be smaller)."""
    return [(T(X[i:i + size]), T(y[i:i + size])) for i in range(0, len(X), size)]


def loader(X, y, size, shuffle=False, seed=0):
    """A minidl DataLoader over copies of the NumPy arrays (X, y)."""
    return DataLoader(TensorDataset(T(X), T(y)), batch_size=size, shuffle=shuffle, seed=seed)


def blobs(n_per_class=30, seed=0):
    """Three well separated 2-D Gaussian blobs: X float32 (3n, 2), y int64 (3n,)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    X = np.concatenate([c + 0.7 * rng.standard_normal((n_per_class, 2)) for c in centres]).astype(np.float32)
    y = np.repeat(np.arange(3), n_per_class).astype(np.int64)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def np_accuracy(output, target):
    """Accuracy of (N, C) scores against integer labels, in NumPy: the stand-in metric."""
    out = np.asarray(output.numpy() if isinstance(output, minidl.Tensor) else output)
    tgt = np.asarray(target.numpy() if isinstance(target, minidl.Tensor) else target)
    return float(np.mean(out.argmax(axis=1) == tgt))


def np_cross_entropy(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def weights(model):
    """A NumPy copy of every state-dict entry."""
    return {k: np.array(v.numpy(), copy=True) for k, v in model.state_dict().items()}


def linear_np(model):
    return np.array(model.weight.detach().numpy()), np.array(model.bias.detach().numpy())


def tiny_regression(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)).astype(np.float32)
    y = (X @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32) + 0.3).astype(np.float32)
    return X, y


def tiny_fit_args(epochs=1, seed=0, **kw):
    """A model, loss, optimizer and batches for tests that only need some training to happen."""
    minidl.manual_seed(seed)
    X, y = tiny_regression(seed=seed)
    model = nn.Linear(3, 1)
    args = dict(model=model, loss_fn=nn.MSELoss(), optimizer=GD(model.parameters(), 0.05),
                train_loader=batches(X, y, 8), epochs=epochs, progress=False)
    args.update(kw)
    return args
