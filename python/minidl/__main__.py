"""``python -m minidl``: a first look at minidl, training with autograd.

1. Fit a line ``y = w*x + b`` to noisy points of ``y = 3x - 2``, one point at a time
   (stochastic gradient descent). Autograd computes d(loss)/dw and d(loss)/db.
2. Train a tiny 2-2-1 network on XOR, once this build has matrix products (``@``) and
   ``mean``; they are on their way.

The training code is PyTorch code too: ``import torch as minidl`` runs it unchanged.
"""
import random
import sys

import minidl


def fit_line(epochs=10, lr=0.05, seed=0):
    """Minimise (w*x + b - y)**2 over 32 noisy points of y = 3x - 2; return (w, b)."""
    rng = random.Random(seed)
    xs = [rng.uniform(-2, 2) for _ in range(32)]
    data = [(x, 3 * x - 2 + rng.gauss(0, 0.1)) for x in xs]

    w = minidl.tensor(0.0, requires_grad=True)
    b = minidl.tensor(0.0, requires_grad=True)
    print("fitting y = w*x + b to noisy points of y = 3x - 2")
    for epoch in range(1, epochs + 1):
        total = 0.0
        for x, y in data:
            loss = (w * x + b - y) ** 2   # records the graph: loss knows how it was computed
            loss.backward()               # fills w.grad = d(loss)/dw and b.grad = d(loss)/db
            with minidl.no_grad():        # the update is not part of the model: don't record it
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad = None                 # backward() adds to .grad, so clear it for the next point
            b.grad = None
            total += loss.item()
        if epoch == 1 or epoch % 2 == 0:
            print(f"  epoch {epoch:2d}   mean loss {total / len(data):.5f}   w = {w.item():7.4f}   b = {b.item():7.4f}")
    return w.item(), b.item()


def fit_xor(steps=2000, lr=1.0, seed=0):
    """A 2-2-1 network, tanh then sigmoid, trained on XOR by full-batch gradient descent."""
    minidl.manual_seed(seed)
    X = minidl.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = minidl.tensor([[0.0], [1.0], [1.0], [0.0]])
    W1 = minidl.randn(2, 2, requires_grad=True)
    b1 = minidl.zeros(2, requires_grad=True)
    W2 = minidl.randn(2, 1, requires_grad=True)
    b2 = minidl.zeros(1, requires_grad=True)
    params = [W1, b1, W2, b2]

    print("training a 2-2-1 network on XOR")
    for step in range(1, steps + 1):
        hidden = minidl.tanh(X @ W1 + b1)
        p = minidl.sigmoid(hidden @ W2 + b2)
        loss = ((p - Y) ** 2).mean()
        loss.backward()
        with minidl.no_grad():
            for t in params:
                t -= lr * t.grad
                t.grad = None
        if step == 1 or step % 500 == 0:
            print(f"  step {step:4d}   loss {loss.item():.5f}")
    for (a, c), (target,), (out,) in zip(X.tolist(), Y.tolist(), p.tolist()):
        print(f"  {a:.0f} xor {c:.0f} = {target:.0f}   network says {out:.3f}")
    return loss.item()


def main():
    w, b = fit_line()
    print(f"learned w = {w:.3f}, b = {b:.3f}   (true: 3, -2)")
    ok = abs(w - 3) < 0.1 and abs(b + 2) < 0.1

    print()
    if hasattr(minidl.Tensor, "__matmul__") and hasattr(minidl.Tensor, "mean"):
        ok = fit_xor() < 0.01 and ok
    else:
        print("(the XOR network needs `@` and `mean`, which this build does not have yet)")

    if not ok:
        sys.exit("minidl demo: training did not converge")


if __name__ == "__main__":
    main()
