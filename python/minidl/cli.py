"""The ``minidl`` console script: ``minidl compare ...`` (the optimizer comparison) and
``minidl demo`` (the first look that ``python -m minidl`` shows)."""
import argparse
import sys


def main(argv=None):
    from .compare import cli as compare_cli

    parser = argparse.ArgumentParser(prog="minidl", description="minidl from the command line.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    compare = sub.add_parser(
        "compare", help="train one model with several optimizers and compare them",
        description="Train the same MLP from the same initial weights with several optimizers and "
                    "compare them: a table, curves.png and the histories as CSV/JSON.",
        epilog=compare_cli.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    compare_cli.add_arguments(compare)
    sub.add_parser("demo", help="a first look: fit a line and an XOR network with autograd")
    args = parser.parse_args(argv)
    if args.command == "compare":
        return compare_cli.run(args, compare)
    if args.command == "demo":
        from .__main__ import main as demo
        return demo()
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
