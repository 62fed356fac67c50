"""Shared timing helpers for the benchmarks: interleaved repeats, medians and spread.

These machines are noisy, so every benchmark runs its contenders in turn, round after round,
and reports the median of the rounds with the spread (min..max) beside it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved(
    contenders: dict[str, Callable[[], object]], *, number: int, rounds: int = 7
) -> dict[str, list[float]]:
    """Seconds per call of each contender, one entry per round, contenders interleaved."""
    for fn in contenders.values():  # warm up caches and lazy imports
        for _ in range(max(1, number // 10)):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return samples


def summary(samples: list[float], scale: float = 1e6) -> str:
    """``median (min..max)`` in the given unit (microseconds by default)."""
    med = statistics.median(samples)
    return f"{med * scale:8.2f} ({min(samples) * scale:.2f}..{max(samples) * scale:.2f})"


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def paired_ratio(reference: list[float], contender: list[float]) -> tuple[float, float, float]:
    """Median and quartiles of ``reference[i] / contender[i]``: the contender's speed over the
    reference's, block by block (neighbouring blocks share the machine's noise)."""
    ratios = sorted(r / c for r, c in zip(reference, contender, strict=True))
    q1, q2, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    return q2, q1, q3


def ratio_cell(ratio: tuple[float, float, float]) -> str:
    """``median [q1..q3]`` of a paired ratio."""
    return f"{ratio[0]:.3f} [{ratio[1]:.2f}..{ratio[2]:.2f}]"
