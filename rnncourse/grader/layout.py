"""The one home of OUT's layout: every file and folder ``make grade`` writes, by name.

::

    OUT/grades.csv                              one row per file found (reports)
    OUT/run.json                                the run: timing, workers, statuses (reports)
    OUT/journal.jsonl                           finished notebooks, for resuming (journal)
    OUT/gradebook.db                            nbgrader's gradebook, unless DB_URL (gradebook)
    OUT/nbgrader_config.py                      Formgrader's config (gradebook)
    OUT/autograded/<student>/<lesson>/<lesson>.ipynb   what was executed, outputs included
    OUT/feedback/<student>.html                 the student's page (feedback)
    OUT/feedback.zip                            every page, to hand back (feedback)
    OUT/report.html                             the class report (class_report)
    OUT/details/<student>/<lesson>.txt          a row's full message when the row shows less
    OUT/intake/<student>/<lesson>/<lesson>.ipynb   notebooks taken out of a Canvas zip or an exchange (intake)
    OUT/.work/                                  the private courses of one run (removed after it)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def notebook_in(folder: Path, student: str, lesson: str) -> Path:
    """nbgrader's ``<folder>/<student>/<lesson>/<lesson>.ipynb`` (OUT's and a course's alike)."""
    return folder / student / lesson / f"{lesson}.ipynb"


@dataclass(frozen=True)
class Layout:
    """Paths under one OUT folder."""

    out: Path

    @property
    def grades_csv(self) -> Path:
        return self.out / "grades.csv"

    @property
    def run_json(self) -> Path:
        return self.out / "run.json"

    @property
    def journal(self) -> Path:
        return self.out / "journal.jsonl"

    @property
    def gradebook(self) -> Path:
        return self.out / "gradebook.db"

    @property
    def intake(self) -> Path:
        return self.out / "intake"

    @property
    def work(self) -> Path:
        return self.out / ".work"

    @property
    def feedback_folder(self) -> Path:
        return self.out / "feedback"

    @property
    def feedback_zip(self) -> Path:
        return self.out / "feedback.zip"

    @property
    def report(self) -> Path:
        return self.out / "report.html"

    def autograded(self, student: str, lesson: str) -> Path:
        return notebook_in(self.out / "autograded", student, lesson)

    def feedback(self, student: str) -> Path:
        return self.feedback_folder / f"{student}.html"

    def details(self, student: str, lesson: str) -> Path:
        return self.out / "details" / (student or "_unknown") / f"{Path(lesson).name}.txt"
