#!/usr/bin/env python
"""minidl's core benchmarks, minidl against NumPy and PyTorch on this machine.

    python bench/bench_core.py               # 2 threads, prints a table, updates bench/README.md
    python bench/bench_core.py --threads 4 --no-write
    python bench/bench_core.py --passive     # on a machine busy with other work

What is measured (median time per call over many repetitions, after a warm-up call):

* a 1024x1024 float32 matmul;
* elementwise ops (add, mul, exp, tanh, sigmoid, relu) and reductions (sum, mean, max over
  everything and over the last dim) on a 1024x1024 float32 tensor (1M elements);
* Python-level overhead: ``a + b`` on 10-element tensors, with and without requires_grad.

Ratios are speed ratios, ``other library's time / minidl's time``: above 1 means minidl is
faster. An op minidl does not have yet is reported "not available" rather than failing, and
without PyTorch installed its column says so.
"""
import sys
import time

import _common
from _common import (common_args, environment_lines, fmt_time, import_libraries, load_average, markdown_table,
                     plain_table, versions, write_readme)


def _own_args(p):
    p.add_argument("--size", type=int, default=1024,
                   help="elementwise/reduction tensors are size x size (default 1024)")


ARGS = common_args(__doc__.splitlines()[1], _own_args)
np, minidl, torch = import_libraries(ARGS.threads)

REPEATS = 5 if ARGS.quick else ARGS.repeats
MIN_SAMPLE_S = 0.002 if ARGS.quick else 0.02  # each sample runs the op enough times to last this long
NOT_AVAILABLE = "not available"
NO_TORCH = "not installed"


# ---- timing -----------------------------------------------------------------------------

def median_time(fn):
    """_common.median_time with this script's repeats and sample length."""
    return _common.median_time(fn, repeats=REPEATS, min_sample_s=MIN_SAMPLE_S)


def timed(fn):
    """median_time(fn), or a string saying why there is no figure."""
    if fn is None:
        return NOT_AVAILABLE
    try:
        return median_time(fn)
    except (AttributeError, NotImplementedError, TypeError) as e:  # an op declared but not there yet
        print(f"    {NOT_AVAILABLE}: {type(e).__name__}: {e}", file=sys.stderr)
        return f"{NOT_AVAILABLE} ({type(e).__name__})"
    except Exception as e:  # a half-finished op must not stop the other measurements
        print(f"    error: {type(e).__name__}: {e}", file=sys.stderr)
        return f"error ({type(e).__name__})"


# ---- what minidl has today ----------------------------------------------------------------

def md_function(name):
    """minidl.<name>, or minidl.Tensor.<name> as a function, or None while neither exists."""
    if hasattr(minidl, name):
        return getattr(minidl, name)
    if hasattr(minidl.Tensor, name):
        return getattr(minidl.Tensor, name)
    return None


def md_call(name, *args):
    f = md_function(name)
    return None if f is None else (lambda: f(*args))


# ---- the benchmarks -------------------------------------------------------------------------

def matmul_cases():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((1024, 1024), dtype=np.float32)
    b = rng.standard_normal((1024, 1024), dtype=np.float32)
    ma, mb = minidl.from_numpy(a), minidl.from_numpy(b)
    ta, tb = (torch.from_numpy(a), torch.from_numpy(b)) if torch else (None, None)
    return [("matmul 1024x1024 @ 1024x1024 f32", "matmul",
             (lambda: ma @ mb) if hasattr(minidl.Tensor, "__matmul__") else None,
             lambda: a @ b, (lambda: ta @ tb) if torch else None)]


def elementwise_cases(n):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)
    mx, my = minidl.from_numpy(x), minidl.from_numpy(y)
    tx, ty = (torch.from_numpy(x), torch.from_numpy(y)) if torch else (None, None)
    T = torch is not None
    label = f"{n}x{n} f32"
    one = np.float32(1)
    return [
        (f"add {label}", "elementwise", md_call("add", mx, my), lambda: x + y,
         (lambda: tx + ty) if T else None),
        (f"mul {label}", "elementwise", md_call("mul", mx, my), lambda: x * y,
         (lambda: tx * ty) if T else None),
        (f"exp {label}", "elementwise", md_call("exp", mx), lambda: np.exp(x),
         (lambda: torch.exp(tx)) if T else None),
        (f"tanh {label}", "elementwise", md_call("tanh", mx), lambda: np.tanh(x),
         (lambda: torch.tanh(tx)) if T else None),
        # NumPy has no sigmoid: the usual one-liner (three passes over memory)
        (f"sigmoid {label}", "elementwise", md_call("sigmoid", mx), lambda: one / (one + np.exp(-x)),
         (lambda: torch.sigmoid(tx)) if T else None),
        (f"relu {label}", "elementwise", md_call("relu", mx), lambda: np.maximum(x, 0),
         (lambda: torch.relu(tx)) if T else None),
    ]


