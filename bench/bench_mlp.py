#!/usr/bin/env python
"""One MLP training step in minidl, PyTorch (CPU) and plain NumPy, timed on this machine.

    python bench/bench_mlp.py                 # 2 threads; prints a table, updates bench/README.md
    python bench/bench_mlp.py --threads 1 --no-write
    python bench/bench_mlp.py --quick --no-write        # smoke test
    python bench/bench_mlp.py --only tiny --libs minidl --no-check --seconds 10   # under a profiler

A step is: forward, cross-entropy loss, backward, and SGD with momentum written by hand under
no_grad (the same update in every library: ``buf = m * buf + grad; p -= lr * buf``), then
``zero_grad(set_to_none=True)``. Workloads (classifiers with 10 classes, float32):

* mlp:  784-128-10 (Linear-ReLU-Linear), batch 64;
* wide: 784-1024-1024-10, batch 256 (matrix products dominate);
* tiny: 64-32-10, batch 32 (per-op overhead dominates).

minidl uses nn.Sequential / nn.Linear / nn.ReLU / nn.CrossEntropyLoss; PyTorch the same
torch.nn modules, with the initial weights copied from the minidl model through NumPy; the NumPy
version is written the way note 004, section 3.2 writes its network (np.dot forward and
backward, softmax, output error ``p - y``). Before timing, two steps of minidl and of NumPy are
compared with PyTorch's from the same weights on the same batch (losses and parameter updates;
without PyTorch, minidl is compared with the NumPy network); a disagreement exits with status 1.

Every step is timed on its own (forward+loss, backward, update+zero_grad separately); a figure
is the median step (the typical step), and the mean step is shown beside it: a mean far above
the median means stalls, such as a thread of a parallel region waiting for a core.
Ratios are *time ratios, minidl / other* of the medians: below 1 means minidl is faster.
GFLOP/s counts 2*M*N*K per matrix product: one per layer forward, two per layer backward except
the input gradient of the first layer, which nobody computes.
"""
import gc
import statistics
import sys
import time

from _common import (common_args, environment_lines, import_libraries, load_average, markdown_table,
                     plain_table, versions, write_readme)
from _common import fmt_time as _fmt_time

WORKLOADS = {  # name: (layer widths, batch size)
    "mlp": ((784, 128, 10), 64),
    "wide": ((784, 1024, 1024, 10), 256),
    "tiny": ((64, 32, 10), 32),
}
LIBS = ("minidl", "PyTorch", "NumPy")
LR, MOMENTUM = 0.01, 0.9


def _own_args(p):
    p.add_argument("--seconds", type=float, default=1.0,
                   help="time each figure over at least this many seconds of steps (default 1)")
    p.add_argument("--min-steps", type=int, default=21, help="and over at least this many steps (default 21)")
    p.add_argument("--only", nargs="+", choices=list(WORKLOADS), metavar="WORKLOAD",
                   help=f"run only these workloads ({', '.join(WORKLOADS)}); implies --no-write")
    p.add_argument("--libs", nargs="+", choices=LIBS, metavar="LIB",
                   help=f"time only these libraries ({', '.join(LIBS)}); implies --no-write")
    p.add_argument("--no-check", action="store_true", help="skip the minidl/PyTorch agreement check")


ARGS = common_args(__doc__.splitlines()[0], _own_args, repeats=False)
# PyTorch is not imported when unused (--libs without PyTorch, --no-check): a profile then shows only minidl
TORCH_UNUSED = ARGS.libs and "PyTorch" not in ARGS.libs and ARGS.no_check
np, minidl, torch = import_libraries(ARGS.threads, torch_wanted=not TORCH_UNUSED)

MEASURE_S = 0.05 if ARGS.quick else ARGS.seconds
MIN_STEPS = 5 if ARGS.quick else ARGS.min_steps
WARMUP_S = 0.02 if ARGS.quick else 0.3
NO_TORCH = "not installed"


# ---- the three implementations ------------------------------------------------------------

def minidl_model(widths, seed):
    """nn.Sequential(Linear, ReLU, ..., Linear) with minidl's default (PyTorch's) initialisation."""
    minidl.manual_seed(seed)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        if i:
            layers.append(minidl.nn.ReLU())
        layers.append(minidl.nn.Linear(fan_in, fan_out))
    return minidl.nn.Sequential(*layers)


def weights_of(md_model):
    """[(W, b), ...] as float32 NumPy copies, W of shape (out, in) as in both libraries."""
    linears = [m for m in md_model if isinstance(m, minidl.nn.Linear)]
    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in linears]


def torch_model(weights):
    layers = []
    for i, (w, b) in enumerate(weights):
        if i:
            layers.append(torch.nn.ReLU())
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
    return torch.nn.Sequential(*layers)


