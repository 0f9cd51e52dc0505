"""minidl.compare's optimizer specs ('adam:lr=0.003,betas=0.9/0.99'), the named optimizers and
the dataset names: parsing, labels, learning-rate overrides, and the errors that list the valid
names."""
import re

import numpy as np
import pytest

import minidl
from minidl.compare import DATASETS, DEFAULT_OPTIMIZERS, OPTIMIZERS, parse_spec, parse_specs
from minidl.compare import data as compare_data

ALL_OPTIMIZERS = ["sgd", "momentum", "heavyball", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
                  "adamw", "nadam"]
ALL_DATASETS = ["digits", "moons", "circles", "spirals", "xor", "blobs", "linear", "sum-sign"]


def test_registries_hold_the_issue_names():
    assert list(OPTIMIZERS) == ALL_OPTIMIZERS
    assert list(DATASETS) == ALL_DATASETS
    assert DEFAULT_OPTIMIZERS == ("sgd", "momentum", "adagrad", "rmsprop", "adam")


def test_named_forms():
    # The notes' momentum is the moving average v = a v + (1-a) g from v = 0:
    # SGD(momentum=a, dampening=a, momentum_init='zeros').
    m = parse_spec("momentum")
    assert m.cls == "SGD" and m.kwargs["momentum"] == 0.9 and m.kwargs["dampening"] == 0.9
    assert m.kwargs["momentum_init"] == "zeros"
    hb = parse_spec("heavyball")
    assert hb.cls == "SGD" and hb.kwargs["momentum"] == 0.9 and hb.kwargs.get("dampening", 0) == 0
    assert parse_spec("nesterov").kwargs["nesterov"] is True
    assert {parse_spec(n).cls for n in ("adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam")} == {
        "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "NAdam"}
    for name in ALL_OPTIMIZERS:
        s = parse_spec(name)
        assert s.label == name and s.overrides == {} and s.kwargs["lr"] > 0


def test_overrides_are_typed():
    s = parse_spec("adam:lr=0.003,betas=0.9/0.99")
    assert s.name == "adam" and s.cls == "Adam"
    assert s.kwargs == {"lr": 0.003, "betas": (0.9, 0.99)}
    assert s.overrides == {"lr": 0.003, "betas": (0.9, 0.99)}
    assert s.label == "adam(lr=0.003,betas=0.9/0.99)"
    s = parse_spec(" RMSprop : alpha = 0.9 , centered = TRUE, eps=1e-6 ")
    assert s.name == "rmsprop"
    assert s.kwargs["alpha"] == 0.9 and s.kwargs["centered"] is True and s.kwargs["eps"] == 1e-6
    s = parse_spec("sgd:nesterov=false,momentum=0,weight_decay=5e-4")
    assert s.kwargs == {"lr": OPTIMIZERS["sgd"].kwargs["lr"], "nesterov": False, "momentum": 0.0,
                        "weight_decay": 5e-4}
    assert isinstance(s.kwargs["momentum"], float)
    assert parse_spec("adamw:weight_decay=0").kwargs["weight_decay"] == 0.0  # overrides the name's 0.01


def test_minidls_own_options_in_specs():
    assert parse_spec("momentum:momentum_init=grad").kwargs["momentum_init"] == "grad"
    assert parse_spec("sgd:momentum=0.9,momentum_init=Zeros").kwargs["momentum_init"] == "zeros"
    for name in ("adagrad", "adam", "adamw", "nadam"):
        assert parse_spec(f"{name}:eps_inside_sqrt=true").kwargs["eps_inside_sqrt"] is True


def test_describe_names_the_class_and_every_argument():
    assert (parse_spec("momentum").describe()
            == "SGD(lr=0.1, momentum=0.9, dampening=0.9, momentum_init=zeros)")
    assert parse_spec("adam:betas=0.8/0.9").describe() == "Adam(lr=0.001, betas=0.8/0.9)"


@pytest.mark.parametrize("bad", ["foo", "Adamm", "", "sgd2:lr=1", ":lr=1"])
def test_unknown_optimizer_lists_every_valid_name(bad):
    with pytest.raises(ValueError, match="unknown optimizer") as info:
        parse_spec(bad)
    message = str(info.value)
    assert all(name in message for name in ALL_OPTIMIZERS), message


@pytest.mark.parametrize("spec, message", [
    ("adam:lr=abc", r"lr must be a number, got 'abc'"),
    ("adam:lr=nan", r"lr must be a finite number"),
    ("adam:beta=0.9", r"Adam has no option 'beta'; its options: lr, .*betas"),
    ("sgd:alpha=0.9", r"SGD has no option 'alpha'"),
    ("adam:betas=0.9", r"betas must be two numbers joined by '/'"),
    ("adam:betas=0.9/x", r"betas must be a number, got 'x'"),
    ("sgd:nesterov=maybe", r"nesterov must be true or false, got 'maybe'"),
    ("momentum:momentum_init=ones", r"momentum_init must be one of grad, zeros, got 'ones'"),
    ("adam:eps_inside_sqrt=inside", r"eps_inside_sqrt must be true or false, got 'inside'"),
    ("rmsprop:eps_inside_sqrt=true", r"RMSprop has no option 'eps_inside_sqrt'"),
    ("sgd:lr", r"expected key=value, got 'lr'"),
    ("sgd:lr=", r"expected key=value"),
    ("sgd:", r"nothing after ':'"),
    ("sgd:lr=0.1,lr=0.2", r"lr given twice"),
    ("sgd:lr=0.1,,momentum=0.9", r"expected key=value, got ''"),
])
def test_bad_hyperparameters(spec, message):
    with pytest.raises(ValueError, match=message) as info:
        parse_spec(spec)
    assert repr(spec) in str(info.value)  # the message quotes the whole spec


def test_spec_must_be_a_string():
    with pytest.raises(TypeError, match="optimizer spec is a string"):
        parse_spec(0.1)


def test_parse_specs_labels_and_lr_overrides():
    specs = parse_specs(["sgd", "adam", "adam", "adam:lr=0.01"])
    assert [s.label for s in specs] == ["sgd", "adam", "adam #2", "adam(lr=0.01)"]
    specs = parse_specs(["sgd", "adam"], lr=0.05)
    assert [s.kwargs["lr"] for s in specs] == [0.05, 0.05]
    assert [s.label for s in specs] == ["sgd(lr=0.05)", "adam(lr=0.05)"]
    specs = parse_specs(["sgd", "momentum", "adam:betas=0.8/0.9"], lr={"momentum": 0.3, "adam": 0.002})
    assert [s.kwargs["lr"] for s in specs] == [OPTIMIZERS["sgd"].kwargs["lr"], 0.3, 0.002]
    assert specs[2].kwargs["betas"] == (0.8, 0.9)
    assert parse_specs("sgd")[0].label == "sgd"
    # a spec's own lr wins over the lr for all and over its name's, not over its label's
    specs = parse_specs(["adam", "adam:lr=0.01"], lr=0.5)
    assert [s.kwargs["lr"] for s in specs] == [0.5, 0.01]
    specs = parse_specs(["adam", "adam:lr=0.01"], lr={"adam": 0.5})
    assert [s.kwargs["lr"] for s in specs] == [0.5, 0.01]
    specs = parse_specs(["adam", "adam:lr=0.01"], lr={"adam(lr=0.01)": 0.2})
    assert [s.kwargs["lr"] for s in specs] == [OPTIMIZERS["adam"].kwargs["lr"], 0.2]


def test_parse_specs_errors():
    with pytest.raises(ValueError, match="no optimizers to compare"):
        parse_specs([])
    with pytest.raises(ValueError, match=r"lr given for 'adam', which is not among .*: sgd, momentum"):
        parse_specs(["sgd", "momentum"], lr={"adam": 0.1})
    with pytest.raises(ValueError, match="lr must be a number, got 'fast'"):
        parse_specs(["sgd"], lr="fast")


def test_build_gives_the_optimizer_with_those_arguments():
    if not hasattr(minidl.optim, "SGD"):
        pytest.skip("minidl.optim.SGD not available")
    w = minidl.zeros(3, requires_grad=True)
    opt = parse_spec("momentum:lr=0.5").build([w])
    assert type(opt).__name__ == "SGD"
    group = opt.param_groups[0]
    assert (group["lr"], group["momentum"], group["dampening"]) == (0.5, 0.9, 0.9)
    assert group["momentum_init"] == "zeros"


def test_momentum_spec_is_the_moving_average():
    """Five steps on f(w) = sum(c w^2) against NumPy, as the notes write it: from v = 0,
    v = a v + (1-a) g, w -= lr v."""
    if not hasattr(minidl.optim, "SGD"):
        pytest.skip("minidl.optim.SGD not available")
    c = np.array([1.0, 4.0, 0.25], dtype=np.float64)
    w0 = np.array([1.0, -2.0, 3.0])
    w = minidl.tensor(w0.tolist(), dtype=minidl.float64, requires_grad=True)
    opt = parse_spec("momentum:lr=0.2").build([w])
    ref, v = w0.copy(), np.zeros(3)
    for step in range(5):
        opt.zero_grad()
        (minidl.tensor(c.tolist(), dtype=minidl.float64) * w * w).sum().backward()
        opt.step()
        g = 2 * c * ref
        v = 0.9 * v + 0.1 * g
        ref = ref - 0.2 * v
    np.testing.assert_allclose(w.detach().numpy(), ref, rtol=1e-12)


def test_invalid_value_fails_when_built_naming_the_label():
    if not hasattr(minidl.optim, "Adam"):
        pytest.skip("minidl.optim.Adam not available")
    w = minidl.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=re.escape("optimizer 'adam(lr=-1)': Adam(lr=-1)")):
        parse_spec("adam:lr=-1").build([w])
    with pytest.raises(ValueError, match=re.escape("optimizer 'adam(betas=1.5/0.9)'")):
        parse_spec("adam:betas=1.5/0.9").build([w])


@pytest.mark.parametrize("bad", ["mnist", "Moon", ""])
def test_unknown_dataset_lists_every_valid_name(bad):
    with pytest.raises(ValueError, match="unknown dataset") as info:
        compare_data.check_name(bad)
    assert all(name in str(info.value) for name in ALL_DATASETS)


def test_dataset_names_ignore_case_and_spaces():
    assert compare_data.check_name(" Digits ") == "digits"
    assert compare_data.check_name("SUM-SIGN") == "sum-sign"
