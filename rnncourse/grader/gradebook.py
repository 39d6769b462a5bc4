"""The instructor's gradebook (nbgrader's database): the parent is its only writer."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from ..course import PROJECT_ROOT
from .interrupts import interrupts_deferred
from .jobs import Grade

FORMGRADER_CONFIG = '''"""nbgrader configuration of this grading folder, written by the grader (rnncourse.grader).

Hand-grade the free responses here:  make formgrader OUT=<this folder>  (JupyterLab's
Formgrader tab reads this file). Students' feedback pages: make feedback OUT=<this folder>,
which leaves hidden tests out. nbgrader's own generate_feedback copies them into its pages
(docs/instructors.md): never send its output to students.
"""

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "rnn-language-modeling-ch2"
c.CourseDirectory.root = {root!r}
c.CourseDirectory.source_directory = {source!r}
c.CourseDirectory.release_directory = {release!r}
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"  # the notebooks the grader executed
c.CourseDirectory.feedback_directory = "nbgrader-feedback"
c.CourseDirectory.db_url = {db_url!r}
c.Exchange.root = {exchange!r}  # absolute: make formgrader runs from the project root
'''


@interrupts_deferred()  # a Ctrl-C waits for the end: hand grades are taken out and put back
def merge(
    db_url: str, student: str, lesson: str, grades: list[Grade], changed_answers: frozenset[str] = frozenset()
) -> None:
    """Replace ``student``'s submission of ``lesson`` by these scores (a regrade leaves no duplicates).

    What was graded by hand survives a regrade: the manual score, extra credit and comment of
    every cell. A hand-graded cell whose answer is in ``changed_answers`` keeps its old score but
    is marked as needing a manual grade again, as nbgrader's own autograde does; formgrader lists
    it under "needs manual grade".
    """
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        # nbgrader's add_submission triggers SQLAlchemy's "Object of type <SubmittedAssignment> not
        # in session" during autoflush; the rows are written correctly (tests/test_grader.py).
        warnings.filterwarnings("ignore", message="Object of type <Submitted", category=SAWarning)
        with Gradebook(db_url) as gradebook:
            try:
                gradebook.find_student(student)
            except MissingEntry:
                gradebook.add_student(student)
            try:
                hand = _hand_grades(gradebook.find_submission(lesson, student))
                gradebook.remove_submission(lesson, student)
            except MissingEntry:
                hand = {}
        with Gradebook(db_url) as gradebook:
            gradebook.add_submission(lesson, student)
            for grade in grades:
                found = gradebook.find_grade(grade.name, lesson, lesson, student)
                found.auto_score = grade.auto_score
            for (kind, name), values in hand.items():
                try:
                    if kind == "grade":
                        found = gradebook.find_grade(name, lesson, lesson, student)
                        found.manual_score, found.extra_credit = values
                        found.needs_manual_grade = name in changed_answers
                    else:
                        gradebook.find_comment(name, lesson, lesson, student).manual_comment = values[0]
                except MissingEntry:
                    pass  # the cell left the lesson since it was graded by hand
            gradebook.db.commit()


def _hand_grades(submission: Any) -> dict[tuple[str, str], tuple[Any, ...]]:
    """What an instructor entered by hand in a submission: (kind, cell name) -> the values."""
    hand: dict[tuple[str, str], tuple[Any, ...]] = {}
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            if grade.manual_score is not None or grade.extra_credit:
                hand[("grade", grade.name)] = (grade.manual_score, grade.extra_credit)
        for comment in notebook.comments:
            if comment.manual_comment:
                hand[("comment", comment.name)] = (comment.manual_comment,)
    return hand


def hand_graded_answers(notebook: dict[str, Any] | None) -> dict[str, str]:
    """The answers of the cells graded by hand in an executed notebook: grade id -> source."""
    answers: dict[str, str] = {}
    for cell in (notebook or {}).get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and meta.get("solution") and meta.get("grade_id"):
            source = cell.get("source", "")
            answers[meta["grade_id"]] = "".join(source) if isinstance(source, list) else source
    return answers


@interrupts_deferred()
def remove(db_url: str, student: str, lesson: str) -> None:
    """Forget ``student``'s submission of ``lesson`` (their file is gone)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            gradebook.remove_submission(lesson, student)
        except MissingEntry:
            pass


def write_formgrader_config(out_dir: Path, db_url: str) -> None:
    """OUT/nbgrader_config.py: formgrader and nbgrader commands on the grader's results."""
    text = FORMGRADER_CONFIG.format(
        root=str(out_dir),
        source=str(PROJECT_ROOT / "solutions"),
        release=str(PROJECT_ROOT / "lessons"),
        db_url=db_url,
        exchange=str(out_dir / ".exchange"),
    )
    (out_dir / "nbgrader_config.py").write_text(text, encoding="utf-8")
    (out_dir / ".exchange").mkdir(exist_ok=True)


@interrupts_deferred()
def record_times(db_url: str, due_dates: dict[str, Any], submitted: dict[tuple[str, str], Any]) -> None:
    """Write each lesson's due date and each graded submission's time into the gradebook.

    nbgrader's own columns: ``Assignment.duedate`` and ``SubmittedAssignment.timestamp`` (naive
    UTC, as nbgrader stores them), so formgrader and ``nbgrader export`` see the same lateness as
    grades.csv. Called after every run, for notebooks taken from the journal too.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.utils import parse_utc

    with Gradebook(db_url) as gradebook:
        for lesson in {lesson for (_, lesson) in submitted} | set(due_dates):
            try:
                gradebook.find_assignment(lesson).duedate = parse_utc(due_dates.get(lesson))
            except MissingEntry:
                continue
        for (student, lesson), when in submitted.items():
            try:
                gradebook.find_submission(lesson, student).timestamp = parse_utc(when)
            except MissingEntry:
                continue  # not scored (invalid, timeout, ...): nbgrader has no submission for it
        gradebook.db.commit()


def hand_feedback(db_url: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """What graders entered in formgrader, per (student, lesson): each cell's points and comment.

    Only cells with something to show: a hand-graded (markdown) cell, an autograded cell whose
    score was corrected by hand, extra credit, or a comment. Read only; used by the feedback pages.
    """
    from nbgrader.api import Gradebook

    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with Gradebook(db_url, course_id="") as gradebook:
        for assignment in gradebook.assignments:
            for submission in gradebook.assignment_submissions(assignment.name):
                cells: dict[str, dict[str, Any]] = {}
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        corrected = grade.cell_type == "code" and grade.manual_score is not None
                        if grade.cell_type == "markdown" or corrected or grade.extra_credit:
                            score = grade.manual_score if grade.manual_score is not None else grade.auto_score
                            cells[grade.name] = {
                                "name": grade.name,
                                "score": score,  # None: not graded yet
                                "max_score": float(grade.max_score),
                                "extra_credit": float(grade.extra_credit or 0.0),
                                "by_hand": grade.manual_score is not None,
                                "comment": "",
                            }
                    for comment in notebook.comments:
                        if comment.manual_comment:
                            cells.setdefault(
                                comment.name,
                                {
                                    "name": comment.name,
                                    "score": None,
                                    "max_score": 0.0,
                                    "extra_credit": 0.0,
                                    "by_hand": False,
                                },
                            )["comment"] = comment.manual_comment
                if cells:
                    found[(submission.student.id, assignment.name)] = sorted(cells.values(), key=lambda c: c["name"])
    return found