def reduction_cases(n):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((n, n), dtype=np.float32)
    mx = minidl.from_numpy(x)
    tx = torch.from_numpy(x) if torch else None
    T = torch is not None
    label = f"{n}x{n} f32"
    return [
        (f"sum (all) {label}", "reduction", md_call("sum", mx), lambda: x.sum(),
         (lambda: tx.sum()) if T else None),
        (f"mean (all) {label}", "reduction", md_call("mean", mx), lambda: x.mean(),
         (lambda: tx.mean()) if T else None),
        (f"max (all) {label}", "reduction", md_call("max", mx), lambda: x.max(),
         (lambda: tx.max()) if T else None),
        (f"sum (last dim) {label}", "reduction", md_call("sum", mx, -1), lambda: x.sum(-1),
         (lambda: tx.sum(-1)) if T else None),
        (f"mean (last dim) {label}", "reduction", md_call("mean", mx, -1), lambda: x.mean(-1),
         (lambda: tx.mean(-1)) if T else None),
        # max over a dim returns (values, indices) in minidl and PyTorch: NumPy does the same
        # work with max and argmax
        (f"max+argmax (last dim) {label}", "reduction", md_call("max", mx, -1),
         lambda: (x.max(-1), x.argmax(-1)),
         (lambda: tx.max(-1)) if T else None),
    ]


def overhead_cases():
    vals = [0.5 * i for i in range(10)]
    cases = []
    for rg in (False, True):
        ma, mb = minidl.tensor(vals, requires_grad=rg), minidl.tensor(vals, requires_grad=rg)
        ta = torch.tensor(vals, requires_grad=rg) if torch else None
        tb = torch.tensor(vals, requires_grad=rg) if torch else None
        na, nb = np.array(vals, np.float32), np.array(vals, np.float32)
        cases.append((f"a + b, 10 elements, requires_grad={rg}", "overhead", lambda ma=ma, mb=mb: ma + mb,
                      (lambda: na + nb) if not rg else None,
                      (lambda ta=ta, tb=tb: ta + tb) if torch else None))
    return cases


# What each category must reach (speed ratio against the named library), from the project's goals.
TARGETS = {
    "matmul": ("NumPy", 0.9),
    "elementwise": ("NumPy", 1.3),
    "reduction": ("NumPy", 1.3),
    "overhead": ("PyTorch", 1.0),  # minidl's time no more than PyTorch's
}


# ---- report -----------------------------------------------------------------------------------

def ratio(other, mine):
    if isinstance(other, str) or isinstance(mine, str) or other is None:
        return None
    return other / mine


def fmt_ratio(r):
    return "-" if r is None else f"{r:.2f}x"


def run_all():
    load_before = load_average()
    # matmul last: BLAS threads keep spinning for a while after a product, which would slow
    # whatever runs next on the same cores.
    cases = elementwise_cases(ARGS.size) + reduction_cases(ARGS.size) + overhead_cases() + matmul_cases()
    # One library at a time, with a pause between: OpenMP and BLAS threads spin for a while
    # after a parallel region, and interleaving the libraries would make each pay for the other's.
    times = {}
    for col, lib in ((2, "minidl"), (3, "NumPy"), (4, "PyTorch")):
        if lib == "PyTorch" and torch is None:
            continue
        time.sleep(0.5)
        print(f"{lib}:", file=sys.stderr, flush=True)
        for case in cases:
            t = timed(case[col]) if case[col] is not None or lib == "minidl" else "-"
            times[case[0], lib] = t
            print(f"  {case[0]:<42} {fmt_time(t):>14}", file=sys.stderr, flush=True)
    rows = []
    for name, cat, *_ in sorted(cases, key=lambda c: c[1] != "matmul"):  # the table shows matmul first
        t_md, t_np = times[name, "minidl"], times[name, "NumPy"]
        t_torch = times.get((name, "PyTorch"), NO_TORCH)
        r_np, r_torch = ratio(t_np, t_md), ratio(t_torch, t_md)
        lib, goal = TARGETS[cat]
        r_goal = r_np if lib == "NumPy" else r_torch
        met = "-" if r_goal is None else ("yes" if r_goal >= goal else "NO")
        rows.append([name, fmt_time(t_md), fmt_time(t_np), fmt_time(t_torch),
                     fmt_ratio(r_np), fmt_ratio(r_torch),
                     f">= {goal:g}x vs {lib}", met])
    return rows, load_before, load_average()


HEADER = ["benchmark", "minidl", "NumPy", "PyTorch", "speed vs NumPy", "speed vs PyTorch", "target", "met"]


def results_section(rows, load_before, load_after):
    blas = ""
    try:
        cfg = np.show_config(mode="dicts")
        dep = cfg["Build Dependencies"]["blas"]
        blas = f" ({dep['name']} {dep['version']})"
    except Exception:  # older NumPy: no dict mode
        pass
    env = environment_lines("bench_core.py", ARGS.threads, versions(blas),
                            f"median of {REPEATS} samples, each sample at least {MIN_SAMPLE_S * 1e3:g} ms "
                            "of repeated calls, after one warm-up call", ARGS.passive,
                            load=(load_before, load_after),
                            threads_note="; NumPy's elementwise ops and reductions are single-threaded")
    return "\n".join(env) + "\n\n" + markdown_table(HEADER, rows) + "\n"


BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def main():
    mode = "quick" if ARGS.quick else f"{REPEATS} samples each"
    print(f"minidl benchmarks, {ARGS.threads} threads ({mode}):", file=sys.stderr)
    rows, load_before, load_after = run_all()
    print()
    print(plain_table(HEADER, rows))
    if not ARGS.no_write:
        path = write_readme(BEGIN, END, results_section(rows, load_before, load_after), "Results")
        print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
