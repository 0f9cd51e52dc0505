#!/usr/bin/env python
"""One training epoch of the default comparison model on the digits data, minidl against PyTorch.

    python bench/bench_epoch.py               # 2 threads; prints a table, updates bench/README.md
    python bench/bench_epoch.py --threads 1 --no-write
    python bench/bench_epoch.py --quick --no-write       # smoke test

The workload is what ``minidl compare`` runs by default, per optimizer and epoch: the 64-64-10
ReLU MLP on the 1438 standardised training images of the digits split (the same arrays for both
libraries, from ``minidl.compare.data.load('digits')``), batch 32, shuffled, cross-entropy. An
epoch is the loop a student writes::

    for x, y in loader:
        opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step()

with minidl's ``DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)`` and
PyTorch's ``torch.utils.data.DataLoader`` over a ``TensorDataset`` with the same batch size and
shuffling (a seeded generator, no worker processes). Rows: one epoch with SGD (momentum 0.9),
one with Adam, and the DataLoader alone (iterating over the batches, no training), which shows
what the data pipeline costs. PyTorch's model gets the minidl model's initial weights.

A figure is the median epoch over 21 samples (each sample at least 20 ms, i.e. one epoch) after a
warm-up epoch, one library at a time. Ratios are *time ratios, minidl / PyTorch*: below 1 means
minidl is faster.
"""
import sys
import time

from _common import (common_args, environment_lines, fmt_time, import_libraries, load_average, markdown_table,
                     median_time, plain_table, versions, write_readme)

BATCH, HIDDEN, LR = 32, 64, 1e-3


ARGS = common_args(__doc__.splitlines()[0])
np, minidl, torch = import_libraries(ARGS.threads)

import minidl.utils.data  # noqa: E402
from minidl.compare import build_mlp  # noqa: E402
from minidl.compare import data as compare_data  # noqa: E402

if torch is not None:
    import torch.utils.data  # noqa: E402

REPEATS = 5 if ARGS.quick else ARGS.repeats
NO_TORCH = "not installed"
SPLIT = compare_data.load("digits")


def minidl_setup():
    minidl.manual_seed(0)
    model = build_mlp(SPLIT.n_features, (HIDDEN,), SPLIT.n_classes)
    data = minidl.utils.data.TensorDataset(minidl.from_numpy(SPLIT.x_train), minidl.from_numpy(SPLIT.y_train))
    loader = minidl.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True, seed=0)
    return model, loader


def torch_setup(md_model):
    layers = []
    for i, module in enumerate(md_model):
        if isinstance(module, minidl.nn.Linear):
            lin = torch.nn.Linear(module.in_features, module.out_features)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(module.weight.detach().numpy()))
                lin.bias.copy_(torch.from_numpy(module.bias.detach().numpy()))
            layers.append(lin)
        else:
            layers.append(torch.nn.ReLU())
    data = torch.utils.data.TensorDataset(torch.from_numpy(SPLIT.x_train), torch.from_numpy(SPLIT.y_train))
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True,
                                         generator=torch.Generator().manual_seed(0))
    return torch.nn.Sequential(*layers), loader


def optimizer(lib, kind, params):
    if kind == "SGD":
        return lib.optim.SGD(params, lr=0.01, momentum=0.9)
    return lib.optim.Adam(params, lr=LR)


def epoch_fn(lib, model, loader, kind):
    """A function running one epoch: the DataLoader alone (kind None) or training with `kind`."""
    if kind is None:
        def run():
            for _x, _y in loader:
                pass
        return run
    opt = optimizer(lib, kind, model.parameters())
    loss_fn = lib.nn.CrossEntropyLoss()

    def run():
        for x, y in loader:
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
    return run


CASES = [("epoch, SGD momentum=0.9", "SGD"), ("epoch, Adam", "Adam"), ("DataLoader alone (45 batches)", None)]


def first_epoch_losses(lib, model, loader):
    """Mean loss over the first epoch with SGD, from the shared initial weights: both libraries
    see the same data, so these agree if the loop is the same (the batch order differs: each
    library shuffles with its own generator, so they agree only roughly)."""
    opt = optimizer(lib, "SGD", model.parameters())
    loss_fn = lib.nn.CrossEntropyLoss()
    total, n = 0.0, 0
    for x, y in loader:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        total, n = total + loss.item() * len(y), n + len(y)
    return total / n


def main():
    print(f"one epoch of the comparison model (digits, 64-{HIDDEN}-10, batch {BATCH}), "
          f"{ARGS.threads} threads ({'quick' if ARGS.quick else f'{REPEATS} samples each'})", file=sys.stderr)
    load_before = load_average()
    times = {}
    libs = ["minidl"] + (["PyTorch"] if torch is not None else [])
    check = []
    for lib_name in libs:
        time.sleep(0.5)
        print(f"{lib_name}:", file=sys.stderr, flush=True)
        for name, kind in CASES:
            model, loader = minidl_setup()
            lib = minidl
            if lib_name == "PyTorch":
                model, loader = torch_setup(model)
                lib = torch
            t = times[name, lib_name] = median_time(epoch_fn(lib, model, loader, kind), repeats=REPEATS,
                                                    min_sample_s=0.02)
            print(f"  {name:<32} {fmt_time(t):>12}", file=sys.stderr, flush=True)
        model, loader = minidl_setup()
        if lib_name == "PyTorch":
            model, loader = torch_setup(model)
        check.append(f"{lib_name}: mean training loss of the first SGD epoch "
                     f"{first_epoch_losses(torch if lib_name == 'PyTorch' else minidl, model, loader):.4f}")
    load_after = load_average()

    header = ["workload (digits, MLP 64-64-10, batch 32)", "minidl", "PyTorch", "time ratio minidl / PyTorch"]
    rows = []
    for name, _ in CASES:
        t_md, t_pt = times[name, "minidl"], times.get((name, "PyTorch"), NO_TORCH)
        rows.append([name, fmt_time(t_md), fmt_time(t_pt),
                     "-" if isinstance(t_pt, str) else f"{t_md / t_pt:.3g}"])
    print()
    print(plain_table([h.replace("time ratio ", "") for h in header], rows))
    print("(time ratio minidl / PyTorch: below 1 means minidl is faster)")
    for line in check:
        print(line)
    print(f"load average before / after: {load_before} / {load_after}")
    if not ARGS.no_write:
        env = environment_lines("bench_epoch.py", ARGS.threads, versions(),
                                f"median epoch over {REPEATS} samples after a warm-up epoch; one library "
                                "at a time", ARGS.passive, load=(load_before, load_after))
        env.append("- Time ratio minidl / PyTorch: below 1 means minidl is faster")
        notes = ["", "Sanity check (same initial weights and data; each library shuffles with its own "
                 "generator, so the figures agree only roughly):", ""] + [f"- {c}" for c in check]
        section = "\n".join(env) + "\n\n" + markdown_table(header, rows) + "\n" + "\n".join(notes) + "\n"
        path = write_readme("<!-- epoch-results:begin -->", "<!-- epoch-results:end -->", section,
                            "Training epoch results")
        print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
