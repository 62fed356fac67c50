"""Data-parallel training: the slices, the one Allreduce per step, and N ranks against one.

N threads stand in for N MPI processes here (their communicator sums the ranks' buffers in
rank order), so these run everywhere; ``tests/cli/test_train_distributed.py`` runs
``mpiexec -n 2`` against one process where MPI is installed.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from chainrule.errors import ConfigError
from chainrule.training import TrainConfig, train
from chainrule.training.distributed import DataParallel

SMALL = TrainConfig(layers=(64, 12, 10), epochs=2, train_size=203, test_size=50, lr=1.0)


class _Shared:
    """What the threads of one fake world share: a barrier and a slot per rank."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.barrier = threading.Barrier(size, timeout=60)  # a broken rank fails, not hangs
        self.slots: list[np.ndarray | None] = [None] * size


class ThreadComm:
    """An MPI communicator for ranks that are threads of this process."""

    def __init__(self, shared: _Shared, rank: int) -> None:
        self.shared, self.rank = shared, rank

    def Get_rank(self) -> int:
        return self.rank

    def Get_size(self) -> int:
        return self.shared.size

    def Allreduce(self, in_place, buffer, op=None):
        self.shared.slots[self.rank] = buffer.copy()
        self.shared.barrier.wait()
        total = self.shared.slots[0].copy()
        for part in self.shared.slots[1:]:
            total += part
        self.shared.barrier.wait()  # every rank has read the slots before they change
        buffer[...] = total

    def Bcast(self, buffer, root=0):
        if self.rank == root:
            self.shared.slots[root] = buffer.copy()
        self.shared.barrier.wait()
        buffer[...] = self.shared.slots[root]
        self.shared.barrier.wait()


def _train_on_threads(config: TrainConfig, size: int) -> list:
    """``train(config)`` on ``size`` thread-ranks; each rank's result and DataParallel."""
    shared = _Shared(size)
    results: list = [None] * size

    def rank_main(rank: int) -> None:
        parallel = DataParallel(ThreadComm(shared, rank))
        results[rank] = (train(config, data_parallel=parallel), parallel)

    threads = [threading.Thread(target=rank_main, args=(r,)) for r in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results), "a rank did not finish"
    return results


# --------------------------------------------------------------------------- the slices


@pytest.mark.parametrize(("size", "rows"), [(2, 10), (3, 10), (4, 3)])
def test_the_slices_cover_the_batch_once_with_shares_summing_to_one(size, rows):
    x, y = np.arange(rows * 2.0).reshape(rows, 2), np.arange(rows)
    taken, shares = [], []
    for rank in range(size):
        parallel = DataParallel(ThreadComm(_Shared(size), rank))
        _, ys = parallel.shard(x, y)
        shares.append(parallel._share)
        if parallel._share > 0:
            taken.extend(ys.tolist())
        else:  # no rows: the batch's first row, weighted 0, so the rank still joins in
            assert ys.tolist() == [0]
    assert taken == list(range(rows))
    assert sum(shares) == pytest.approx(1.0)


def test_average_weights_each_rank_by_its_share():
    shared = _Shared(2)
    out: list = [None, None]

    def rank_main(rank: int) -> None:
        parallel = DataParallel(ThreadComm(shared, rank))
        parallel.shard(np.zeros((3, 1)), np.zeros(3))  # rank 0 gets 1 row, rank 1 gets 2
        grad = np.full((2, 2), 10.0 * (rank + 1), np.float32)
        out[rank] = parallel.average([grad, np.ones(3, np.float32)], loss=3.0 * (rank + 1))

    threads = [threading.Thread(target=rank_main, args=(r,)) for r in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for grads, loss in out:  # (1·10 + 2·20) / 3 and (1·3 + 2·6) / 3
        np.testing.assert_allclose(grads[0], np.full((2, 2), 50 / 3), rtol=1e-6)
        np.testing.assert_allclose(grads[1], np.ones(3), rtol=1e-6)
        assert loss == pytest.approx(5.0)


# --------------------------------------------------------------------------- N ranks against 1


def test_four_thread_ranks_take_the_steps_of_one_process():
    # the classic engine only: the autodiff engine's grad mode is one per process, so its
    # ranks cannot be threads (tests/cli/test_train_distributed.py runs it on mpiexec)
    config = SMALL
    one = train(config)
    # the last batch of each epoch has 3 rows: one rank has none (its share is 0)
    ranks = _train_on_threads(config, 4)
    steps = config.epochs * -(-203 // config.batch_size)  # 21 batches an epoch, the last of 3
    for result, parallel in ranks:
        assert parallel.allreduces == steps  # one Allreduce per step, nothing more
        for name, array in one.learner.state()[0].items():
            np.testing.assert_allclose(result.learner.state()[0][name], array, atol=2e-6)
    # every rank holds the same weights, bit for bit
    first = ranks[0][0].learner.state()[0]
    for result, _ in ranks[1:]:
        for name, array in result.learner.state()[0].items():
            np.testing.assert_array_equal(array, first[name], err_msg=name)


def test_rank_0_alone_saves_and_reports(tmp_path):
    shared = _Shared(2)
    epochs_seen: list[list[int]] = [[], []]
    saved: list = [None, None]

    def rank_main(rank: int) -> None:
        parallel = DataParallel(ThreadComm(shared, rank))
        result = train(
            SMALL,
            data_parallel=parallel,
            save=tmp_path / "model.safetensors",
            on_epoch=lambda stats, learner: epochs_seen[rank].append(stats["epoch"]),
        )
        saved[rank] = result.checkpoint_path

    threads = [threading.Thread(target=rank_main, args=(r,)) for r in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert epochs_seen == [[1, 2], []]
    assert saved == [tmp_path / "model.safetensors", None]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.safetensors"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"batch_norm": True}, "--batch-norm"),
        ({"dropout": 0.2}, "--dropout"),
    ],
)
def test_settings_that_cannot_match_one_process_are_refused(change, named):
    config = TrainConfig(**{**SMALL.to_dict(), "engine": "autodiff", **change})
    parallel = DataParallel(ThreadComm(_Shared(2), 0))
    with pytest.raises(ConfigError, match=named):
        train(config, data_parallel=parallel)


def test_a_rank_that_fails_before_training_stops_the_others(tmp_path):
    """Rank 0 alone checks --save: when it fails, rank 1 must not wait for it in attach."""
    shared = _Shared(2)
    errors: list = [None, None]

    def rank_main(rank: int) -> None:
        parallel = DataParallel(ThreadComm(shared, rank))
        try:
            train(SMALL, data_parallel=parallel, save=tmp_path / "no-such-folder" / "m.safetensors")
        except ConfigError as exc:
            errors[rank] = str(exc)

    threads = [threading.Thread(target=rank_main, args=(r,)) for r in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert "no folder" in errors[0]
    assert "another process stopped before training" in errors[1]
