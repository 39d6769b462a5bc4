"""The instructor's grader: ``make grade SUBMISSIONS=<dir>`` or ``python -m rnncourse.grader``.

It wraps nbgrader where nbgrader falls short: it grades in parallel, one broken notebook never
stops the batch, every input file appears in grades.csv, and tampering is neutralised or
flagged (see :mod:`rnncourse.grader.prepare`, :mod:`.scan` and :mod:`.guard`).
"""

from .core import CSV_COLUMNS, STATUSES, Settings, grade_folder, summary_table

__all__ = ["CSV_COLUMNS", "STATUSES", "Settings", "grade_folder", "summary_table"]
