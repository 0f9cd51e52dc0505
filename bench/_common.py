"""What the benchmark scripts share: thread settings, formatting, machine facts, and
rewriting one marked results block of bench/README.md."""
import os
import platform
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def set_threads(threads, passive=False):
    """Thread counts for every library. BLAS libraries read them when they load, so call
    this before importing numpy, minidl or torch."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if passive:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


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
