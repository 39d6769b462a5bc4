"""Export the grades of a ``make grade`` run for the LMS (issue #14, item 6).

Command line::

    python -m rnncourse.grader.export OUT --format canvas|wide|long [--roster roster.csv]
        [--missing empty|zero] [--output FILE] [--db-url URL]

It reads ``OUT/grades.csv`` (autograded points) and the run's nbgrader gradebook (hand-graded
points entered in formgrader; its URL is the ``c.CourseDirectory.db_url`` line of
``OUT/nbgrader_config.py``, else ``sqlite:///OUT/gradebook.db``) and writes
``OUT/export-<format>.csv``. Nothing is written to grades.csv or to the gradebook.

Points of a (student, lesson) = the autograded score of grades.csv + what graders entered in
formgrader, minus the late penalty (:mod:`.due`: the run's policy, recorded in run.json, applied
to that sum with grades.csv's ``late_seconds``). What graders entered: the scores of the
hand-graded (markdown) cells, corrections of autograded cells (manual score minus autograded
score) and extra credit. A free response not graded yet counts
0 (one left blank was scored 0 by nbgrader's autograding and is not pending). Hand-graded
points are taken only for ``graded`` and ``flagged`` rows (the only ones in the gradebook);
``missing``, ``invalid``, ``timeout`` and ``error`` rows count their grades.csv score, i.e. 0.
Possible points of a lesson = its autograded maximum (grades.csv) + the points of its
hand-graded cells (gradebook). Rows of grades.csv that are not a lesson notebook (stray files)
are left out. What needs a look before importing (free responses not graded yet, flagged and
ungraded rows) is listed on stderr.

``wide``: one row per student: ``student_id``, then for each lesson ``<lesson>`` (points),
``<lesson> possible``, ``<lesson> status`` (the grades.csv status), ``<lesson> hand grading``
(``pending``: a free response is not graded yet and counts 0; ``done``; empty: nothing to
grade by hand), and last ``total``, ``total possible``. Possible points are columns (the same
on every row), so the file stays a plain table for spreadsheets and pandas.

``long``: one row per student and lesson: ``student_id, lesson, raw, penalty, final, possible,
status``, for any other LMS or pandas.

``canvas``: the layout of Canvas's gradebook import, as documented in the Canvas Instructor
Guide, "How do I import grades in the Gradebook?"
(https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807):
the columns ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``, then one
column per assignment, and a second row ``Points Possible``. Checked against Canvas's own
code (instructure/canvas-lms, lib/gradebook_importer.rb and lib/gradebook_exporter.rb): the
importer matches a student by the numeric Canvas ``ID``, else ``SIS User ID``, else ``SIS Login
ID`` (the login), else by name, and reads a row whose first cell contains "Points Possible"
as the assignments' points; its export writes that cell as ``"    Points Possible"`` (four
spaces), which is what we write too. Our students are known by their nbgrader ``student_id``
only, so it goes to ``SIS Login ID`` (and to ``Student``, shown in the import preview);
``ID``, ``SIS User ID`` and ``Section`` are left empty, so Canvas matches by login (a numeric
student id in ``ID`` could match another Canvas user). One column per lesson, named by the
lesson id; no total column (Canvas would take it for an assignment). The instructor must
check: that the student ids are the Canvas logins (the import preview lists the students
Canvas could not match); that the Canvas assignments are named exactly like the lesson ids,
else rename the header cells to the Canvas names (or ``Name (assignment id)`` as in a Canvas
export), otherwise Canvas creates new assignments; that their points possible are those of the
second row; and the notes on stderr (a pending free response is imported as 0).

With ``--roster`` (``student_id,name,lms_user_id,sis_id,section``) the canvas rows carry the
LMS's own ids instead: ``Student`` = name, ``ID`` = lms_user_id (Canvas then matches by its
numeric id, the importer's first choice), ``SIS User ID`` = sis_id, ``SIS Login ID`` empty,
``Section`` = section; every student on the roster gets a row, a lesson without a submission is
empty (``--missing zero``: 0), and graded students not on the roster are left out with a note.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..course import LESSON_IDS
from .due import LatePolicy
from .roster import Roster, load_roster

FORMATS = ("canvas", "wide", "long")
MISSING_CHOICES = ("empty", "zero")  # what a roster student without a row gets in the canvas export
LONG_COLUMNS = ["student_id", "lesson", "raw", "penalty", "final", "possible", "status"]
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_POSSIBLE = "    Points Possible"  # as Canvas's own gradebook export writes it
REQUIRED_COLUMNS = ("student_id", "lesson", "score", "max_score", "status")
HAND_GRADED_STATUSES = ("graded", "flagged")  # the rows the grader writes into the gradebook
_DB_URL_LINE = re.compile(r"^\s*c\.CourseDirectory\.db_url\s*=\s*(.+?)\s*$", re.MULTILINE)


class ExportError(Exception):
    """A problem the instructor can fix; the message says how."""


@dataclass
class LessonResult:
    """One (student, lesson): grades.csv's row plus the hand-graded part."""

    status: str
    auto_points: float
    hand_points: float = 0.0
    hand_grading: str = ""  # pending | done | "" (nothing to grade by hand)
    late_seconds: float = 0.0  # grades.csv's late_seconds (0: on time or unknown)
    penalty: float = 0.0  # the run's late policy applied to the raw points (rnncourse.grader.due)

    @property
    def raw(self) -> float:
        """Autograded plus hand-graded points, before any late penalty."""
        return self.auto_points + self.hand_points

    @property
    def points(self) -> float:
        """What the student gets: the raw points minus the late penalty."""
        return self.raw - self.penalty


