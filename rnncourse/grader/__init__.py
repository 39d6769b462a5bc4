"""The instructor's grader: ``make grade SUBMISSIONS=<dir>`` or ``python -m rnncourse.grader``.

It wraps nbgrader where nbgrader falls short: every kernel runs in an OS sandbox
(:mod:`.sandbox`), grading runs on Dask (:mod:`.engine`: a local cluster or any scheduler),
test cells run in a trusted harness outside the student's interpreter (:mod:`.harness`, with
only plain values crossing, :mod:`.values`), one broken notebook never stops the batch, every
input file appears in grades.csv, an interrupted run resumes from its journal (:mod:`.journal`),
and tampering is neutralised or flagged (:mod:`.prepare`, :mod:`.scan`).

The pipeline (:func:`grade_folder`, in :mod:`.core`): take in (:mod:`.intake`, :mod:`.roster`)
-> discover and prepare (:mod:`.prepare`, :mod:`.demos`, :mod:`.courses`) -> engine (:mod:`.engine`,
:mod:`.process`, :mod:`.worker`, :mod:`.harness`) -> classify (:mod:`.classify`) -> record
(:mod:`.gradebook`) -> late (:mod:`.due`) -> report (:mod:`.reports`, :mod:`.feedback`,
:mod:`.class_report`). After hand grading: :mod:`.feedback` and :mod:`.export` on their own.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

# jsonschema (under nbformat and nbgrader) imports rfc3987_syntax when it is installed, and that
# module builds 38 lark grammars at import: about 2 s in every grader process (the grader, each
# worker, the lessons' release), measured on a 2-core AMD EPYC. It only checks strings of the
# "iri" format, which no schema the grader validates uses; jsonschema skips the check when the
# import fails, as it does here. Kept if already imported (tests/test_grader_startup.py).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from .core import CSV_COLUMNS, STATUSES, Settings, grade_folder, summary_table

__all__ = ["CSV_COLUMNS", "STATUSES", "Settings", "grade_folder", "summary_table"]


def __getattr__(name: str) -> Any:
    """The pipeline's names, imported on first use: ``python -m rnncourse.grader.export`` (or
    ``.feedback``) then does not load the grading core before its own module."""
    if name in __all__:
        from . import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
