"""The grading worker's warm-up: Keras, the checks and nbgrader imported in a thread, once per process.

This module imports nothing heavy itself, so that a worker can start the warm-up first thing
(:mod:`.worker`) and the import runs in the niced thread, not in the worker's main thread.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import threading

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

_warm_up: threading.Thread | None = None


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
            with contextlib.suppress(Exception):  # the first test imports again, and reports a failure
                for module in WARM_UP_MODULES:
                    importlib.import_module(module)
            gc.freeze()  # TensorFlow's million objects live as long as the process: out of every collection

        _warm_up = threading.Thread(target=work, name="harness-warm-up", daemon=True)
        _warm_up.start()


def finish_warm_up() -> None:
    if _warm_up is not None:
        _warm_up.join()
