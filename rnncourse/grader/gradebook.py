"""The instructor's gradebook (nbgrader's database): the parent is its only writer."""

from __future__ import annotations

import warnings
from pathlib import Path

from ..course import PROJECT_ROOT
from .jobs import Grade

FORMGRADER_CONFIG = '''"""nbgrader configuration of this grading folder, written by the grader (rnncourse.grader).

Hand-grade the free responses here:  make formgrader OUT=<this folder>  (JupyterLab's
Formgrader tab reads this file). nbgrader commands work too, run from this folder:
nbgrader generate_feedback <lesson_id>, nbgrader export.
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
c.Exchange.root = ".exchange"
'''


def merge(db_url: str, student: str, lesson: str, grades: list[Grade]) -> None:
    """Replace ``student``'s submission of ``lesson`` by these scores (a regrade leaves no duplicates)."""
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
                gradebook.remove_submission(lesson, student)
            except MissingEntry:
                pass
        with Gradebook(db_url) as gradebook:
            gradebook.add_submission(lesson, student)
            for grade in grades:
                found = gradebook.find_grade(grade.name, lesson, lesson, student)
                found.auto_score = grade.auto_score
            gradebook.db.commit()


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
        root=str(out_dir), source=str(PROJECT_ROOT / "solutions"), release=str(PROJECT_ROOT / "lessons"), db_url=db_url
    )
    (out_dir / "nbgrader_config.py").write_text(text, encoding="utf-8")
    (out_dir / ".exchange").mkdir(exist_ok=True)
