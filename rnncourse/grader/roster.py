"""The class roster: ``roster.csv``, one row per enrolled student.

::

    student_id,name,lms_user_id,sis_id,section
    jdoe,"Doe, Jane",12345,S0001,A

``student_id`` is what the grader calls the student everywhere (rows of grades.csv, feedback
pages, the gradebook, folder names); ``lms_user_id`` is Canvas's user id, which names the files
of a Canvas "Download Submissions" zip (:mod:`.intake` maps it to ``student_id``) and the
``ID`` column of the Canvas export (:mod:`.export`). ``make grade ROSTER=...`` and
``make export ROSTER=...`` read it with :func:`load_roster`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

ROSTER_COLUMNS = ("student_id", "name", "lms_user_id", "sis_id", "section")


@dataclass(frozen=True)
class RosterEntry:
    """One student on the roster (one line of roster.csv)."""

    student_id: str
    name: str
    lms_user_id: str
    sis_id: str
    section: str


@dataclass(frozen=True)
class Roster:
    """The students of roster.csv, in the file's order; used by intake (Canvas ids) and the export."""

    path: Path
    students: tuple[RosterEntry, ...]
    _by_lms_user_id: dict[str, RosterEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_lms = {entry.lms_user_id: entry for entry in self.students if entry.lms_user_id}
        object.__setattr__(self, "_by_lms_user_id", by_lms)

    def by_lms_user_id(self, lms_user_id: str) -> RosterEntry | None:
        """The student whose Canvas user id is ``lms_user_id``, or None (intake's Canvas zip)."""
        return self._by_lms_user_id.get(lms_user_id)


def folder_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a student's folder name (OUT/autograded/<student>/...), or None.

    Used for roster student ids and for the student ids in an nbgrader exchange.
    """
    if not name:
        return "it is empty"
    if name in {".", ".."} or name.startswith("."):
        return "it starts with a dot (hidden folders are skipped)"
    if "/" in name or "\\" in name:
        return "it contains a slash"
    if not name.isprintable():
        return "it contains a control character"
    if name != name.strip():
        return "it starts or ends with a space"
    return None


def load_roster(path: Path) -> Roster:
    """Read roster.csv (UTF-8, an Excel byte-order mark is fine); raise ValueError naming the line and the fix."""
    path = Path(path)
    header_hint = ",".join(ROSTER_COLUMNS)
    if not path.is_file():
        raise ValueError(
            f"roster {path} does not exist; create it with the header {header_hint}, or leave ROSTER unset."
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ValueError(f"roster {path}, line {line}: not UTF-8 text; save it as 'CSV UTF-8'.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ValueError(
            f"roster {path}, line {reader.line_num}: {exc}; fix the line or save the file again as CSV."
        ) from None
    lines = [(number, [value.strip() for value in row]) for number, row in lines if any(v.strip() for v in row)]
    if not lines:
        raise ValueError(f"roster {path} is empty; its first line must be the header {header_hint}.")
    header_line, header = lines[0]
    missing = [column for column in ROSTER_COLUMNS if column not in header]
    extra = [column for column in header if column not in ROSTER_COLUMNS]
    repeated = sorted({column for column in header if header.count(column) > 1})
    if missing or extra or repeated:
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            problems.append(f"unknown column(s) {', '.join(extra)}")
        if repeated:
            problems.append(f"repeated column(s) {', '.join(repeated)}")
        raise ValueError(f"roster {path}, line {header_line}: {'; '.join(problems)}; the header must be {header_hint}.")
    students: list[RosterEntry] = []
    seen_student: dict[str, int] = {}
    seen_lms: dict[str, int] = {}
    for number, row in lines[1:]:
        if len(row) != len(header):
            raise ValueError(
                f"roster {path}, line {number}: {len(row)} values where the header has {len(header)}; "
                'quote a value that holds a comma ("Doe, Jane").'
            )
        values = dict(zip(header, row))
        entry = RosterEntry(**{column: values[column] for column in ROSTER_COLUMNS})
        if not entry.student_id:
            raise ValueError(f"roster {path}, line {number}: student_id is empty; fill it in or delete the line.")
        problem = folder_name_problem(entry.student_id)
        if problem:
            raise ValueError(
                f"roster {path}, line {number}: student_id {entry.student_id!r} cannot name a folder ({problem}); "
                "use letters, digits, '-', '_' or '.'."
            )
        if entry.student_id in seen_student:
            raise ValueError(
                f"roster {path}, line {number}: student_id {entry.student_id} is already on line "
                f"{seen_student[entry.student_id]}; list each student once."
            )
        if entry.lms_user_id and entry.lms_user_id in seen_lms:
            raise ValueError(
                f"roster {path}, line {number}: lms_user_id {entry.lms_user_id} is already on line "
                f"{seen_lms[entry.lms_user_id]}; each Canvas user id belongs to one student."
            )
        seen_student[entry.student_id] = number
        if entry.lms_user_id:
            seen_lms[entry.lms_user_id] = number
        students.append(entry)
    return Roster(path, tuple(students))
