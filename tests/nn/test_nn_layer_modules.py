"""Layer, activation and loss MODULES: what each passes to minidl.nn.functional (checked now,
with the functional replaced by a recorder), their options, errors and reprs (against PyTorch's
when torch is installed), and, once the C++ kernels exist, their values against NumPy."""
import math

import numpy as np
import pytest

import minidl
from minidl import nn
from minidl.autograd import gradcheck

F = nn.functional


def has(*names):
    missing = [n for n in names if not hasattr(F, n)]
    reason = f"minidl.nn.functional.{', '.join(missing)} not built yet"
    return pytest.mark.skipif(bool(missing), reason=reason)


class Recorder:
    """Stands in for a functional: records each call and returns a marker."""

    def __init__(self):
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return "result"


@pytest.fixture
def fake(monkeypatch):
    def install(name):
        rec = Recorder()
        monkeypatch.setattr(F, name, rec, raising=False)
        return rec
    return install


def t64(*shape, seed=0, low=None):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) if low is None else rng.uniform(low, 1 - low, shape)
    return minidl.from_numpy(a)


# ---- delegation (runs without the C++ kernels) ---------------------------------------------------

def test_linear_calls_functional_linear(fake):
    rec = fake("linear")
    lin = nn.Linear(3, 2)
    x = minidl.zeros(4, 3)
    assert lin(x) == "result"
    (args, kwargs), = rec.calls
    assert args[0] is x and args[1] is lin.weight and args[2] is lin.bias and not kwargs
    nb = nn.Linear(3, 2, bias=False)
    nb(x)
    assert rec.calls[1][0][2] is None


def test_dropout_passes_p_and_mode(fake):
    rec = fake("dropout")
    d = nn.Dropout(0.3)
    x = minidl.zeros(2)
    d(x)
    d.eval()
    d(x)
    assert [c[0] for c in rec.calls] == [(x, 0.3, True), (x, 0.3, False)]


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5", True])
def test_dropout_bad_p(p):
    with pytest.raises(ValueError, match=r"dropout probability has to be in \[0, 1\), but got"):
        nn.Dropout(p)


def test_batchnorm_buffers_and_parameters():
    bn = nn.BatchNorm1d(5)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    np.testing.assert_array_equal(bn.weight.detach().numpy(), np.ones(5))
    np.testing.assert_array_equal(bn.bias.detach().numpy(), np.zeros(5))
    np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(5))
    np.testing.assert_array_equal(bn.running_var.numpy(), np.ones(5))
    assert bn.num_batches_tracked.dtype == minidl.int64 and bn.num_batches_tracked.shape == ()
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    plain = nn.BatchNorm1d(5, affine=False, track_running_stats=False)
    assert list(plain.state_dict()) == [] and list(plain.parameters()) == []
    assert plain.running_mean is None and plain.weight is None
    no_bias = nn.BatchNorm1d(5, bias=False)  # PyTorch 2.x option: scale without shift
    assert list(no_bias.state_dict()) == ["weight", "running_mean", "running_var", "num_batches_tracked"]


def test_batchnorm_passes_statistics_mode_and_momentum(fake):
    rec = fake("batch_norm")
    bn = nn.BatchNorm1d(3, eps=1e-3, momentum=0.01)  # slides 003's decay 0.99
    x = minidl.zeros(4, 3)
    bn(x)
    bn(x)
    assert int(bn.num_batches_tracked) == 2
    args = rec.calls[-1][0]
    assert args[0] is x and args[1] is bn.running_mean and args[2] is bn.running_var
    assert args[3] is bn.weight and args[4] is bn.bias and args[5:] == (True, 0.01, 1e-3)
    bn.eval()
    bn(x)
    assert int(bn.num_batches_tracked) == 2  # not counted in eval
    assert rec.calls[-1][0][5:] == (False, 0.01, 1e-3) and rec.calls[-1][0][1] is bn.running_mean


def test_batchnorm_cumulative_momentum_none(fake):
    rec = fake("batch_norm")
    bn = nn.BatchNorm1d(3, momentum=None)
    x = minidl.zeros(2, 3, 4)  # 3-D input (N, C, L)
    factors = []
    for _ in range(4):
        bn(x)
        factors.append(rec.calls[-1][0][6])
    assert factors == [1.0, 1 / 2, 1 / 3, 1 / 4]


