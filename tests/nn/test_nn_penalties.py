"""l1_penalty, l2_penalty, elastic_net_penalty: values against NumPy, which parameters they
cover, gradients (gradcheck and the closed forms lam*sign(w), lam*w)."""
import numpy as np
import pytest

import minidl
from minidl import nn
from minidl.autograd import gradcheck
from minidl.nn import functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        rng = np.random.default_rng(5)
        self.fc = nn.Module()
        self.fc.weight = nn.Parameter(minidl.from_numpy(rng.standard_normal((3, 5))))
        self.fc.bias = nn.Parameter(minidl.from_numpy(rng.standard_normal(3)))
        self.out_weight = nn.Parameter(minidl.from_numpy(rng.standard_normal((2, 3)).T))  # non-contiguous
        self.scale = nn.Parameter(minidl.from_numpy(rng.standard_normal(2)))  # not a weight


def arrays(net, names):
    params = dict(net.named_parameters())
    return [params[n].detach().numpy() for n in names]


WEIGHTS = ["fc.weight", "out_weight"]
WITH_BIAS = ["fc.weight", "fc.bias", "out_weight"]


@pytest.mark.parametrize("include_bias, names", [(False, WEIGHTS), (True, WITH_BIAS)])
def test_values(include_bias, names):
    net = Net()
    ws = arrays(net, names)
    lam1, lam2 = 0.3, 0.7
    l1 = lam1 * sum(np.abs(w).sum() for w in ws)
    sq = sum((w ** 2).sum() for w in ws)
    assert F.l1_penalty(net, lam1, include_bias=include_bias).item() == pytest.approx(l1, rel=1e-12)
    l2 = F.l2_penalty(net, lam2, include_bias=include_bias)
    assert l2.item() == pytest.approx(lam2 / 2 * sq, rel=1e-12)
    l2_full = F.l2_penalty(net, lam2, include_bias=include_bias, half=False)
    assert l2_full.item() == pytest.approx(lam2 * sq, rel=1e-12)
    assert F.elastic_net_penalty(net, lam1, lam2, include_bias=include_bias).item() == pytest.approx(
        l1 + lam2 / 2 * sq, rel=1e-12)
    en = F.elastic_net_penalty(net, lam1, lam2, include_bias=include_bias, half=False)
    assert en.item() == pytest.approx(l1 + lam2 * sq, rel=1e-12)


def test_gradients_are_the_closed_forms():
    net = Net()
    loss = F.l1_penalty(net, 0.3) + F.l2_penalty(net, 0.7)
    loss.backward()
    w = net.fc.weight.detach().numpy()
    np.testing.assert_allclose(net.fc.weight.grad.numpy(), 0.3 * np.sign(w) + 0.7 * w, rtol=1e-12)
    # l2 with half=True adds lam * w: what SGD(weight_decay=lam) adds to the gradient
    assert net.fc.bias.grad is None and net.scale.grad is None


def test_gradcheck():
    rng = np.random.default_rng(0)
    w = minidl.from_numpy(rng.standard_normal((3, 4)) + 0.1).requires_grad_(True)
    b = minidl.from_numpy(rng.uniform(0.5, 1.0, 3)).requires_grad_(True)  # away from |.|'s kink
    assert gradcheck(lambda w, b: F.elastic_net_penalty([w, b], 0.2, 0.5), (w, b))
    assert gradcheck(lambda w: F.l2_penalty(w, 1.5, half=False), (w,))


def test_tensors_and_empty():
    t = minidl.from_numpy(np.array([1.0, -2.0]))
    assert F.l1_penalty(t, 2.0).item() == 6.0
    assert F.l2_penalty([t, t], 1.0).item() == 5.0
    assert F.l1_penalty(nn.Module(), 1.0).item() == 0.0


def test_added_to_a_loss():
    net = Net()
    x = minidl.from_numpy(np.random.default_rng(1).standard_normal((4, 3)))
    data_loss = (minidl.matmul(x, net.out_weight) ** 2).mean()
    total = data_loss + F.l2_penalty(net, 1e-2)
    total.backward()
    w = net.out_weight.detach().numpy()
    expected = 2 * x.numpy().T @ (x.numpy() @ w) / 8 + 1e-2 * w
    np.testing.assert_allclose(net.out_weight.grad.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(net.fc.weight.grad.numpy(), 1e-2 * net.fc.weight.detach().numpy(), rtol=1e-12)