@dataclass
class HandGrades:
    """The hand-graded side of one lesson in the gradebook."""

    possible: float = 0.0  # points of the hand-graded cells
    by_student: dict[str, tuple[float, bool]] = field(default_factory=dict)  # id -> (points, pending)


@dataclass
class GradeTable:
    """Everything an export needs: lessons, possible points, one result per student and lesson."""

    lessons: list[str]
    possible: dict[str, float]
    results: dict[str, dict[str, LessonResult]]  # student -> lesson -> result
    notes: list[str] = field(default_factory=list)


def number(value: float) -> str:
    """Points as Canvas and spreadsheets read them: ``4.5``, ``3``, never ``1e+06``."""
    text = f"{round(value, 4):f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# ------------------------------------------------------------------ reading
def read_grades_csv(out_dir: Path) -> list[dict[str, str]]:
    """The rows of OUT/grades.csv, checked for the columns the export needs."""
    path = out_dir / "grades.csv"
    if not path.is_file():
        raise ExportError(f"{path} does not exist: run make grade first (make grade SUBMISSIONS=<dir> OUT={out_dir}).")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ExportError(
                f"{path} is not the grader's results file (no column {', '.join(missing)}); run make grade again."
            )
        return list(reader)


def late_policy(out_dir: Path) -> LatePolicy:
    """The late policy the run used (run.json's ``late_policy``; none when the run had none)."""
    try:
        recorded = json.loads((out_dir / "run.json").read_text(encoding="utf-8")).get("late_policy") or {}
        return LatePolicy(**recorded)
    except (OSError, ValueError, TypeError):
        return LatePolicy()


def gradebook_url(out_dir: Path) -> str:
    """The gradebook of a run: the db_url line of OUT/nbgrader_config.py, else OUT/gradebook.db."""
    config = out_dir / "nbgrader_config.py"
    if config.is_file():
        match = _DB_URL_LINE.search(config.read_text(encoding="utf-8"))
        if match:
            try:
                value = ast.literal_eval(match.group(1))
            except (ValueError, SyntaxError):
                value = None
            if not isinstance(value, str) or not value:
                raise ExportError(
                    f"{config}: cannot read the gradebook URL from {match.group(0).strip()!r}; pass --db-url."
                )
            return value
    return f"sqlite:///{out_dir / 'gradebook.db'}"


