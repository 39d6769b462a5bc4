"""What travels between the grader and its workers: a :class:`Job` out, a :class:`Result` back.

Both are plain data (notebooks as dicts), so a Dask worker on another machine needs no shared
folder with the instructor's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Job:
    """One notebook to autograde: rebuilt on the release."""

    student: str
    lesson: str
    notebook: dict[str, Any]
    digest: str  # sha256 of the submitted file (the journal's key for "already graded")
    expected_seconds: float = 0.0  # rough grading time, to start the slowest notebooks first

    @property
    def key(self) -> tuple[str, str]:
        return (self.student, self.lesson)


@dataclass(frozen=True)
class Grade:
    """One graded cell as nbgrader scored it."""

    name: str
    cell_type: str  # "code" (autograded) or "markdown" (graded by hand)
    auto_score: float | None
    max_score: float


@dataclass
class Result:
    """What grading one notebook gave: nbgrader's verdict, the executed notebook, where and how long."""

    student: str
    lesson: str
    success: bool = False
    timeout: bool = False  # the notebook time limit was hit (the worker killed nbgrader)
    error: str = ""
    log: str = ""
    grades: list[Grade] = field(default_factory=list)
    autograded: dict[str, Any] | None = None  # the notebook nbgrader executed, outputs included
    worker: str = ""  # Dask worker address
    seconds: float = 0.0
    attempts: int = 1  # 1 + the number of workers lost while grading it
    gave_up: bool = False  # the notebook took down MAX_ATTEMPTS workers and was not graded
