"""The engine's switches are per thread, as in PyTorch (a session's no_grad is its own)."""

from __future__ import annotations

import threading

import chainrule as cr


def _loop_no_grad(times: int, start: threading.Barrier) -> None:
    start.wait()
    for _ in range(times):
        with cr.no_grad():
            pass


def test_threads_entering_no_grad_at_once_leave_recording_on() -> None:
    # With one process-wide switch, two threads interleaving save/restore could leave it off.
    start = threading.Barrier(3)
    workers = [threading.Thread(target=_loop_no_grad, args=(20_000, start)) for _ in range(2)]
    for worker in workers:
        worker.start()
    start.wait()
    for _ in range(20_000):
        assert cr.is_grad_enabled()
    for worker in workers:
        worker.join()
    assert cr.is_grad_enabled()
    w = cr.tensor([1.0], requires_grad=True)
    assert (w * 2).requires_grad


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    inside, release = threading.Event(), threading.Event()

    def hold_no_grad() -> None:
        with cr.no_grad(), cr.detect_anomaly():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=hold_no_grad)
    worker.start()
    try:
        assert inside.wait(10)
        w = cr.tensor([1.0], requires_grad=True)
        assert (w * 2).requires_grad
        assert not cr.engine.state.switches.detect_anomaly
    finally:
        release.set()
        worker.join()


def test_a_new_thread_starts_recording() -> None:
    seen = []
    with cr.no_grad():
        thread = threading.Thread(target=lambda: seen.append(cr.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]