def test_batchnorm_without_running_stats_always_uses_the_batch(fake):
    rec = fake("batch_norm")
    bn = nn.BatchNorm1d(3, track_running_stats=False)
    bn.eval()
    bn(minidl.zeros(2, 3))
    assert rec.calls[0][0][1] is None and rec.calls[0][0][2] is None and rec.calls[0][0][5] is True


def test_batchnorm_bad_input():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 1D input"):
        bn(minidl.zeros(3))
    with pytest.raises(ValueError, match=r"expected input with 3 features \(dim 1\), got input of shape "
                                         r"\(4, 5\)"):
        bn(minidl.zeros(4, 5))
    assert int(bn.num_batches_tracked) == 0  # a refused batch is not counted
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm1d(3, momentum=1.5)


def test_batchnorm_reset():
    bn = nn.BatchNorm1d(2)
    with minidl.no_grad():
        bn.running_mean.fill_(3.0)
        bn.num_batches_tracked.fill_(9)
        bn.weight.fill_(2.0)
    bn.reset_parameters()
    assert float(bn.running_mean.sum()) == 0 and int(bn.num_batches_tracked) == 0
    np.testing.assert_array_equal(bn.weight.detach().numpy(), [1.0, 1.0])


def test_layernorm(fake):
    rec = fake("layer_norm")
    ln = nn.LayerNorm(4, eps=1e-6)
    assert ln.normalized_shape == (4,)
    x = minidl.zeros(2, 4)
    ln(x)
    assert rec.calls[0][0] == (x, (4,), ln.weight, ln.bias, 1e-6)
    ln2 = nn.LayerNorm([3, 4])
    assert ln2.weight.shape == (3, 4) and list(ln2.state_dict()) == ["weight", "bias"]
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None
    assert nn.LayerNorm(4, bias=False).bias is None


ACTIVATIONS = [
    (nn.ReLU, {}, "relu", (), {}),
    (nn.LeakyReLU, {"negative_slope": 0.2}, "leaky_relu", (0.2,), {}),
    (nn.ELU, {"alpha": 0.5}, "elu", (0.5,), {}),
    (nn.Sigmoid, {}, "sigmoid", (), {}),
    (nn.Tanh, {}, "tanh", (), {}),
    (nn.Softmax, {"dim": 1}, "softmax", (1,), {}),
    (nn.LogSoftmax, {"dim": -1}, "log_softmax", (-1,), {}),
    (nn.SiLU, {}, "silu", (), {}),
    (nn.GELU, {"approximate": "tanh"}, "gelu", (), {"approximate": "tanh"}),
    (nn.Softplus, {"beta": 2.0, "threshold": 10.0}, "softplus", (2.0, 10.0), {}),
    (nn.Hardtanh, {"min_val": -2.0, "max_val": 3.0}, "hardtanh", (-2.0, 3.0), {}),
    (nn.Step, {}, "step", (), {}),
    (nn.Sign, {}, "sign", (), {}),
]


@pytest.mark.parametrize("cls, options, fname, args, kwargs", ACTIVATIONS,
                         ids=[a[0].__name__ for a in ACTIVATIONS])
def test_activation_delegation(fake, cls, options, fname, args, kwargs):
    rec = fake(fname)
    x = minidl.zeros(2, 3)
    assert cls(**options)(x) == "result"
    assert rec.calls == [((x,) + args, kwargs)]


def test_prelu_parameter(fake):
    rec = fake("prelu")
    m = nn.PReLU(3, init=0.1)
    assert [n for n, _ in m.named_parameters()] == ["weight"]
    np.testing.assert_allclose(m.weight.detach().numpy(), [0.1] * 3, rtol=1e-7)
    x = minidl.zeros(2, 3)
    m(x)
    assert rec.calls[0][0] == (x, m.weight)


def test_softmax_without_dim_warns_like_old_pytorch(fake):
    rec = fake("softmax")
    with pytest.warns(UserWarning, match="Implicit dimension"):
        nn.Softmax()(minidl.zeros(2, 3))
    assert rec.calls[0][0][1] == 1


def test_activation_option_errors():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="max_val"):
        nn.Hardtanh(1.0, -1.0)


