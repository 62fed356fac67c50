"""Independent tasks through joblib's backends, as scikit-learn runs its fits.

:func:`run_tasks` calls ``fn(task)`` for every task and yields each :class:`Outcome` as it
finishes: in this process (``jobs=1``), on ``jobs`` local processes (joblib's ``loky``), or on
a Dask cluster (``backend="dask"``: the scheduler at ``scheduler``, or a local cluster of
``jobs`` worker processes). Each call holds BLAS to one thread, so a task's numbers do not
depend on where it ran. A task that raises, or whose worker process dies under it, is tried
again up to ``retries`` times; then its outcome carries the error and the other tasks go on
(a death costs the task that caused it, not the others that were running: see ``_tries``).

>>> sorted(o.value for o in run_tasks(abs, {"a": -2, "b": 3}))
[2, 3]
>>> [o.error for o in run_tasks(int, {"x": "seven"})]
[ValueError("invalid literal for int() with base 10: 'seven'")]
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainrule.errors import ConfigError

BACKENDS = ("loky", "dask")


@dataclass(frozen=True)
class Outcome:
    """How a task ended: its ``value``, or the ``error`` of its last try (value None)."""

    key: str
    attempts: int
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def error_line(self) -> str | None:
        """The error as one line, ``"ValueError: ..."``; None when the task succeeded."""
        if self.error is None:
            return None
        return f"{type(self.error).__name__}: {self.error}".splitlines()[0]


def check_backend(jobs: int, backend: str, scheduler: str | None, retries: int = 0) -> None:
    """Raise ConfigError naming the fault in these settings (before anything runs)."""
    if backend not in BACKENDS:
        raise ConfigError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    if jobs < 1:
        raise ConfigError(f"jobs must be at least 1, got {jobs}")
    if retries < 0:
        raise ConfigError(f"retries must be 0 or more, got {retries}")
    if scheduler is not None and backend != "dask":
        raise ConfigError("a scheduler address needs backend 'dask' (--backend dask)")
    if backend == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigError("backend 'dask' needs Dask: pip install 'chainrule[dask]'") from None


def run_tasks(
    fn: Callable[[Any], Any],
    tasks: Mapping[str, Any],
    *,
    jobs: int = 1,
    backend: str = "loky",
    scheduler: str | None = None,
    retries: int = 0,
) -> Iterator[Outcome]:
    """``fn(task)`` for every task of ``tasks`` (key -> task); outcomes in the order they
    finish. ``fn`` and the tasks must pickle when another process runs them."""
    check_backend(jobs, backend, scheduler, retries)
    if not tasks:
        return
    with _backend(jobs, backend, scheduler) as map_:
        yield from _tries(fn, tasks, map_, retries)


def one_blas_thread() -> AbstractContextManager[Any]:
    """BLAS held to one thread inside the block. Every task runs under it, in any backend, and
    so must a serial loop that promises the numbers of :func:`run_tasks`: OpenBLAS splits a
    product's sums differently over two threads, which moves the last bits (a 300-row
    learning-speed pass differed in the 8th digit)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _attempt(
    fn: Callable[[Any], Any], key: str, task: Any, marks: str | None = None
) -> tuple[str, Any, Any]:
    """One try of one task, in whichever process the backend chose: (key, value, error).

    With ``marks`` (a folder the parent reads), a file named after the task lies there while
    the try runs: one left behind names a task whose process died under it."""
    mark = Path(marks) / _mark_name(key) if marks is not None else None
    if mark is not None:
        mark.touch()
    try:
        with one_blas_thread():  # the same sums in any process
            return key, fn(task), None
    except Exception as exc:  # any failure costs this task only
        try:
            pickle.dumps(exc)
        except Exception:  # the error must travel back to the parent process
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        return key, None, exc
    finally:
        if mark is not None:
            mark.unlink(missing_ok=True)


