"""minidl's losses against torch.nn.functional (values and input gradients, float64 and
float32), skipped when torch is not installed."""
import numpy as np
import pytest

import minidl
import minidl.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(11)
REDUCTIONS = ["mean", "sum", "none"]


def run_both(mfn, tfn, arrays, grad_idx=(0,)):
    """Call both libraries on the same arrays; return (minidl value, torch value, [(minidl grad, torch grad)])."""
    m_in = [minidl.from_numpy(a.copy()) for a in arrays]
    t_in = [torch.from_numpy(a.copy()) for a in arrays]
    for i in grad_idx:
        m_in[i].requires_grad_(True)
        t_in[i].requires_grad_(True)
    mo, to = mfn(*m_in), tfn(*t_in)
    seed = RNG.standard_normal(tuple(to.shape)).astype(arrays[0].dtype)
    mo.backward(minidl.from_numpy(seed))
    to.backward(torch.from_numpy(seed))
    return mo.detach().numpy(), to.detach().numpy(), [(m_in[i].grad.numpy(), t_in[i].grad.numpy()) for i in grad_idx]


def check(mfn, tfn, arrays, grad_idx=(0,), dtype=np.float64, rtol=None):
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)
    if rtol is not None:
        tol["rtol"] = rtol
    mv, tv, grads = run_both(mfn, tfn, arrays, grad_idx)
    np.testing.assert_allclose(mv, tv, **tol)
    for mg, tg in grads:
        np.testing.assert_allclose(mg, tg, **tol)


def weight_pair(w):
    return (None, None) if w is None else (minidl.from_numpy(w), torch.from_numpy(w))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_vs_torch(dtype, reduction):
    x, y = RNG.standard_normal((4, 6)), RNG.standard_normal((4, 6))
    for name, kw in [("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {"delta": 0.6}),
                     ("smooth_l1_loss", {"beta": 0.4}), ("smooth_l1_loss", {"beta": 0.0})]:
        check(lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw),
              lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **kw), [x, y], (0, 1), dtype)
    w = RNG.uniform(0.2, 2, (4, 6)).astype(dtype)
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        mw, tw = weight_pair(w)
        check(lambda a, b: getattr(F, name)(a, b, reduction=reduction, weight=mw),
              lambda a, b: getattr(TF, name)(a, b, reduction=reduction, weight=tw), [x, y], (0, 1), dtype)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_vs_torch(reduction, log_target):
    x = np.log(RNG.dirichlet(np.ones(5), size=3))
    p = RNG.dirichlet(np.ones(5), size=3)
    y = np.log(p) if log_target else p
    check(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
          lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target), [x, y], (0, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_vs_torch(dtype, reduction):
    x = RNG.uniform(0.02, 0.98, (5, 3))
    y = RNG.uniform(0, 1, (5, 3))
    mw, tw = weight_pair(RNG.uniform(0.5, 2, (3,)).astype(dtype))
    check(lambda a, b: F.binary_cross_entropy(a, b, weight=mw, reduction=reduction),
          lambda a, b: TF.binary_cross_entropy(a, b, weight=tw, reduction=reduction), [x, y], (0, 1), dtype)
    # at x = 0 or 1 the gradient divides by PyTorch's epsilon 1e-12, which it rounds to float32
    # even in float64: 4e-9 relative apart from minidl's double 1e-12
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.3])
    check(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
          lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction), [x, y], (0,), dtype, rtol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_vs_torch(dtype, reduction):
    x = np.concatenate([3 * RNG.standard_normal((4, 3)), [[1000, -1000, 0]]])
    y = (RNG.random((5, 3)) < 0.5).astype(np.float64)
    mw, tw = weight_pair(RNG.uniform(0.5, 2, (5, 1)).astype(dtype))
    mp, tp = weight_pair(RNG.uniform(0.5, 3, (3,)).astype(dtype))
    check(lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight=mw, reduction=reduction, pos_weight=mp),
          lambda a, b: TF.binary_cross_entropy_with_logits(a, b, weight=tw, reduction=reduction, pos_weight=tp),
          [x, y], (0, 1), dtype)


