"""pytest setup: make tests/helpers.py importable and keep global state from leaking between tests."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import minidl  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_global_state():
    # A test that fails inside `no_grad` or after set_grad_enabled(False) must not turn
    # recording off for every test after it.
    yield
    minidl._C._set_grad_enabled(True)
