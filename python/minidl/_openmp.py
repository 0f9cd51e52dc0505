"""How long OpenMP's idle threads spin, set before minidl's C++ extension loads libgomp."""
import os

# OpenMP's idle threads (minidl's and OpenBLAS's share one libgomp pool) spin 300,000 times,
# milliseconds, before they sleep. On an idle machine that is fastest; when other processes keep
# every core busy (two trainings at once, a compiler), a 2-thread step waits whole scheduler
# slices for its other thread: measured 24 ms instead of 0.32 ms on one thread for the 784-128-10
# MLP step. 10,000 spins brought that to ~1.9 ms and cost under 3% on an idle machine (passive
# waiting: 0.38 ms under load, 40% slower idle). libgomp reads this once, as _C loads it; a
# policy the user set (OMP_WAIT_POLICY or GOMP_SPINCOUNT) is left alone.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")