class Trainer:
    """model + loss + hand-written SGD with momentum, for minidl or PyTorch (same API)."""

    def __init__(self, lib, model, x, y):
        self.lib, self.model, self.x, self.y = lib, model, x, y
        self.loss_fn = lib.nn.CrossEntropyLoss()
        self.params = list(model.parameters())
        self.bufs = [lib.zeros_like(p) for p in self.params]

    def forward(self):
        return self.loss_fn(self.model(self.x), self.y)

    def update(self):
        with self.lib.no_grad():
            for p, buf in zip(self.params, self.bufs):
                buf.mul_(MOMENTUM).add_(p.grad)
                p.add_(buf, alpha=-LR)
        self.model.zero_grad(set_to_none=True)

    def step(self):
        loss = self.forward()
        loss.backward()
        self.update()
        return loss

    def timed_step(self, clock=time.perf_counter):
        """Seconds of (forward+loss, backward, update+zero_grad)."""
        t0 = clock()
        loss = self.forward()
        t1 = clock()
        loss.backward()
        t2 = clock()
        self.update()
        t3 = clock()
        return t1 - t0, t2 - t1, t3 - t2

    def weights(self):
        return [p.detach().numpy().copy() for p in self.params]


class NotesMLP:
    """The network of note 004, section 3.2, grown to any depth, with softmax and cross-entropy.

    Rows are samples; ``W`` is (out, in). Forward: ``z = X.dot(W.T) + b``, ``a = relu(z)``;
    the output layer's error is ``dz = p - y`` (softmax probabilities minus one-hot labels), then
    ``dW = (1/m) dz.T.dot(a_prev)``, ``db = (1/m) sum(dz)``, ``da_prev = dz.dot(W)``,
    ``dz_prev = da_prev * (z_prev > 0)``, down to the first layer (whose input needs no gradient).
    float32 throughout, so that it does the same arithmetic as the other two.
    """

    def __init__(self, weights, x, y):
        self.W = [w.copy() for w, _ in weights]
        self.b = [b.copy() for _, b in weights]
        self.vW = [np.zeros_like(w) for w in self.W]
        self.vb = [np.zeros_like(b) for b in self.b]
        self.x, self.y = x, y
        self.rows = np.arange(len(y))

    def forward(self, X):
        self.z, self.a = [], [X]
        a = X
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            z = a.dot(W.T) + b
            self.z.append(z)
            a = np.maximum(z, 0) if i < len(self.W) - 1 else z
            self.a.append(a)
        return a

    def softmax(self, z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def backward(self, p, y):
        m = p.shape[0]
        dz = p.copy()
        dz[self.rows, y] -= 1  # p - y, y one-hot
        grads = [None] * len(self.W)
        for i in range(len(self.W) - 1, -1, -1):
            dW = (1 / m) * dz.T.dot(self.a[i])
            db = (1 / m) * np.sum(dz, axis=0)
            grads[i] = (dW.astype(np.float32, copy=False), db.astype(np.float32, copy=False))
            if i:
                dz = dz.dot(self.W[i]) * (self.z[i - 1] > 0)
        return grads

    def loss(self):
        """Cross-entropy ``-mean(log p_y)`` and the probabilities p."""
        p = self.softmax(self.forward(self.x))
        return -np.mean(np.log(p[self.rows, self.y])), p

    def update(self, grads):
        for i, (dW, db) in enumerate(grads):
            self.vW[i] *= MOMENTUM
            self.vW[i] += dW
            self.W[i] -= LR * self.vW[i]
            self.vb[i] *= MOMENTUM
            self.vb[i] += db
            self.b[i] -= LR * self.vb[i]

    def step(self):
        loss, p = self.loss()
        self.update(self.backward(p, self.y))
        return loss

    def timed_step(self, clock=time.perf_counter):
        t0 = clock()
        _, p = self.loss()
        t1 = clock()
        grads = self.backward(p, self.y)
        t2 = clock()
        self.update(grads)
        t3 = clock()
        return t1 - t0, t2 - t1, t3 - t2

    def weights(self):
        return [a.copy() for pair in zip(self.W, self.b) for a in pair]


def batch(widths, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, widths[0]), dtype=np.float32)
    y = rng.integers(0, widths[-1], size=n, dtype=np.int64)
    return x, y


def make_trainer(lib, name, seed=0):
    """A fresh model for workload `name` in library `lib`, with its batch and optimiser state."""
    widths, n = WORKLOADS[name]
    md = minidl_model(widths, seed)
    x, y = batch(widths, n, seed)
    if lib == "minidl":
        t = Trainer(minidl, md, minidl.from_numpy(x), minidl.from_numpy(y))
    elif lib == "PyTorch":
        t = Trainer(torch, torch_model(weights_of(md)), torch.from_numpy(x), torch.from_numpy(y))
    else:
        t = NotesMLP(weights_of(md), x, y)
    return t


