"""The cache of freed tensor buffers (cpp/src/buffer_cache.cpp): reused memory never leaks
old values into a result, and the cache stays bounded."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minidl

debug = minidl._C._debug
pytestmark = pytest.mark.skipif("address" in debug.sanitizers(), reason="the cache is off under ASan")


def test_freed_buffers_are_reused():
    minidl.zeros(123, 7)  # freed at once: its block goes to the cache
    before = debug.buffer_cache()
    for _ in range(50):
        minidl.zeros(123, 7)
    after = debug.buffer_cache()
    assert after["hits"] >= before["hits"] + 50


def test_reused_buffer_holds_the_new_values():
    rng = np.random.default_rng(0)
    for n in (1, 15, 16, 17, 1000, 4096):
        a = rng.standard_normal(n).astype(np.float32)
        del_me = minidl.full((n,), 7.0)  # leaves a block of this size full of 7s
        del del_me
        z = minidl.zeros(n)
        np.testing.assert_array_equal(z.numpy(), np.zeros(n, np.float32))
        t = minidl.from_numpy(a) * 2
        np.testing.assert_array_equal(t.numpy(), a * 2)


def test_cache_is_bounded_and_can_be_emptied():
    big = [minidl.empty(1 << 20) for _ in range(40)]  # 40 blocks of 4 MiB
    del big
    stats = debug.buffer_cache()
    assert stats["bytes"] <= 64 << 20
    assert stats["blocks"] <= 32 * 50
    debug.empty_buffer_cache()
    assert debug.buffer_cache()["blocks"] == 0
    assert debug.buffer_cache()["bytes"] == 0


def test_many_distinct_sizes_stay_bounded():
    # Varying shapes (a new size every call) must not leave an empty list behind for each size
    # ever freed: each size below is cached once, then taken out again and kept.
    debug.empty_buffer_cache()
    kept = []
    for n in range(1, 1500):
        minidl.empty(64 * n, dtype=minidl.bool)  # freed at once: cached
        kept.append(minidl.empty(64 * n, dtype=minidl.bool))  # takes that block: its list is empty
    assert debug.buffer_cache()["blocks"] == 0
    assert debug.buffer_cache()["sizes"] <= 1024 + 1


def test_env_switch_turns_the_cache_off():
    code = ("import minidl; d = minidl._C._debug\n"
            "for _ in range(20): minidl.zeros(1000)\n"
            "s = d.buffer_cache(); assert s['hits'] == 0 and s['blocks'] == 0, s\n")
    env = dict(os.environ, MINIDL_BUFFER_CACHE="0")
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
