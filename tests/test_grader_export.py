"""rnncourse.grader.export: grades.csv + hand-graded points of the gradebook, for the LMS.

Fast: a small real nbgrader gradebook is built with nbgrader's API (no notebook runs).
"""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from rnncourse.grader.export import CANVAS_POINTS_POSSIBLE, CANVAS_STUDENT_COLUMNS, ExportError, export_grades, number

GRADIENTS, GRU = "01_gradients", "02_gru_lstm"
BOB = 'o\'brien, "bob"'  # a comma and quotes: must survive CSV quoting

# Per lesson: (autograded cell, its points), (free-response cell, its points).
CELLS = {GRADIENTS: (("test_a", 3.0), ("free_response", 2.0)), GRU: (("test_b", 4.0), ("essay", 1.0))}

# What formgrader holds per (student, lesson): autograded score, hand score (None: not graded yet),
# extra credit, a grader's correction of the autograded cell (None: none).
SUBMISSIONS = {
    ("alice", GRADIENTS): dict(auto=3, hand=1.5),
    ("alice", GRU): dict(auto=2, hand=None),  # free response not graded yet
    (BOB, GRADIENTS): dict(auto=1, hand=2, extra=0.5),
    ("carol", GRADIENTS): dict(auto=3, hand=0),  # flagged row: points kept
    ("carol", GRU): dict(auto=4, hand=1),  # stale: grades.csv says error now, so this must not count
    ("dave", GRADIENTS): dict(auto=3, hand=2, corrected=2),  # the grader took 1 point off test_a
    ("dave", GRU): dict(auto=4, hand=1),
    ("frank", GRADIENTS): dict(auto=2, hand=None, blank=True),  # free response left blank: nbgrader's 0
}

GRADES_CSV = [  # student_id, lesson, score, max_score, status, message
    ("alice", GRADIENTS, "3", "3", "graded", "2 more points are graded by hand"),
    ("alice", GRU, "2", "4", "graded", "lost points in test_b; 1 more points are graded by hand"),
    (BOB, GRADIENTS, "1", "3", "graded", "lost points in test_a"),
    (BOB, GRU, "0", "4", "missing", f"no {GRU} notebook from {BOB}"),
    ("carol", GRADIENTS, "3", "3", "flagged", "flagged: imports sys"),
    ("carol", GRU, "0", "4", "error", "the kernel died while grading"),
    ("dave", GRADIENTS, "3", "3", "graded", ""),
    ("dave", GRU, "4", "4", "graded", ""),
    ("dave", "extra/notes.txt", "0", "0", "invalid", "not a lesson notebook"),
    ("erin", GRADIENTS, "0", "3", "invalid", "01_gradients.ipynb: not JSON"),  # and no 02 row at all
    ("frank", GRADIENTS, "2", "3", "graded", "lost points in test_a; 2 more points are graded by hand"),
    ("frank", GRU, "0", "4", "missing", f"no {GRU} notebook from frank"),
    ("", "stray.ipynb", "0", "0", "invalid", "file outside any student folder"),
]


