"""Importing minidl and minidl.viz does not load matplotlib (the plots import it when they run)."""
import subprocess
import sys


def test_import_does_not_load_matplotlib():
    code = ("import sys, minidl, minidl.viz; v = minidl.viz.plot_history; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
    code = "import minidl; assert 'minidl.viz' not in __import__('sys').modules; minidl.viz; minidl.metrics"
    subprocess.run([sys.executable, "-c", code], check=True)