def gemm_flops(widths, n):
    f = sum(2 * n * a * b for a, b in zip(widths[:-1], widths[1:]))
    return 3 * f - 2 * n * widths[0] * widths[1]


# ---- agreement check ------------------------------------------------------------------------------

def agreement(name, ref, steps=2):
    """Max relative differences to library `ref` after `steps` steps from the same weights and batch.

    Returns {lib: (loss rel. error, worst parameter-update rel. error, ref's losses)}; an update's
    error is max|d_lib - d_ref| / max|d_ref| per tensor, d = weights after - weights before.
    Two steps, so that the momentum buffer is used as well.
    """
    runs = {}
    for lib in ("PyTorch", "minidl", "NumPy"):
        if lib == "PyTorch" and torch is None:
            continue
        t = make_trainer(lib, name)
        before = t.weights()
        losses = [t.step().item() for _ in range(steps)]
        runs[lib] = losses, [a - b for a, b in zip(t.weights(), before)]
    ref_losses, ref_d = runs.pop(ref)
    out = {}
    for lib, (losses, d) in runs.items():
        e_loss = max(abs(a - b) / abs(b) for a, b in zip(losses, ref_losses))
        e_upd = max(float(np.abs(u - r).max() / np.abs(r).max()) for u, r in zip(d, ref_d))
        out[lib] = (e_loss, e_upd, ref_losses)
    return out


LOSS_RTOL, UPDATE_RTOL = 1e-5, 1e-4  # float32: ~1e-7 per op, GEMM sums of up to 1024 terms


def check_all(names):
    """Lines describing the agreement with PyTorch (with the NumPy network without PyTorch)."""
    ref = "NumPy" if torch is None else "PyTorch"
    lines, ok = [], True
    if torch is None:
        lines.append("PyTorch not installed: minidl checked against the NumPy network instead")
    for name in names:
        for lib, (e_loss, e_upd, ref_losses) in agreement(name, ref).items():
            good = e_loss <= LOSS_RTOL and e_upd <= UPDATE_RTOL
            ok &= good or lib != "minidl"
            lines.append(f"{name}: {lib} vs {ref}, 2 steps ({ref} losses "
                         f"{', '.join(f'{v:.6f}' for v in ref_losses)}): loss rel. error {e_loss:.1e}, "
                         f"parameter-update rel. error {e_upd:.1e} -> {'agree' if good else 'DIFFER'}")
    return lines, ok


# ---- timing ---------------------------------------------------------------------------------

class Timing:
    """Per-step phase times of one workload in one library."""

    def __init__(self, phases):
        self.phases = phases  # [(forward+loss, backward, update), ...] in seconds
        steps = [sum(p) for p in phases]
        self.median = statistics.median(steps)
        self.mean = statistics.fmean(steps)
        self.phase_medians = [statistics.median(col) for col in zip(*phases)]


def measure(trainer):
    """Warm up, then time steps one by one for MEASURE_S seconds and MIN_STEPS steps (gc off)."""
    t_end, n = time.perf_counter() + WARMUP_S, 0
    while time.perf_counter() < t_end or n < 3:  # allocator caches, thread pools, lazy initialisation
        trainer.step()
        n += 1
    phases = []
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        t_end = time.perf_counter() + MEASURE_S
        while time.perf_counter() < t_end or len(phases) < MIN_STEPS:
            phases.append(trainer.timed_step())
    finally:
        if gc_was_on:
            gc.enable()
    return Timing(phases)


# ---- report -----------------------------------------------------------------------------------

def fmt_time(t):
    return _fmt_time(t, us_digits=1)


def fmt_ratio(a, b):
    return "-" if isinstance(a, str) or isinstance(b, str) else f"{a / b:.3g}"


def fmt_gflops(flops, t):
    return "-" if isinstance(t, str) else f"{flops / t / 1e9:.1f}"


def describe(name):
    widths, n = WORKLOADS[name]
    return f"{name}: {'-'.join(map(str, widths))}, batch {n}"


HEADER = ["workload", "minidl", "PyTorch", "NumPy", "time ratio minidl / PyTorch",
          "time ratio minidl / NumPy", "GFLOP/s minidl", "GFLOP/s PyTorch", "GFLOP/s NumPy"]
PHASE_HEADER = ["workload", "library", "forward+loss", "backward", "update+zero_grad", "median step",
                "mean step", "steps timed"]


