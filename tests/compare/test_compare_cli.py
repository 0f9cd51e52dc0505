"""minidl.compare end to end: compare_optimizers on a small dataset writing its table, PNG, CSV
and JSON; the numbers it reports against a NumPy forward pass of the trained models; same seed,
same numbers; the command line (python -m minidl.compare, the minidl console script)."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minidl
from minidl.compare import build_mlp, compare_optimizers
from minidl.compare import cli as compare_cli
from minidl.compare import data as compare_data

SMALL = dict(dataset="moons", n_samples=200, hidden=(8,), epochs=2, batch_size=16, verbose=False)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    return compare_optimizers(["sgd", "adam:lr=0.01"], out=out, target=0.8, **SMALL), out


def numpy_forward(model, x):
    """Logits of a Linear-ReLU-Linear model from its state_dict, in float64 NumPy."""
    sd = {k: v.numpy().astype(np.float64) for k, v in model.state_dict().items()}
    h = np.maximum(x @ sd["0.weight"].T + sd["0.bias"], 0)
    return h @ sd["2.weight"].T + sd["2.bias"]


def cross_entropy(logits, y):
    z = logits - logits.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]))


def test_result_matches_numpy_forward_of_the_trained_models(moons_run):
    result, _ = moons_run
    assert list(result.histories) == ["sgd", "adam(lr=0.01)"]
    split = result.data
    assert (len(split.y_train), len(split.y_val)) == (160, 40)
    for row in result.rows:
        h = result.histories[row["optimizer"]]
        assert h.epoch == [1, 2]
        logits = numpy_forward(result.models[row["optimizer"]], split.x_val.astype(np.float64))
        accuracy = float(np.mean(logits.argmax(axis=1) == split.y_val))
        assert row["val_accuracy"] == pytest.approx(accuracy, abs=1e-12)
        assert h.history["val_accuracy"][-1] == pytest.approx(accuracy, abs=1e-12)
        assert row["val_loss"] == pytest.approx(cross_entropy(logits, split.y_val), rel=1e-5)
        assert row["best_val_accuracy"] == max(h.history["val_accuracy"])
        assert row["train_loss"] == h.history["loss"][-1]
        assert row["epochs"] == 2 and row["time_s"] > 0
        reached = [e for e, a in zip(h.epoch, h.history["val_accuracy"]) if a >= 0.8]
        assert row["epoch_to_target"] == (reached[0] if reached else None)


def test_every_run_starts_from_the_seeded_initial_weights():
    """lr=0 leaves the weights where they start: every run's validation loss is then that of
    the model built right after manual_seed(seed), computed here in NumPy."""
    result = compare_optimizers(["sgd:lr=0", "adam:lr=0"], out=None, seed=3, **SMALL)
    minidl.manual_seed(3)
    initial = build_mlp(2, (8,), 2)
    expected = cross_entropy(numpy_forward(initial, result.data.x_val.astype(np.float64)), result.data.y_val)
    for h in result.histories.values():
        assert h.history["val_loss"] == pytest.approx([expected, expected], rel=1e-5)


def test_files_written(moons_run):
    result, out = moons_run
    assert set(result.paths) == {"table", "summary_csv", "csv", "json", "png"}
    assert all(p.parent == out and p.exists() for p in result.paths.values())
    assert result.paths["png"].read_bytes()[:8] == PNG_MAGIC

    table = result.paths["table"].read_text()
    assert table.strip() == result.table.strip()
    lines = table.strip().splitlines()
    assert lines[0].split()[:3] == ["optimizer", "train", "loss"] and "epoch to 80%" in lines[0]
    assert [ln.split()[0] for ln in lines[2:]] == ["sgd", "adam(lr=0.01)"]

    with open(result.paths["csv"], newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:2] == ["optimizer", "epoch"]
    assert {"loss", "val_loss", "val_accuracy"} <= set(rows[0])
    assert [(r["optimizer"], int(r["epoch"])) for r in rows] == [
        ("sgd", 1), ("sgd", 2), ("adam(lr=0.01)", 1), ("adam(lr=0.01)", 2)]
    for r in rows:
        h = result.histories[r["optimizer"]].history
        for key in h:
            assert float(r[key]) == h[key][int(r["epoch"]) - 1]  # written at full precision

    with open(result.paths["summary_csv"], newline="") as f:
        summary = list(csv.DictReader(f))
    assert [s["optimizer"] for s in summary] == ["sgd", "adam(lr=0.01)"]
    assert [float(s["val_accuracy"]) for s in summary] == [r["val_accuracy"] for r in result.rows]
    assert summary[1]["settings"] == "Adam(lr=0.01)"


def test_json_round_trip(moons_run):
    result, _ = moons_run
    data = json.loads(result.paths["json"].read_text())
    assert data["config"]["dataset"] == "moons" and data["config"]["epochs"] == 2
    assert data["config"]["optimizers"] == {"sgd": "SGD(lr=0.1)", "adam(lr=0.01)": "Adam(lr=0.01)"}
    for label, h in result.histories.items():
        saved = data["histories"][label]
        assert saved.pop("epoch") == h.epoch
        assert saved == {k: [float(v) for v in vals] for k, vals in h.history.items()}
    assert [s["optimizer"] for s in data["summary"]] == list(result.histories)
    assert data["summary"][0]["val_loss"] == result.rows[0]["val_loss"]


def _without_time(result):
    return {label: {k: v for k, v in h.history.items() if k != "time"} for label, h in result.histories.items()}


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = compare_optimizers(["momentum", "rmsprop"], out=None, seed=1, **SMALL)
    b = compare_optimizers(["momentum", "rmsprop"], out=None, seed=1, **SMALL)
    c = compare_optimizers(["momentum", "rmsprop"], out=None, seed=2, **SMALL)
    assert _without_time(a) == _without_time(b)
    assert _without_time(a) != _without_time(c)
    drop = ("time_s",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in a.rows] == [
        {k: v for k, v in r.items() if k not in drop} for r in b.rows]


def test_split_is_standardised_on_the_training_part():
    split = compare_data.load("blobs", n_samples=300, val_fraction=0.25, data_seed=0)
    assert (split.x_train.shape[0], split.x_val.shape[0]) == (225, 75)
    assert split.x_train.dtype == np.float32 and split.y_train.dtype == np.int64
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(split.x_train.std(axis=0), 1, rtol=1e-4)
    assert abs(split.x_val.mean(axis=0)).max() > 1e-4  # the validation part keeps its own offset
    again = compare_data.load("blobs", n_samples=300, val_fraction=0.25, data_seed=0)
    np.testing.assert_array_equal(again.x_val, split.x_val)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(optimizers=["sgd", "lion"]), ValueError, "unknown optimizer 'lion'; valid names: sgd, momentum"),
    (dict(dataset="mnist"), ValueError, "unknown dataset 'mnist'; valid names: digits, moons"),
    (dict(epochs=0), ValueError, "epochs must be at least 1, got 0"),
    (dict(epochs=1.5), TypeError, "epochs must be an int, got float"),
    (dict(target=95), ValueError, r"target must be an accuracy in \(0, 1\], got 95"),
    (dict(hidden=(8, 0)), ValueError, "hidden sizes must be at least 1, got 0"),
])
def test_bad_arguments_fail_before_training(kwargs, error, message):
    args = {**SMALL, **kwargs}
    with pytest.raises(error, match=message):
        compare_optimizers(**{"out": None, **args})


# ---- command line ---------------------------------------------------------------------------------

def run_cli(*args):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "minidl.compare", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_writes_outputs_and_says_where(tmp_path):
    out = tmp_path / "cmp"
    r = run_cli("-d", "xor", "--samples", "120", "-o", "sgd", "adagrad:lr=0.05", "-e", "2", "--hidden", "4",
                "--lr", "sgd=0.2", "--out", str(out))
    assert r.returncode == 0, r.stderr
    for name in ("summary.txt", "summary.csv", "histories.csv", "histories.json", "curves.png"):
        assert (out / name).exists() and str(out / name) in r.stdout
    assert (out / "curves.png").read_bytes()[:8] == PNG_MAGIC
    summary = list(csv.DictReader(open(out / "summary.csv", newline="")))
    assert [(s["optimizer"], s["settings"]) for s in summary] == [
        ("sgd(lr=0.2)", "SGD(lr=0.2)"), ("adagrad(lr=0.05)", "Adagrad(lr=0.05)")]
    assert "sgd(lr=0.2)" in r.stdout and "val acc" in r.stdout


@pytest.mark.parametrize("args, kind, names", [
    (["-o", "sgd", "nope"], "optimizer 'nope'", ["sgd", "momentum", "adagrad", "rmsprop", "adam", "nadam"]),
    (["--dataset", "imagenet"], "dataset 'imagenet'", ["digits", "moons", "circles", "spirals", "xor", "blobs"]),
])
def test_cli_unknown_names_exit_2_listing_the_valid_ones(args, kind, names):
    r = run_cli(*args)
    assert r.returncode == 2
    assert f"unknown {kind}; valid names:" in r.stderr
    assert all(n in r.stderr for n in names)
    assert r.stdout == ""


def test_console_script_in_process(tmp_path, capsys):
    from minidl.cli import main
    assert main(["compare", "-d", "circles", "--samples", "100", "-o", "adam", "-e", "1", "--hidden", "4",
                 "--no-plot", "-q", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "adam" in out and str(tmp_path / "summary.txt") in out
    assert not (tmp_path / "curves.png").exists() and (tmp_path / "histories.json").exists()
    for argv, message in [(["compare", "-o", "adam:lr=x"], "lr must be a number, got 'x'"),
                          (["compare", "--lr", "1", "2"], "one learning rate for every optimizer"),
                          (["compare", "--target", "150%"], "target accuracy must be in (0, 1]"),
                          (["compare", "-e", "0"], "expected a positive integer, got '0'")]:
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert message in capsys.readouterr().err


def test_top_level_name():
    assert minidl.compare_optimizers is compare_optimizers


def test_cli_list_and_script_registration(capsys):
    assert compare_cli.main(["--list"]) == 0
    listing = capsys.readouterr().out
    assert "SGD(lr=0.1, momentum=0.9, dampening=0.9, momentum_init=zeros)" in listing
    assert "sum-sign" in listing
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        pytest.skip("tomllib needs Python 3.11")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["minidl"] == "minidl.cli:main"
