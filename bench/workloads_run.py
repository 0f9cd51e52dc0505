#!/usr/bin/env python
"""Times one workload of the suite in one library, in a process of its own, and prints JSON.

    python bench/workloads_run.py WORKLOAD LIB --threads N [--quick] [--passive] [--growth STEPS]

bench/suite.py starts one such process per (workload, library, thread count), so that each
figure of peak resident memory (``ru_maxrss``) belongs to one workload and one library, and no
library's threads or OpenMP runtime are loaded into another's process (the PyTorch process does
not import minidl, the minidl process does not import PyTorch; the NumPy networks come from
bench_mlp.py, which imports minidl for its own use).
"""
import argparse
import gc
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

# name: (description, layer widths, batch, optimizer, bn, dropout)
MLPS = {
    "tiny": ("tiny MLP 64-32-10, batch 32, Adam, one training step", (64, 32, 10), 32, "Adam", False, 0.0),
    "mlp": ("MLP 784-128-10, batch 64, SGD momentum 0.9, one step", (784, 128, 10), 64, "SGD", False, 0.0),
    "bn": ("MLP 784-256-256-10, batch 128, Adam, BatchNorm1d + Dropout(0.5), one step",
           (784, 256, 256, 10), 128, "Adam", True, 0.5),
    "wide": ("wide MLP 784-1024-1024-10, batch 256, Adam, one step", (784, 1024, 1024, 10), 256, "Adam",
             False, 0.0),
}
INFER = ("inference, MLP 784-128-10, batch 1 (eval, no_grad)", (784, 128, 10), 1)
EPOCH = ("one epoch of `minidl compare`'s default model (digits, MLP 64-64-10, batch 32, Adam), "
         "DataLoader included")
SGEMM_N = 2048
LIBS = ("minidl", "PyTorch", "NumPy")


