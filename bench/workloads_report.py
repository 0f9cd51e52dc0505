"""Tables, targets and the plot of bench/suite.py: docs/benchmarks.md (the block between its
markers; text outside them is kept) and docs/benchmarks.png."""
from _common import fmt_time, markdown_table

BEGIN, END = "<!-- suite-results:begin -->", "<!-- suite-results:end -->"
TARGETS = {"tiny": 0.5, "mlp": 0.8, "bn": 0.9, "wide": 1.0, "epoch": 0.7, "optim": 1.0, "infer": 0.5}
MLP_KEYS = ("tiny", "mlp", "bn", "wide", "epoch", "infer")
NUMPY_SPEEDUP, PEAK_SHARE, IMPORT_S, GROWTH_KB = 3.0, 0.60, 0.3, 1024
LIBS = ("minidl", "PyTorch", "NumPy")

HEAD = """# minidl benchmarks

Issue 7's suite: every workload in minidl, PyTorch (CPU) and a plain NumPy implementation
(note 004, section 3: hand-written forward and backward), on 1 and 2 threads, with the targets.
Run it from the repository root after `pip install -e .` (PyTorch optional):

    python bench/suite.py            # about 5 minutes; rewrites the block below and benchmarks.png
    python bench/suite.py --quick    # smoke run, writes nothing

**Ratios are time ratios, minidl / other: below 1 means minidl is faster.** GFLOP/s count the
matrix products only (2*M*N*K each: one per layer forward, two per layer backward except the
first layer's input gradient); the share of sgemm peak divides them by the GFLOP/s of a
2048 x 2048 float32 product through NumPy (OpenBLAS) measured in the same run on the same
threads. Peak RSS is `ru_maxrss` of the process that ran the workload alone (imports included;
"after imports" is the RSS before the workload was built).

![time ratios against the targets](benchmarks.png)

"""


def med(r):
    if isinstance(r, dict):
        return r["median"]
    return r


