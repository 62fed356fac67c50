"""run_tasks: every task once, in any order; errors carried, retried, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainrule.errors import ConfigError
from chainrule.training.parallel import run_tasks


def test_every_task_runs_once_and_keeps_its_key():
    outcomes = {o.key: o for o in run_tasks(lambda n: n * n, {f"t{i}": i for i in range(5)})}
    assert {k: o.value for k, o in outcomes.items()} == {f"t{i}": i * i for i in range(5)}
    assert all(o.ok and o.attempts == 1 and o.error_line() is None for o in outcomes.values())


def test_no_tasks_no_outcomes():
    assert list(run_tasks(abs, {}, jobs=2)) == []


def test_an_error_is_carried_as_the_exception_after_its_retries():
    def broken(task):
        raise ConfigError(f"bad task {task}")

    [outcome] = run_tasks(broken, {"a": 1}, retries=2)
    assert not outcome.ok and outcome.attempts == 3 and outcome.value is None
    assert isinstance(outcome.error, ConfigError)
    assert outcome.error_line() == "ConfigError: bad task 1"


def test_local_processes_run_the_tasks_and_retry_a_failure(tmp_path):
    marker = str(tmp_path / "failed-once")

    def flaky(task):
        if task == 2 and not Path(marker).exists():
            Path(marker).write_text("")
            raise RuntimeError("transient")
        return task + 100

    outcomes = {o.key: o for o in run_tasks(flaky, {"a": 1, "b": 2}, jobs=2, retries=1)}
    assert {k: o.value for k, o in outcomes.items()} == {"a": 101, "b": 102}
    assert (outcomes["a"].attempts, outcomes["b"].attempts) == (1, 2)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"backend": "spark"}, "unknown backend 'spark'"),
        ({"jobs": 0}, "jobs must be at least 1"),
        ({"retries": -1}, "retries must be 0 or more"),
        ({"scheduler": "tcp://localhost:8786"}, "needs backend 'dask'"),
    ],
)
def test_bad_settings_are_named_before_anything_runs(options, match):
    with pytest.raises(ConfigError, match=match):
        list(run_tasks(abs, {"a": 1}, **options))


def test_compare_remedies_on_local_processes_gives_the_serial_numbers():
    import json

    from chainrule.training import compare_remedies

    grid = {"activation": ["sigmoid", "relu"], "batch_norm": [False, True]}
    options = {"epochs": 1, "train_size": 60, "test_size": 30}
    ticks: list[int] = []
    serial = compare_remedies("digits", [64, 8, 8, 10], grid, **options)
    spread = compare_remedies(
        "digits", [64, 8, 8, 10], grid, **options, jobs=2, on_epoch=ticks.append
    )
    assert len(spread.rows) == 4 and ticks == [1] * 4  # one epoch of each run, counted
    as_text = [json.dumps(r.to_dict(), sort_keys=True, default=str) for r in (serial, spread)]
    assert as_text[0] == as_text[1]
