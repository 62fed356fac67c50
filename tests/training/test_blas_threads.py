"""A run's BLAS thread count: one thread for small products, a probe for big ones, chosen once,
recorded in its checkpoints and kept (or warned about) when it resumes."""

from __future__ import annotations

import time
import warnings
from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from chainrule.data import load
from chainrule.errors import ConfigError, ModelFileError
from chainrule.serialization import load_tensors, save_tensors
from chainrule.training import TrainConfig, checkpoint, threads, train
from chainrule.training.parallel import one_blas_thread
from chainrule.training.run import Run, largest_product
from chainrule.training.threads import (
    PROBE_MADDS,
    BlasThreadsWarning,
    choose_blas_threads,
    largest_shape,
    step_speedup,
)

BIG = TrainConfig(layers=(64, 2048, 2048, 10), batch_size=512, epochs=1)
# big enough that OpenBLAS splits its products over two threads (and its sums differ), small
# enough to train in a blink; PROBE_MADDS is lowered to it where a test needs a probe
MID = TrainConfig(layers=(64, 256, 256, 10), batch_size=64, epochs=2, train_size=600)


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def _no_probe(config, threads):
    pytest.fail(f"probed {config.layers} on {threads} threads: the choice needed no probe")


def _probe_saying(speedup: float, calls: list | None = None):
    def probe(config, threads):
        if calls is not None:
            calls.append((config, threads))
        return speedup

    return probe


@pytest.fixture
def digits_600():
    return load("digits", train_size=600, test_size=200)


@pytest.fixture
def uncrowded(monkeypatch):
    """Other processes leave every thread a core of its own, whatever runs beside the tests."""
    monkeypatch.setattr(threads, "crowded", lambda threads: False)


@pytest.fixture
def probed_mid(monkeypatch, uncrowded):
    """MID's products are probed; ``probed_mid(speedup)`` sets what the probe finds."""
    monkeypatch.setattr(threads, "PROBE_MADDS", largest_product(MID))
    return lambda speedup: monkeypatch.setattr(threads, "step_speedup", _probe_saying(speedup))


def _numbers(history):
    return [{k: v for k, v in entry.items() if k != "seconds"} for entry in history]


def _assert_same_run(ours, theirs):
    assert _numbers(ours.history) == _numbers(theirs.history)
    for a, b in zip(ours.learner.state()[0].values(), theirs.learner.state()[0].values()):
        np.testing.assert_array_equal(a, b)


def test_largest_product_counts_batch_times_fan_in_times_fan_out():
    assert largest_product(TrainConfig(layers=(784, 30, 10), batch_size=10)) == 10 * 784 * 30
    assert largest_product(TrainConfig(layers=(4, 8, 8, 2), batch_size=3)) == 3 * 8 * 8
    assert largest_shape(TrainConfig(layers=(4, 8, 8, 2), batch_size=3)) == (3, 8, 8)


def test_small_products_take_one_thread_without_a_probe(monkeypatch):
    monkeypatch.setattr(threads, "step_speedup", _no_probe)
    config = TrainConfig(layers=(64, 30, 10), batch_size=10, epochs=1)
    assert largest_product(config) < PROBE_MADDS
    assert choose_blas_threads(config, available=2) == 1
    seen: list[set[int]] = []
    with threadpool_limits(limits=2, user_api="blas"):
        run = Run(config, load("digits", train_size=64, test_size=32))
        run.run_epoch(lambda index, loss: seen.append(_blas_threads()))
        after = _blas_threads()
    assert run.blas_threads == 1
    assert seen and all(threads == {1} for threads in seen)
    assert after == {2}  # the limit ends with the epoch


@pytest.mark.parametrize(("speedup", "chosen"), [(1.8, 2), (1.05, 1)])
def test_big_products_take_the_threads_only_when_the_probe_finds_them_faster(
    monkeypatch, uncrowded, speedup, chosen
):
    calls: list = []
    monkeypatch.setattr(threads, "step_speedup", _probe_saying(speedup, calls))
    assert largest_product(BIG) >= PROBE_MADDS
    seen: list[set[int]] = []
    with threadpool_limits(limits=2, user_api="blas"):
        run = Run(BIG, load("digits", train_size=64, test_size=32))
        run.run_epoch(lambda index, loss: seen.append(_blas_threads()))
        after = _blas_threads()
    assert calls == [(BIG, 2)]  # once, at the start
    assert run.blas_threads == chosen
    assert seen and all(threads == {chosen} for threads in seen)
    assert after == {2}


