"""1024x1024 float32 matmul, minidl vs NumPy, in a process that never imports PyTorch.

bench_core.py imports torch for its PyTorch column; torch brings its own OpenMP runtime,
and with it loaded minidl's OpenBLAS (OpenMP build) products ran about 2x slower on the
2-core test machine. This script measures the pair alone, alternating the two libraries.

    python bench/bench_matmul_alone.py [--threads 2]
"""
import argparse
import timeit

import numpy as np

import minidl

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
args = p.parse_args()
minidl.set_num_threads(args.threads)
rng = np.random.default_rng(0)
a, b = (rng.standard_normal((1024, 1024), dtype=np.float32) for _ in range(2))
ta, tb = minidl.from_numpy(a), minidl.from_numpy(b)
np.testing.assert_allclose((ta @ tb).numpy(), a @ b, rtol=1e-3, atol=1e-2)
for rnd in range(3):
    t_md = min(timeit.repeat(lambda: ta @ tb, number=10, repeat=5)) / 10
    t_np = min(timeit.repeat(lambda: a @ b, number=10, repeat=5)) / 10
    print(f"round {rnd}: minidl {t_md * 1e3:.2f} ms, NumPy {t_np * 1e3:.2f} ms, "
          f"speed vs NumPy {t_np / t_md:.2f}x ({2 * 1024**3 / t_md / 1e9:.0f} GFLOP/s)")