def _build_gradebook(db_url: str) -> None:
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        # nbgrader's add_submission: SQLAlchemy's "Object of type <SubmittedAssignment> not in session"
        warnings.simplefilter("ignore")
        with Gradebook(db_url) as gradebook:
            for lesson in [*CELLS, "03_embeddings"]:  # 03 is in the gradebook but not in grades.csv
                gradebook.add_assignment(lesson)
                gradebook.add_notebook(lesson, lesson)
                (code, code_points), (free, free_points) = CELLS.get(lesson, (("t", 1.0), ("f", 1.0)))
                gradebook.add_grade_cell(code, lesson, lesson, max_score=code_points, cell_type="code")
                gradebook.add_grade_cell(free, lesson, lesson, max_score=free_points, cell_type="markdown")
            for student in sorted({student for student, _ in SUBMISSIONS}):
                gradebook.add_student(student)
            for (student, lesson), entry in SUBMISSIONS.items():
                gradebook.add_submission(lesson, student)
                (code, _), (free, _) = CELLS[lesson]
                auto = gradebook.find_grade(code, lesson, lesson, student)
                auto.auto_score = float(entry["auto"])
                auto.needs_manual_grade = False
                if entry.get("corrected") is not None:
                    auto.manual_score = float(entry["corrected"])
                hand = gradebook.find_grade(free, lesson, lesson, student)
                hand.auto_score = 0.0 if entry.get("blank") else None  # what autograding leaves there
                if entry["hand"] is not None:
                    hand.manual_score = float(entry["hand"])
                    hand.needs_manual_grade = False
                hand.extra_credit = entry.get("extra")
            gradebook.db.commit()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An OUT folder as make grade leaves it, with the gradebook elsewhere (named by nbgrader_config.py)."""
    root = tmp_path_factory.mktemp("export")
    out = root / "out"
    out.mkdir()
    db_url = f"sqlite:///{root / 'db' / 'gradebook.db'}"
    (root / "db").mkdir()
    _build_gradebook(db_url)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "lesson", "score", "max_score", "status", "message"])
        writer.writerows(GRADES_CSV)
    (out / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        'c.CourseDirectory.course_id = "rnn-language-modeling-ch2"\n'
        f"c.CourseDirectory.db_url = {db_url!r}\n",
        encoding="utf-8",
    )
    return out


def _read(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _by_column(rows: list[list[str]]) -> dict[str, list[str]]:
    return {name: [row[index] for row in rows[1:]] for index, name in enumerate(rows[0])}


def test_wide_export_column_by_column(run: Path, tmp_path: Path) -> None:
    notes: list[str] = []
    path = export_grades(run, "wide", tmp_path / "wide.csv", log=notes.append)
    assert path == tmp_path / "wide.csv"
    rows = _read(path)
    assert rows[0] == [
        "student_id",
        GRADIENTS,
        f"{GRADIENTS} possible",
        f"{GRADIENTS} status",
        f"{GRADIENTS} hand grading",
        GRU,
        f"{GRU} possible",
        f"{GRU} status",
        f"{GRU} hand grading",
        "total",
        "total possible",
    ]  # lessons without any row (03, 04) have no columns
    columns = _by_column(rows)
    expected = {
        "student_id": ["alice", "carol", "dave", "erin", "frank", BOB],
        # 3 + 1.5 by hand; 3 + 0; 3 - 1 (correction) + 2; invalid: 0; 2 + blank (0); 1 + 2 + 0.5 extra
        GRADIENTS: ["4.5", "3", "4", "0", "2", "3.5"],
        f"{GRADIENTS} possible": ["5"] * 6,  # 3 autograded + 2 by hand
        f"{GRADIENTS} status": ["graded", "flagged", "graded", "invalid", "graded", "graded"],
        f"{GRADIENTS} hand grading": ["done", "done", "done", "", "done", "done"],
        # 2 + pending free response (0); error (stale hand points ignored); 4 + 1; no row; missing; missing
        GRU: ["2", "0", "5", "0", "0", "0"],
        f"{GRU} possible": ["5"] * 6,
        f"{GRU} status": ["graded", "error", "graded", "missing", "missing", "missing"],
        f"{GRU} hand grading": ["pending", "", "done", "", "", ""],
        "total": ["6.5", "3", "9", "0", "2", "3.5"],
        "total possible": ["10"] * 6,
    }
    for name, values in expected.items():
        assert columns[name] == values, name
    text = "\n".join(notes)
    assert "1 free response(s) not hand-graded yet count 0: alice/02_gru_lstm" in text
    assert "1 flagged row(s) keep their points" in text and "carol/01_gradients" in text
    assert "1 error row(s)" in text and "3 missing row(s)" in text
    assert "2 row(s) of grades.csv that are not a student's lesson notebook were left out" in text


def test_canvas_export_matches_canvas_import_layout(run: Path, tmp_path: Path) -> None:
    path = export_grades(run, "canvas", tmp_path / "canvas.csv", log=lambda _: None)
    raw = path.read_bytes().decode("utf-8")
    lines = raw.split("\r\n")
    # Header and Points Possible row exactly as Canvas's gradebook export/import has them.
    assert lines[0] == "Student,ID,SIS User ID,SIS Login ID,Section,01_gradients,02_gru_lstm"
    assert lines[1] == "    Points Possible,,,,,5,5"
    # CSV quoting of an id with a comma and quotes (RFC 4180: quotes doubled inside quotes).
    assert '"o\'brien, ""bob""",,,"o\'brien, ""bob""",,3.5,0' in lines
    rows = _read(path)
    assert rows[0][:5] == CANVAS_STUDENT_COLUMNS == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1] == [CANVAS_POINTS_POSSIBLE, "", "", "", "", "5", "5"]
    assert CANVAS_POINTS_POSSIBLE.strip() == "Points Possible"
    columns = _by_column([rows[0], *rows[2:]])
    assert columns["Student"] == ["alice", "carol", "dave", "erin", "frank", BOB]
    assert columns["ID"] == [""] * 6  # empty: Canvas then matches by login, never a wrong numeric id
    assert columns["SIS User ID"] == [""] * 6
    assert columns["SIS Login ID"] == ["alice", "carol", "dave", "erin", "frank", BOB]
    assert columns["Section"] == [""] * 6
    assert columns[GRADIENTS] == ["4.5", "3", "4", "0", "2", "3.5"]
    assert columns[GRU] == ["2", "0", "5", "0", "0", "0"]
    assert len(rows[0]) == 7  # no total column: Canvas would take it for an assignment


def test_default_output_path_and_the_gradebook_is_not_modified(run: Path) -> None:
    database = Path(_db_path(run))
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    assert export_grades(run, "canvas", log=lambda _: None) == run / "export-canvas.csv"
    assert export_grades(run, "wide", log=lambda _: None) == run / "export-wide.csv"
    assert (run / "export-canvas.csv").is_file() and (run / "export-wide.csv").is_file()
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


