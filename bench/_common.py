"""What the benchmark scripts share: their common options, thread settings, timing, formatting,
machine facts, and rewriting one marked results block of bench/README.md."""
import argparse
import datetime
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def set_threads(threads, passive=False):
    """Thread counts for every library. BLAS libraries read them when they load, so call
    this before importing numpy, minidl or torch."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if passive:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


def common_args(description, extra=None, repeats=True):
    """Parse the options every benchmark takes (--threads, --repeats, --quick, --no-write,
    --passive; --repeats only where `repeats`) and the script's own (`extra(parser)` adds them),
    then set the thread counts: call this before importing numpy, minidl or torch."""
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--threads", type=int, default=2, help="threads for minidl, PyTorch and BLAS (default 2)")
    if repeats:
        p.add_argument("--repeats", type=int, default=21,
                       help="timed samples per figure; the median is reported (default 21)")
    p.add_argument("--quick", action="store_true",
                   help="a few short samples (a smoke test, not for reporting)")
    p.add_argument("--no-write", action="store_true", help="print only; leave bench/README.md alone")
    p.add_argument("--passive", action="store_true",
                   help="OMP_WAIT_POLICY=PASSIVE for every library: idle OpenMP threads sleep at once\n"
                        "instead of spinning; much better on a machine whose cores are busy with other work")
    if extra is not None:
        extra(p)
    args = p.parse_args()
    set_threads(args.threads, args.passive)
    return args


def import_libraries(threads, torch_wanted=True):
    """(numpy, minidl, torch), each library set to `threads` threads; torch is None where it is
    not installed (the PyTorch columns then say so) or not wanted. Call after common_args."""
    import numpy
    import minidl
    torch = None
    if torch_wanted:
        try:
            import torch
        except ImportError:
            pass
    minidl.set_num_threads(threads)
    if torch is not None:
        torch.set_num_threads(threads)
    return numpy, minidl, torch


def versions(numpy_extra=""):
    """'minidl X, NumPy Y, PyTorch Z' for the libraries import_libraries loaded."""
    import minidl
    import numpy
    torch = sys.modules.get("torch")
    return (f"minidl {getattr(minidl, '__version__', '?')}, NumPy {numpy.__version__}{numpy_extra}, "
            f"PyTorch {torch.__version__ if torch else 'not installed'}")


def fmt_time(t, us_digits=2):
    if isinstance(t, str):
        return t
    return f"{t * 1e3:.2f} ms" if t >= 1e-3 else f"{t * 1e6:.{us_digits}f} us"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "unknown"


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def plain_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*header), fmt.format(*("-" * w for w in widths))]
                     + [fmt.format(*r) for r in rows])


def write_readme(begin, end, section, heading):
    """Replace what stands between the markers `begin` and `end` in bench/README.md by
    `section` (adding the markers under `heading` if they are missing)."""
    text = README.read_text() if README.exists() else "# minidl benchmarks\n"
    if begin not in text or end not in text:
        text += f"\n## {heading}\n\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    README.write_text(f"{head}{begin}\n{section}{end}{tail}")
    return README


def _run(fn, number):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return time.perf_counter() - t0


def median_time(fn, repeats=21, min_sample_s=0.02, warmup=1):
    """Median seconds per call of fn() over `repeats` samples, each repeating the call for at
    least `min_sample_s`, after `warmup` calls; the garbage collector is off while timing (as in
    timeit)."""
    for _ in range(warmup):  # first-call allocations, thread pools starting, lazy state
        fn()
    number = 1
    while (t := _run(fn, number)) < min_sample_s:
        number = number * 10 if t < min_sample_s / 10 else int(number * min_sample_s / t) + 1
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        samples = [_run(fn, number) / number for _ in range(repeats)]
    finally:
        if gc_was_on:
            gc.enable()
    return statistics.median(samples)


def environment_lines(script, threads, versions, each_figure, passive=False, load=None, threads_note=""):
    """The bullet lines every results block starts with: command, date, machine, load average
    (`load` = (before, after), read by the caller around its timings), threads, versions (a
    string, see versions()), what each figure is."""
    command = f"python bench/{script}" + "".join(" " + a for a in sys.argv[1:])
    lines = [
        f"- Command: `{command}` (run from the repository root)",
        f"- Date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}",
    ]
    if load is not None:
        lines.append(f"- Load average before / after: {load[0]} / {load[1]} "
                     "(figures taken on a busy machine are noisy)")
    return lines + [
        f"- Threads: {threads} for each library (minidl.set_num_threads, torch.set_num_threads, "
        f"OMP/OPENBLAS/MKL_NUM_THREADS){'; OMP_WAIT_POLICY=PASSIVE' if passive else ''}{threads_note}",
        f"- Versions: Python {platform.python_version()}, {versions}",
        f"- Each figure: {each_figure}",
    ]
