"""How many BLAS threads a training run uses: chosen once at its start, then recorded with it.

OpenBLAS splits a product's sums differently over 1 and 2 threads, so the count is part of
what a run computes: :class:`~chainrule.training.run.Run` chooses it once
(:func:`choose_blas_threads`), holds its steps, evaluations and records to it, and the
checkpoint records it, so that a resumed run continues on the same count
(:func:`resumed_blas_threads`) or says why it cannot.

The choice: one thread for small products (they never gain from threads and collapse when
the cores are busy), and while other processes' running threads would share the cores; else
a short probe (a few training steps at one thread and at every thread the process has), and
the threads only when they are clearly faster now.

>>> choose_blas_threads(TrainConfig(layers=(64, 30, 10), batch_size=10))
1
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import os
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.classic import Network
from chainrule.errors import ConfigError
from chainrule.i18n import _
from chainrule.training.config import TrainConfig
from chainrule.wording import counted

# Below this many multiply-adds in the largest product of a training step, a run uses one BLAS
# thread without probing. Threads never gain there (OpenBLAS 0.3.31 runs products under
# 2.6e5 on one thread anyway: W1, W2 and W5 are that small) and collapse beside other work:
# on the 2-core build machine, under load, single products took (ms, one thread / two)
# 128x256@256x256 0.51/15.8, 64x1024@1024x1024 6.8/40.2, and `chainrule train --data digits`
# 64-30-10 beside 4 busy loops 7.30 s on the default threads, 4.62 s on one. From about 1e7 up
# threads gain on a quiet machine and still collapse on a busy one: benchmarks/load.py (issue
# 15), samples/s on two threads over one, quiet / beside two busy processes, W3 (784-256-256-10,
# batch 64, 1.3e7) 1.57 / 0.72 (0.02 at worst), W4 (784-1024-1024-10, batch 256, 2.7e8) 1.64 /
# 0.35. No fixed limit serves both, so from 2**23 (8.4e6) up a run probes at its start.
PROBE_MADDS = 2**23
# The probe's steps take a batch whose largest product is at most this size (fewer rows than
# the run's batch above it): bigger products gain at least as much from threads, and the probe
# stays under ~0.25 s on a quiet machine.
PROBE_CAP_MADDS = 2**28
# The probe times blocks of steps of at least this long on one thread.
PROBE_BLOCK_SECONDS = 0.02
# Threads must be this much faster than one in the probe: a near tie goes to one thread, which
# does not collapse when other work starts later.
PROBE_GAIN = 1.2
# Until the thread count was recorded, a run used one thread below this size and the default
# threads above it: a checkpoint without a count was trained on one thread below it.
LEGACY_SMALL_PRODUCT_MADDS = 2**31

Shape = tuple[int, int, int]
#: ``probe(config, threads)``: how many times faster a training step of ``config`` runs on
#: ``threads`` BLAS threads than on one (:func:`step_speedup`).
Probe = Callable[[TrainConfig, int], float]


class BlasThreadsWarning(UserWarning):
    """A resumed run continues on another BLAS thread count than it was trained on."""


def largest_product(config: TrainConfig) -> int:
    """Multiply-adds of the largest matrix product of one training step of ``config``.

    >>> largest_product(TrainConfig(layers=(64, 30, 10), batch_size=10))
    19200
    """
    rows, fan_in, fan_out = largest_shape(config)
    return rows * fan_in * fan_out


def largest_shape(config: TrainConfig) -> Shape:
    """``(batch, fan_in, fan_out)`` of the layer with the largest product (the backward pass's
    products have the same size).

    >>> largest_shape(TrainConfig(layers=(64, 30, 10), batch_size=10))
    (10, 64, 30)
    """
    fan_in, fan_out = max(itertools.pairwise(config.layers), key=lambda pair: pair[0] * pair[1])
    return config.batch_size, fan_in, fan_out


@functools.cache
def _thread_controller() -> Any:
    # imported and scanned once: a ThreadpoolController then limits in ~15 us, not ~0.4 ms
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def available_blas_threads() -> int:
    """The BLAS threads this process has now (OPENBLAS_NUM_THREADS, an enclosing
    ``threadpool_limits``); 1 when NumPy's BLAS is not one threadpoolctl knows."""
    pools = _thread_controller().select(user_api="blas").lib_controllers
    return max((pool.num_threads for pool in pools), default=1)


def limit_blas_threads(threads: int) -> contextlib.AbstractContextManager[Any]:
    """BLAS held to ``threads`` threads inside the block."""
    return _thread_controller().limit(limits=threads, user_api="blas")


def checked_blas_threads(threads: Any) -> int | None:
    """``threads`` when None (choose) or a whole number of 1 or more; else a ConfigError."""
    if threads is None or (type(threads) is int and threads >= 1):
        return threads
    raise ConfigError(
        _("blas_threads must be a whole number of 1 or more, got {value!r}").format(value=threads)
    )


def choose_blas_threads(
    config: TrainConfig, *, available: int | None = None, probe: Probe | None = None
) -> int:
    """The BLAS threads a run of ``config`` uses: one below PROBE_MADDS, when the process has
    one, or when other processes' running threads leave the ``available`` threads no cores of
    their own (:func:`crowded`, before and after the probe); else the ``available`` threads
    when the probe finds them PROBE_GAIN times faster than one, now (``probe`` defaults to
    :func:`step_speedup`).

    >>> choose_blas_threads(TrainConfig(layers=(784, 1024, 1024, 10), batch_size=256),
    ...                     available=2, probe=lambda config, threads: 1.05)
    1
    """
    if available is None:
        available = available_blas_threads()
    if available <= 1 or largest_product(config) < PROBE_MADDS or crowded(available):
        return 1
    if (probe or step_speedup)(config, available) < PROBE_GAIN:
        return 1
    _await_idle_workers()
    return 1 if crowded(available) else available