def table_rows(names, timings):
    """The main table: median step per library, ratios, GFLOP/s."""
    rows = []
    for name in names:
        widths, n = WORKLOADS[name]
        flops = gemm_flops(widths, n)
        t = {lib: timings[name, lib].median if (name, lib) in timings else "-" for lib in LIBS}
        if torch is None:
            t["PyTorch"] = NO_TORCH
        rows.append([describe(name), fmt_time(t["minidl"]), fmt_time(t["PyTorch"]), fmt_time(t["NumPy"]),
                     fmt_ratio(t["minidl"], t["PyTorch"]), fmt_ratio(t["minidl"], t["NumPy"]),
                     fmt_gflops(flops, t["minidl"]), fmt_gflops(flops, t["PyTorch"]),
                     fmt_gflops(flops, t["NumPy"])])
    return rows


def phase_rows(names, timings):
    """Median time of each phase, and median against mean step (stalls), per workload and library."""
    rows = []
    for name in names:
        for lib in LIBS:
            if (name, lib) in timings:
                t = timings[name, lib]
                rows.append([name, lib, *map(fmt_time, t.phase_medians), fmt_time(t.median),
                             fmt_time(t.mean), str(len(t.phases))])
    return rows


def minidl_blas():
    """The OpenBLAS minidl runs on, and its threading: its own pthreads pool, or OpenMP's."""
    try:
        import ctypes
        lib = ctypes.CDLL("libopenblas.so.0")  # already loaded by minidl._C: the same library
        lib.openblas_get_config.restype = ctypes.c_char_p
        config = lib.openblas_get_config().decode()
        threading = {0: "sequential", 1: "pthreads", 2: "OpenMP"}.get(lib.openblas_get_parallel(), "?")
        return f"{' '.join(config.split()[:2])} ({threading} threading)"
    except (OSError, AttributeError):
        return "unknown"


def results_section(rows, prows, check_lines, load_before, load_after):
    env = environment_lines("bench_mlp.py", ARGS.threads, f"{versions()}; minidl's BLAS: {minidl_blas()}",
                            "median time of one training step, each step timed on its own, over at least "
                            f"{MEASURE_S:g} s and {MIN_STEPS} steps after {WARMUP_S:g} s of warm-up steps; "
                            "one library at a time", ARGS.passive, load=(load_before, load_after))
    env.append("- Time ratio minidl / other: below 1 means minidl is faster")
    phases = ["", "Where the time goes (medians of each phase; a mean step far above the median step "
              "means stalls):", "", markdown_table(PHASE_HEADER, prows)]
    check = ["", "Agreement check (same initial weights, same batch):", ""]
    check += [f"- {line}" for line in check_lines]
    return ("\n".join(env) + "\n\n" + markdown_table(HEADER, rows) + "\n" + "\n".join(phases) + "\n"
            + "\n".join(check) + "\n")


BEGIN, END = "<!-- mlp-results:begin -->", "<!-- mlp-results:end -->"


def main():
    names = ARGS.only or list(WORKLOADS)
    libs = [lib for lib in (ARGS.libs or LIBS) if lib != "PyTorch" or torch is not None]
    mode = "quick" if ARGS.quick else f"at least {MEASURE_S:g} s and {MIN_STEPS} steps each"
    print(f"MLP training step, {ARGS.threads} threads ({mode})", file=sys.stderr)
    load_before = load_average()

    check_lines, ok = [], True
    if not ARGS.no_check:
        check_lines, ok = check_all(names)
    for line in check_lines:
        print(line, file=sys.stderr)

    # One library at a time, with a pause between: OpenMP and BLAS threads spin for a while after a
    # parallel region, and interleaving libraries would make each pay for the other's spinning.
    timings = {}
    for lib in libs:
        time.sleep(0.5)
        print(f"{lib}:", file=sys.stderr, flush=True)
        for name in names:
            t = timings[name, lib] = measure(make_trainer(lib, name))
            widths, n = WORKLOADS[name]
            f, b, u = t.phase_medians
            print(f"  {describe(name):<34} median {fmt_time(t.median):>9} (mean {fmt_time(t.mean):>9}), "
                  f"{gemm_flops(widths, n) / t.median / 1e9:5.1f} GFLOP/s; forward+loss {fmt_time(f)}, "
                  f"backward {fmt_time(b)}, update {fmt_time(u)}", file=sys.stderr, flush=True)
    load_after = load_average()

    rows, prows = table_rows(names, timings), phase_rows(names, timings)
    print()
    print(plain_table([h.replace("time ratio ", "") for h in HEADER], rows))  # narrower on a terminal
    print("(time ratio minidl / other: below 1 means minidl is faster)")
    print()
    print(plain_table(PHASE_HEADER, prows))
    print(f"load average before / after: {load_before} / {load_after}")
    if not (ARGS.no_write or ARGS.only or ARGS.libs):
        path = write_readme(BEGIN, END, results_section(rows, prows, check_lines, load_before, load_after),
                            "MLP training step results")
        print(f"\nresults written to {path}")
    if not ok:
        print("minidl DISAGREES with the reference: the timings above measure a wrong computation",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