def _mark_name(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


@dataclass
class _Ledger:
    """Tries per task: ``attempts`` made (a try killed with its worker counts), ``charged``
    to the task's own account (it raised, or its worker died while it ran alone)."""

    attempts: dict[str, int]
    charged: dict[str, int]
    suspects: set[str]  # in flight when a worker died: each runs alone next, to find the culprit


def _tries(
    fn: Callable[[Any], Any],
    tasks: Mapping[str, Any],
    map_: Callable[..., Iterable[tuple[str, Any, Any]]],
    retries: int,
) -> Iterator[Outcome]:
    """Every task's outcome as it finishes or fails for good, in rounds: each round sends the
    tasks still pending; one that raised goes again in the next round. A worker that dies ends
    the round, and joblib cannot say which task killed it (loky also stops the other workers):
    the tasks that were running then (their marks left behind) each run alone next, where a
    death is their own and charged to them; the others lose nothing. A task is given up after
    ``retries`` charged tries beyond the first."""
    pending = list(tasks)
    ledger = _Ledger(dict.fromkeys(pending, 0), dict.fromkeys(pending, 0), set())
    while pending:
        alone = sorted(ledger.suspects & set(pending))[:1]
        batch = alone or pending
        finished: set[str] = set()
        with tempfile.TemporaryDirectory(prefix="chainrule-tries-") as marks:
            returned: set[str] = set()
            try:
                for key, value, error in map_(fn, [(k, tasks[k]) for k in batch], marks):
                    returned.add(key)
                    if _settle(ledger, key, error, retries):
                        finished.add(key)
                        yield Outcome(key, ledger.attempts[key], value, error)
            except Exception as lost:  # a lost worker (loky: TerminatedWorkerError)
                in_flight = [k for k in batch if k not in returned and _left(marks, k)]
                # no marks to read (a remote cluster's /tmp): every task not back is a suspect
                in_flight = in_flight or [k for k in batch if k not in returned]
                for key in in_flight:
                    ledger.attempts[key] += 1
                    ledger.suspects.add(key)
                if alone and _settle(ledger, alone[0], lost, retries, counted=True):
                    finished.add(alone[0])
                    yield Outcome(alone[0], ledger.attempts[alone[0]], None, lost)
        pending = [key for key in pending if key not in finished]


def _settle(ledger: _Ledger, key: str, error: Any, retries: int, *, counted: bool = False) -> bool:
    """Book one try of ``key`` that ended with ``error`` (None: it succeeded); whether the
    task is done (succeeded, or out of tries). ``counted``: the try is already in attempts."""
    if not counted:
        ledger.attempts[key] += 1
    if error is None:
        ledger.suspects.discard(key)
        return True
    ledger.charged[key] += 1
    return ledger.charged[key] > retries


def _left(marks: str, key: str) -> bool:
    """Whether ``key``'s try left its mark: it was running when its process died."""
    return (Path(marks) / _mark_name(key)).exists()


@contextmanager
def _backend(jobs: int, backend: str, scheduler: str | None) -> Iterator[Callable[..., Any]]:
    """A function that runs ``_attempt`` on each task and yields the results as they finish."""
    from joblib import Parallel, delayed, parallel_config

    def serial(fn: Callable[[Any], Any], batch: list[tuple[str, Any]], marks: str) -> Any:
        return (_attempt(fn, key, task) for key, task in batch)

    def parallel(fn: Callable[[Any], Any], batch: list[tuple[str, Any]], marks: str) -> Any:
        calls = (delayed(_attempt)(fn, key, task, marks) for key, task in batch)
        return Parallel(return_as="generator_unordered", batch_size=1)(calls)

    if backend == "loky" and jobs == 1:
        yield serial
    elif backend == "loky":
        with parallel_config(backend="loky", n_jobs=jobs):
            yield parallel
    else:
        with (
            _dask_client(scheduler, jobs),
            parallel_config(backend="dask", n_jobs=-1, wait_for_workers_timeout=60),
        ):
            yield parallel  # joblib's dask backend uses the client just made current


@contextmanager
def _dask_client(scheduler: str | None, jobs: int) -> Iterator[Any]:
    """A client of the cluster at ``scheduler``, or of a local cluster of ``jobs`` processes."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
