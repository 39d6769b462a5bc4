"""The instructor's grader: ``make grade SUBMISSIONS=<dir>`` or ``python -m rnncourse.grader``.

It wraps nbgrader where nbgrader falls short: every kernel runs in an OS sandbox
(:mod:`.sandbox`), grading runs on Dask (:mod:`.engine`: a local cluster or any scheduler),
test cells run in a trusted harness outside the student's interpreter (:mod:`.harness`, with
only plain values crossing, :mod:`.values`), one broken notebook never stops the batch, every
input file appears in grades.csv, an interrupted run resumes from its journal (:mod:`.journal`),
and tampering is neutralised or flagged (:mod:`.prepare`, :mod:`.scan`).

The pipeline (:func:`grade_folder`, in :mod:`.core`): discover and prepare (:mod:`.prepare`,
:mod:`.demos`, :mod:`.courses`) -> engine (:mod:`.engine`, :mod:`.process`, :mod:`.worker`, :mod:`.harness`)
-> classify (:mod:`.classify`) -> report (:mod:`.gradebook`, :mod:`.reports`, :mod:`.export`).
"""

from .core import CSV_COLUMNS, STATUSES, Settings, grade_folder, summary_table

__all__ = ["CSV_COLUMNS", "STATUSES", "Settings", "grade_folder", "summary_table"]
