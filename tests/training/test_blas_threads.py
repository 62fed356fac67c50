"""Small nets train on one BLAS thread; big products keep the threads the process had."""

from __future__ import annotations

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
    [((64, 30, 10), 10, True), ((64, 2048, 2048, 10), 32, False)],
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