def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    # torchvision.ops.sigmoid_focal_loss, written out (torchvision is not a dependency)
    p = torch.sigmoid(inputs)
    ce = TF.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("alpha", [0.25, -1.0])
def test_sigmoid_focal_vs_torchvision_formula(reduction, alpha):
    x = 2 * RNG.standard_normal((4, 3))
    y = RNG.uniform(0, 1, (4, 3))
    check(lambda a, b: F.sigmoid_focal_loss(a, b, alpha=alpha, reduction=reduction),
          lambda a, b: torchvision_sigmoid_focal_loss(a, b, alpha=alpha, reduction=reduction), [x, y], (0, 1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 5), (2, 5, 3, 2), (5,)])
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_vs_torch(dtype, reduction, shape, eps, weighted):
    C = shape[0] if len(shape) == 1 else shape[1]
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    z = 3 * RNG.standard_normal(shape)
    y = RNG.integers(0, C, tshape).astype(np.int64)
    if y.ndim:
        y.reshape(-1)[::3] = 4  # ignored
    mw, tw = weight_pair(RNG.uniform(0.3, 2, C).astype(dtype) if weighted else None)
    kw = dict(reduction=reduction, label_smoothing=eps, ignore_index=4 if y.ndim else -100)
    check(lambda a, b: F.cross_entropy(a, b, weight=mw, **kw), lambda a, b: TF.cross_entropy(a, b, weight=tw, **kw),
          [z, y], (0,), dtype)
    axis = 0 if len(shape) == 1 else 1
    p = np.exp(z - np.log(np.exp(z).sum(axis, keepdims=True)))
    kw.pop("ignore_index")
    check(lambda a, b: F.cross_entropy(a, b, weight=mw, **kw), lambda a, b: TF.cross_entropy(a, b, weight=tw, **kw),
          [RNG.standard_normal(shape), p], (0, 1), dtype)
    check(lambda a, b: F.nll_loss(a, b, weight=mw, reduction=reduction),
          lambda a, b: TF.nll_loss(a, b, weight=tw, reduction=reduction),
          [np.log(p), np.where(y < C, y, 0)], (0,), dtype)


def test_cross_entropy_at_1000_vs_torch():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 5.0]], dtype=np.float32)
    y = np.array([1, 2])
    for eps in (0.0, 0.3):
        check(lambda a, b: F.cross_entropy(a, b, label_smoothing=eps),
              lambda a, b: TF.cross_entropy(a, b, label_smoothing=eps), [z, y], (0,), np.float32)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_vs_torch(reduction, p):
    x = RNG.standard_normal((6, 4))
    y = RNG.integers(0, 4, 6)
    mw, tw = weight_pair(RNG.uniform(0.5, 2, 4))
    check(lambda a, b: F.multi_margin_loss(a, b, p=p, margin=0.7, weight=mw, reduction=reduction),
          lambda a, b: TF.multi_margin_loss(a, b, p=p, margin=0.7, weight=tw, reduction=reduction), [x, y])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_vs_torch(reduction, p, swap):
    arrays = [RNG.standard_normal((5, 4)) for _ in range(3)]
    check(lambda a, q, n: F.triplet_margin_loss(a, q, n, margin=1.2, p=p, swap=swap, reduction=reduction),
          lambda a, q, n: TF.triplet_margin_loss(a, q, n, margin=1.2, p=p, swap=swap, reduction=reduction),
          arrays, (0, 1, 2))


def test_signatures_match_torch():
    import inspect
    for name in ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
                 "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div", "multi_margin_loss",
                 "triplet_margin_loss"]:
        mine = list(inspect.signature(getattr(F, name)).parameters)
        theirs = list(inspect.signature(getattr(TF, name)).parameters)
        assert mine == theirs, name