def _shown(db_url: str) -> str:
    """The URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001  (not a URL at all: show it as given)
        return db_url


def read_gradebook(db_url: str, lessons: list[str]) -> dict[str, HandGrades]:
    """Hand-graded points per lesson and student from nbgrader's gradebook (read only)."""
    if db_url.startswith("sqlite:///"):
        path = Path(db_url[len("sqlite:///") :])
        if not path.is_file():
            raise ExportError(
                f"cannot open the gradebook {db_url}: the file does not exist. Run make grade again, or pass --db-url."
            )
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(db_url)
        try:
            tables = set(sqlalchemy.inspect(engine).get_table_names())
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001  (bad URL, missing driver, server down, not a database)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"cannot open the gradebook {_shown(db_url)}: {reason}") from None
    if not {"assignment", "submitted_assignment", "grade"} <= tables:
        raise ExportError(
            f"cannot open the gradebook {_shown(db_url)}: it is not an nbgrader gradebook "
            "(no assignment/grade tables). Run make grade again, or pass --db-url."
        )

    from nbgrader.api import Gradebook, MissingEntry

    grades: dict[str, HandGrades] = {}
    # course_id="": Gradebook() then adds no course row, so opening it writes nothing.
    with Gradebook(db_url, course_id="") as gradebook:
        for lesson in lessons:
            hand = grades[lesson] = HandGrades()
            try:
                assignment = gradebook.find_assignment(lesson)
            except MissingEntry:
                continue
            for notebook in assignment.notebooks:
                for cell in [*notebook.grade_cells, *notebook.task_cells]:
                    if cell.cell_type == "markdown":
                        hand.possible += float(cell.max_score)
            for submission in gradebook.assignment_submissions(lesson):
                hand.by_student[submission.student.id] = _hand_points(submission)
    return grades


def _hand_points(submission) -> tuple[float, bool]:
    """(points entered in formgrader, whether a hand-graded cell is still ungraded)."""
    points, pending = 0.0, False
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            if grade.cell_type == "markdown":
                if grade.manual_score is not None:
                    points += grade.manual_score
                elif grade.auto_score is not None:  # left blank: nbgrader scored it 0 when autograding
                    points += grade.auto_score
                else:
                    pending = True
            elif grade.manual_score is not None:  # an autograded cell corrected by hand
                points += grade.manual_score - (grade.auto_score or 0.0)
            points += grade.extra_credit or 0.0
    return points, pending


def collect(out_dir: Path, db_url: str | None = None) -> GradeTable:
    """Join grades.csv and the gradebook into one result per student and lesson."""
    out_dir = Path(out_dir)
    rows = read_grades_csv(out_dir)
    known = [row for row in rows if row["student_id"] and row["lesson"] in LESSON_IDS]
    ignored = len(rows) - len(known)
    lessons = [lesson for lesson in LESSON_IDS if any(row["lesson"] == lesson for row in known)]
    auto_possible: dict[str, float] = {lesson: 0.0 for lesson in lessons}
    results: dict[str, dict[str, LessonResult]] = {}
    for row in known:
        try:
            score, max_score = float(row["score"]), float(row["max_score"])
        except ValueError:
            raise ExportError(
                f"{out_dir / 'grades.csv'}: the row of {row['student_id']}/{row['lesson']} "
                f"has no numeric score ({row['score']!r}/{row['max_score']!r}); "
                "run make grade again."
            ) from None
        if not (math.isfinite(score) and math.isfinite(max_score)):
            raise ExportError(
                f"{out_dir / 'grades.csv'}: the score of {row['student_id']}/{row['lesson']} "
                "is not a number; run make grade again."
            )
        student = results.setdefault(row["student_id"], {})
        if row["lesson"] in student:
            raise ExportError(
                f"{out_dir / 'grades.csv'} has two rows for {row['student_id']}/{row['lesson']}; run make grade again."
            )
        student[row["lesson"]] = LessonResult(
            status=row["status"], auto_points=score, late_seconds=float(row.get("late_seconds") or 0)
        )
        auto_possible[row["lesson"]] = max(auto_possible[row["lesson"]], max_score)

    db_url = db_url or gradebook_url(out_dir)
    hand = read_gradebook(db_url, lessons) if lessons else {}
    pending: list[str] = []
    absent: list[str] = []
    for student_id, by_lesson in results.items():
        for lesson, result in by_lesson.items():
            if result.status not in HAND_GRADED_STATUSES or not hand[lesson].possible:
                continue
            if student_id in hand[lesson].by_student:
                result.hand_points, is_pending = hand[lesson].by_student[student_id]
            else:  # graded but not in this gradebook: nothing hand-graded can be counted
                is_pending = True
                absent.append(f"{student_id}/{lesson}")
            result.hand_grading = "pending" if is_pending else "done"
            if is_pending:
                pending.append(f"{student_id}/{lesson}")

    for by_lesson in results.values():  # a lesson the student has no row for counts 0
        for lesson in lessons:
            by_lesson.setdefault(lesson, LessonResult(status="missing", auto_points=0.0))
    possible = {lesson: auto_possible[lesson] + hand[lesson].possible for lesson in lessons}
    policy = late_policy(out_dir)
    for by_lesson in results.values():  # the penalty of the raw points, hand grades included
        for lesson, result in by_lesson.items():
            result.penalty = policy.penalty(result.raw, possible[lesson], result.late_seconds)
    table = GradeTable(lessons=lessons, possible=possible, results=dict(sorted(results.items())))
    table.notes.extend(_notes(table, pending, absent, ignored, out_dir))
    return table


