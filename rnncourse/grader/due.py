"""Due dates and the late policy: the grading pipeline's *late* step, between record and report.

The course file is ``autograder/due.toml`` (``--due-file``; ``make grade DUE_FILE=...``)::

    [due]                      # one due date per lesson, ISO 8601 with its UTC offset
    01_gradients = 2026-12-15T23:59:00+00:00

    [late]
    method = "per_day"         # none | zero | per_hour | per_day
    deduction_percent = 10     # per_hour / per_day: % of the lesson's maximum per started hour or day
    cap_percent = 50           # the most lateness can cost, in % of the lesson's maximum
    grace_minutes = 5          # a submission this close after the due date is on time

``--due 2026-12-15T23:59:00+00:00`` (``make grade DUE=...``) sets one due date for every lesson
of a run, replacing the file's dates (its ``[late]`` policy still applies).

The semantics are nbgrader's (``nbgrader.plugins.LateSubmissionPlugin``): seconds late are
``max(0, submitted - due)``; the penalty is points subtracted from the score and never more
than the score; ``none`` subtracts nothing and ``zero`` subtracts the whole score. ``per_hour``
and ``per_day`` are the deduction per unit of nbgrader's documented ``SubMarks`` plugin
example, counted per *started* unit and in percent of the maximum, with a cap. A notebook
whose submission time is unknown gets no penalty, and its row says so.

Used by :mod:`.core` (the four grades.csv columns ``submitted_at``, ``late_seconds``,
``penalty``, ``final_score``) and by :mod:`.export` (the penalty of the total with hand grades).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..course import PROJECT_ROOT

DUE_FILE = PROJECT_ROOT / "autograder" / "due.toml"
METHODS = ("none", "zero", "per_hour", "per_day")
UNIT_SECONDS = {"per_hour": 3600, "per_day": 86400}
LATE_COLUMNS = ["submitted_at", "late_seconds", "penalty", "final_score"]
UNKNOWN_TIME_NOTE = "submission time unknown: no late penalty applied"
MARKED_LATE_NOTE = (
    "the LMS marked this late without a submission time: counted as 1 second late, the smallest "
    "penalty the late policy gives (check the LMS for the real time)"
)


@dataclass(frozen=True)
class LatePolicy:
    """How many points a late notebook loses (the ``[late]`` table)."""

    method: str = "none"
    deduction_percent: float = 0.0  # per started hour or day, in % of the lesson's maximum
    cap_percent: float = 100.0  # the most lateness can cost, in % of the maximum
    grace_minutes: float = 0.0  # this much after the due date still counts as on time

    def late_seconds(self, submitted: datetime, due: datetime) -> float:
        """Seconds after the due date (0 when on time or within the grace period)."""
        late = (submitted - due).total_seconds()
        return late if late > self.grace_minutes * 60 else 0.0

    def penalty(self, score: float, max_score: float, late_seconds: float) -> float:
        """Points subtracted from ``score``: between 0 and ``score``."""
        if late_seconds <= 0 or self.method == "none":
            return 0.0
        if self.method == "zero":
            return max(score, 0.0)
        units = math.ceil(late_seconds / UNIT_SECONDS[self.method])
        percent = min(units * self.deduction_percent, self.cap_percent)
        return min(max(score, 0.0), max_score * percent / 100)


@dataclass(frozen=True)
class DueDates:
    """The due date of each lesson and the late policy of a grading run."""

    dates: dict[str, datetime] = field(default_factory=dict)
    policy: LatePolicy = LatePolicy()
    source: str = ""  # where they came from, for messages

    def columns(self, row: dict[str, str], submitted: datetime | None, marked_late: bool = False) -> dict[str, str]:
        """The late columns of one grades.csv row (raw ``score`` untouched).

        ``marked_late``: the LMS (Canvas's ``_LATE_`` file names) says the notebook came in after
        its own due date but gives no time; without a time it counts as 1 second late.
        """
        score = float(row["score"] or 0)
        due = self.dates.get(row["lesson"])
        stamp = submitted.isoformat(timespec="seconds") if submitted else ""
        if submitted is None and marked_late:
            late = 1.0
        elif due is None or submitted is None:
            return {"submitted_at": stamp, "late_seconds": "", "penalty": "0", "final_score": f"{score:g}"}
        else:
            late = self.policy.late_seconds(submitted, due)
        penalty = self.policy.penalty(score, float(row["max_score"] or 0), late)
        return {
            "submitted_at": stamp,
            "late_seconds": f"{late:.0f}",
            "penalty": f"{round(penalty, 4):g}",
            "final_score": f"{round(score - penalty, 4):g}",
        }


def _aware(value: object, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{where}: {value!r} is not an ISO 8601 date; write e.g. 2026-12-15T23:59:00+00:00"
            ) from None
    if not isinstance(value, datetime):
        raise ValueError(f"{where}: {value!r} is not a date and time; write e.g. 2026-12-15T23:59:00+00:00")
    if value.tzinfo is None:
        raise ValueError(f"{where}: {value.isoformat()} has no UTC offset; add one, e.g. {value.isoformat()}+00:00")
    return value


def load_due_dates(path: Path | None = None, due: str | None = None, lessons: tuple[str, ...] = ()) -> DueDates:
    """The run's due dates: ``path`` (default ``autograder/due.toml`` when it exists), ``due`` for every lesson.

    Raises ValueError with the file, the entry and the fix for anything that cannot be read.
    """
    where = path or DUE_FILE
    data: dict = {}
    if path is not None or DUE_FILE.exists():
        try:
            data = tomllib.loads(where.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(f"due-date file {where} does not exist; create it (see docs/instructors.md)") from None
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{where} is not valid TOML ({exc}); fix that line") from None
    unknown = set(data) - {"due", "late"}
    if unknown:
        raise ValueError(f"{where}: unknown table(s) {', '.join(sorted(unknown))}; only [due] and [late] are read")
    dates = {lesson: _aware(value, f"{where} [due] {lesson}") for lesson, value in data.get("due", {}).items()}
    if lessons:
        strange = sorted(set(dates) - set(lessons))
        if strange:
            raise ValueError(f"{where} [due]: {', '.join(strange)} is not a lesson; use one of {', '.join(lessons)}")
    late = dict(data.get("late", {}))
    method = late.pop("method", "none")
    if method not in METHODS:
        raise ValueError(f"{where} [late] method = {method!r}; use one of {', '.join(METHODS)}")
    try:
        policy = LatePolicy(method=method, **{key: float(value) for key, value in late.items()})
    except (TypeError, ValueError):
        raise ValueError(
            f"{where} [late]: {', '.join(sorted(late))} not understood; the keys are method, "
            "deduction_percent, cap_percent, grace_minutes (numbers)"
        ) from None
    if method in UNIT_SECONDS and policy.deduction_percent <= 0:
        raise ValueError(f"{where} [late] method = {method!r} needs deduction_percent > 0")
    if due:
        one = _aware(due, "DUE")
        dates = {lesson: one for lesson in (lessons or tuple(dates))}
    return DueDates(dates, policy, str(where) if data else ("DUE" if due else ""))
