"""From a worker's :class:`~rnncourse.grader.jobs.Result` to a row: status, score and a short message."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

from ..notebook import grade_id
from .jobs import Result
from .prepare import Submission


class Status(StrEnum):
    """A row's status: each notebook's outcome is exactly one of these."""

    GRADED = "graded"  # the tests ran; the score is what they gave
    FLAGGED = "flagged"  # graded, and something needs a person's look (the score stands)
    MISSING = "missing"  # a student of the class without this lesson's file
    INVALID = "invalid"  # a file that cannot be graded (not a notebook, an unknown name, ...)
    TIMEOUT = "timeout"  # a cell or a call ran past its limit; the rest was graded
    ERROR = "error"  # grading failed as a whole (the kernel died in a student cell, ...)


STATUSES = tuple(status.value for status in Status)
MAX_MESSAGE = 600  # characters of a row's message; the rest goes to OUT/details/


def classify(sub: Submission, result: Result, full_points: float, cell_timeout: int) -> tuple[float, float]:
    """Set ``sub.status`` and ``sub.message`` from ``result``; return ``(score, max_score)``."""
    if result.timeout:
        sub.status = Status.TIMEOUT
        sub.message = (
            "the notebook did not finish within the notebook time limit (an endless loop or a very long cell?)"
        )
        return 0.0, full_points
    code = [g for g in result.grades if g.cell_type == "code"]
    score = sum(float(g.auto_score or 0.0) for g in code)
    max_score = sum(float(g.max_score) for g in code)
    manual = sum(float(g.max_score) for g in result.grades if g.cell_type == "markdown")
    if not result.success:
        error = result.error + "\n" + result.log
        sub.status = Status.ERROR
        if "stopped" in result.error and "workers" in result.error:
            sub.message = result.error
        elif "DeadKernel" in error or "kernel died" in error.lower():
            sub.message = "the kernel died while grading (out of memory, os._exit, or a crash)"
        elif "CellTimeoutError" in error or "Timeout" in error:
            sub.status = Status.TIMEOUT
            sub.message = "a cell ran longer than the cell time limit"
        else:
            last = [line for line in error.strip().splitlines() if line.strip()]
            sub.message = "grading failed: " + (last[-1][:300] if last else "unknown error")
        return 0.0, max_score or full_points
    failed = [g.name for g in code if float(g.auto_score or 0.0) < float(g.max_score)]
    sub.status = Status.GRADED
    parts = []
    if failed:
        parts.append(f"lost points in {', '.join(failed)}")
    if manual:
        parts.append(f"{manual:g} more points are graded by hand")
    sub.message = "; ".join(parts)
    timed_out = timed_out_cells(result.autograded)
    if timed_out:
        sub.status = Status.TIMEOUT
        sub.message = (
            f"cell(s) stopped at the cell time limit ({cell_timeout} s): {', '.join(timed_out)}; "
            "the rest was graded" + (f"; {sub.message}" if sub.message else "")
        )
    if sub.flags and sub.status == Status.GRADED:
        sub.status = Status.FLAGGED
    return score, max_score


def timed_out_cells(notebook: dict[str, Any] | None) -> list[str]:
    """Cells of the executed notebook that nbgrader interrupted at the cell time limit."""
    found = []
    for index, cell in enumerate((notebook or {}).get("cells", [])):
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            found.append(grade_id(cell) or f"cell {index}")
    return found


def message(sub: Submission) -> tuple[str, str]:
    """The row's message (at most MAX_MESSAGE characters) and the full text for the details file.

    The full text is empty when the message says everything.
    """
    parts = [p for p in [sub.message, *sub.notes] if p]
    if sub.flags:
        parts.append("flagged: " + "; ".join(sub.flags))
    full = " | ".join(parts)
    if len(full) <= MAX_MESSAGE and not sub.details:
        return full, ""
    where = f"details/{sub.student_id or '_unknown'}/{Path(sub.lesson).name}.txt"
    suffix = f" (details: {where})"
    budget = MAX_MESSAGE - len(suffix)

    def clip(text: str, size: int = 200) -> str:
        return text if len(text) <= size else text[: size - 3] + "..."

    short = " | ".join(clip(p) for p in [sub.message, *sub.notes] if p)
    shown: list[str] = []
    for index, flag in enumerate(sub.flags):
        left = len(sub.flags) - index - 1
        more = f" and {left} more reason(s)" if left else ""
        candidate = "flagged: " + "; ".join([*shown, clip(flag)]) + more
        if len((f"{short} | " if short else "") + candidate) > budget:
            break
        shown.append(clip(flag))
    if sub.flags:
        left = len(sub.flags) - len(shown)
        flagged = "flagged: " + ("; ".join(shown) if shown else f"{len(sub.flags)} reason(s)")
        flagged += f" and {left} more reason(s)" if shown and left else ""
        short = f"{short} | {flagged}" if short else flagged
    return clip(short, budget) + suffix, "\n".join([full, *sub.details]) + "\n"


def row(sub: Submission, score: float, max_score: float) -> dict[str, str]:
    """One row of grades.csv (``_details`` is not a column: it goes to OUT/details/)."""
    text, details = message(sub)
    return {
        "student_id": sub.student_id,
        "lesson": sub.lesson,
        "score": f"{score:g}",
        "max_score": f"{max_score:g}",
        "status": sub.status,
        "message": text,
        "_details": details,
    }
