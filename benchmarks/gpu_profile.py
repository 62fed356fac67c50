"""Where the CPU time of one chainrule training step goes on the GPU (cProfile), and what
NumPy's dispatch to CuPy costs per call. Run from the repository root on a GPU machine:

    PYTHONPATH=src python benchmarks/gpu_profile.py
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time

import cupy as cp
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu import WORKLOADS, chainrule_step, make_data


def per_call(fn, n: int = 2000) -> float:
    for _ in range(50):
        fn()
    cp.cuda.Device().synchronize()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    cp.cuda.Device().synchronize()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    a = cp.random.random((64, 256), dtype=cp.float32)
    print(f"cupy.exp(a)        {per_call(lambda: cp.exp(a)):6.1f} us/call")
    print(f"np.exp(a) -> cupy  {per_call(lambda: np.exp(a)):6.1f} us/call")
    print(f"a * a              {per_call(lambda: a * a):6.1f} us/call")
    print(f"np.broadcast_to    {per_call(lambda: np.broadcast_to(a[:1], a.shape)):6.1f} us/call")
    print(f"cp.broadcast_to    {per_call(lambda: cp.broadcast_to(a[:1], a.shape)):6.1f} us/call")
    print(f"a @ a.T            {per_call(lambda: a @ a.T):6.1f} us/call")
    for name in ("W5", "L1"):
        w = next(x for x in WORKLOADS if x.name == name)
        step = chainrule_step(w, *make_data(w))
        for i in range(20):
            step(i)
        cp.cuda.Device().synchronize()
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(200):
            step(i)
        cp.cuda.Device().synchronize()
        profiler.disable()
        print(f"\n== {name}: 200 steps")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(22)


if __name__ == "__main__":
    main()
