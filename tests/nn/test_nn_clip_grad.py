"""nn.utils.clip_grad_norm_ / clip_grad_value_ against a NumPy reference of PyTorch's formula."""
import math

import numpy as np
import pytest
from helpers import NP_DTYPE, noncontig, rand_np, to_np

import minidl
from minidl.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm

SHAPES = [(3, 4), (5,), (2, 3, 2), ()]
DTYPES = [minidl.float32, minidl.float64]
NORMS = [1.0, 2.0, 3.0, math.inf]


def ref_total_norm(grads, p):
    flat = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads])
    if p == math.inf:
        return np.abs(flat).max()
    return (np.abs(flat) ** p).sum() ** (1.0 / p)


def ref_clip(grads, max_norm, p):
    total = ref_total_norm(grads, p)
    coef = min(1.0, max_norm / (total + 1e-6))
    return total, [np.asarray(g, dtype=np.float64) * coef for g in grads]


def make_params(dtype, scale=3.0, seed=0, noncontiguous=False):
    """Parameters of several shapes (0-d included) whose grads come from a backward pass:
    d/dp sum(p * c) = c. With ``noncontiguous`` the parameters are strided views."""
    npd = NP_DTYPE[dtype]
    params, grads = [], []
    for i, shape in enumerate(SHAPES):
        value = rand_np(shape, npd, seed=seed + i)
        if noncontiguous and shape:
            value = noncontig(value)
        p = minidl.from_numpy(value).requires_grad_(True)
        c = np.asarray(rand_np(shape, npd, seed=seed + 10 + i) * scale, dtype=npd)
        (p * minidl.tensor(c)).sum().backward()
        params.append(p)
        grads.append(c)
    return params, grads