LOSSES = [
    (nn.MSELoss, {"reduction": "sum"}, "mse_loss", 2, {"reduction": "sum"}),
    (nn.L1Loss, {}, "l1_loss", 2, {"reduction": "mean"}),
    (nn.HuberLoss, {"delta": 0.5}, "huber_loss", 2, {"reduction": "mean", "delta": 0.5}),
    (nn.SmoothL1Loss, {"beta": 0.3, "reduction": "none"}, "smooth_l1_loss", 2,
     {"reduction": "none", "beta": 0.3}),
    (nn.BCELoss, {}, "binary_cross_entropy", 2, {"weight": None, "reduction": "mean"}),
    (nn.BCEWithLogitsLoss, {}, "binary_cross_entropy_with_logits", 2,
     {"weight": None, "reduction": "mean", "pos_weight": None}),
    (nn.CrossEntropyLoss, {"ignore_index": 3, "label_smoothing": 0.1}, "cross_entropy", 2,
     {"weight": None, "ignore_index": 3, "reduction": "mean", "label_smoothing": 0.1}),
    (nn.NLLLoss, {"reduction": "sum"}, "nll_loss", 2,
     {"weight": None, "ignore_index": -100, "reduction": "sum"}),
    (nn.KLDivLoss, {"reduction": "batchmean", "log_target": True}, "kl_div", 2,
     {"reduction": "batchmean", "log_target": True}),
    (nn.FocalLoss, {}, "focal_loss", 2, {"gamma": 2.0, "alpha": None, "reduction": "mean"}),
    (nn.FocalLoss, {"binary": True, "alpha": 0.25, "gamma": 1.0}, "sigmoid_focal_loss", 2,
     {"alpha": 0.25, "gamma": 1.0, "reduction": "mean"}),
    (nn.MultiMarginLoss, {"p": 2, "margin": 0.5}, "multi_margin_loss", 2,
     {"p": 2, "margin": 0.5, "weight": None, "reduction": "mean"}),
    (nn.TripletMarginLoss, {"margin": 2.0, "swap": True}, "triplet_margin_loss", 3,
     {"margin": 2.0, "p": 2.0, "eps": 1e-6, "swap": True, "reduction": "mean"}),
    (nn.ContrastiveLoss, {"margin": 3.0}, "contrastive_loss", 3, {"margin": 3.0, "reduction": "mean"}),
]


@pytest.mark.parametrize("cls, options, fname, nargs, kwargs", LOSSES,
                         ids=[f"{c[0].__name__}-{c[2]}" for c in LOSSES])
def test_loss_delegation(fake, cls, options, fname, nargs, kwargs):
    rec = fake(fname)
    inputs = tuple(minidl.zeros(2, 3) for _ in range(nargs))
    assert cls(**options)(*inputs) == "result"
    (args, got), = rec.calls
    assert args == inputs and got == kwargs


def test_weighted_losses_keep_weight_as_buffer(fake):
    rec = fake("cross_entropy")
    w = minidl.tensor([1.0, 2.0, 3.0])
    ce = nn.CrossEntropyLoss(weight=w)
    assert ce.weight is w and list(ce.state_dict()) == ["weight"]
    ce(minidl.zeros(2, 3), minidl.zeros(2, dtype=minidl.int64))
    assert rec.calls[0][1]["weight"] is w
    ce.double()
    assert ce.weight.dtype == minidl.float64
    bce = nn.BCEWithLogitsLoss(pos_weight=minidl.tensor([3.0]))
    assert list(bce.state_dict()) == ["pos_weight"]


