"""Every notebook in notebooks/ runs top to bottom and is stored without outputs.

Each notebook runs in a fresh Jupyter kernel (nbclient) started from this interpreter, with
notebooks/ as its working directory and 300 s allowed per cell. A failing cell fails the test
with the cell's number, source and error. Stored outputs would go stale as minidl changes (and
bloat the diffs), so the committed notebooks must have none: CI and students produce them.
"""
import json
import os
import re
import sys
import time

import pytest

import minidl

MISSING = "{} is not installed (scripts/bootstrap.sh installs it); the notebooks are not run"
nbformat = pytest.importorskip("nbformat", reason=MISSING.format("nbformat"))
nbclient = pytest.importorskip("nbclient", reason=MISSING.format("nbclient"))
pytest.importorskip("ipykernel", reason=MISSING.format("ipykernel"))
from nbclient.exceptions import CellExecutionError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NB_DIR = os.path.join(ROOT, "notebooks")
NOTEBOOKS = sorted(f for f in os.listdir(NB_DIR) if f.endswith(".ipynb")) if os.path.isdir(NB_DIR) else []
CELL_TIMEOUT = 300
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture
def this_python_kernel(tmp_path, monkeypatch):
    """Kernel "python3" = this interpreter, importing the same minidl as the tests.

    Jupyter searches JUPYTER_PATH before the user's and the system's folders, so a python3
    kernelspec installed elsewhere (another interpreter) cannot take over.
    """
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(minidl.__file__)))
    paths = [package_parent] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")


def _error_text(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return ANSI.sub("", "\n".join(out.get("traceback", [])) or f"{out['ename']}: {out['evalue']}")
    return ""


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, this_python_kernel):
    nb = nbformat.read(os.path.join(NB_DIR, name), as_version=4)
    before = set(os.listdir(NB_DIR))
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3", startup_timeout=120,
                                     resources={"metadata": {"path": NB_DIR}})
    start, failure = time.perf_counter(), None
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as e:
                failure = (f"{name}: cell {index} raised\n--- source ---\n{cell.source}\n--- error ---\n"
                           f"{_error_text(cell) or ANSI.sub('', str(e))}")
                break
    if failure:  # failed outside the except block, so that pytest does not print the chained exception too
        pytest.fail(failure, pytrace=False)
    print(f"{name}: {time.perf_counter() - start:.1f} s")
    left = sorted(set(os.listdir(NB_DIR)) - before - {".ipynb_checkpoints"})
    assert not left, f"{name} left files in notebooks/: {left} (write into a tempfile.TemporaryDirectory)"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_stored_clean(name):
    nb = nbformat.read(os.path.join(NB_DIR, name), as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{name} is stored with outputs in cells {dirty}: clear them before committing "
                       "(JupyterLab: Edit > Clear Outputs of All Cells; or "
                       "jupyter nbconvert --clear-output --inplace)")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{name}: metadata.kernelspec.name is {kernel!r}, expected 'python3'"


def test_readme_lists_every_notebook():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    missing = [n for n in NOTEBOOKS if n not in readme]
    assert not missing, f"README.md's Notebooks section does not list {missing}"
