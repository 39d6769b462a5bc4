"""The grading worker's warm-up: the workers of one run import in turn, and none waits for ever."""

from __future__ import annotations

import fcntl
import threading
import time

from rnncourse.grader import warm_up


def _enter_in_thread() -> tuple[threading.Thread, threading.Event]:
    entered = threading.Event()

    def run() -> None:
        with warm_up._one_at_a_time():
            entered.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, entered


def test_a_worker_imports_only_when_the_other_has_finished(tmp_path, monkeypatch):
    lock = tmp_path / "warm-up.lock"
    monkeypatch.setenv(warm_up.WARM_UP_LOCK_ENV, str(lock))
    with open(lock, "a") as other:  # another worker importing
        fcntl.flock(other, fcntl.LOCK_EX)
        thread, entered = _enter_in_thread()
        assert not entered.wait(0.5), "imported while another worker held the lock"
    assert entered.wait(5), "did not import once the other worker was done"
    thread.join(5)


def test_a_lock_held_for_ever_delays_the_import_only_up_to_the_limit(tmp_path, monkeypatch):
    lock = tmp_path / "warm-up.lock"
    monkeypatch.setenv(warm_up.WARM_UP_LOCK_ENV, str(lock))
    monkeypatch.setattr(warm_up, "WARM_UP_LOCK_WAIT", 0.3)
    with open(lock, "a") as stuck:
        fcntl.flock(stuck, fcntl.LOCK_EX)
        started = time.monotonic()
        thread, entered = _enter_in_thread()
        assert entered.wait(5), "waited for ever"
        assert time.monotonic() - started >= 0.3
        thread.join(5)


def test_without_a_lock_file_the_import_starts_at_once(monkeypatch):
    monkeypatch.delenv(warm_up.WARM_UP_LOCK_ENV, raising=False)
    thread, entered = _enter_in_thread()
    assert entered.wait(1)
    thread.join(5)
