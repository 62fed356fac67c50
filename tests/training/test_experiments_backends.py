"""compare_remedies on joblib's workers: the serial numbers, bit for bit, on every backend.

The data is large enough (300 rows) for OpenBLAS to split a product over two threads when
allowed: the serial loop must hold BLAS to one thread as the workers do, or the last bits of
the learning speeds differ (they did, before ``one_blas_thread`` in the serial loop).
"""

from __future__ import annotations

import json

import pytest

from chainrule.training import compare_remedies
from chainrule.training.experiments import map_runs

SIZES = [64, 30, 30, 10]
GRID = {"activation": ["sigmoid", "relu"], "lr": [0.5, 1.0]}
OPTIONS = {"epochs": 1, "train_size": 300, "test_size": 50}


def _text(result) -> str:
    return json.dumps(result.to_dict(), sort_keys=True, default=str)


@pytest.fixture(scope="module")
def serial():
    return compare_remedies("digits", SIZES, GRID, **OPTIONS)


def test_local_processes_give_the_serial_numbers(serial):
    assert _text(compare_remedies("digits", SIZES, GRID, **OPTIONS, jobs=2)) == _text(serial)


def test_a_dask_cluster_gives_the_serial_numbers(serial):
    distributed = pytest.importorskip("distributed", reason="Dask is the optional [dask] extra")
    with distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ) as cluster:
        spread = compare_remedies(
            "digits", SIZES, GRID, **OPTIONS, backend="dask", scheduler=cluster.scheduler_address
        )
    assert _text(spread) == _text(serial)


def test_map_runs_keeps_the_order_and_raises_a_runs_error():
    done: list[int] = []
    assert map_runs(abs, [-3, 2, -1], jobs=2, on_done=done.append) == [3, 2, 1]
    assert sorted(done) == [0, 1, 2]
    with pytest.raises(ValueError, match="invalid literal"):
        map_runs(int, ["1", "x"])
