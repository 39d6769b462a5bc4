"""The grading worker's warm-up: Keras, the checks and nbgrader imported in a thread, once per process.

This module imports nothing heavy itself, so that a worker can start the warm-up first thing
(:mod:`.worker`) and the import runs in the niced thread, not in the worker's main thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import os
import threading
import time
from collections.abc import Iterator

#: What the warm-up imports: the checks' and the grading worker's own modules (4-5 s of CPU).
WARM_UP_MODULES = (
    "keras",
    "rnncourse.checks",
    "nbgrader.apps",
    "nbgrader.converters",
    "nbgrader.preprocessors",
    "rnncourse.grader.harness",
    "rnncourse.grader.sandbox",
)
#: The import thread's niceness (per thread on Linux): the grader builds the course meanwhile, on one
#: core, and the first notebook waits for that, not for the import.
WARM_UP_NICENESS = 10

#: A file the workers of one grading run on one machine lock while they import (set by the engine).
WARM_UP_LOCK_ENV = "RNNCOURSE_WARM_UP_LOCK"
WARM_UP_LOCK_WAIT = 20.0  # seconds a worker waits for another's import at most

_warm_up: threading.Thread | None = None


@contextlib.contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Hold the run's warm-up lock, if there is one: one worker imports at a time.

    Each worker process is a session of its own, and Linux shares the CPU between sessions before
    it looks at a thread's niceness: two imports at once took two thirds of the machine while the
    grader built the course, and the first notebooks started 2 s later than with none.
    """
    path = os.environ.get(WARM_UP_LOCK_ENV)
    handle = None
    if path:
        with contextlib.suppress(OSError):
            handle = open(path, "a")  # noqa: SIM115  (closed below)
            deadline = time.monotonic() + WARM_UP_LOCK_WAIT
            while True:  # never wait for ever: whoever holds it, this worker imports after the limit
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
    try:
        yield
    finally:
        if handle is not None:
            handle.close()  # releases the lock


def start_warm_up() -> None:
    """Start the import in a thread, once per process.

    The grading worker starts it when its process starts, which the engine does before the grader
    builds the course and rebuilds the submissions (:meth:`.engine.Engine.start_early`): the import
    uses the core that was idle then. Otherwise the harness starts it at the first student cell
    (the kernel runs that cell while the harness waits). :func:`finish_warm_up` waits for it.
    """
    global _warm_up
    if _warm_up is None:

        def work() -> None:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_UP_NICENESS)
            with _one_at_a_time(), contextlib.suppress(Exception):  # the first test imports again, and reports
                for module in WARM_UP_MODULES:
                    importlib.import_module(module)
            gc.freeze()  # TensorFlow's million objects live as long as the process: out of every collection

        _warm_up = threading.Thread(target=work, name="harness-warm-up", daemon=True)
        _warm_up.start()


def finish_warm_up() -> None:
    if _warm_up is not None:
        _warm_up.join()