@pytest.mark.parametrize(
    ("others", "cores", "crowded"),
    [
        ([0] * 10, 2, False),
        ([2] * 10, 2, True),
        ([1] * 10, 2, True),
        ([1] * 10, 4, False),
        ([0, 9, 0, 0, 9], 2, False),
    ],
)
def test_crowded_counts_other_running_threads_against_the_cores(
    monkeypatch, others, cores, crowded
):
    looks = iter(others)
    monkeypatch.setattr(threads, "other_running_threads", lambda: next(looks))
    monkeypatch.setattr(threads, "_cores", lambda: cores)
    assert threads.crowded(2) is crowded  # the median of 5 looks: a passing burst is not load


def test_other_running_threads_leaves_out_this_process():
    # this process's own running thread (the one asking) is not another's
    assert 0 <= threads.other_running_threads() < 10_000


@pytest.mark.parametrize(
    ("own", "machine", "others"), [((1, 0), 1, 0), ((0, 1), 1, 0), ((1, 1), 3, 2)]
)
def test_own_threads_that_stop_between_two_reads_are_not_others(monkeypatch, own, machine, others):
    # a BLAS worker spinning when the kernel counted it and asleep when this process looked
    counts = iter(own)
    monkeypatch.setattr(threads, "_own_running_threads", lambda: next(counts))
    monkeypatch.setattr(threads, "_machine_running_threads", lambda: machine)
    assert threads.other_running_threads() == others


def test_the_look_after_the_probe_waits_for_its_workers_to_sleep(monkeypatch):
    # while the probe's BLAS workers spin, any thread that wakes queues and looks like load
    own = [3, 2, 1]
    monkeypatch.setattr(threads, "_own_running_threads", lambda: own.pop(0) if own[1:] else 1)
    looks: list[list[int]] = []
    monkeypatch.setattr(threads, "crowded", lambda threads: looks.append(list(own)) or False)
    assert choose_blas_threads(BIG, available=2, probe=_probe_saying(1.8)) == 2
    assert looks == [[3, 2, 1], [1]]


def test_a_crowded_machine_takes_one_thread_before_or_after_the_probe(monkeypatch):
    looks: list[bool] = []
    monkeypatch.setattr(threads, "crowded", lambda threads: looks.pop(0))
    looks[:] = [True]
    assert choose_blas_threads(BIG, available=2, probe=_no_probe) == 1
    looks[:] = [False, True]  # busy processes started during the probe
    assert choose_blas_threads(BIG, available=2, probe=_probe_saying(1.8)) == 1
    looks[:] = [False, False]
    assert choose_blas_threads(BIG, available=2, probe=_probe_saying(1.8)) == 2
    assert looks == []


def test_one_thread_available_means_one_thread_without_a_probe(monkeypatch):
    # a sweep's or compare's worker holds BLAS to one thread: a Run inside it stays there
    monkeypatch.setattr(threads, "step_speedup", _no_probe)
    with one_blas_thread():
        assert choose_blas_threads(BIG) == 1
    with threadpool_limits(limits=1, user_api="blas"):
        assert choose_blas_threads(BIG) == 1


def test_train_callbacks_see_one_thread_for_a_digits_net():
    seen: list[set[int]] = []
    with threadpool_limits(limits=2, user_api="blas"):
        result = train(
            TrainConfig(layers=(64, 16, 10), epochs=1),
            on_batch=lambda step, loss, learner: seen.append(_blas_threads()),
        )
    assert seen and all(threads == {1} for threads in seen)
    assert result.blas_threads == 1


def test_a_pinned_count_is_kept_and_a_bad_one_refused(digits_600):
    with threadpool_limits(limits=1, user_api="blas"):
        assert Run(MID, digits_600, blas_threads=2).blas_threads == 2
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(ConfigError, match="blas_threads must be a whole number"):
            train(MID, data=digits_600, blas_threads=bad)


def test_a_run_resumed_under_another_thread_count_continues_identically(tmp_path, digits_600):
    # the run records its count (one thread for this net), so where the process's own
    # setting changes between the interrupted run and the resumed one, nothing else does
    path = tmp_path / "half.safetensors"
    with threadpool_limits(limits=1, user_api="blas"):
        full = train(MID, data=digits_600)
    with threadpool_limits(limits=2, user_api="blas"):
        train(replace(MID, epochs=1), data=digits_600, save=path)
    with threadpool_limits(limits=1, user_api="blas"):
        resumed = train(MID, data=digits_600, resume=path)
    _assert_same_run(resumed, full)