def test_loss_option_errors():
    with pytest.raises(ValueError, match="'avg' is not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="delta"):
        nn.HuberLoss(delta=0)
    with pytest.raises(ValueError, match="gamma"):
        nn.FocalLoss(gamma=-1)
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="margin"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(TypeError, match="weight must be a minidl.Tensor"):
        nn.CrossEntropyLoss(weight=[1.0, 2.0])


def test_legacy_size_average_reduce():
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.NLLLoss(reduce=False).reduction == "none"


# ---- reprs, against PyTorch's ----------------------------------------------------------------------

REPR_CASES = [
    ("Linear", (784, 128), {}), ("Linear", (3, 2), {"bias": False}), ("Identity", (), {}),
    ("Flatten", (), {}), ("Flatten", (0, 2), {}), ("Unflatten", (1, (1, 28, 28)), {}),
    ("Dropout", (), {}), ("Dropout", (0.2,), {}), ("BatchNorm1d", (10,), {}),
    ("BatchNorm1d", (4,), {"momentum": None, "affine": False}), ("LayerNorm", (10,), {}),
    ("LayerNorm", ([3, 4],), {"eps": 1e-6}), ("ReLU", (), {}), ("LeakyReLU", (), {}),
    ("LeakyReLU", (0.2,), {}), ("PReLU", (), {}), ("PReLU", (3,), {}), ("ELU", (), {}), ("Sigmoid", (), {}),
    ("Tanh", (), {}), ("Softmax", (), {"dim": 1}), ("LogSoftmax", (), {"dim": -1}), ("SiLU", (), {}),
    ("GELU", (), {}), ("GELU", (), {"approximate": "tanh"}), ("Softplus", (), {}), ("Hardtanh", (), {}),
    ("MSELoss", (), {}), ("MSELoss", (), {"reduction": "sum"}), ("L1Loss", (), {}), ("HuberLoss", (), {}),
    ("SmoothL1Loss", (), {}), ("BCELoss", (), {}), ("BCEWithLogitsLoss", (), {}),
    ("CrossEntropyLoss", (), {}),
    ("NLLLoss", (), {}), ("KLDivLoss", (), {}), ("MultiMarginLoss", (), {}), ("TripletMarginLoss", (), {}),
]


@pytest.mark.parametrize("name, args, kwargs", REPR_CASES)
def test_repr_matches_pytorch(name, args, kwargs):
    torch = pytest.importorskip("torch")
    assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_nested_model_repr_matches_pytorch():
    torch = pytest.importorskip("torch")

    def build(lib):
        return lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(784, 128), lib.nn.BatchNorm1d(128),
                                 lib.nn.ReLU(), lib.nn.Dropout(0.5),
                                 lib.nn.ModuleList([lib.nn.Linear(128, 128) for _ in range(3)]),
                                 lib.nn.Linear(128, 10), lib.nn.LogSoftmax(dim=1))

    assert repr(build(minidl)) == repr(build(torch))


def test_own_module_reprs():
    assert repr(nn.Step()) == "Step()" and repr(nn.Sign()) == "Sign()"
    assert repr(nn.FocalLoss()) == "FocalLoss(gamma=2.0, alpha=None)"
    assert repr(nn.FocalLoss(binary=True, alpha=0.25)) == "FocalLoss(gamma=2.0, alpha=0.25, binary=True)"
    assert repr(nn.ContrastiveLoss()) == "ContrastiveLoss(margin=1.0)"


# ---- values, once the C++ kernels exist ------------------------------------------------------------

@has("linear")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_linear_values_and_gradients(dtype):
    lin = nn.Linear(5, 3, dtype=minidl.float32 if dtype == np.float32 else minidl.float64)
    a = np.random.default_rng(0).standard_normal((7, 5)).astype(dtype)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(lin(minidl.from_numpy(a)).detach().numpy(), a @ w.T + b, rtol=tol, atol=tol)
    at = np.asfortranarray(a)  # non-contiguous rows
    np.testing.assert_allclose(lin(minidl.from_numpy(at)).detach().numpy(), a @ w.T + b, rtol=tol, atol=tol)
    if dtype == np.float64:
        x = t64(4, 5).requires_grad_(True)
        assert lin(x).grad_fn is not None  # (gradcheck skips outputs outside the graph)
        assert gradcheck(lambda x, w, b: lin(x), (x, lin.weight, lin.bias))


def test_linear_wrong_width_names_both_sizes():
    with pytest.raises(ValueError, match=r"Linear\(in_features=5, out_features=3\) expects input of shape "
                                         r"\(\*, 5\), got \(2, 4\)"):
        nn.Linear(5, 3)(minidl.zeros(2, 4))
    with pytest.raises(ValueError, match=r"got \(\)"):
        nn.Linear(5, 3)(minidl.zeros(()))


