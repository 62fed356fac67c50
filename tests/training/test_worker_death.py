"""A worker that dies mid-sweep costs only its run, which is retried (issue 13).

loky stops every worker when one dies, so the runs in flight beside the culprit are lost too;
they must not be charged for it. Before the culprit was found by running the suspects alone,
a run that always killed its worker made every run still pending fail with it.
"""

from __future__ import annotations

import os
from pathlib import Path

from chainrule.training import TrainConfig
from chainrule.training.parallel import run_tasks
from chainrule.training.sweep import measure_run, sweep

BASE = TrainConfig(layers=(64, 8, 10), epochs=1, train_size=60, test_size=40, lr=0.5)


def _kills_its_worker_at_lr_1(config: TrainConfig) -> dict:
    if config.lr == 1.0:
        os._exit(1)  # as a segfault or an OOM kill would
    return measure_run(config)


def test_a_run_that_always_kills_its_worker_fails_alone():
    grid = {"lr": [1.0, 2.0]}  # both in flight on two workers when lr 1.0 kills its own
    result = sweep(grid, 1, base=BASE, jobs=2, run_fn=_kills_its_worker_at_lr_1, retries=0)
    killer, innocent = result.runs
    assert killer["status"] == "failed" and "TerminatedWorkerError" in killer["error"]
    assert innocent["status"] == "ok"
    alone = measure_run(TrainConfig(**{**BASE.to_dict(), "lr": 2.0}))
    assert innocent["results"]["test_loss"] == alone["test_loss"]


def _dies_once(marker: str):
    def task(n: int) -> int:
        if n == 3 and not Path(marker).exists():
            Path(marker).write_text("")
            os._exit(1)
        return n * 10

    return task


def test_a_worker_that_dies_once_costs_its_task_one_retry(tmp_path):
    outcomes = {
        o.key: o
        for o in run_tasks(_dies_once(str(tmp_path / "died")), {f"t{n}": n for n in range(6)},
                           jobs=2, retries=1)
    }  # fmt: skip
    assert {k: o.value for k, o in outcomes.items()} == {f"t{n}": n * 10 for n in range(6)}
    assert outcomes["t3"].attempts == 2  # killed once, then ran alone
