"""The nbgrader process that a grading worker drives: started once, restarted after a timeout or crash.

nbgrader runs in its own process (:mod:`rnncourse.grader.worker`) so that a notebook that
exceeds the notebook time limit can be stopped by killing that process and everything below
it; its kernels run in the sandbox (:mod:`rnncourse.grader.sandbox`).
"""

from __future__ import annotations

import json
import os
import resource
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..config import child_env
from .sandbox import GRADING_BLAS_ENV, SCRATCH_ROOT_ENV
from .warm_up import WARM_UP_LOCK_ENV

#: Variables of the instructor's that the worker and its kernels keep: the data cache folder, and
#: PYTHONPATH, so that a checkout run without installing it (``make bench --compare-with``) grades
#: with its own code all the way down.
PASSED_ON = ("RNNCOURSE_DATA_DIR", "PYTHONPATH")


#: glibc's allocator in the worker, where the harness runs the checks (#22). By default glibc
#: gives large freed blocks back to the system and maps them again on the next request, which
#: the system must zero page by page: in a profile of the harness, 30 % of the worker's time.
#: Blocks up to 32 MB now come from the heap and stay there for reuse; measured on one
#: submission of every lesson, the worker's CPU time fell from 45-48 s to 39-41 s (3 runs each).
#: The student's kernel does not get these: its environment is the sandbox's own.
WORKER_MALLOC_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),  # the largest block glibc may take from the heap
    "MALLOC_TRIM_THRESHOLD_": str(512 * 1024 * 1024),  # keep up to 512 MB of freed heap for reuse
    "MALLOC_TOP_PAD_": str(64 * 1024 * 1024),  # grow the heap 64 MB at a time
}


def worker_env(home: Path) -> dict[str, str]:
    """A small, explicit environment for nbgrader: nothing that points at solutions or secrets."""
    base = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(home / ".ipython"),
        **WORKER_MALLOC_ENV,
        **{name: os.environ.get(name, value) for name, value in GRADING_BLAS_ENV.items()},
    }
    for name in PASSED_ON:
        if os.environ.get(name):
            base[name] = os.environ[name]
    return child_env(base, fast=True)  # this Python first on PATH, fast mode, TF quiet, inline plots


class NbgraderProcess:
    """``python -m rnncourse.grader.worker COURSE OPTIONS``: one JSON job in, one JSON answer out."""

    def __init__(
        self,
        course: Path,
        options: Path,
        log_path: Path,
        scratch_root: Path,
        memory_limit_gb: float,
        notebook_timeout: float,
        warm_up_lock: Path | None = None,
    ) -> None:
        self.course, self.options, self.log_path, self.scratch_root = course, options, log_path, scratch_root
        self.memory_limit_gb, self.notebook_timeout = memory_limit_gb, notebook_timeout
        self.warm_up_lock = warm_up_lock  # shared by the run's workers on this machine (.warm_up)
        self.proc: subprocess.Popen[str] | None = None

    def _limit(self) -> None:  # runs in the child before exec
        limit = int(self.memory_limit_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def start(self) -> None:
        home = self.course / "home"
        home.mkdir(exist_ok=True)
        with open(self.log_path, "a", encoding="utf-8") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "rnncourse.grader.worker", str(self.course), str(self.options)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                cwd=self.course,
                env={
                    **worker_env(home),
                    SCRATCH_ROOT_ENV: str(self.scratch_root),
                    **({WARM_UP_LOCK_ENV: str(self.warm_up_lock)} if self.warm_up_lock else {}),
                },
                preexec_fn=self._limit,
                start_new_session=True,
            )

    def grade(self, student: str, lesson: str) -> dict[str, Any]:
        """Autograde ``submitted/<student>/<lesson>``; ``{"timeout": True}`` past the notebook limit."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"student": student, "lesson": lesson}) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + self.notebook_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                return {"timeout": True}
            ready, _, _ = select.select([self.proc.stdout], [], [], min(remaining, 1.0))
            if ready:
                line = self.proc.stdout.readline()
                if line:
                    return json.loads(line)
            if ready or self.proc.poll() is not None:  # EOF or exit: the process itself died
                code = self.proc.wait()
                self.kill()
                return {"success": False, "error": f"the grading process died (exit {code})", "grades": []}

    def stop(self) -> None:
        """Kill the process and every process below it, from any thread, without waiting.

        A :meth:`grade` in progress on another thread then sees the process die and returns at once.
        """
        proc = self.proc
        if proc is None:
            return
        try:
            import psutil

            parent = psutil.Process(proc.pid)
            for child in parent.children(recursive=True):
                child.kill()
            parent.kill()
        except Exception:  # noqa: BLE001  (already gone)
            pass

    def kill(self) -> None:
        """Kill the process and every process below it (sandboxes and kernels included)."""
        if self.proc is None:
            return
        self.stop()
        try:
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            pass
        self.proc = None
