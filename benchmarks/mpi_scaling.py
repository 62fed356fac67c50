"""Data-parallel scaling: training samples/s of one process against ``mpiexec -n 2`` (issue 13).

Each round trains every workload once on one process (plain ``train``) and once on two
(``train(..., data_parallel=DataParallel.world())`` under mpiexec), interleaved, and prints
the median and spread of the training throughput (examples / the epochs' own seconds, so
loading and evaluation are left out), the speed-up, and the share of a 2-process step spent
in the Allreduce. Every process runs one BLAS thread.

    python benchmarks/mpi_scaling.py --rounds 3 --mpiexec /path/to/mpiexec
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any

from _timing import summary

WORKLOADS: dict[str, dict[str, Any]] = {
    "digits 64-30-10, batch 10": {
        "data": "digits",
        "layers": (64, 30, 10),
        "batch_size": 10,
        "epochs": 3,
        "lr": 0.5,
    },
    "fashion 784-256-256-10, batch 64": {
        "data": "fashion-mnist",
        "data_root": "/usr/share/datasets/fashion-mnist",
        "layers": (784, 256, 256, 10),
        "batch_size": 64,
        "epochs": 1,
        "train_size": 20000,
        "test_size": 1000,
        "lr": 0.1,
        "cost": "cross-entropy",
        "init": "xavier",
        "standardize": True,
    },
}


class _TimedComm:
    """MPI.COMM_WORLD, with the seconds spent in Allreduce added up."""

    def __init__(self, comm: Any) -> None:
        self.comm, self.seconds = comm, 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.comm, name)

    def Allreduce(self, *args: Any, **kwargs: Any) -> None:
        started = time.perf_counter()
        self.comm.Allreduce(*args, **kwargs)
        self.seconds += time.perf_counter() - started


def worker(name: str) -> None:
    """One process's part: train the workload, rank 0 prints its numbers as JSON."""
    from chainrule.training import TrainConfig, train
    from chainrule.training.distributed import DataParallel

    config = TrainConfig(**WORKLOADS[name])
    parallel = comm = None
    if "OMPI_COMM_WORLD_SIZE" in os.environ or "PMI_SIZE" in os.environ:
        from mpi4py import MPI

        if MPI.COMM_WORLD.Get_size() > 1:
            comm = _TimedComm(MPI.COMM_WORLD)
            parallel = DataParallel(comm, MPI.IN_PLACE, MPI.SUM)
    result = train(config, data_parallel=parallel)
    if parallel is None or parallel.is_root:
        seconds = sum(entry["seconds"] for entry in result.history[1:])
        examples = len(result_x(config)) * config.epochs
        print(
            json.dumps(
                {
                    "samples_per_s": examples / seconds,
                    "allreduce_share": (comm.seconds / seconds) if comm else 0.0,
                    "steps": parallel.allreduces if parallel else None,
                    "test_accuracy": result.test_accuracy,
                }
            )
        )


def result_x(config: Any) -> Any:
    from chainrule.training.splits import load_data, make_splits

    return make_splits(config, load_data(config)).train[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mpiexec", default=shutil.which("mpiexec") or "mpiexec")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.worker:
        worker(opts.worker)
        return
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    me = [sys.executable, __file__, "--worker"]
    samples: dict[tuple[str, int], list[dict[str, float]]] = {}
    for _ in range(opts.rounds):
        for name in WORKLOADS:
            for n in (1, 2):
                argv = [*me, name] if n == 1 else [opts.mpiexec, "-n", "2", *me, name]
                out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
                samples.setdefault((name, n), []).append(json.loads(out.stdout))
    print(f"{'workload':36s} procs  samples/s median (min..max) of {opts.rounds}  Allreduce")
    for (name, n), runs in samples.items():
        speeds = [r["samples_per_s"] for r in runs]
        share = sorted(r["allreduce_share"] for r in runs)[len(runs) // 2]
        print(f"{name:36s} {n:5d}  {summary(speeds, scale=1.0)}  {share:6.1%}")
    for name in WORKLOADS:
        one = sorted(r["samples_per_s"] for r in samples[(name, 1)])
        two = sorted(r["samples_per_s"] for r in samples[(name, 2)])
        print(f"{name:36s} speed-up x{two[len(two) // 2] / one[len(one) // 2]:.2f}")


if __name__ == "__main__":
    main()
