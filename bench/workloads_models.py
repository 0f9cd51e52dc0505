"""The networks of the benchmark suite in minidl, PyTorch and plain NumPy, from the same weights.

A network is described by its layer widths and two flags: ``bn`` (BatchNorm1d after each hidden
Linear) and ``dropout`` (Dropout after each hidden ReLU); the layers of a hidden block are
``Linear, [BatchNorm1d], ReLU, [Dropout]``, the last Linear has no activation (the loss applies
log-softmax). Initial weights come from NumPy, drawn from PyTorch's default
``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``, so that a process timing one library never has to
import another.

The NumPy networks extend ``NotesMLP`` of bench_mlp.py (note 004, section 3.2: hand-written
forward and backward with ``np.dot``, output error ``p - y``): Adam instead of SGD with momentum,
and BatchNorm / Dropout layers with their backward written out.
"""
import numpy as np


def init_weights(widths, seed=0):
    """[(W (out, in), b (out,)), ...] float32, PyTorch's default initialisation."""
    rng = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        out.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                    rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return out


def batch(widths, n, seed=0):
    rng = np.random.default_rng(seed + 1)
    return (rng.standard_normal((n, widths[0]), dtype=np.float32),
            rng.integers(0, widths[-1], size=n, dtype=np.int64))


def build(lib, widths, bn=False, dropout=0.0, seed=0):
    """nn.Sequential in `lib` (the module minidl or torch) with the weights of init_weights."""
    layers = []
    weights = init_weights(widths, seed)
    for i, (w, b) in enumerate(weights):
        lin = lib.nn.Linear(w.shape[1], w.shape[0])
        with lib.no_grad():
            lin.weight.detach().numpy()[...] = w  # zero-copy views in both libraries
            lin.bias.detach().numpy()[...] = b
        layers.append(lin)
        if i < len(weights) - 1:
            if bn:
                layers.append(lib.nn.BatchNorm1d(w.shape[0]))
            layers.append(lib.nn.ReLU())
            if dropout:
                layers.append(lib.nn.Dropout(dropout))
    return lib.nn.Sequential(*layers)


def notes_classes(NotesMLP):
    """The NumPy networks, built on bench_mlp.NotesMLP (passed in: importing bench_mlp parses its
    command line, which the caller arranges)."""

    class NotesAdam(NotesMLP):
        """NotesMLP with Adam: ``m = b1 m + (1-b1) g``, ``v = b2 v + (1-b2) g^2``,
        ``p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)``."""
        lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8

        def __init__(self, weights, x, y):
            super().__init__(weights, x, y)
            self.params = self.W + self.b
            self.m = [np.zeros_like(p) for p in self.params]
            self.v = [np.zeros_like(p) for p in self.params]
            self.t = 0

        def update(self, grads):
            self.adam_step([dW for dW, _ in grads] + [db for _, db in grads])

        def adam_step(self, flat):
            """One Adam update of self.params from their gradients `flat` (same order)."""
            self.t += 1
            c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
            for p, g, m, v in zip(self.params, flat, self.m, self.v):
                m *= self.b1
                m += (1 - self.b1) * g
                v *= self.b2
                v += (1 - self.b2) * g * g
                p -= (self.lr / c1) * m / (np.sqrt(v / c2) + self.eps)

        def set_batch(self, x, y):
            self.x, self.y, self.rows = x, y, np.arange(len(y))

    class NotesBN(NotesAdam):
        """Hidden blocks ``z = a W^T + b``, batch norm ``zh = (z - mu) / sqrt(var + eps)``,
        ``u = gamma zh + beta``, ``a = relu(u) * mask / (1 - p)`` (inverted dropout).

        Backward of batch norm (per feature, m rows): ``dgamma = sum(du zh)``, ``dbeta = sum(du)``,
        ``dz = gamma / (m sqrt(var + eps)) (m du - sum(du) - zh sum(du zh))``.
        """
        bn_eps, momentum = 1e-5, 0.1

        def __init__(self, weights, x, y, p=0.5, seed=0):
            super().__init__(weights, x, y)
            hidden = [w.shape[0] for w, _ in weights[:-1]]
            self.gamma = [np.ones(h, np.float32) for h in hidden]
            self.beta = [np.zeros(h, np.float32) for h in hidden]
            self.running = [(np.zeros(h, np.float32), np.ones(h, np.float32)) for h in hidden]
            self.params = self.W + self.b + self.gamma + self.beta
            self.m = [np.zeros_like(p) for p in self.params]
            self.v = [np.zeros_like(p) for p in self.params]
            self.p, self.rng = p, np.random.default_rng(seed)

        def forward(self, X):
            self.cache, a = [], X
            last = len(self.W) - 1
            for i, (W, b) in enumerate(zip(self.W, self.b)):
                z = a.dot(W.T) + b
                if i == last:
                    self.cache.append((a,))
                    return z
                mu, var = z.mean(axis=0), z.var(axis=0)
                inv = 1 / np.sqrt(var + self.bn_eps)
                zh = (z - mu) * inv
                rm, rv = self.running[i]
                rm += self.momentum * (mu - rm)
                rv += self.momentum * (var * (len(z) / (len(z) - 1)) - rv)
                u = self.gamma[i] * zh + self.beta[i]
                mask = (self.rng.random(u.shape, dtype=np.float32) >= self.p) / np.float32(1 - self.p)
                self.cache.append((a, zh, inv, u, mask))
                a = np.maximum(u, 0) * mask

        def backward(self, probs, y):
            m = probs.shape[0]
            dz = probs.copy()
            dz[self.rows, y] -= 1
            dz /= m
            n = len(self.W)
            gW, gb, gg, gbeta = [None] * n, [None] * n, [None] * (n - 1), [None] * (n - 1)
            for i in range(n - 1, -1, -1):
                a_prev = self.cache[i][0]
                gW[i], gb[i] = dz.T.dot(a_prev), dz.sum(axis=0)
                if i == 0:
                    break
                _, zh, inv, u, mask = self.cache[i - 1]
                du = dz.dot(self.W[i]) * mask * (u > 0)
                gg[i - 1], gbeta[i - 1] = (du * zh).sum(axis=0), du.sum(axis=0)
                dzh = du * self.gamma[i - 1]
                dz = inv / m * (m * dzh - dzh.sum(axis=0) - zh * (dzh * zh).sum(axis=0))
            return list(zip(gW, gb)), gg, gbeta

        def update(self, grads):
            pairs, gg, gbeta = grads
            self.adam_step([dW for dW, _ in pairs] + [db for _, db in pairs] + gg + gbeta)

    return NotesAdam, NotesBN