@has("linear")
def test_note_002_worked_example():
    # 2-2-1 ReLU network with the corrected values of CONVENTIONS.md: z1 = [0.27, 0.59], y = 0.789
    f64 = minidl.float64
    net = nn.Sequential(nn.Linear(2, 2, dtype=f64), nn.ReLU(), nn.Linear(2, 1, dtype=f64))
    net.load_state_dict({"0.weight": np.array([[0.1, 0.2], [0.3, 0.4]]), "0.bias": np.array([0.1, 0.2]),
                         "2.weight": np.array([[0.5, 0.6]]), "2.bias": np.array([0.3])})
    z1 = {}
    net[0].register_forward_hook(lambda m, i, o: z1.setdefault("z1", o))
    y = net(minidl.from_numpy(np.array([[0.5, 0.6]])))
    np.testing.assert_allclose(z1["z1"].detach().numpy(), [[0.27, 0.59]], rtol=1e-12)
    np.testing.assert_allclose(y.detach().numpy(), [[0.789]], rtol=1e-12)
    y.sum().backward()
    # dy/dW2 = a1, dy/dW1 = (W2^T * relu'(z1)) x^T, both units active
    np.testing.assert_allclose(net[2].weight.grad.numpy(), [[0.27, 0.59]], rtol=1e-12)
    np.testing.assert_allclose(net[0].weight.grad.numpy(), [[0.25, 0.3], [0.3, 0.36]], rtol=1e-12)
    np.testing.assert_allclose(net[0].bias.grad.numpy(), [0.5, 0.6], rtol=1e-12)


@has("dropout")
def test_dropout_values():
    minidl.manual_seed(0)
    d = nn.Dropout(0.25)
    x = minidl.ones(200, 500)
    y = d(x).numpy()
    kept = y != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    d.eval()
    np.testing.assert_array_equal(d(x).numpy(), x.numpy())


def _np_bn(a, axes, eps, w=None, b=None):
    mean = a.mean(axis=axes, keepdims=True)
    var = a.var(axis=axes, keepdims=True)
    return (a - mean) / np.sqrt(var + eps)


@has("batch_norm")
@pytest.mark.parametrize("momentum", [0.1, 0.01, None])
@pytest.mark.parametrize("shape", [(8, 3), (6, 3, 5)])
def test_batchnorm_running_statistics_over_steps(momentum, shape):
    bn = nn.BatchNorm1d(3, momentum=momentum, dtype=minidl.float64)
    axes = (0,) if len(shape) == 2 else (0, 2)
    rm, rv = np.zeros(3), np.ones(3)
    batches = [np.random.default_rng(s).standard_normal(shape) * (s + 1) + s for s in range(4)]
    for k, a in enumerate(batches, 1):
        y = bn(minidl.from_numpy(a)).detach().numpy()
        np.testing.assert_allclose(y, _np_bn(a, axes, 1e-5), rtol=1e-9, atol=1e-9)
        f = 1 / k if momentum is None else momentum
        n = a.size // 3
        rm = (1 - f) * rm + f * a.mean(axis=axes)
        rv = (1 - f) * rv + f * a.var(axis=axes) * n / (n - 1)  # unbiased for the running variance
        np.testing.assert_allclose(bn.running_mean.numpy(), rm, rtol=1e-12)
        np.testing.assert_allclose(bn.running_var.numpy(), rv, rtol=1e-12)
    if momentum is None:  # the cumulative average of note 001's code
        np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([a.mean(axis=axes) for a in batches], 0),
                                   rtol=1e-12)
    bn.eval()
    a = batches[0]
    shape_b = (1, 3) if len(shape) == 2 else (1, 3, 1)
    ref = (a - rm.reshape(shape_b)) / np.sqrt(rv.reshape(shape_b) + 1e-5)
    np.testing.assert_allclose(bn(minidl.from_numpy(a)).detach().numpy(), ref, rtol=1e-9, atol=1e-9)
    assert int(bn.num_batches_tracked) == 4


@has("layer_norm")
def test_layernorm_values():
    ln = nn.LayerNorm((3, 4), dtype=minidl.float64)
    a = np.random.default_rng(0).standard_normal((2, 3, 4)) * 3 + 1
    mean = a.mean(axis=(1, 2), keepdims=True)
    ref = (a - mean) / np.sqrt(a.var(axis=(1, 2), keepdims=True) + 1e-5)
    np.testing.assert_allclose(ln(minidl.from_numpy(a)).detach().numpy(), ref, rtol=1e-9, atol=1e-9)