def _notes(table: GradeTable, pending: list[str], absent: list[str], ignored: int, out_dir: Path) -> list[str]:
    """What the instructor should look at before importing."""

    def listed(items: list[str], limit: int = 8) -> str:
        return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")

    notes = []
    if pending:
        notes.append(
            f"{len(pending)} free response(s) not hand-graded yet count 0: {listed(pending)} "
            f"(make formgrader OUT={out_dir})."
        )
    if absent:
        notes.append(
            f"{len(absent)} graded row(s) have no submission in the gradebook, so their hand-graded "
            f"points are unknown: {listed(absent)} (run make grade again?)."
        )
    by_status: dict[str, list[str]] = {}
    for student_id, by_lesson in table.results.items():
        for lesson, result in by_lesson.items():
            if result.status != "graded":
                by_status.setdefault(result.status, []).append(f"{student_id}/{lesson}")
    for status, items in sorted(by_status.items()):
        what = "keep their points; look at them" if status == "flagged" else "count their grades.csv score (0)"
        notes.append(f"{len(items)} {status} row(s) {what}: {listed(items)} (see grades.csv).")
    if ignored:
        notes.append(f"{ignored} row(s) of grades.csv that are not a student's lesson notebook were left out.")
    return notes


# ------------------------------------------------------------------ writing
def wide_rows(table: GradeTable) -> list[list[str]]:
    """Header and one row per student (see the module docstring)."""
    header = ["student_id"]
    for lesson in table.lessons:
        header += [lesson, f"{lesson} possible", f"{lesson} status", f"{lesson} hand grading"]
    header += ["total", "total possible"]
    rows = [header]
    total_possible = sum(table.possible.values())
    for student_id, by_lesson in table.results.items():
        row = [student_id]
        for lesson in table.lessons:
            result = by_lesson[lesson]
            row += [number(result.points), number(table.possible[lesson]), result.status, result.hand_grading]
        row += [number(sum(by_lesson[lesson].points for lesson in table.lessons)), number(total_possible)]
        rows.append(row)
    return rows


def canvas_rows(table: GradeTable, roster: Roster | None = None, missing: str = "empty") -> list[list[str]]:
    """Canvas's import layout: header, the Points Possible row, one row per student.

    With a roster: the LMS's own ids (``ID`` = lms_user_id, ``SIS User ID``, ``Section``) and a
    row for every student on it; a lesson without a row is ``missing`` (empty or 0).
    """
    rows = [
        CANVAS_STUDENT_COLUMNS + table.lessons,
        [CANVAS_POINTS_POSSIBLE, "", "", "", ""] + [number(table.possible[lesson]) for lesson in table.lessons],
    ]
    absent = "" if missing == "empty" else "0"
    if roster is None:
        for student_id, by_lesson in table.results.items():
            rows.append(
                [student_id, "", "", student_id, ""] + [number(by_lesson[lesson].points) for lesson in table.lessons]
            )
        return rows
    for entry in roster.students:
        by_lesson = table.results.get(entry.student_id, {})
        scores = [
            number(by_lesson[lesson].points)
            if lesson in by_lesson and by_lesson[lesson].status != "missing"
            else absent
            for lesson in table.lessons
        ]
        rows.append([entry.name, entry.lms_user_id, entry.sis_id, "", entry.section] + scores)
    return rows


