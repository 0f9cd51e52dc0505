"""Anomaly mode: backward raises at the node whose gradient first became NaN or Inf, naming it."""
import math
import threading

import numpy as np
import pytest

import minidl
from minidl import nn
from minidl.autograd import detect_anomaly, is_anomaly_enabled, set_detect_anomaly


@pytest.fixture(autouse=True)
def _anomaly_off_after():
    yield
    minidl._C._set_detect_anomaly(False, True)


def test_log_of_zero_times_zero_raises_at_log():
    # forward: log(0) = -inf, * 0 = nan. backward: MulBackward0 gives 0 (finite) to log's output,
    # LogBackward0 computes 0 / 0 = nan: the first node whose gradient is NaN.
    x = minidl.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        y = (minidl.log(x) * 0).sum()
        with pytest.raises(RuntimeError, match=r"^Function 'LogBackward0' returned nan values in its 0th output\."):
            y.backward()
    assert x.grad is None  # the backward stopped before it reached the leaf


def test_the_error_quotes_where_the_forward_op_ran():
    x = minidl.tensor([0.0], requires_grad=True)
    with detect_anomaly():
        y = (minidl.sqrt(x) * 0).sum()  # sqrt'(0) = 1/(2*0) = inf, times the incoming 0: nan
        with pytest.raises(RuntimeError) as info:
            y.backward()
    msg = str(info.value)
    assert msg.startswith("Function 'SqrtBackward0' returned nan values in its 0th output.")
    assert "Traceback of the forward call" in msg
    assert "y = (minidl.sqrt(x) * 0).sum()" in msg and __file__ in msg


def test_infinite_gradient_raises_naming_inf():
    x = minidl.tensor([0.0, 2.0], dtype=minidl.float64, requires_grad=True)
    with detect_anomaly():
        with pytest.raises(RuntimeError, match=r"Function 'LogBackward0' returned inf values in its 0th output"):
            minidl.log(x).sum().backward()


def test_index_of_the_output_names_the_input():
    a = minidl.tensor([1.0], requires_grad=True)
    b = minidl.tensor([0.0], requires_grad=True)
    with detect_anomaly():
        # d(a/b)/da = 1/b = inf, d(a/b)/db = -a/b^2 = -inf: the 0th output already fails
        with pytest.raises(RuntimeError, match="'DivBackward0' returned inf values in its 0th output"):
            (a / b).sum().backward()
        c = minidl.tensor([2.0], requires_grad=True)
        # d(c * log(b))/dc = log(0) = -inf sits in MulBackward0's 0th output; its 1st is c = 2
        with pytest.raises(RuntimeError, match="'MulBackward0' returned inf values in its 0th output"):
            (c * minidl.log(b)).sum().backward()
        with pytest.raises(RuntimeError, match="'MulBackward0' returned inf values in its 1th output"):
            (minidl.log(b) * c).sum().backward()


def test_nan_from_a_network_loss_is_caught_inside_the_model():
    minidl.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x = minidl.randn(5, 3)
    with detect_anomaly():
        out = model(x)
        # sqrt of a value that is exactly zero somewhere: its gradient is infinite there
        loss = minidl.sqrt(out * 0).sum()
        with pytest.raises(RuntimeError, match="'SqrtBackward0' returned inf values"):
            loss.backward()
    assert all(p.grad is None for p in model.parameters())


def test_finite_gradients_do_not_raise_and_match_normal_mode():
    rng = np.random.default_rng(3)
    a_np = rng.uniform(0.5, 2.0, (3, 4))
    grads = []
    for anomaly in (False, True):
        a = minidl.tensor(a_np, requires_grad=True)
        with set_detect_anomaly(anomaly):
            (minidl.log(a) * minidl.exp(-a)).sum().backward()
        grads.append(a.grad.numpy().copy())
    expected = np.exp(-a_np) / a_np - np.log(a_np) * np.exp(-a_np)
    np.testing.assert_allclose(grads[1], expected, rtol=1e-12)
    np.testing.assert_array_equal(grads[0], grads[1])


def test_without_anomaly_mode_nan_flows_to_the_leaf():
    x = minidl.tensor([0.0, 1.0], requires_grad=True)
    (minidl.log(x) * 0).sum().backward()
    g = x.grad.numpy()
    assert math.isnan(g[0]) and g[1] == 0.0


def test_check_nan_false_records_stacks_but_does_not_check():
    x = minidl.tensor([0.0], requires_grad=True)
    with detect_anomaly(check_nan=False):
        assert is_anomaly_enabled() and not minidl.autograd.is_anomaly_check_nan_enabled()
        (minidl.log(x) * 0).sum().backward()
    assert math.isnan(x.grad.item())


def test_other_backward_errors_also_quote_the_forward_call():
    x = minidl.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        y = x.exp()
        z = (y * 1).sum()
        y.add_(1)  # exp saved its output, now modified in place
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            z.backward()
    assert "Error detected in ExpBackward0" in str(info.value) and "y = x.exp()" in str(info.value)


def test_flag_restored_after_the_context_also_on_error():
    assert not is_anomaly_enabled()
    with detect_anomaly():
        assert is_anomaly_enabled()
        with set_detect_anomaly(False):
            assert not is_anomaly_enabled()
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    with pytest.raises(ZeroDivisionError):
        with detect_anomaly():
            1 / 0
    assert not is_anomaly_enabled()
    set_detect_anomaly(True)  # a plain call switches it for good
    assert is_anomaly_enabled()
    set_detect_anomaly(False)
    assert not is_anomaly_enabled()


def test_detect_anomaly_as_a_decorator():
    @detect_anomaly()
    def inside():
        return is_anomaly_enabled()

    assert inside() and not is_anomaly_enabled()


def test_mode_is_process_wide_as_in_pytorch():
    seen = []
    with detect_anomaly():
        th = threading.Thread(target=lambda: seen.append(is_anomaly_enabled()))
        th.start()
        th.join()
    assert seen == [True]


def test_nodes_recorded_outside_anomaly_mode_are_still_checked():
    # the check runs at backward time; only the forward stack needs the mode at forward time
    x = minidl.tensor([0.0], requires_grad=True)
    y = (minidl.log(x) * 0).sum()
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="^Function 'LogBackward0' returned nan values in its 0th output.$"):
            y.backward()


def test_autograd_grad_checks_too():
    x = minidl.tensor([0.0], requires_grad=True)
    with detect_anomaly():
        with pytest.raises(RuntimeError, match="'LogBackward0' returned nan"):
            minidl.autograd.grad((minidl.log(x) * 0).sum(), x)