def _gelu(a):
    return a * 0.5 * (1 + np.vectorize(math.erf)(a / math.sqrt(2)))


ACT_REFS = [
    (nn.ReLU(), lambda a: np.maximum(a, 0), "relu"),
    (nn.LeakyReLU(), lambda a: np.where(a >= 0, a, 0.01 * a), "leaky_relu"),
    (nn.LeakyReLU(0.3), lambda a: np.where(a >= 0, a, 0.3 * a), "leaky_relu"),
    (nn.PReLU(), lambda a: np.where(a >= 0, a, 0.25 * a), "prelu"),
    (nn.ELU(), lambda a: np.where(a > 0, a, np.expm1(a)), "elu"),
    (nn.ELU(0.5), lambda a: np.where(a > 0, a, 0.5 * np.expm1(a)), "elu"),
    (nn.Sigmoid(), lambda a: 1 / (1 + np.exp(-a)), "sigmoid"),
    (nn.Tanh(), np.tanh, "tanh"),
    (nn.Softmax(dim=1), lambda a: np.exp(a) / np.exp(a).sum(1, keepdims=True), "softmax"),
    (nn.LogSoftmax(dim=1), lambda a: a - np.log(np.exp(a).sum(1, keepdims=True)), "log_softmax"),
    (nn.SiLU(), lambda a: a / (1 + np.exp(-a)), "silu"),
    (nn.GELU(), _gelu, "gelu"),
    (nn.GELU("tanh"), lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3))),
     "gelu"),
    (nn.Softplus(), lambda a: np.log1p(np.exp(a)), "softplus"),
    (nn.Softplus(2.0, 1.0), lambda a: np.where(2 * a > 1, a, np.log1p(np.exp(2 * a)) / 2), "softplus"),
    (nn.Hardtanh(), lambda a: np.clip(a, -1, 1), "hardtanh"),
    (nn.Step(), lambda a: (a > 0).astype(a.dtype), "step"),
    (nn.Sign(), np.sign, "sign"),
]


@pytest.mark.parametrize("module, ref, fname", ACT_REFS, ids=[f"{r[2]}-{i}" for i, r in enumerate(ACT_REFS)])
def test_activation_values(module, ref, fname):
    if not hasattr(F, fname):
        pytest.skip(f"minidl.nn.functional.{fname} not built yet")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 5, 7)) * 3
    a[np.abs(a) < 1e-3] = 0.5  # keep step/sign away from their value at 0
    m = module.double()  # PReLU holds a parameter; the others have nothing to convert
    np.testing.assert_allclose(m(minidl.from_numpy(a)).detach().numpy(), ref(a), rtol=1e-10, atol=1e-12)


def _ce_ref(z, y, w=None):
    logp = z - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)) - z.max(1, keepdims=True)
    w = np.ones(z.shape[1]) if w is None else w
    return -w[y] * logp[np.arange(len(y)), y], w[y]


@has("cross_entropy")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_module(reduction):
    rng = np.random.default_rng(0)
    z, y, w = rng.standard_normal((6, 4)), rng.integers(0, 4, 6), rng.uniform(0.5, 2, 4)
    per, wy = _ce_ref(z, y, w)
    ref = {"mean": per.sum() / wy.sum(), "sum": per.sum(), "none": per}[reduction]
    loss = nn.CrossEntropyLoss(weight=minidl.from_numpy(w), reduction=reduction)
    got = loss(minidl.from_numpy(z), minidl.from_numpy(y))
    np.testing.assert_allclose(got.detach().numpy(), ref, rtol=1e-10)


@has("cross_entropy")
def test_cross_entropy_of_ten_balanced_classes_starts_near_ln10():
    loss = nn.CrossEntropyLoss()(minidl.zeros(10, 10), minidl.arange(10))
    assert loss.item() == pytest.approx(math.log(10), rel=1e-6)