def ratio(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0:
        return a / b
    return None


def fr(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def mb(kb):
    return f"{kb / 1024:.0f} MB" if isinstance(kb, (int, float)) else "-"


def yes(ok):
    return "-" if ok is None else ("yes" if ok else "**NO**")


def target_threads(results):
    return 2 if 2 in results else max(results)


def summary_rows(results, growth, workloads):
    """[workload, target, value at each thread count..., met (at the target's thread count)]."""
    tt = target_threads(results)
    threads = sorted(results)
    rows = []

    def row(name, target, values, ok_fn, fmt=fr):
        v = {t: values(results[t]) for t in threads}
        ok = None if v[tt] is None else ok_fn(v[tt])
        rows.append([name, target, *[fmt(v[t]) for t in threads], yes(ok)])

    desc = {k: d for k, d, _ in workloads}
    for key in ("tiny", "mlp", "bn", "wide", "epoch", "infer"):
        if key not in results[tt]:
            continue
        lim = TARGETS[key]
        row(desc[key], f"minidl / PyTorch <= {lim}",
            lambda r, k=key: ratio(med(r[k]["minidl"]), med(r[k]["PyTorch"])), lambda x, lim=lim: x <= lim)
        if key == "wide":
            flops = dict((k, f) for k, _, f in workloads)["wide"]
            row(desc[key], f"share of sgemm peak >= {PEAK_SHARE:.0%}",
                lambda r: share(flops, med(r["wide"]["minidl"]), r["sgemm"]), lambda x: x >= PEAK_SHARE,
                lambda x: "-" if x is None else f"{x:.0%}")
    for key in MLP_KEYS:
        if key in results[tt]:
            row(desc[key], f"minidl / NumPy <= {1 / NUMPY_SPEEDUP:.2f} (3x faster than NumPy)",
                lambda r, k=key: ratio(med(r[k]["minidl"]), med(r[k]["NumPy"])),
                lambda x: x <= 1 / NUMPY_SPEEDUP)
    if "optim" in results[tt]:
        names = next((r["times"] for r in results[tt]["optim"].values() if isinstance(r, dict)), {})
        for name in names:
            row(f"optimizer step, 1M float32: {name}", "minidl / PyTorch <= 1.0",
                lambda r, n=name: optim_ratio(r["optim"], n, "times"), lambda x: x <= 1.0)
    if "import" in results[tt]:
        row(desc["import"], f"<= {IMPORT_S} s",
            lambda r: r["import"]["minidl"] if isinstance(r["import"]["minidl"], float) else None,
            lambda x: x <= IMPORT_S, lambda x: "-" if x is None else f"{x:.3f} s")
    if "wide" in results[tt]:
        row("wide MLP: peak RSS", "minidl / PyTorch <= 1.0",
            lambda r: ratio(rss(r["wide"]["minidl"]), rss(r["wide"]["PyTorch"])), lambda x: x <= 1.0)
    for key, g in growth.items():
        grew = g["rss_end_kb"] - g["rss_after_warmup_kb"] if isinstance(g, dict) else None
        steps = g["steps"] if isinstance(g, dict) else "-"
        what = f"memory growth, {desc[key].split(',')[0]}, {steps} steps (minidl, {max(threads)} threads)"
        rows.append([what,
                     f"RSS growth after warm-up < {GROWTH_KB} kB",
                     *[("-" if grew is None else f"{grew} kB") if t == max(threads) else "" for t in threads],
                     yes(None if grew is None else grew < GROWTH_KB)])
    header = ["workload", "target", *[f"{t} thread{'s' * (t > 1)}" for t in threads],
              f"met ({tt} thread{'s' * (tt > 1)})"]
    return header, rows


def rss(r):
    return r["maxrss_kb"] if isinstance(r, dict) else None


def share(flops, t, sgemm):
    if flops is None or not isinstance(t, float) or not isinstance(sgemm, dict):
        return None
    return flops / t / 1e9 / sgemm["gflops"]


def optim_ratio(optim, name, kind):
    a, b = optim.get("minidl"), optim.get("PyTorch")
    if not isinstance(a, dict) or not isinstance(b, dict):
        return None
    return ratio(a["times"].get(name), b[kind].get(name))


def workload_table(key, flops, results):
    header = ["threads", "library", "median step", "mean step", "steps timed", "time ratio minidl / this",
              "GFLOP/s", "share of sgemm peak", "peak RSS", "RSS after imports"]
    rows = []
    for t in sorted(results):
        r = results[t][key]
        for lib in LIBS:
            v = r[lib]
            m = med(v)
            gf = flops / m / 1e9 if flops and isinstance(m, float) else None
            rows.append([str(t), lib, fmt_time(m), fmt_time(v["mean"]) if isinstance(v, dict) else "-",
                         str(v["n"]) if isinstance(v, dict) else "-",
                         fr(ratio(med(r["minidl"]), m), 3), fr(gf, 1),
                         "-" if gf is None else f"{share(flops, m, results[t]['sgemm']):.0%}",
                         mb(rss(v)), mb(v.get("import_rss_kb")) if isinstance(v, dict) else "-"])
    return markdown_table(header, rows)


def optim_table(results):
    header = ["optimizer", "threads", "minidl", "PyTorch", "PyTorch fused=True", "NumPy",
              "minidl / PyTorch", "minidl / PyTorch fused", "minidl / NumPy"]
    rows = []
    first = next(r for t in results for r in results[t]["optim"].values() if isinstance(r, dict))
    for name in first["times"]:
        for t in sorted(results):
            o = results[t]["optim"]
            get = {lib: (o[lib]["times"][name] if isinstance(o[lib], dict) else o[lib]) for lib in LIBS}
            fused = o["PyTorch"]["fused"].get(name, "-") if isinstance(o["PyTorch"], dict) else o["PyTorch"]
            rows.append([name, str(t), fmt_time(get["minidl"]), fmt_time(get["PyTorch"]), fmt_time(fused),
                         fmt_time(get["NumPy"]), fr(optim_ratio(o, name, "times")),
                         fr(optim_ratio(o, name, "fused")), fr(ratio(get["minidl"], get["NumPy"]))])
    return markdown_table(header, rows)


def import_table(results):
    header = ["threads", "minidl", "PyTorch", "NumPy", "bare `python -c pass`"]
    rows = [[str(t), *(fmt_time(results[t]["import"][k]) for k in ("minidl", "PyTorch", "NumPy", "python"))]
            for t in sorted(results)]
    return markdown_table(header, rows)


def sgemm_line(results, desc):
    parts = [f"{t} thread{'s' * (t > 1)}: {results[t]['sgemm']['gflops']:.1f} GFLOP/s"
             if isinstance(results[t]["sgemm"], dict) else f"{t}: {results[t]['sgemm']}"
             for t in sorted(results)]
    return (f"- sgemm peak ({desc}, median of 9 samples, measured before and after the workloads, the faster "
            "kept): " + "; ".join(parts))


def growth_table(growth):
    header = ["workload (minidl)", "steps", "RSS after warm-up", "RSS at the end", "growth"]
    rows = []
    for key, g in growth.items():
        if isinstance(g, dict):
            rows.append([key, f"{g['steps']} ({g['warmup_steps']} of them warm-up)",
                         f"{g['rss_after_warmup_kb']} kB", f"{g['rss_end_kb']} kB",
                         f"{g['rss_end_kb'] - g['rss_after_warmup_kb']} kB"])
        else:
            rows.append([key, "-", "-", "-", g])
    return markdown_table(header, rows)


def numpy_bound_table(results, workloads):
    """For each MLP workload: the time its matrix products alone would take at 100% of the
    measured sgemm peak, and so the lowest minidl / NumPy ratio any implementation doing the same
    products could reach on this machine. Above 1/3, "3x faster than NumPy" cannot be met."""
    header = ["workload", "threads", "GFLOP per step", "NumPy step", "products at sgemm peak",
              "lowest reachable minidl / NumPy", "measured minidl / NumPy", "3x reachable"]
    rows = []
    for key, desc, flops in workloads:
        if key not in MLP_KEYS or not flops:
            continue
        for t in sorted(results):
            r = results[t].get(key)
            sg = results[t].get("sgemm")
            if r is None or not isinstance(sg, dict) or not isinstance(med(r["NumPy"]), float):
                continue
            t_peak = flops / (sg["gflops"] * 1e9)
            best = t_peak / med(r["NumPy"])
            rows.append([desc.split(",")[0], str(t), f"{flops / 1e9:.4f}", fmt_time(med(r["NumPy"])),
                         fmt_time(t_peak), fr(best), fr(ratio(med(r["minidl"]), med(r["NumPy"]))),
                         "yes" if best <= 1 / NUMPY_SPEEDUP else "**no**"])
    return markdown_table(header, rows)


def markdown(results, growth, workloads, env, sgemm_desc):
    summary = summary_rows(results, growth, workloads)
    parts = ["## Results", "", *env, sgemm_line(results, sgemm_desc), "",
             "### Targets", "", markdown_table(*summary), "",
             "### What the machine allows: 3x faster than NumPy", "",
             "The matrix products of a step at 100% of the sgemm peak measured above give a floor on "
             "any implementation's step time; divided by NumPy's step it is the lowest minidl / NumPy "
             "ratio this machine allows. Where that floor is above 0.33, no library doing the same "
             "products can be 3x faster than the NumPy network here.", "",
             numpy_bound_table(results, workloads), ""]
    tt = target_threads(results)
    for key, desc, flops in workloads:
        if key not in results[tt]:
            continue
        parts += [f"### {desc}", ""]
        if key == "optim":
            parts += [optim_table(results)]
        elif key == "import":
            parts += [import_table(results)]
        else:
            parts += [workload_table(key, flops, results)]
        parts.append("")
    if growth:
        parts += ["### Memory growth", "", "Resident memory (current RSS, from /proc/self/statm) of a minidl "
                  "training loop after its warm-up steps and at the end, in a process of its own.", "",
                  growth_table(growth), ""]
    return "\n".join(parts), summary


def plot(results, workloads, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tt = target_threads(results)
    labels, targets, vals = [], [], {t: [] for t in sorted(results)}
    for key, desc, _ in workloads:
        if key not in results[tt] or key == "import":
            continue
        if key == "optim":
            names = next((r["times"] for r in results[tt]["optim"].values() if isinstance(r, dict)), {})
            for n in names:
                labels.append(f"optim: {n}")
                targets.append(TARGETS[key])
                for t in vals:
                    vals[t].append(optim_ratio(results[t]["optim"], n, "times"))
            continue
        labels.append(desc.split(",")[0] if key != "epoch" else "one epoch, digits (compare's model)")
        targets.append(TARGETS[key])
        for t in vals:
            vals[t].append(ratio(med(results[t][key]["minidl"]), med(results[t][key]["PyTorch"])))
    fig, (ax, ax2, ax3) = plt.subplots(1, 3, figsize=(18, 0.42 * len(labels) + 1.8),
                                       gridspec_kw={"width_ratios": [3, 2, 2]})
    y = range(len(labels))
    h = 0.8 / len(vals)
    for i, (t, v) in enumerate(vals.items()):
        ax.barh([k + i * h for k in y], [x or 0 for x in v], height=h, label=f"{t} thread{'s' * (t > 1)}")
    ax.scatter(targets, [k + h * (len(vals) - 1) / 2 for k in y], marker="|", s=300, color="red", zorder=3,
               label="target")
    ax.set_yticks([k + h * (len(vals) - 1) / 2 for k in y])
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="grey", lw=0.8)
    ax.set_title("time ratio minidl / PyTorch (below 1: minidl faster; log scale); red: target", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.07), ncol=len(vals) + 1, frameon=False)

    keys = [k for k in ("tiny", "mlp", "bn", "wide", "epoch") if k in results[tt]]
    flops = {k: f for k, _, f in workloads}
    for i, lib in enumerate(LIBS):
        s = [share(flops[k], med(results[tt][k][lib]), results[tt]["sgemm"]) or 0 for k in keys]
        ax2.bar([k + i * 0.27 for k in range(len(keys))], [100 * x for x in s], width=0.27, label=lib)
    ax2.axhline(100 * PEAK_SHARE, color="red", lw=1, ls="--", label="60% (wide MLP target)")
    ax2.set_xticks([k + 0.27 for k in range(len(keys))])
    ax2.set_xticklabels(keys)
    ax2.set_ylabel(f"% of sgemm peak ({tt} threads)")
    ax2.legend(fontsize=8)
    ax2.set_title("share of the measured sgemm peak", fontsize=10)

    # minidl / NumPy against the 3x target, with the floor the sgemm peak allows (numpy_bound_table)
    keys = [k for k in MLP_KEYS if k in results[tt] and flops.get(k)]
    w = 0.8 / len(vals)
    for i, t in enumerate(vals):
        r = [ratio(med(results[t][k]["minidl"]), med(results[t][k]["NumPy"])) or 0 for k in keys]
        floor = [flops[k] / (results[t]["sgemm"]["gflops"] * 1e9) / med(results[t][k]["NumPy"])
                 if isinstance(results[t].get("sgemm"), dict) and isinstance(med(results[t][k]["NumPy"]), float)
                 else 0 for k in keys]
        xs = [k + i * w for k in range(len(keys))]
        ax3.bar(xs, r, width=w, label=f"{t} thread{'s' * (t > 1)}", color=f"C{i}")
        ax3.scatter(xs, floor, marker="_", s=250, color="black", zorder=3,
                    label="floor: products at sgemm peak" if i == 0 else None)
    ax3.axhline(1 / NUMPY_SPEEDUP, color="red", lw=1, ls="--", label="target (3x faster)")
    ax3.set_xticks([k + w * (len(vals) - 1) / 2 for k in range(len(keys))])
    ax3.set_xticklabels(keys)
    ax3.set_ylabel("time ratio minidl / NumPy")
    ax3.legend(fontsize=8)
    ax3.set_title("minidl / NumPy (below the red line: 3x faster)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(results, growth, workloads, env, threads, out_dir, sgemm_desc):
    """Write benchmarks.md (its results block) and benchmarks.png into out_dir (None: write
    nothing); return (markdown text, (header, rows) of the targets table)."""
    text, summary = markdown(results, growth, workloads, env, sgemm_desc)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        md = out_dir / "benchmarks.md"
        old = md.read_text() if md.exists() else HEAD + f"{BEGIN}\n{END}\n"
        if BEGIN not in old or END not in old:
            old += f"\n{BEGIN}\n{END}\n"
        head, rest = old.split(BEGIN, 1)
        md.write_text(f"{head}{BEGIN}\n{text}\n{END}{rest.split(END, 1)[1]}")
        plot(results, workloads, out_dir / "benchmarks.png")
    return text, summary