def test_the_count_is_recorded_and_a_resumed_run_keeps_it(tmp_path, digits_600, probed_mid):
    path = tmp_path / "half.safetensors"
    with threadpool_limits(limits=2, user_api="blas"):
        probed_mid(1.8)
        full = train(MID, data=digits_600)
        half = train(replace(MID, epochs=1), data=digits_600, save=path)
        one = train(MID, data=digits_600, blas_threads=1)
        probed_mid(1.0)  # the probe would now choose one thread: the record wins
        with warnings.catch_warnings():
            warnings.simplefilter("error", BlasThreadsWarning)
            resumed = train(MID, data=digits_600, resume=path)
    assert full.blas_threads == half.blas_threads == resumed.blas_threads == 2
    assert checkpoint.load(path).blas_threads == 2
    differ = [
        not np.array_equal(a, b)
        for a, b in zip(*(r.learner.state()[0].values() for r in (one, full)))
    ]
    assert any(differ)  # one thread's sums differ from two's: the kept count matters
    _assert_same_run(resumed, full)


def _resume_warnings(config, data, path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = train(config, data=data, resume=path, **kwargs)
    return result, [str(w.message) for w in caught if w.category is BlasThreadsWarning]


def test_a_pinned_count_other_than_the_recorded_one_warns_once_and_trains(tmp_path, digits_600):
    path = tmp_path / "half.safetensors"
    train(replace(MID, epochs=1), data=digits_600, save=path)
    assert checkpoint.load(path).blas_threads == 1
    result, messages = _resume_warnings(MID, digits_600, path, blas_threads=2)
    assert messages == [
        f"{path} was trained on 1 BLAS thread and continues on 2 BLAS threads: its sums may "
        "differ in the last bits from an uninterrupted run's"
    ]
    assert result.blas_threads == 2 and result.history[-1]["epoch"] == MID.epochs


def test_a_recorded_count_the_process_lacks_warns_and_trains_on_fewer(
    tmp_path, digits_600, probed_mid
):
    path = tmp_path / "half.safetensors"
    probed_mid(1.8)
    with threadpool_limits(limits=2, user_api="blas"):
        train(replace(MID, epochs=1), data=digits_600, save=path)
    with threadpool_limits(limits=1, user_api="blas"):
        result, messages = _resume_warnings(MID, digits_600, path)
    assert len(messages) == 1 and "trained on 2 BLAS threads and continues on 1 BLAS" in messages[0]
    assert result.blas_threads == 1 and result.history[-1]["epoch"] == MID.epochs


def test_a_file_from_before_the_record_resumes_on_the_old_policys_one_thread(
    tmp_path, digits_600, probed_mid
):
    # until counts were recorded, products under 2**31 ran on one thread: such a file (no
    # blas_threads in its metadata) continues there, silently, even where a probe would not
    path = tmp_path / "old.safetensors"
    with threadpool_limits(limits=1, user_api="blas"):
        full = train(MID, data=digits_600, blas_threads=1)
        train(replace(MID, epochs=1), data=digits_600, save=path)
    arrays, meta = load_tensors(path)
    del meta["blas_threads"]
    save_tensors(path, arrays, meta)
    assert checkpoint.load(path).blas_threads is None
    probed_mid(1.8)
    with threadpool_limits(limits=2, user_api="blas"):
        resumed, messages = _resume_warnings(MID, digits_600, path)
    assert messages == [] and resumed.blas_threads == 1
    _assert_same_run(resumed, full)


@pytest.mark.parametrize("bad", [0, -2, 1.5, "two", True])
def test_a_bad_recorded_count_is_a_model_file_error(tmp_path, digits_600, bad):
    path = tmp_path / "bad.safetensors"
    train(replace(MID, epochs=1), data=digits_600, save=path)
    arrays, meta = load_tensors(path)
    meta["blas_threads"] = bad
    save_tensors(path, arrays, meta)
    with pytest.raises(ModelFileError, match="bad BLAS thread count"):
        checkpoint.load(path)


def test_the_probe_times_real_steps_briefly():
    started = time.perf_counter()
    speedup = step_speedup(MID, 2)
    chosen = choose_blas_threads(BIG, available=2)  # its batch held to PROBE_CAP_MADDS
    assert time.perf_counter() - started < 5  # generous: speed belongs in benchmarks/load.py
    assert speedup > 0 and np.isfinite(speedup)
    assert chosen in (1, 2)


def test_steps_taken_by_hand_hold_the_runs_threads_too(digits_600):
    # run_epoch holds the count for a whole epoch; a front end stepping one batch at a time
    # (the playground) must get the same sums, so each step holds it by itself
    run = Run(MID, digits_600, blas_threads=1)
    seen: list[set[int]] = []
    train_batch = run.learner.train_batch

    def watched(x, y):
        seen.append(_blas_threads())
        return train_batch(x, y)

    run.learner.train_batch = watched
    with threadpool_limits(limits=2, user_api="blas"):
        run.step()
        run.run_epoch()
        after = _blas_threads()
    assert seen and all(threads == {1} for threads in seen)
    assert after == {2}