REG_REFS = [
    (nn.MSELoss, {}, "mse_loss", lambda d: d ** 2),
    (nn.L1Loss, {}, "l1_loss", np.abs),
    (nn.HuberLoss, {"delta": 0.7}, "huber_loss",
     lambda d: np.where(np.abs(d) <= 0.7, 0.5 * d ** 2, 0.7 * (np.abs(d) - 0.35))),
    (nn.SmoothL1Loss, {"beta": 0.7}, "smooth_l1_loss",
     lambda d: np.where(np.abs(d) < 0.7, 0.5 * d ** 2 / 0.7, np.abs(d) - 0.35)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("cls, opts, fname, per", REG_REFS, ids=[r[2] for r in REG_REFS])
def test_regression_loss_modules(cls, opts, fname, per, reduction):
    if not hasattr(F, fname):
        pytest.skip(f"minidl.nn.functional.{fname} not built yet")
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    l_i = per(x - y)
    ref = {"mean": l_i.mean(), "sum": l_i.sum(), "none": l_i}[reduction]
    got = cls(reduction=reduction, **opts)(minidl.from_numpy(x), minidl.from_numpy(y))
    np.testing.assert_allclose(got.detach().numpy(), ref, rtol=1e-10, atol=1e-12)


@has("binary_cross_entropy", "binary_cross_entropy_with_logits")
def test_binary_loss_modules():
    rng = np.random.default_rng(2)
    z, y = rng.standard_normal((4, 3)), rng.integers(0, 2, (4, 3)).astype(np.float64)
    p = 1 / (1 + np.exp(-z))
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    got = nn.BCELoss()(minidl.from_numpy(p), minidl.from_numpy(y)).item()
    assert got == pytest.approx(bce.mean(), rel=1e-10)
    pw = np.array([1.0, 2.0, 3.0])
    ref = -(pw * y * np.log(p) + (1 - y) * np.log(1 - p))
    loss = nn.BCEWithLogitsLoss(pos_weight=minidl.from_numpy(pw), reduction="sum")
    got = loss(minidl.from_numpy(z), minidl.from_numpy(y)).item()
    assert got == pytest.approx(ref.sum(), rel=1e-10)


@has("nll_loss", "kl_div")
def test_nll_and_kl_modules():
    rng = np.random.default_rng(3)
    z, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    logq = z - np.log(np.exp(z).sum(1, keepdims=True))
    got = nn.NLLLoss()(minidl.from_numpy(logq), minidl.from_numpy(y)).item()
    assert got == pytest.approx(-logq[np.arange(5), y].mean(), rel=1e-10)
    p = np.exp(rng.standard_normal((5, 4)))
    p /= p.sum(1, keepdims=True)
    got = nn.KLDivLoss(reduction="batchmean")(minidl.from_numpy(logq), minidl.from_numpy(p)).item()
    assert got == pytest.approx((p * (np.log(p) - logq)).sum() / 5, rel=1e-10)


@has("focal_loss")
def test_focal_loss_module():
    rng = np.random.default_rng(4)
    z, y = rng.standard_normal((6, 3)), rng.integers(0, 3, 6)
    per, _ = _ce_ref(z, y)
    pt = np.exp(-per)
    got = nn.FocalLoss(gamma=2.0)(minidl.from_numpy(z), minidl.from_numpy(y)).item()
    assert got == pytest.approx((-(1 - pt) ** 2 * np.log(pt)).mean(), rel=1e-9)
    got0 = nn.FocalLoss(gamma=0.0)(minidl.from_numpy(z), minidl.from_numpy(y)).item()
    assert got0 == pytest.approx(per.mean(), rel=1e-9)  # gamma = 0 is cross-entropy


@has("multi_margin_loss", "triplet_margin_loss")
def test_margin_loss_modules_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    z, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    ours = nn.MultiMarginLoss(margin=0.7)(minidl.from_numpy(z), minidl.from_numpy(y)).item()
    theirs = torch.nn.MultiMarginLoss(margin=0.7)(torch.from_numpy(z), torch.from_numpy(y)).item()
    assert ours == pytest.approx(theirs, rel=1e-10)
    a, p, n = (rng.standard_normal((4, 6)) for _ in range(3))
    ours = nn.TripletMarginLoss(margin=1.5, swap=True)(*map(minidl.from_numpy, (a, p, n))).item()
    theirs = torch.nn.TripletMarginLoss(margin=1.5, swap=True)(*map(torch.from_numpy, (a, p, n))).item()
    assert ours == pytest.approx(theirs, rel=1e-10)
