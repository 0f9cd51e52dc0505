"""minidl.compare: train one model with several optimizers and compare them (minidl's main job).

From a shell::

    minidl compare                                   # digits, MLP 64-64-10, five optimizers
    python -m minidl.compare --optimizers sgd momentum adam:lr=0.003 --epochs 30
    python -m minidl.compare --dataset moons --hidden 32 32 --out runs/moons

From a script::

    result = minidl.compare_optimizers(["sgd", "adam"], dataset="moons", epochs=10)
    print(result.table)
    result.histories["adam"].history["val_accuracy"]

Every run starts from the same initial weights and sees the same batches in the same order, so
the differences are the optimizers'. The outputs (summary table, histories as CSV and JSON, a
PNG of the curves) go to ``runs/compare/`` unless told otherwise.
"""
from .data import DATASETS  # noqa: F401
from .run import CompareResult, build_mlp, compare_optimizers  # noqa: F401
from .specs import DEFAULT_OPTIMIZERS, OPTIMIZERS, OptimizerSpec, parse_spec, parse_specs  # noqa: F401

__all__ = ["compare_optimizers", "CompareResult", "build_mlp", "parse_spec", "parse_specs",
           "OptimizerSpec", "OPTIMIZERS", "DEFAULT_OPTIMIZERS", "DATASETS"]
