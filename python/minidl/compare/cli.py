"""The command line of the comparison: ``minidl compare`` and ``python -m minidl.compare``."""
import argparse
import sys

from .data import DATASETS, check_name
from .specs import DEFAULT_OPTIMIZERS, OPTIMIZERS, parse_spec

EPILOG = """\
optimizer specs: NAME or NAME:key=value,key=value with PyTorch's argument names, e.g.
  sgd   momentum   adam:lr=0.003,betas=0.9/0.99   rmsprop:alpha=0.9,centered=true
examples:
  minidl compare
  minidl compare --optimizers sgd momentum heavyball --lr 0.1 --epochs 30
  minidl compare --dataset spirals --hidden 64 64 --optimizers sgd adam --out runs/spirals
  minidl compare --list
"""


def _dataset(text):
    try:
        return check_name(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _spec(text):
    try:
        return parse_spec(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _lr(text):
    """``0.01`` (every optimizer) or ``NAME=0.01`` / ``LABEL=0.01`` (that one)."""
    name, eq, value = text.rpartition("=")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a learning rate or NAME=LR, got {text!r}") from None
    return (name.strip() or None) if eq else None, number


def _target(text):
    if text.lower() == "none":
        return None
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an accuracy such as 0.95 or 95%, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"the target accuracy must be in (0, 1], got {text!r}")
    return value


def _positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def add_arguments(p):
    """The comparison's options, on parser ``p`` (its own, or the ``minidl compare`` subparser)."""
    p.add_argument("-o", "--optimizers", nargs="+", type=_spec, metavar="SPEC",
                   default=list(DEFAULT_OPTIMIZERS),
                   help=f"optimizers to compare (default: {' '.join(DEFAULT_OPTIMIZERS)}); "
                        f"names: {', '.join(OPTIMIZERS)}")
    p.add_argument("-d", "--dataset", type=_dataset, default="digits", metavar="NAME",
                   help=f"dataset (default: digits); one of {', '.join(DATASETS)}")
    p.add_argument("--hidden", nargs="*", type=_positive, default=[64], metavar="N",
                   help="hidden-layer widths of the MLP (default: 64; none: a linear classifier)")
    p.add_argument("-e", "--epochs", type=_positive, default=20, help="epochs per optimizer (default: 20)")
    p.add_argument("-b", "--batch-size", type=_positive, default=32, help="batch size (default: 32)")
    p.add_argument("--lr", nargs="+", type=_lr, default=[], metavar="[NAME=]LR",
                   help="learning rates: LR for every optimizer, NAME=LR for those of that name, "
                        "LABEL=LR for one; an lr= in a spec wins over LR and NAME=LR")
    p.add_argument("-s", "--seed", type=int, default=0,
                   help="seed of the initial weights and the batch order (default: 0)")
    p.add_argument("--target", type=_target, default=0.95,
                   help="validation accuracy whose first epoch the table shows (default: 0.95; 'none')")
    p.add_argument("--samples", type=_positive, default=1000,
                   help="points of a synthetic dataset (default: 1000)")
    p.add_argument("--out", default="runs/compare", metavar="DIR",
                   help="output directory (default: runs/compare)")
    p.add_argument("--no-plot", action="store_true", help="do not draw curves.png")
    p.add_argument("--progress", action="store_true", help="show a progress bar for each run")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the table and the output paths")
    p.add_argument("--list", action="store_true", help="list the optimizer and dataset names and exit")
    return p


def make_parser(prog="python -m minidl.compare"):
    p = argparse.ArgumentParser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Train the same MLP from the same initial weights with several optimizers and "
                    "compare them: a table, curves.png and the histories as CSV/JSON.")
    return add_arguments(p)


def list_names():
    lines = ["optimizers (NAME: what it builds):"]
    width = max(map(len, OPTIMIZERS))
    for name in OPTIMIZERS:
        spec = parse_spec(name)
        lines.append(f"  {name:<{width}}  {spec.describe():<52} {OPTIMIZERS[name].about}")
    lines.append("datasets:")
    width = max(map(len, DATASETS))
    lines += [f"  {name:<{width}}  {src.about}" for name, src in DATASETS.items()]
    return "\n".join(lines)


def run(args, parser):
    """Run the comparison that ``args`` describes; argparse-style errors (status 2) for bad values."""
    if args.list:
        print(list_names())
        return 0
    from .run import compare_optimizers
    from .specs import parse_specs

    every = [lr for name, lr in args.lr if name is None]
    named = {name: lr for name, lr in args.lr if name is not None}
    if len(every) > 1:
        parser.error(f"argument --lr: one learning rate for every optimizer, got {len(every)}")
    try:
        # by name first: a spec that has its lr then keeps it when the LR for all comes
        specs = parse_specs(args.optimizers, named or None)
        if every:
            specs = parse_specs(specs, every[0])
        result = compare_optimizers(
            specs, dataset=args.dataset, hidden=tuple(args.hidden), epochs=args.epochs,
            batch_size=args.batch_size, seed=args.seed, target=args.target, out=args.out,
            plot=not args.no_plot, progress=args.progress, verbose=not args.quiet, n_samples=args.samples)
    except ValueError as e:
        parser.error(str(e))
    if args.quiet:
        print(result.table)
    print()
    where = result.paths["table"].parent
    print(f"outputs in {where}/" + ("" if where.is_absolute() else f" ({where.resolve()})") + ":")
    for key in ("table", "summary_csv", "csv", "json", "png"):
        if key in result.paths:
            print(f"  {result.paths[key]}")
    return 0


def main(argv=None, prog="python -m minidl.compare"):
    parser = make_parser(prog)
    return run(parser.parse_args(argv), parser)


if __name__ == "__main__":
    sys.exit(main())
