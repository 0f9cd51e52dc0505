"""minidl shortens OpenMP's idle spin (python/minidl/_openmp.py) unless the user chose a policy."""
import os
import subprocess
import sys

import pytest

CODE = "import minidl, os; print(os.environ.get('GOMP_SPINCOUNT'))"


def spin_after_import(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    out = subprocess.run([sys.executable, "-c", CODE], env={**clean, **env}, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_default_spin_is_short():
    assert spin_after_import() == "10000"


@pytest.mark.parametrize("policy", ["active", "passive"])
def test_a_chosen_wait_policy_is_left_alone(policy):
    assert spin_after_import(OMP_WAIT_POLICY=policy) == "None"


def test_a_chosen_spin_count_is_kept():
    assert spin_after_import(GOMP_SPINCOUNT="123") == "123"