def long_rows(table: GradeTable) -> list[list[str]]:
    """One row per student and lesson: raw points, late penalty, final points (any LMS, pandas)."""
    rows = [list(LONG_COLUMNS)]
    for student_id, by_lesson in table.results.items():
        for lesson in table.lessons:
            result = by_lesson[lesson]
            rows.append(
                [
                    student_id,
                    lesson,
                    number(result.raw),
                    number(result.penalty),
                    number(result.points),
                    number(table.possible[lesson]),
                    result.status,
                ]
            )
    return rows


def export_grades(
    out_dir: Path,
    fmt: str,
    output: Path | None = None,
    *,
    db_url: str | None = None,
    roster: Path | None = None,
    missing: str = "empty",
    log: Callable[[str], None] | None = None,
) -> Path:
    """Write the ``fmt`` export (canvas, wide or long) of the run in ``out_dir``; return its path.

    ``output`` defaults to ``OUT/export-<fmt>.csv``; ``db_url`` to the run's gradebook;
    ``roster`` (canvas only) gives the LMS ids and a row per enrolled student, ``missing`` what
    a lesson without a submission gets there. Notes for the instructor go to ``log`` (default:
    stderr). Raises :class:`ExportError`.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    if missing not in MISSING_CHOICES:
        raise ExportError(f"unknown --missing {missing!r}: choose one of {', '.join(MISSING_CHOICES)}.")
    out_dir = Path(out_dir)
    enrolled = None
    if roster is not None:
        try:
            enrolled = load_roster(Path(roster))
        except ValueError as exc:
            raise ExportError(str(exc)) from None
    table = collect(out_dir, db_url)
    if enrolled is not None:
        unknown = sorted(set(table.results) - {entry.student_id for entry in enrolled.students})
        if unknown:
            table.notes.append(
                f"{len(unknown)} graded student(s) are not on the roster and are left out of the export: "
                f"{', '.join(unknown[:8])}{' ...' if len(unknown) > 8 else ''} (add them to {roster})."
            )
    if fmt == "canvas":
        rows = canvas_rows(table, enrolled, missing)
    else:
        rows = wide_rows(table) if fmt == "wide" else long_rows(table)
    output = Path(output) if output is not None else out_dir / f"export-{fmt}.csv"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    tmp.replace(output)
    for note in table.notes:
        (log or (lambda text: print(text, file=sys.stderr)))(f"note: {note}")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.grader.export",
        description="Export the grades of a make grade run (autograded + hand-graded points) for the LMS.",
    )
    parser.add_argument("out", type=Path, help="the OUT folder of make grade (holds grades.csv)")
    parser.add_argument(
        "--format",
        required=True,
        metavar="{canvas,wide,long}",
        help="canvas: Canvas's gradebook import CSV; wide: one row per student, a column per lesson; "
        "long: one row per student and lesson (raw, penalty, final)",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        default=None,
        help="roster.csv (student_id,name,lms_user_id,sis_id,section): canvas rows get the LMS ids, one per student",
    )
    parser.add_argument(
        "--missing",
        default="empty",
        choices=MISSING_CHOICES,
        help="canvas with --roster: a lesson nobody graded for a student is left empty or 0 (default: empty)",
    )
    parser.add_argument("--output", type=Path, default=None, help="where to write (default: OUT/export-<format>.csv)")
    parser.add_argument(
        "--db-url", default=None, help="SQLAlchemy URL of the gradebook (default: the one in OUT/nbgrader_config.py)"
    )
    args = parser.parse_args(argv)
    try:
        path = export_grades(
            args.out, args.format, args.output, db_url=args.db_url, roster=args.roster, missing=args.missing
        )
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
