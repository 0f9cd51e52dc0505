"""Plain NumPy optimizer steps for the suite's 1M-parameter workload: each update rule written
the way the notes write it (whole-array expressions), with the hyper-parameters of
bench_optim.OPTIMIZERS and PyTorch's defaults for the rest."""
import numpy as np


class NumpyOptimizer:
    """``step()`` updates ``p`` in place from the fixed gradient ``g``."""

    def __init__(self, name, p, g, lr):
        self.name, self.p, self.g, self.lr, self.t = name, p, g, lr, 0
        self.s1, self.s2 = np.zeros_like(p), np.zeros_like(p)
        self.rule = {"SGD": self.sgd, "SGD momentum=0.9": self.momentum, "Adagrad": self.adagrad,
                     "RMSprop": self.rmsprop, "Adadelta": self.adadelta, "Adam": self.adam,
                     "AdamW": self.adamw, "NAdam": self.nadam}[name]
        self.mu_prod = 1.0

    def step(self):
        self.t += 1
        self.rule(self.p, self.g, self.lr)

    @staticmethod
    def sgd(p, g, lr):
        p -= lr * g

    def momentum(self, p, g, lr):  # buf = 0.9 buf + g; p -= lr buf
        self.s1 *= 0.9
        self.s1 += g
        p -= lr * self.s1

    def adagrad(self, p, g, lr):  # s += g^2; p -= lr g / (sqrt(s) + eps)
        self.s1 += g * g
        p -= lr * g / (np.sqrt(self.s1) + 1e-10)

    def rmsprop(self, p, g, lr):  # v = a v + (1-a) g^2; p -= lr g / (sqrt(v) + eps)
        self.s1 *= 0.99
        self.s1 += 0.01 * g * g
        p -= lr * g / (np.sqrt(self.s1) + 1e-8)

    def adadelta(self, p, g, lr):  # v = rho v + (1-rho) g^2; d = sqrt(u+eps)/sqrt(v+eps) g; u likewise
        rho, eps = 0.9, 1e-6
        self.s1 *= rho
        self.s1 += (1 - rho) * g * g
        d = np.sqrt(self.s2 + eps) / np.sqrt(self.s1 + eps) * g
        self.s2 *= rho
        self.s2 += (1 - rho) * d * d
        p -= lr * d

    def _moments(self, g, b1=0.9, b2=0.999):
        self.s1 *= b1
        self.s1 += (1 - b1) * g
        self.s2 *= b2
        self.s2 += (1 - b2) * g * g
        return 1 - b1 ** self.t, 1 - b2 ** self.t

    def adam(self, p, g, lr):  # p -= lr m_hat / (sqrt(v_hat) + eps)
        c1, c2 = self._moments(g)
        p -= (lr / c1) * self.s1 / (np.sqrt(self.s2 / c2) + 1e-8)

    def adamw(self, p, g, lr):  # decoupled weight decay, then Adam
        p *= 1 - lr * 1e-2
        self.adam(p, g, lr)

    def nadam(self, p, g, lr):  # Dozat's Nesterov Adam with PyTorch's momentum schedule
        b1, psi = 0.9, 4e-3
        _, c2 = self._moments(g)
        mu = b1 * (1 - 0.5 * 0.96 ** (self.t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((self.t + 1) * psi))
        self.mu_prod *= mu
        denom = np.sqrt(self.s2 / c2) + 1e-8
        p -= (lr * (1 - mu) / (1 - self.mu_prod)) * g / denom
        p -= (lr * mu_next / (1 - self.mu_prod * mu_next)) * self.s1 / denom
