"""Checks organised by lesson and exercise (#27): for the lessons in that layout (each lesson with a
package ``rnncourse/checks/l<lesson>/``), grepping for an exercise's grade_id finds its check, and
its check's name finds the notebook cells that call it.

An exercise is a code cell that nbgrader marks ``solution``; its graded test cells are the graded
code cells after it, up to the next exercise. For each exercise ``<grade_id>`` of lesson
``<lesson>``: ``rnncourse/checks/l<lesson>/<grade_id>.py`` exists, says which exercise it checks
(its docstring and ``NAME``), defines ``check_<grade_id>`` (the one ``rnncourse.checks`` exports),
and every test cell of the exercise calls ``checks.check_<grade_id>(``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from rnncourse import checks, course
from rnncourse.notebook import cell_source, grade_id, nbgrader_metadata

CHECKS_DIR = Path(checks.__file__).parent
# Lessons whose checks are one module per exercise: every lesson with a package
# rnncourse/checks/l<lesson>/ (l02_gru_lstm for 02_gru_lstm), so a new one is covered as it appears.
BY_EXERCISE = sorted(path.parent.name[1:] for path in CHECKS_DIR.glob("l[0-9]*/__init__.py"))
# Every lesson has moved: the layout must not lose one.
MOVED = ("01_gradients", "02_gru_lstm", "03_embeddings", "04_sentiment", "05_language_model")


def _exercises(lesson: str) -> dict[str, list[dict[str, Any]]]:
    """grade_id of each exercise of the solution notebook -> its graded test cells, in order."""
    nb = json.loads(course.solution_path(lesson).read_text(encoding="utf-8"))
    exercises: dict[str, list[dict[str, Any]]] = {}
    current = None
    for cell in nb["cells"]:
        meta = nbgrader_metadata(cell)
        if cell["cell_type"] != "code":
            continue
        if meta.get("solution"):
            current = grade_id(cell)
            assert current and current not in exercises, f"{lesson}: exercise {current!r} has no unique grade_id"
            exercises[current] = []
        elif meta.get("grade"):
            assert current is not None, f"{lesson}: test cell {grade_id(cell)!r} comes before any exercise"
            exercises[current].append(cell)
    return exercises


def test_the_lessons_in_the_layout_are_course_lessons():
    assert set(MOVED) <= set(BY_EXERCISE), (
        f"no package rnncourse/checks/l<lesson>/ for {sorted(set(MOVED) - set(BY_EXERCISE))}"
    )
    for lesson in BY_EXERCISE:
        assert lesson in course.available_lessons(), f"rnncourse/checks/l{lesson}/ names no lesson of the course"


@pytest.mark.parametrize("lesson", BY_EXERCISE)
def test_every_exercise_has_its_check_module_and_its_cells_call_it(lesson):
    package = f"l{lesson}"  # 02_gru_lstm -> l02_gru_lstm
    exercises = _exercises(lesson)
    assert exercises, f"{lesson}: no exercise found in {course.solution_path(lesson)}"
    modules = {path.stem for path in (CHECKS_DIR / package).glob("*.py") if not path.stem.startswith("_")}
    assert modules == set(exercises), (
        f"rnncourse/checks/{package}/ must hold one module per exercise, named by its grade_id: "
        f"exercises without a module {sorted(set(exercises) - modules)}, "
        f"modules without an exercise {sorted(modules - set(exercises))}"
    )
    for exercise, test_cells in exercises.items():
        where = f"rnncourse/checks/{package}/{exercise}.py"
        module = importlib.import_module(f"rnncourse.checks.{package}.{exercise}")
        assert (module.__doc__ or "").startswith(f"Exercise ``{exercise}``"), f"{where}: docstring"
        assert getattr(module, "NAME", None) == exercise, f"{where}: NAME = {exercise!r}"
        check = getattr(module, f"check_{exercise}", None)
        assert callable(check), f"{where} defines no check_{exercise}"
        assert getattr(checks, f"check_{exercise}", None) is check, f"rnncourse.checks exports check_{exercise}"
        assert test_cells, f"{lesson}: exercise {exercise!r} has no graded test cell"
        for cell in test_cells:
            assert f"checks.check_{exercise}(" in cell_source(cell), (
                f"{lesson}: test cell {grade_id(cell)!r} does not call checks.check_{exercise}("
            )


def test_rnncourse_checks_exports_one_check_per_exercise():
    """The flat names the notebooks call: one ``check_<grade_id>`` per exercise, and no other check."""
    wanted = {f"check_{exercise}" for lesson in BY_EXERCISE for exercise in _exercises(lesson)}
    exported = {name for name in checks.__all__ if name.startswith("check_")}
    assert exported == wanted, (
        f"rnncourse.checks exports checks of no exercise {sorted(exported - wanted)} "
        f"and lacks {sorted(wanted - exported)}; helpers of a check stay in its module"
    )
    assert not {name for name in dir(checks) if name.startswith("check_")} - wanted, "imported but not in __all__"
