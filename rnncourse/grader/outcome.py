"""What one notebook's grading comes to: a :class:`Status` and an :class:`Outcome`.

Discovery gives a submission a status when it cannot be graded (``missing``, ``invalid``);
:func:`~rnncourse.grader.classify.classify` gives the others theirs, from the engine's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """A row's status: each notebook's outcome is exactly one of these."""

    PENDING = "pending"  # discovered, not graded yet (never written to a row)
    GRADED = "graded"  # the tests ran; the score is what they gave
    FLAGGED = "flagged"  # graded, and something needs a person's look (the score stands)
    MISSING = "missing"  # a student of the class without this lesson's file
    INVALID = "invalid"  # a file that cannot be graded (not a notebook, an unknown name, ...)
    TIMEOUT = "timeout"  # a cell or a call ran past its limit; the rest was graded
    ERROR = "error"  # grading failed as a whole (the kernel died in a student cell, ...)


#: The statuses a row can have, in the order of the summary table.
STATUSES = tuple(status.value for status in Status if status is not Status.PENDING)


@dataclass(frozen=True)
class Outcome:
    """One notebook's result as the row gives it: status, points and a short message."""

    status: Status
    score: float
    max_score: float
    message: str = ""

    @property
    def scored(self) -> bool:
        """The tests ran and their points stand (the gradebook keeps them)."""
        return self.status in {Status.GRADED, Status.FLAGGED}
