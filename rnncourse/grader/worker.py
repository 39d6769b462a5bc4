"""A grading worker: one long-lived process that autogrades many notebooks with nbgrader.

Started by the grader as ``python -m rnncourse.grader.worker <course_root> <options.json>``.
It reads one JSON job per line on stdin and answers one JSON line per job on its original
stdout (everything else it or nbgrader prints goes to stderr). Each worker owns a private
course folder and SQLite gradebook, so workers never write to the same database; the
parent merges the results into the instructor's gradebook.

With ``"sandbox"`` set in the options (the default of the grader), nbgrader starts every
kernel through :class:`rnncourse.grader.sandbox.SandboxKernelManager`: the kernel runs in
bubblewrap and sees only a copy of the notebook it grades, never this course folder.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _scores(autograder: Path, lesson: str, student: str) -> list[dict]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{autograder / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(lesson, lesson, student)
        return [
            {"name": g.name, "cell_type": g.cell.cell_type, "auto_score": g.auto_score, "max_score": float(g.max_score)}
            for g in notebook.grades
        ]


def _source(course: Path, lesson: str) -> dict:
    """The lesson's source notebook in this worker's course (which names its tests import)."""
    return json.loads((course / "solutions" / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))


def _exit_with_parent() -> None:
    """Exit at once when the process that started us is gone (a Dask worker killed mid-notebook).

    The kernels below this process end with it (bubblewrap's ``--die-with-parent``).
    """
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _clear_scratch() -> None:
    """Remove every kernel's scratch folder: between two notebooks no kernel of ours is alive."""
    import shutil

    from .sandbox import SCRATCH_ROOT_ENV

    root = os.environ.get(SCRATCH_ROOT_ENV)
    if root and Path(root).is_dir():
        for child in Path(root).iterdir():
            shutil.rmtree(child, ignore_errors=True)


#: Test cells run in this process, the trusted harness, and the kernel runs the student's cells only.
#: (``make bench`` turns it off in a copy of the checkout to measure what the harness costs.)
HARNESS = True


def _setup(course: Path, options: dict[str, Any]) -> tuple[Any, Any, Any]:
    """nbgrader's API for this worker's course, the sandboxed kernel manager (or None), and the harness step."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    autograder = course / "autograder"
    config = PyFileConfigLoader("nbgrader_config.py", path=str(autograder)).load_config()
    config.Execute.timeout = int(options["cell_timeout"])
    config.Execute.interrupt_on_timeout = True
    manager = None
    if options.get("sandbox"):
        from .sandbox import Limits, SandboxKernelManager

        manager = SandboxKernelManager
        manager.limits = Limits(**options["limits"])
        manager.hidden = tuple(Path(p) for p in options.get("hidden", []))
        config.Execute.kernel_manager_class = manager
    harness = None
    if HARNESS:
        from nbgrader.converters import Autograde
        from nbgrader.preprocessors import Execute

        from ..checks._core import set_course_secret
        from .harness import harness_execute_class

        set_course_secret(options.get("secret"))  # hidden tests' inputs; in this process, never in the kernel's
        harness = harness_execute_class()
        steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
        config.Autograde.autograde_preprocessors = [harness if step is Execute else step for step in steps]
    return NbGraderAPI(config=config), manager, harness


def main(argv: list[str]) -> int:
    """Grade one job per line of stdin; the course and its options need to exist only when the first job comes.

    The engine may start this process before it writes the course (:meth:`.engine.Engine.start_early`),
    so that Keras and the checks are imported while the grader is still preparing.
    """
    _exit_with_parent()
    course, options_path = Path(argv[0]), Path(argv[1])
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # stray output must not corrupt the protocol
    sys.stdout = sys.stderr
    if HARNESS:
        from .warm_up import start_warm_up

        start_warm_up()  # in a thread: Keras and the checks, while the grader prepares the course
    autograder = course / "autograder"
    api = manager = harness = None

    for line in sys.stdin:
        job = json.loads(line)
        lesson, student = job["lesson"], job["student"]
        answer: dict = {"student": student, "lesson": lesson}
        try:
            if api is None:
                if HARNESS:
                    from .warm_up import finish_warm_up

                    finish_warm_up()  # waiting here, not in a test, keeps this thread off the import's lock
                api, manager, harness = _setup(course, json.loads(options_path.read_text(encoding="utf-8")))
            if manager is not None:  # the copy the kernel finds in its scratch folder
                manager.notebook = autograder / "submitted" / student / lesson / f"{lesson}.ipynb"
            if harness is not None:
                harness.source_notebook = _source(course, lesson)
            result = api.autograde(lesson, student, force=True, create=True)
            answer.update(
                success=bool(result.get("success")),
                error=str(result.get("error", ""))[-3000:],
                log=str(result.get("log", ""))[-6000:],
            )
            autograded = autograder / "autograded" / student / lesson / f"{lesson}.ipynb"
            answer["autograded"] = str(autograded) if autograded.exists() else ""
            answer["grades"] = _scores(autograder, lesson, student) if answer["success"] else []
        except Exception as exc:  # noqa: BLE001  (report, never die on one notebook)
            answer.update(success=False, error=f"{type(exc).__name__}: {exc}", log="", grades=[], autograded="")
        _clear_scratch()
        protocol.write(json.dumps(answer) + "\n")
        protocol.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