def tol(dtype):
    return dict(rtol=2e-6, atol=1e-7) if dtype == minidl.float32 else dict(rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("p", NORMS)
@pytest.mark.parametrize("noncontiguous", [False, True])
def test_clips_to_max_norm(dtype, p, noncontiguous):
    params, grads = make_params(dtype, noncontiguous=noncontiguous)
    if noncontiguous:
        assert not params[0].is_contiguous()
    max_norm = 0.5
    want_total, want = ref_clip(grads, max_norm, p)
    total = clip_grad_norm_(params, max_norm, norm_type=p)
    assert isinstance(total, minidl.Tensor) and total.shape == () and total.dtype == dtype
    assert total.item() == pytest.approx(want_total, rel=tol(dtype)["rtol"])
    for prm, w in zip(params, want):
        np.testing.assert_allclose(to_np(prm.grad), w, **tol(dtype))
    # Afterwards the total norm is (just under) max_norm.
    assert ref_total_norm([to_np(prm.grad) for prm in params], p) == pytest.approx(max_norm, rel=1e-5)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("p", NORMS)
def test_no_clip_when_under_max_norm(dtype, p):
    params, grads = make_params(dtype)
    want_total = ref_total_norm(grads, p)
    total = clip_grad_norm_(params, want_total * 1.5, norm_type=p)
    assert total.item() == pytest.approx(want_total, rel=tol(dtype)["rtol"])
    for prm, g in zip(params, grads):
        np.testing.assert_array_equal(to_np(prm.grad), g)  # untouched, bit for bit


def test_clips_when_just_over_max_norm():
    params, grads = make_params(minidl.float64)
    max_norm = ref_total_norm(grads, 2.0) * 0.999
    _, want = ref_clip(grads, max_norm, 2.0)
    clip_grad_norm_(params, max_norm)
    for prm, w, g in zip(params, want, grads):
        np.testing.assert_allclose(to_np(prm.grad), w, rtol=1e-13)
        assert not np.array_equal(w, g) or not g.any()


def test_noncontiguous_grad_is_scaled_in_place():
    p = minidl.zeros(3, 4, dtype=minidl.float64, requires_grad=True)
    g = noncontig(rand_np((3, 4), np.float64, seed=3) * 10)
    p.grad = minidl.from_numpy(g)
    assert not p.grad.is_contiguous()
    want_total, (want,) = ref_clip([g.copy()], 1.0, 2.0)
    clip_grad_norm_(p, 1.0)  # a single tensor is accepted
    np.testing.assert_allclose(g, want, rtol=1e-12)  # the same memory was scaled


def test_params_without_grad_are_skipped():
    params, grads = make_params(minidl.float64)
    frozen = minidl.ones(4, dtype=minidl.float64, requires_grad=True)
    want_total, want = ref_clip(grads, 1.0, 2.0)
    total = clip_grad_norm_(iter(params[:2] + [frozen] + params[2:]), 1.0)  # a generator works too
    assert frozen.grad is None
    assert total.item() == pytest.approx(want_total, rel=1e-12)
    for prm, w in zip(params, want):
        np.testing.assert_allclose(to_np(prm.grad), w, rtol=1e-12)


def test_no_grads_gives_zero():
    total = clip_grad_norm_([minidl.ones(3, requires_grad=True)], 1.0)
    assert total.shape == () and total.item() == 0.0
    assert clip_grad_norm_([], 1.0).item() == 0.0


def test_mixed_dtypes_give_a_float64_norm():
    a = minidl.zeros(3, dtype=minidl.float32, requires_grad=True)
    b = minidl.zeros(2, dtype=minidl.float64, requires_grad=True)
    a.grad = minidl.tensor([3.0, 0.0, 0.0], dtype=minidl.float32)
    b.grad = minidl.tensor([0.0, 4.0], dtype=minidl.float64)
    total = clip_grad_norm_([a, b], 1.0)
    assert total.dtype == minidl.float64 and total.item() == pytest.approx(5.0, rel=1e-15)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(to_np(a.grad), np.float32([3 * coef, 0, 0]), rtol=1e-6)
    np.testing.assert_allclose(to_np(b.grad), [0.0, 4 * coef], rtol=1e-15)


def test_large_float32_grads_do_not_overflow():
    p = minidl.zeros(2, requires_grad=True)
    p.grad = minidl.tensor([3e20, 4e20])  # squares overflow float32 (max 3.4e38)
    total = clip_grad_norm_(p, 1.0)
    assert total.item() == pytest.approx(5e20, rel=1e-6)
    np.testing.assert_allclose(to_np(p.grad), [0.6, 0.8], rtol=1e-6)


def test_get_total_norm_matches_numpy():
    grads = [rand_np(s, np.float64, seed=i) for i, s in enumerate(SHAPES)]
    for p in NORMS + [0.5, "inf"]:
        want = ref_total_norm(grads, float(p))
        got = get_total_norm([minidl.tensor(g) for g in grads], p)
        assert got.item() == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nonfinite_norm(bad):
    p = minidl.zeros(3, dtype=minidl.float64, requires_grad=True)
    p.grad = minidl.tensor([1.0, bad, 2.0], dtype=minidl.float64)
    with pytest.raises(RuntimeError, match=rf"total norm of order 2.0 .* non-finite \({bad}\)"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(to_np(p.grad), [1.0, bad, 2.0])  # left alone
    # PyTorch's default scales by the non-finite norm anyway: NaN stays NaN, inf gives 0 * grads.
    total = clip_grad_norm_(p, 1.0)
    assert math.isnan(total.item()) if math.isnan(bad) else total.item() == math.inf
    with np.errstate(invalid="ignore"):
        want = np.array([1.0, bad, 2.0]) * (math.nan if math.isnan(bad) else 0.0)
    np.testing.assert_array_equal(to_np(p.grad), want)


@pytest.mark.parametrize("call,exc,match", [
    (lambda ps: clip_grad_norm_(ps, -1.0), ValueError, "max_norm must be >= 0, got -1.0"),
    (lambda ps: clip_grad_norm_(ps, "big"), TypeError, "max_norm must be a number, got 'big'"),
    (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=0), ValueError,
     r"norm_type must be > 0 \(or inf\), got 0"),
    (lambda ps: clip_grad_norm_(ps, 1.0, norm_type=-2.0), ValueError, "norm_type must be > 0.*-2.0"),
    (lambda ps: clip_grad_norm_(ps, 1.0, norm_type="l2"), TypeError,
     "norm_type must be a number or 'inf', got 'l2'"),
    (lambda ps: clip_grad_norm_(ps + [np.ones(2)], 1.0), TypeError, r"parameters\[4\] is a ndarray"),
    (lambda ps: clip_grad_value_(ps, -0.5), ValueError, "clip_value must be >= 0, got -0.5"),
    (lambda ps: clip_grad_value_(ps, None), TypeError, "clip_value must be a number, got None"),
    (lambda ps: clip_grad_value_([ps[0], 3], 1.0), TypeError, r"parameters\[1\] is a int"),
])
def test_errors(call, exc, match):
    params, _ = make_params(minidl.float32)
    with pytest.raises(exc, match=match):
        call(params)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("noncontiguous", [False, True])
def test_clip_grad_value(dtype, noncontiguous):
    params, grads = make_params(dtype, scale=5.0, noncontiguous=noncontiguous)
    frozen = minidl.ones(2, dtype=dtype, requires_grad=True)
    assert clip_grad_value_(params + [frozen], 1.5) is None
    assert frozen.grad is None
    for prm, g in zip(params, grads):
        np.testing.assert_array_equal(to_np(prm.grad), np.clip(g, -1.5, 1.5))
    assert any(np.abs(g).max() > 1.5 for g in grads)  # something was clipped


def test_clip_grad_value_single_tensor_and_noncontiguous_grad():
    p = minidl.zeros(3, 4, requires_grad=True)
    g = noncontig(rand_np((3, 4), np.float32, low=-4, high=4, seed=5))
    want = np.clip(g, -1.0, 1.0)
    p.grad = minidl.from_numpy(g)
    clip_grad_value_(p, 1)
    np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("p", NORMS + [0.5])
def test_matches_torch(p):
    torch = pytest.importorskip("torch")
    params, grads = make_params(minidl.float32, scale=4.0)
    tparams = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for tp, g in zip(tparams, grads):
        tp.grad = torch.tensor(g)
    total = clip_grad_norm_(params, 0.7, norm_type=p)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, 0.7, norm_type=p)
    assert total.item() == pytest.approx(ttotal.item(), rel=2e-6)
    for prm, tp in zip(params, tparams):
        np.testing.assert_allclose(to_np(prm.grad), tp.grad.numpy(), rtol=2e-6, atol=1e-7)