def _db_path(out: Path) -> str:
    line = next(x for x in (out / "nbgrader_config.py").read_text().splitlines() if "db_url" in x)
    return line.split("'")[1][len("sqlite:///") :]


def test_number_formatting() -> None:
    assert [number(x) for x in (0, 3.0, 4.5, 0.1 + 0.2, 1e6, -0.0, 2.125)] == [
        "0",
        "3",
        "4.5",
        "0.3",
        "1000000",
        "0",
        "2.125",
    ]


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rnncourse.grader.export", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_cli_writes_the_default_file(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("grades.csv", "nbgrader_config.py"):
        (out / name).write_bytes((run / name).read_bytes())
    proc = _cli(out, "--format", "wide")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"wrote {out / 'export-wide.csv'}"
    assert "note: 1 free response(s) not hand-graded yet" in proc.stderr
    assert _read(out / "export-wide.csv")[1][:2] == ["alice", "4.5"]


def _assert_clear_error(proc: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    for part in parts:
        assert part in proc.stderr, proc.stderr


def test_cli_errors_are_one_line_with_exit_code_2(run: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _assert_clear_error(
        _cli(empty, "--format", "canvas"), f"{empty / 'grades.csv'} does not exist", "run make grade first"
    )
    _assert_clear_error(_cli(run, "--format", "moodle"), "unknown format 'moodle'", "canvas, wide")

    no_db = tmp_path / "no-db"
    no_db.mkdir()
    (no_db / "grades.csv").write_bytes((run / "grades.csv").read_bytes())  # no config: OUT/gradebook.db
    _assert_clear_error(
        _cli(no_db, "--format", "wide"),
        f"cannot open the gradebook sqlite:///{no_db / 'gradebook.db'}",
        "does not exist",
    )

    garbage = no_db / "gradebook.db"
    garbage.write_text("this is not a database\n" * 100)
    _assert_clear_error(_cli(no_db, "--format", "wide"), "cannot open the gradebook", "not a database")


def test_gradebook_errors(run: Path, tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.close()
    with pytest.raises(ExportError, match="not an nbgrader gradebook"):
        export_grades(run, "wide", tmp_path / "x.csv", db_url=f"sqlite:///{other}")
    with pytest.raises(ExportError, match="cannot open the gradebook") as info:  # the password is not shown
        export_grades(run, "wide", tmp_path / "x.csv", db_url="postgresql+psycopg://me:s3cret@127.0.0.1:1/db")
    assert "s3cret" not in str(info.value)
    assert not (tmp_path / "x.csv").exists()


def test_grades_csv_errors(tmp_path: Path) -> None:
    (tmp_path / "grades.csv").write_text("student,points\nalice,3\n", encoding="utf-8")
    with pytest.raises(ExportError, match="not the grader's results file"):
        export_grades(tmp_path, "wide")


def _late_copy(run: Path, tmp_path: Path, policy: dict) -> Path:
    """The run, with alice's 01 three hours late and the run's late policy in run.json."""
    out = tmp_path / "late"
    out.mkdir()
    (out / "nbgrader_config.py").write_bytes((run / "nbgrader_config.py").read_bytes())
    rows = _read(run / "grades.csv")
    header = [*rows[0], "late_seconds"]
    late = [[*row, "10800" if row[:2] == ["alice", GRADIENTS] else ""] for row in rows[1:]]
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *late])
    (out / "run.json").write_text(json.dumps({"late_policy": policy}), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("policy", "penalty"),
    [
        ({"method": "per_hour", "deduction_percent": 10, "cap_percent": 50}, "1.5"),  # 3 started hours x 10 % of 5
        ({"method": "per_hour", "deduction_percent": 10, "cap_percent": 20}, "1"),  # capped at 20 % of 5
        ({"method": "zero"}, "4.5"),  # nbgrader's zero: the whole raw score, hand-graded points included
        ({"method": "none"}, "0"),
    ],
)
def test_the_late_penalty_applies_to_the_points_with_hand_grades(run: Path, tmp_path: Path, policy, penalty) -> None:
    out = _late_copy(run, tmp_path, policy)
    rows = _read(export_grades(out, "long", log=lambda _: None))
    assert rows[0] == ["student_id", "lesson", "raw", "penalty", "final", "possible", "status"]
    by_key = {(row[0], row[1]): row for row in rows[1:]}
    final = f"{4.5 - float(penalty):g}"
    assert by_key["alice", GRADIENTS] == ["alice", GRADIENTS, "4.5", penalty, final, "5", "graded"]
    assert by_key["dave", GRADIENTS] == ["dave", GRADIENTS, "4", "0", "4", "5", "graded"]  # on time
    assert by_key[BOB, GRU] == [BOB, GRU, "0", "0", "0", "5", "missing"]
    wide = _by_column(_read(export_grades(out, "wide", log=lambda _: None)))
    assert wide[GRADIENTS][0] == final  # alice: the export's points are the final points
