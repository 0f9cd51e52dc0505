#!/usr/bin/env python
"""One optimizer step over 1M float32 parameters, minidl.optim against torch.optim, in one run.

    python bench/bench_optim.py               # 2 threads; prints a table, updates bench/README.md
    python bench/bench_optim.py --threads 1 --no-write
    python bench/bench_optim.py --quick --no-write       # smoke test

For each optimizer (SGD, SGD with momentum, Adagrad, RMSprop, Adadelta, Adam, AdamW, NAdam) one
parameter of 1,048,576 float32 values (1024 x 1024) with a fixed gradient, and the time of
``opt.step()`` alone: the update rule, its state, and the Python around it. PyTorch runs its
default CPU implementation (a loop over the parameters, one tensor op after another) and, where
it has one, its fused CPU kernel (``fused=True``), which is what minidl's C++ loops resemble.

Before timing, three steps of each minidl optimizer are checked against PyTorch's from the same
parameter and gradient (each value within 1e-4 of its change plus four float32 roundings of the
parameter); a disagreement is reported and exits with status 1 after the table.

A figure is the median time per step over 21 samples, each at least 20 ms of repeated steps,
after warm-up steps; one library at a time. Ratios are *time ratios, minidl / PyTorch*: below 1
means minidl is faster.
"""
import sys
import time

from _common import (common_args, environment_lines, fmt_time, import_libraries, load_average, markdown_table,
                     median_time, plain_table, versions, write_readme)

N = 1024 * 1024
# (row name, class name, keyword arguments): the same arguments in both libraries.
OPTIMIZERS = [
    ("SGD", "SGD", {"lr": 1e-3}),
    ("SGD momentum=0.9", "SGD", {"lr": 1e-3, "momentum": 0.9}),
    ("Adagrad", "Adagrad", {"lr": 1e-3}),
    ("RMSprop", "RMSprop", {"lr": 1e-3}),
    ("Adadelta", "Adadelta", {"lr": 1.0}),
    ("Adam", "Adam", {"lr": 1e-3}),
    ("AdamW", "AdamW", {"lr": 1e-3}),
    ("NAdam", "NAdam", {"lr": 1e-3}),
]


ARGS = common_args(__doc__.splitlines()[0])
np, minidl, torch = import_libraries(ARGS.threads)

REPEATS = 5 if ARGS.quick else ARGS.repeats
MIN_SAMPLE_S = 0.002 if ARGS.quick else 0.02
NO_TORCH, NOT_AVAILABLE = "not installed", "not available"


