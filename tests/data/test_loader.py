"""DataLoader: coverage per epoch, seeded order, drop_last, option checks."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.data import DataLoader
from chainrule.errors import ConfigError, DataError


def make_data(m: int = 23) -> tuple[np.ndarray, np.ndarray]:
    # row i of x holds i, so alignment with y can be checked after shuffling
    x = np.repeat(np.arange(m, dtype=np.float32)[:, None], 3, axis=1)
    return x, np.arange(m)


def epoch_labels(loader: DataLoader) -> list[int]:
    return [int(v) for _, yb in loader for v in yb]


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_example_once_per_epoch(shuffle):
    x, y = make_data()
    loader = DataLoader(x, y, batch_size=5, shuffle=shuffle, seed=0)
    assert len(loader) == 5
    for _ in range(3):
        batches = list(loader)
        assert [len(yb) for _, yb in batches] == [5, 5, 5, 5, 3]
        seen = np.concatenate([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(23))
        for xb, yb in batches:
            np.testing.assert_array_equal(xb[:, 0], yb)  # rows stay with their labels
            assert xb.shape[1:] == (3,)


def test_no_shuffle_keeps_order():
    x, y = make_data(10)
    assert epoch_labels(DataLoader(x, y, batch_size=4)) == list(range(10))


def test_shuffle_changes_order_each_epoch_and_reproduces_with_seed():
    x, y = make_data(50)
    a = DataLoader(x, y, batch_size=8, shuffle=True, seed=42)
    b = DataLoader(x, y, batch_size=8, shuffle=True, seed=42)
    epochs_a = [epoch_labels(a) for _ in range(3)]
    epochs_b = [epoch_labels(b) for _ in range(3)]
    assert epochs_a == epochs_b
    assert epochs_a[0] != epochs_a[1] != epochs_a[2]
    assert epochs_a[0] != list(range(50))
    other = DataLoader(x, y, batch_size=8, shuffle=True, seed=43)
    assert epoch_labels(other) != epochs_a[0]


def test_rng_and_seed_are_equivalent():
    x, y = make_data(30)
    by_seed = DataLoader(x, y, batch_size=7, shuffle=True, seed=5)
    by_rng = DataLoader(x, y, batch_size=7, shuffle=True, rng=np.random.default_rng(5))
    assert epoch_labels(by_seed) == epoch_labels(by_rng)


def test_drop_last():
    x, y = make_data(23)
    loader = DataLoader(x, y, batch_size=5, shuffle=True, seed=1, drop_last=True)
    assert len(loader) == 4
    batches = list(loader)
    assert [len(yb) for _, yb in batches] == [5, 5, 5, 5]
    assert len(set(np.concatenate([yb for _, yb in batches]).tolist())) == 20
    exact = DataLoader(x[:20], y[:20], batch_size=5, drop_last=True)
    assert len(exact) == 4 and len(list(exact)) == 4


def test_min_batch_skips_only_a_shorter_last_batch():
    x, y = make_data(21)
    loader = DataLoader(x, y, batch_size=5, shuffle=True, seed=1, min_batch=2)
    assert len(loader) == 4 and loader.n_used == 20
    assert [len(yb) for _, yb in loader] == [5, 5, 5, 5]
    x, y = make_data(22)
    kept = DataLoader(x, y, batch_size=5, min_batch=2)
    assert [len(yb) for _, yb in kept] == [5, 5, 5, 5, 2] and len(kept) == 5
    with pytest.raises(ConfigError, match="min_batch"):
        DataLoader(x, y, batch_size=5, min_batch=0)


def test_batch_larger_than_data():
    x, y = make_data(3)
    assert len(DataLoader(x, y, batch_size=10)) == 1
    assert len(DataLoader(x, y, batch_size=10, drop_last=True)) == 0
    assert list(DataLoader(x, y, batch_size=10, drop_last=True)) == []


def test_labels_optional():
    x, _ = make_data(6)
    batches = list(DataLoader(x, None, batch_size=4))
    assert [xb.shape[0] for xb, _ in batches] == [4, 2]
    assert all(yb is None for _, yb in batches)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "8"])
def test_bad_batch_size(batch_size):
    x, y = make_data(5)
    with pytest.raises(ConfigError, match="batch_size"):
        DataLoader(x, y, batch_size=batch_size)


def test_bad_options():
    x, y = make_data(5)
    with pytest.raises(ConfigError, match="not both"):
        DataLoader(x, y, 2, shuffle=True, seed=1, rng=np.random.default_rng(1))
    with pytest.raises(ConfigError, match="Generator"):
        DataLoader(x, y, 2, rng=1)
    with pytest.raises(ConfigError, match="seed must be an integer of 0 or more"):
        DataLoader(x, y, 2, shuffle=True, seed=-1)
    with pytest.raises(ConfigError, match=r"seed must be a numpy\.random\.Generator or an integer"):
        DataLoader(x, y, 2, shuffle=True, seed="a")
    with pytest.raises(DataError, match="5 examples"):
        DataLoader(x, y[:4], 2)


def test_seeds_numpy_takes_are_taken():
    """A [seed, stream] list and a BitGenerator seed a loader, as numpy.random.default_rng."""
    x, y = make_data(9)
    order = [yb.tolist() for _, yb in DataLoader(x, y, 4, shuffle=True, seed=[1, 2])]
    again = DataLoader(x, y, 4, shuffle=True, rng=np.random.default_rng([1, 2]))
    assert order == [yb.tolist() for _, yb in again]
    from chainrule.data import make_moons

    assert make_moons(6, rng=np.random.PCG64(1))[0].shape == (6, 2)
    with pytest.raises(ConfigError, match="0 or more"):
        DataLoader(x, y, 4, shuffle=True, seed=[1, -2])
