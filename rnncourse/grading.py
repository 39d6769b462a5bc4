"""Autograding with nbgrader in a private course folder.

:func:`autograde` copies the course's nbgrader config into a working folder, generates
the assignment from solutions/, places each submission, runs ``nbgrader autograde`` once for
all of them (one process, not one per notebook), and reads the scores from the gradebook.
It is what the pipeline tests use to prove that the reference solution earns full marks
and the untouched student notebook earns zero.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .course import NBGRADER_CONFIG, SOLUTIONS_DIR, fast_env, nbgrader


@dataclass(frozen=True)
class NotebookScore:
    """Autograded points of one submitted notebook (hand-graded cells are left out)."""

    student_id: str
    lesson_id: str
    score: float
    max_score: float
    failed_cells: tuple[str, ...]


def prepare_course(workdir: Path) -> Path:
    """Lay out a private nbgrader course in ``workdir`` and return its autograder/ folder."""
    workdir = Path(workdir)
    autograder = workdir / "autograder"
    autograder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(NBGRADER_CONFIG, autograder / "nbgrader_config.py")
    link = workdir / "solutions"
    if not link.exists():
        link.symlink_to(SOLUTIONS_DIR, target_is_directory=True)
    return autograder


def autograde(workdir: Path, lesson_id: str, submissions: Mapping[str, Path], *,
              timeout: int = 300) -> dict[str, NotebookScore]:
    """Autograde ``submissions`` (student id -> notebook path) for ``lesson_id`` in fast mode."""
    autograder = prepare_course(workdir)
    env = fast_env()
    nbgrader("generate_assignment", lesson_id, "--force", cwd=autograder, env=env)
    for student_id, path in submissions.items():
        target = autograder / "submitted" / student_id / lesson_id / f"{lesson_id}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    nbgrader("autograde", lesson_id, "--force", f"--Execute.timeout={timeout}", cwd=autograder, env=env)
    return read_scores(autograder, lesson_id, list(submissions))


def read_scores(autograder: Path, lesson_id: str, students: list[str]) -> dict[str, NotebookScore]:
    """Autograded scores from the gradebook in ``autograder``."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{autograder / 'gradebook.db'}") as gradebook:
        for student_id in students:
            notebook = gradebook.find_submission_notebook(lesson_id, lesson_id, student_id)
            auto = [grade for grade in notebook.grades if grade.cell.cell_type == "code"]
            score = sum(float(grade.auto_score or 0.0) for grade in auto)
            max_score = sum(float(grade.max_score) for grade in auto)
            failed = tuple(grade.name for grade in auto if (grade.auto_score or 0.0) < grade.max_score)
            scores[student_id] = NotebookScore(student_id, lesson_id, score, max_score, failed)
    return scores