def rss_kb():
    """Current resident set size (not the peak)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def time_steps(step, seconds, min_steps, warmup_s):
    """Median and mean seconds of step() timed one call at a time, gc off (as timeit)."""
    t_end, n = time.perf_counter() + warmup_s, 0
    while time.perf_counter() < t_end or n < 3:
        step()
        n += 1
    times = []
    gc.disable()
    try:
        clock = time.perf_counter
        t_end = clock() + seconds
        while clock() < t_end or len(times) < min_steps:
            t0 = clock()
            step()
            times.append(clock() - t0)
    finally:
        gc.enable()
    return {"median": statistics.median(times), "mean": statistics.fmean(times), "n": len(times)}


def import_bench(module, args):
    """Import bench/<module>.py, which parses its command line when imported: give it one."""
    saved = sys.argv
    sys.argv = [f"{module}.py", "--threads", str(args.threads), "--no-write"] + \
        (["--quick"] if args.quick else []) + (["--passive"] if args.passive else [])
    try:
        return __import__(module)
    finally:
        sys.argv = saved


class _NoTorch:
    """An import hook refusing `torch` (not `sys.modules['torch'] = None`: SciPy looks there)."""

    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r} (kept out of this process)", name=name)
        return None


def setup_lib(lib, args):
    """Import the library of this process (with the thread count set) and keep others out."""
    from _common import set_threads
    set_threads(args.threads, args.passive)
    if lib != "PyTorch":
        sys.meta_path.insert(0, _NoTorch())  # bench_*.py then take PyTorch as not installed
    __import__("numpy")  # every process uses it: its RSS belongs to "after imports"
    if lib == "PyTorch":
        import torch
        torch.set_num_threads(args.threads)
        return torch
    if lib == "minidl":
        import minidl
        minidl.set_num_threads(args.threads)
        return minidl
    return None


def train_step(lib, model, x, y, opt_name):
    loss_fn = lib.nn.CrossEntropyLoss()
    if opt_name == "SGD":
        opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    else:
        opt = lib.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def numpy_net(widths, n, opt_name, bn, dropout, args):
    from workloads_models import batch, init_weights, notes_classes
    bench_mlp = import_bench("bench_mlp", args)
    notes_adam, notes_bn = notes_classes(bench_mlp.NotesMLP)
    x, y = batch(widths, n)
    if bn:
        return notes_bn(init_weights(widths), x, y, p=dropout)
    return (notes_adam if opt_name == "Adam" else bench_mlp.NotesMLP)(init_weights(widths), x, y)


def mlp_step(name, lib_name, lib, args):
    from workloads_models import batch, build
    _, widths, n, opt_name, bn, dropout = MLPS[name]
    if lib_name == "NumPy":
        return numpy_net(widths, n, opt_name, bn, dropout, args).step
    x, y = batch(widths, n)
    model = build(lib, widths, bn=bn, dropout=dropout)
    return train_step(lib, model, lib.from_numpy(x), lib.from_numpy(y), opt_name)


def infer_step(lib_name, lib, args):
    from workloads_models import batch, build
    _, widths, n = INFER
    x, y = batch(widths, n)
    if lib_name == "NumPy":
        net = numpy_net(widths, n, "SGD", False, 0.0, args)
        return lambda: net.forward(x)
    model = build(lib, widths).eval()
    xt = lib.from_numpy(x)

    def step():
        with lib.no_grad():
            return model(xt)
    return step


def epoch_step(lib_name, lib, args):
    be = import_bench("bench_epoch", args)
    if lib_name == "minidl":
        model, loader = be.minidl_setup()
        return be.epoch_fn(lib, model, loader, "Adam")
    if lib_name == "PyTorch":
        model, loader = be.torch_setup(be.minidl_setup()[0])
        return be.epoch_fn(lib, model, loader, "Adam")
    import numpy as np
    from workloads_models import init_weights, notes_classes
    notes_adam, _ = notes_classes(import_bench("bench_mlp", args).NotesMLP)
    xs, ys = be.SPLIT.x_train, be.SPLIT.y_train
    net = notes_adam(init_weights((xs.shape[1], be.HIDDEN, be.SPLIT.n_classes)), xs[:1], ys[:1])
    rng = np.random.default_rng(0)

    def epoch():
        order = rng.permutation(len(xs))
        for i in range(0, len(xs), be.BATCH):
            idx = order[i:i + be.BATCH]
            net.set_batch(xs[idx], ys[idx])
            net.step()
    return epoch


def optim_times(lib_name, lib, args):
    """{optimizer row: seconds per step} (PyTorch: also its fused kernel, under 'fused')."""
    bo = import_bench("bench_optim", args)
    out = {"times": {}, "fused": {}}
    for name, cls_name, kwargs in bo.OPTIMIZERS:
        if lib_name == "NumPy":
            from workloads_optim import NumpyOptimizer
            w, g = bo.start_values()
            opt = NumpyOptimizer(name, w, g, kwargs["lr"])
            out["times"][name] = bo.timed((w, opt))
        else:
            out["times"][name] = bo.timed(bo.make(lib_name, cls_name, kwargs))
            if lib_name == "PyTorch":
                out["fused"][name] = bo.timed(bo.make(lib_name, cls_name, kwargs, fused=True))
    return out


def sgemm_peak(args):
    """GFLOP/s of a large float32 product through NumPy (OpenBLAS) on this process's threads."""
    import numpy as np
    from _common import median_time
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((SGEMM_N, SGEMM_N), dtype=np.float32) for _ in range(2))
    c = np.empty_like(a)
    t = median_time(lambda: np.matmul(a, b, out=c), repeats=3 if args.quick else 9, min_sample_s=0.05)
    return {"median": t, "gflops": 2 * SGEMM_N ** 3 / t / 1e9}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload", choices=[*MLPS, "infer", "epoch", "optim", "sgemm"])
    p.add_argument("lib", choices=LIBS)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--passive", action="store_true")
    p.add_argument("--growth", type=int, default=0, metavar="STEPS",
                   help="instead of timing: RSS after warm-up and after STEPS training steps")
    args = p.parse_args()
    lib = setup_lib(args.lib, args)
    import_rss = rss_kb()
    seconds, min_steps, warmup_s = (0.05, 5, 0.02) if args.quick else (1.0, 21, 0.3)
    if args.workload == "sgemm":
        result = sgemm_peak(args)
    elif args.workload == "optim":
        result = optim_times(args.lib, lib, args)
    else:
        if args.workload == "infer":
            step = infer_step(args.lib, lib, args)
        elif args.workload == "epoch":
            step = epoch_step(args.lib, lib, args)
            min_steps = 3 if args.quick else 11
        else:
            step = mlp_step(args.workload, args.lib, lib, args)
        if args.growth:
            warm = max(args.growth // 20, 10)
            for _ in range(warm):
                step()
            before = rss_kb()
            for _ in range(args.growth - warm):
                step()
            result = {"steps": args.growth, "warmup_steps": warm, "rss_after_warmup_kb": before,
                      "rss_end_kb": rss_kb()}
        else:
            result = time_steps(step, seconds, min_steps, warmup_s)
    result["import_rss_kb"] = import_rss
    result["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(result))


if __name__ == "__main__":
    main()
