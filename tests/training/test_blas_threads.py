"""Small nets train on one BLAS thread; big products keep the threads the process had."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from chainrule.data import load
from chainrule.training import TrainConfig, train
from chainrule.training.run import SMALL_PRODUCT_MADDS, Run, largest_product


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_largest_product_counts_batch_times_fan_in_times_fan_out():
    assert largest_product(TrainConfig(layers=(784, 30, 10), batch_size=10)) == 10 * 784 * 30
    assert largest_product(TrainConfig(layers=(4, 8, 8, 2), batch_size=3)) == 3 * 8 * 8


@pytest.mark.parametrize(
    ("layers", "batch_size", "limited"),
    [((64, 30, 10), 10, True), ((64, 2048, 2048, 10), 512, False)],
)
def test_run_epoch_limits_blas_threads_only_for_small_products(layers, batch_size, limited):
    config = TrainConfig(layers=layers, batch_size=batch_size, epochs=1)
    assert (largest_product(config) < SMALL_PRODUCT_MADDS) is limited
    data = load("digits", train_size=64, test_size=32)
    seen: list[set[int]] = []
    with threadpool_limits(limits=2, user_api="blas"):
        run = Run(config, data)
        run.run_epoch(lambda index, loss: seen.append(_blas_threads()))
        after = _blas_threads()
    assert seen and all(threads == ({1} if limited else {2}) for threads in seen)
    assert after == {2}  # the limit ends with the epoch


def test_train_callbacks_see_one_thread_for_a_digits_net():
    seen: list[set[int]] = []
    with threadpool_limits(limits=2, user_api="blas"):
        train(
            TrainConfig(layers=(64, 16, 10), epochs=1),
            on_batch=lambda step, loss, learner: seen.append(_blas_threads()),
        )
    assert seen and all(threads == {1} for threads in seen)


def test_a_run_resumed_under_another_thread_count_continues_identically(tmp_path):
    # OpenBLAS's sums depend on its thread count; the policy pins one thread for this net in
    # its steps and its evaluations, so where the process's own setting changes between the
    # interrupted run and the resumed one, nothing else does
    config = TrainConfig(layers=(64, 256, 256, 10), batch_size=64, epochs=2, train_size=600)
    data = load("digits", train_size=600, test_size=200)
    path = tmp_path / "half.safetensors"
    with threadpool_limits(limits=1, user_api="blas"):
        full = train(config, data=data)
    with threadpool_limits(limits=2, user_api="blas"):
        train(replace(config, epochs=1), data=data, save=path)
    with threadpool_limits(limits=1, user_api="blas"):
        resumed = train(config, data=data, resume=path)

    def numbers(history):
        return [{k: v for k, v in entry.items() if k != "seconds"} for entry in history]

    assert numbers(resumed.history) == numbers(full.history)
    for ours, theirs in zip(resumed.learner.state()[0].values(), full.learner.state()[0].values()):
        np.testing.assert_array_equal(ours, theirs)