def _await_idle_workers(timeout: float = 0.3) -> None:
    """Wait (up to ``timeout`` seconds) until this process runs no thread but the caller.

    The probe's BLAS workers spin for about 0.1 s after their last product. While they hold
    the cores, any other thread that wakes (a kernel worker, a daemon's tick) waits in the run
    queue and looks like load: a quiet W4 run took one thread in 5 of 14 starts.
    """
    deadline = time.monotonic() + timeout
    while _own_running_threads() > 1 and time.monotonic() < deadline:
        time.sleep(0.005)


def crowded(threads: int) -> bool:
    """Whether ``threads`` threads would share cores with other processes' running threads
    (:func:`other_running_threads`, the median of a few looks over ~10 ms): a short probe
    can miss a collapse that the run's later steps meet."""
    others = []
    for look in range(5):
        if look:
            time.sleep(0.002)
        others.append(other_running_threads())
    return statistics.median(others) + threads > _cores()


def other_running_threads() -> int:
    """Threads of other processes running or ready to run on this machine now: the kernel's
    count (Linux, /proc/loadavg) less this process's own running threads; 0 where unknown.

    Its own are counted before and after the kernel's count, and the larger taken: a BLAS
    worker falling asleep between the two reads would otherwise count as another process's.
    """
    before = _own_running_threads()
    running = _machine_running_threads()
    if running is None:
        return 0
    return max(0, running - max(before, _own_running_threads()))


def _machine_running_threads() -> int | None:
    try:
        return int(Path("/proc/loadavg").read_text().split()[3].partition("/")[0])
    except (OSError, ValueError, IndexError):
        return None


def _own_running_threads() -> int:
    own = 0
    for stat in Path("/proc/self/task").glob("*/stat"):
        with contextlib.suppress(OSError, IndexError):  # a thread that ended meanwhile
            own += stat.read_text().rpartition(")")[2].split()[0] == "R"
    return own


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def step_speedup(
    config: TrainConfig, threads: int, *, pairs: int = 5, need: float = PROBE_GAIN
) -> float:
    """How many times faster training steps of ``config``'s network run on ``threads`` BLAS
    threads than on one: the median, over up to ``pairs`` pairs of neighbouring blocks (one
    thread, then ``threads``), of one block's time over the other's. It stops once most
    pairs fall on one side of ``need``, and cuts short a block on ``threads`` that is already
    slower than ``need`` allows: a collapse beside busy processes can make one 50 times slower.

    The steps are a scratch classic network's (the learner's products, a lr too small to move
    its weights, random inputs), the batch held to PROBE_CAP_MADDS. Blocks of several steps,
    not single products: under load the spare thread spins between products, and a lone
    product may catch a free core that a run's next thousand steps will not. Pairs and their
    median, not the worst block: on a shared host one block in a few runs a third slower
    for reasons that pass, and the worst block would then refuse threads that pay.
    """
    rows, fan_in, fan_out = largest_shape(config)
    rows = max(1, min(rows, PROBE_CAP_MADDS // (fan_in * fan_out)))
    network = Network(config.layers, config.activation, config.cost, config.init, seed=0)
    rng = np.random.default_rng(0)
    x = rng.random((rows, config.layers[0]), dtype=np.float32)
    y = rng.integers(0, config.layers[-1], size=rows)

    def seconds_per_step(count: int, steps: int, give_up: float = math.inf) -> float:
        with limit_blas_threads(count):
            if steps > 1:  # wake the threads that the other count left asleep (~0.1 ms)
                network.train_step(x, y, lr=1e-30)
            start = time.perf_counter()
            done = 0
            while done < steps:
                network.train_step(x, y, lr=1e-30)
                done += 1
                if time.perf_counter() - start > give_up * steps:
                    break
            return (time.perf_counter() - start) / done

    steps = max(1, math.ceil(PROBE_BLOCK_SECONDS / seconds_per_step(1, 1)))
    seconds_per_step(threads, 1)
    ratios: list[float] = []
    for _pair in range(pairs):
        one = seconds_per_step(1, steps)
        ratios.append(one / seconds_per_step(threads, steps, one / need))
        gains = sum(ratio >= need for ratio in ratios)
        if max(gains, len(ratios) - gains) > pairs // 2:  # the majority is decided
            break
    return statistics.median(ratios)


def resumed_blas_threads(
    config: TrainConfig, recorded: int | None, pinned: int | None, path: str | Path
) -> int | None:
    """The BLAS threads a run resumed from ``path`` continues on (None: choose afresh).

    ``pinned`` when given, else the ``recorded`` count, held to the threads this process
    has. A file saved before counts were recorded was trained on one thread below
    LEGACY_SMALL_PRODUCT_MADDS. When the count differs from the recorded one, or nothing says
    what it was, a BlasThreadsWarning says so: the sums may differ in their last bits.
    """
    if recorded is None and largest_product(config) < LEGACY_SMALL_PRODUCT_MADDS:
        recorded = 1
    threads = pinned
    if pinned is None and recorded is not None:
        threads = min(recorded, available_blas_threads())
    if recorded is None:
        message = _(
            "{path} does not record its BLAS thread count: its sums may differ in the last "
            "bits from an uninterrupted run's"
        ).format(path=path)
    elif threads != recorded:
        message = _(
            "{path} was trained on {recorded} and continues on {threads}: its sums may differ "
            "in the last bits from an uninterrupted run's"
        ).format(
            path=path,
            recorded=counted(recorded, "BLAS thread"),
            threads=counted(threads, "BLAS thread"),
        )
    else:
        return threads
    warnings.warn(message, BlasThreadsWarning, stacklevel=6)  # the caller of train()
    return threads
