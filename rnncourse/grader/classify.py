"""From a worker's :class:`~rnncourse.grader.jobs.Result` to a row: status, score and a short message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..notebook import grade_id
from .jobs import Result
from .outcome import STATUSES, Outcome, Status
from .prepare import Submission

__all__ = ["MAX_MESSAGE", "STATUSES", "Outcome", "Status", "classify", "message", "row", "timed_out_cells"]

MAX_MESSAGE = 600  # characters of a row's message; the rest goes to OUT/details/


def classify(result: Result, full_points: float, cell_timeout: int, *, flagged: bool = False) -> Outcome:
    """One notebook's :class:`Outcome` from the engine's ``result``.

    ``full_points`` is the release's autograded total (the maximum when nothing could be scored);
    ``flagged`` says whether something about the submission needs a person's look.
    """
    if result.timeout:
        return Outcome(
            Status.TIMEOUT,
            0.0,
            full_points,
            "the notebook did not finish within the notebook time limit (an endless loop or a very long cell?)",
        )
    code = [g for g in result.grades if g.cell_type == "code"]
    score = sum(float(g.auto_score or 0.0) for g in code)
    max_score = sum(float(g.max_score) for g in code)
    manual = sum(float(g.max_score) for g in result.grades if g.cell_type == "markdown")
    if result.gave_up:
        return Outcome(Status.ERROR, 0.0, max_score or full_points, result.error)
    if not result.success:
        error = result.error + "\n" + result.log
        if "DeadKernel" in error or "kernel died" in error.lower():
            text = "the kernel died while grading (out of memory, os._exit, or a crash)"
        elif "CellTimeoutError" in error or "Timeout" in error:
            return Outcome(Status.TIMEOUT, 0.0, max_score or full_points, "a cell ran longer than the cell time limit")
        else:
            last = [line for line in error.strip().splitlines() if line.strip()]
            text = "grading failed: " + (last[-1][:300] if last else "unknown error")
        return Outcome(Status.ERROR, 0.0, max_score or full_points, text)
    failed = [g.name for g in code if float(g.auto_score or 0.0) < float(g.max_score)]
    parts = []
    if failed:
        parts.append(f"lost points in {', '.join(failed)}")
    if manual:
        parts.append(f"{manual:g} more points are graded by hand")
    text = "; ".join(parts)
    timed_out = timed_out_cells(result.autograded)
    if timed_out:
        text = (
            f"cell(s) stopped at the cell time limit ({cell_timeout} s): {', '.join(timed_out)}; "
            "the rest was graded" + (f"; {text}" if text else "")
        )
        return Outcome(Status.TIMEOUT, score, max_score, text)
    return Outcome(Status.FLAGGED if flagged else Status.GRADED, score, max_score, text)


def timed_out_cells(notebook: dict[str, Any] | None) -> list[str]:
    """Cells of the executed notebook that nbgrader interrupted at the cell time limit."""
    found = []
    for index, cell in enumerate((notebook or {}).get("cells", [])):
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            found.append(grade_id(cell) or f"cell {index}")
    return found


def message(sub: Submission, text: str | None = None) -> tuple[str, str]:
    """The row's message (at most MAX_MESSAGE characters) and the full text for the details file.

    ``text`` is the outcome's message (default: the one discovery gave ``sub``), followed by the
    submission's notes and flags. The full text is empty when the message says everything.
    """
    text = sub.message if text is None else text
    parts = [p for p in [text, *sub.notes] if p]
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

    short = " | ".join(clip(p) for p in [text, *sub.notes] if p)
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


def row(sub: Submission, outcome: Outcome) -> dict[str, str]:
    """One row of grades.csv (``_details`` is not a column: it goes to OUT/details/)."""
    text, details = message(sub, outcome.message)
    return {
        "student_id": sub.student_id,
        "lesson": sub.lesson,
        "score": f"{outcome.score:g}",
        "max_score": f"{outcome.max_score:g}",
        "status": str(outcome.status),
        "message": text,
        "_details": details,
    }
