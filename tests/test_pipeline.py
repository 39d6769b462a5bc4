"""The nbgrader pipeline end to end: solutions/ -> lessons/ -> autograder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.notebook import cell_source, grade_id, nbgrader_metadata

EXPECTED_LESSONS = [
    "01_gradients",
    "02_gru_lstm",
    "03_embeddings",
    "04_sentiment",
    "05_language_model",
]  # grows as lessons land; an empty solutions/ fails here


def test_expected_lessons_exist():
    missing = [lesson for lesson in EXPECTED_LESSONS if not course.solution_path(lesson).exists()]
    assert not missing, f"missing source notebooks: {missing}"
    assert course.available_lessons()[: len(EXPECTED_LESSONS)] == EXPECTED_LESSONS


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_lessons_are_exactly_what_make_lessons_produces(tmp_path):
    built = course.generate_lessons(course.available_lessons(), release_dir=tmp_path / "lessons")
    assert [p.parent.name for p in built] == course.available_lessons()
    for path in built:
        committed = course.lesson_path(path.parent.name)
        assert committed.exists(), f"{committed} is missing: run `make lessons` and commit it"
        assert _load(committed) == _load(path), (
            f"{committed} differs from what `make lessons` builds from solutions/: run `make lessons`"
        )
    extra = sorted(p.name for p in course.LESSONS_DIR.iterdir() if p.is_dir()) if course.LESSONS_DIR.exists() else []
    assert extra == course.available_lessons(), f"lessons/ holds folders without a source: {extra}"


@pytest.mark.parametrize("lesson", course.available_lessons())
def test_student_notebook_has_no_solutions_outputs_or_hidden_tests(lesson):
    text = course.lesson_path(lesson).read_text(encoding="utf-8")
    nb = json.loads(text)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{lesson}: student notebook contains {marker!r}"
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code_cells, "a lesson without code cells"
    assert all(not c["outputs"] and c["execution_count"] is None for c in code_cells)
    stubs = [c for c in code_cells if nbgrader_metadata(c).get("solution")]
    assert stubs and all("raise NotImplementedError()" in cell_source(c) for c in stubs)


@pytest.mark.parametrize("lesson", course.available_lessons())
def test_exercise_standard(lesson):
    """Every solution cell is followed by a visible and a hidden graded test; free response exists."""
    nb = _load(course.solution_path(lesson))
    cells = nb["cells"]
    meta = [nbgrader_metadata(c) for c in cells]
    tests = [(c, m) for c, m in zip(cells, meta) if m.get("grade") and c["cell_type"] == "code"]
    hidden = [c for c, _ in tests if "### BEGIN HIDDEN TESTS" in cell_source(c)]
    visible = [c for c, _ in tests if "### BEGIN HIDDEN TESTS" not in cell_source(c)]
    assert len(hidden) >= 4 and len(visible) >= 4
    for c, m in tests:
        source = cell_source(c)
        assert m.get("points", 0) > 0 and m.get("locked"), m.get("grade_id")
        if "### BEGIN HIDDEN TESTS" in source:
            assert source.lstrip().startswith("# Hidden test"), f"{m['grade_id']}: hidden cells start with a comment"
        else:
            assert source.lstrip().startswith('"""'), f"{m['grade_id']}: test cells start with a one-line docstring"
        assert "checks." in source, f"{m['grade_id']}: test cells call rnncourse.checks"
    free = [m for c, m in zip(cells, meta) if c["cell_type"] == "markdown" and m.get("grade") and m.get("solution")]
    assert free, "each lesson has at least one free-response cell graded by hand"
    assert any("Key takeaways" in cell_source(c) for c in cells if c["cell_type"] == "markdown")


# Every lesson's reference solution gets full marks, and its untouched release 0, through the
# grader: tests/test_instructor_loop.py (the instructor's whole loop grades exactly those).


@pytest.mark.parametrize("lesson", course.available_lessons())
def test_solutions_carry_fast_mode_outputs_for_nbval(lesson):
    """nbval compares stored outputs; a solution saved without them would make that check vacuous."""
    nb = _load(course.solution_path(lesson))
    tests = [c for c in nb["cells"] if c["cell_type"] == "code" and nbgrader_metadata(c).get("grade")]
    missing = [
        grade_id(c) for c in tests if "\u2714" not in "".join("".join(o.get("text", "")) for o in c.get("outputs", []))
    ]
    assert not missing, f"{lesson}: run `make solutions-outputs`; no stored pass line in {missing}"
    assert "fast mode" in json.dumps(nb["cells"][1].get("outputs", [])), "outputs must come from fast mode"


@pytest.mark.parametrize("lesson", course.available_lessons())
def test_notebooks_carry_no_machine_specific_metadata(lesson):
    """Regenerating on another machine must not churn: no Python patch version, no timings."""
    for path in (course.solution_path(lesson), course.lesson_path(lesson)):
        nb = _load(path)
        assert "version" not in nb["metadata"].get("language_info", {}), path
        assert not [c for c in nb["cells"] if "execution" in c["metadata"]], path