def start_values(seed=0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(N, dtype=np.float32)
    g = rng.standard_normal(N, dtype=np.float32)
    return w, g


def make(lib, cls_name, kwargs, fused=False):
    """(parameter, optimizer) in library `lib` ('minidl', 'PyTorch', 'PyTorch fused') with the
    gradient set, or a string saying why there is none."""
    w, g = start_values()
    if lib == "minidl":
        cls = getattr(minidl.optim, cls_name, None)
        if cls is None:
            return NOT_AVAILABLE
        p = minidl.from_numpy(w).requires_grad_()
        p.grad = minidl.from_numpy(g)
        return p, cls([p], **kwargs)
    if torch is None:
        return NO_TORCH
    p = torch.from_numpy(w).requires_grad_()
    p.grad = torch.from_numpy(g)
    try:
        return p, getattr(torch.optim, cls_name)([p], **kwargs, **({"fused": True} if fused else {}))
    except (TypeError, RuntimeError, ValueError):  # no fused CPU kernel for this optimizer
        return "-"


def agreement(cls_name, kwargs, steps=3):
    """minidl's parameter after `steps` steps against PyTorch's, from the same start and gradient.

    Returns (max |difference|, max |PyTorch's change|, worst ratio of difference to tolerance).
    The tolerance of each value is 1e-4 of PyTorch's change plus `steps + 1` float32 roundings of
    the parameter: each step rounds the parameter once, and two libraries computing the same
    update in a different order may round it to neighbouring floats (a parameter near 4 moves in
    steps of 4.8e-7, against a change of about lr = 1e-3 per step).
    """
    ours, ref = make("minidl", cls_name, kwargs), make("PyTorch", cls_name, kwargs)
    if isinstance(ours, str) or isinstance(ref, str):
        return None
    before = ref[0].detach().numpy().astype(np.float64)
    for _ in range(steps):
        ours[1].step()
        ref[1].step()
    w_ours = ours[0].detach().numpy().astype(np.float64)
    w_ref = ref[0].detach().numpy().astype(np.float64)
    diff, change = np.abs(w_ours - w_ref), np.abs(w_ref - before)
    tol = UPDATE_RTOL * change + (steps + 1) * np.finfo(np.float32).eps * np.abs(w_ref)
    return float(diff.max()), float(change.max()), float((diff / np.maximum(tol, 1e-30)).max())


UPDATE_RTOL = 1e-4


def timed(entry):
    if isinstance(entry, str):
        return entry
    _, opt = entry
    return median_time(opt.step, repeats=REPEATS, min_sample_s=MIN_SAMPLE_S, warmup=3)


def fmt_ratio(a, b):
    return "-" if isinstance(a, str) or isinstance(b, str) else f"{a / b:.2f}"


HEADER = ["optimizer (1M float32 parameters)", "minidl", "PyTorch", "PyTorch fused=True",
          "time ratio minidl / PyTorch", "time ratio minidl / PyTorch fused", "minidl GB/s"]
LIBS = ("minidl", "PyTorch", "PyTorch fused")


def bytes_moved(cls_name, kwargs):
    """Bytes a step must read and write at least: parameter (r/w), gradient (r), and each state
    tensor (r/w), 4 bytes per value: the memory traffic a fused loop cannot avoid."""
    states = {"SGD": 1 if kwargs.get("momentum") else 0, "Adagrad": 1, "RMSprop": 1, "Adadelta": 2,
              "Adam": 2, "AdamW": 2, "NAdam": 2}[cls_name]
    return 4 * N * (2 + 1 + 2 * states)


def main():
    print(f"optimizer step over {N:,} float32 parameters, {ARGS.threads} threads "
          f"({'quick' if ARGS.quick else f'{REPEATS} samples each'})", file=sys.stderr)
    load_before = load_average()
    check_lines, ok = [], True
    for name, cls_name, kwargs in OPTIMIZERS:
        result = agreement(cls_name, kwargs)
        if result is None:
            continue
        diff, change, worst = result
        good = worst <= 1
        ok &= good
        check_lines.append(f"{name}: 3 steps, max |minidl - PyTorch| {diff:.1e} (largest change {change:.1e}; "
                           f"{worst:.2f} of the tolerance) -> {'agree' if good else 'DIFFER'}")
        print("  " + check_lines[-1], file=sys.stderr)

    times = {}
    for lib in LIBS:  # one library at a time: spinning OpenMP threads must not slow the other
        time.sleep(0.5)
        print(f"{lib}:", file=sys.stderr, flush=True)
        for name, cls_name, kwargs in OPTIMIZERS:
            t = times[name, lib] = timed(make(lib.split()[0], cls_name, kwargs, fused=lib.endswith("fused")))
            print(f"  {name:<20} {fmt_time(t):>12}", file=sys.stderr, flush=True)
    load_after = load_average()

    rows = []
    for name, cls_name, kwargs in OPTIMIZERS:
        t = [times[name, lib] for lib in LIBS]
        gbs = "-" if isinstance(t[0], str) else f"{bytes_moved(cls_name, kwargs) / t[0] / 1e9:.1f}"
        rows.append([name, *map(fmt_time, t), fmt_ratio(t[0], t[1]), fmt_ratio(t[0], t[2]), gbs])
    print()
    print(plain_table([h.replace("time ratio ", "") for h in HEADER], rows))
    print("(time ratio minidl / PyTorch: below 1 means minidl is faster)")
    print(f"load average before / after: {load_before} / {load_after}")
    if not ARGS.no_write:
        env = environment_lines("bench_optim.py", ARGS.threads, versions(),
                                f"median time of one `step()` over {REPEATS} samples, each at least "
                                f"{MIN_SAMPLE_S * 1e3:g} ms of repeated steps, after 3 warm-up steps; "
                                "one library at a time", ARGS.passive, load=(load_before, load_after))
        env.append("- Time ratio minidl / PyTorch: below 1 means minidl is faster; GB/s: the bytes a step "
                   "must move (parameter and state read and written, gradient read) over minidl's time")
        check = ["", "Agreement check (same parameter and gradient, 3 steps, against PyTorch; tolerance per value: "
                 "1e-4 of PyTorch's change plus 4 float32 roundings of the parameter):", ""]
        check += [f"- {line}" for line in check_lines] or ["- PyTorch not installed: no check"]
        section = "\n".join(env) + "\n\n" + markdown_table(HEADER, rows) + "\n" + "\n".join(check) + "\n"
        path = write_readme("<!-- optim-results:begin -->", "<!-- optim-results:end -->", section,
                            "Optimizer step results")
        print(f"\nresults written to {path}")
    if not ok:
        print("minidl DISAGREES with PyTorch: the timings above measure a different computation",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
