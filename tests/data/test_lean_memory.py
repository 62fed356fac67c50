"""Lean memory (issue 15): statistics, scaling and checks of a float32 data set make no float64
copy of it (which alone is twice its size). tracemalloc sees NumPy's array memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

from chainrule.data import preprocessing
from chainrule.data.datasets import _features
from chainrule.data.preprocessing import FeatureStats, fit_stats, standardize
from chainrule.diagnostics import diagnosis
from chainrule.diagnostics.diagnosis import input_scale
from chainrule.training.config import TrainConfig
from chainrule.training.learners import build_learner

ROWS, FEATURES = 12_000, 256  # 12 MB of float32: a float64 copy would be 24 MB


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # blocks of 64k values (512 kB in float64), so that a 12 MB data set spans many of them
    monkeypatch.setattr(preprocessing, "CHUNK", 1 << 16)
    monkeypatch.setattr(diagnosis, "SCALE_BLOCK", 1 << 16)


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return np.random.default_rng(0).random((ROWS, FEATURES), dtype=np.float32) * 255


def peak_bytes(fn: Callable[[], object]) -> int:
    """Peak of memory allocated while ``fn`` runs (its result kept until the end)."""
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def test_fitting_the_statistics_copies_nothing_big(x: np.ndarray) -> None:
    assert peak_bytes(lambda: fit_stats(x)) < 0.25 * x.nbytes


def test_scaling_makes_only_the_float32_result(x: np.ndarray) -> None:
    float64_stats = fit_stats(x)
    assert peak_bytes(lambda: float64_stats.apply(x)) < 1.25 * x.nbytes
    float32_stats = FeatureStats(float64_stats.mean.astype(np.float32), float64_stats.std)
    float32_stats = FeatureStats(float32_stats.mean, float64_stats.std.astype(np.float32))
    assert peak_bytes(lambda: float32_stats.apply(x)) < 1.1 * x.nbytes


def test_the_input_scale_check_copies_nothing_big(x: np.ndarray) -> None:
    assert peak_bytes(lambda: input_scale(x)) < 0.25 * x.nbytes


def test_a_learner_fits_its_standardization_without_a_scaled_copy(x: np.ndarray) -> None:
    learner = build_learner(TrainConfig(layers=(FEATURES, 4, 2), standardize=True))
    # the finiteness check's boolean mask is a quarter of the data; a float64 copy, twice it
    assert peak_bytes(lambda: learner.fit_input_stats(x)) < 0.3 * x.nbytes


def test_pixels_become_one_float32_array() -> None:
    pixels = np.random.default_rng(1).integers(0, 256, (ROWS, FEATURES), dtype=np.uint8)
    features = _features(pixels)
    np.testing.assert_array_equal(features, pixels.astype(np.float32) / np.float32(255.0))
    assert peak_bytes(lambda: _features(pixels)) < 1.1 * features.nbytes


def test_the_blocked_statistics_equal_numpys_to_the_bit(x: np.ndarray) -> None:
    # several blocks of rows (fit_stats carries the running sum across them)
    stats = fit_stats(x)
    np.testing.assert_array_equal(stats.mean, x.mean(axis=0, dtype=np.float64))
    np.testing.assert_array_equal(stats.std, x.std(axis=0, dtype=np.float64))
    scaled, _, _ = standardize(x)
    expected = ((x - stats.mean) / stats.std).astype(np.float32)
    np.testing.assert_array_equal(scaled, expected)
