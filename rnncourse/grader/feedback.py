"""Students' feedback pages, written by ``make grade`` and rewritten by ``make feedback``.

Command line::

    python -m rnncourse.grader.feedback OUT        (make feedback OUT=<dir>)

One page per student, ``OUT/feedback/<student_id>.html``, and all of them in one zip to hand
back, ``OUT/feedback.zip``. A page has, per lesson: the autograded and the hand-graded points,
the late penalty and the final points (the same join as the export: :func:`.export.collect`),
the status and message of grades.csv, what graders wrote in formgrader (points and comments),
and each test's name, result and message. It never shows a test's code, so hidden tests stay
hidden. ``make feedback`` runs after hand grading, so points and comments entered later reach
the students; it also refreshes the class report (:mod:`.class_report`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any

from .export import ExportError, GradeTable, LessonResult, collect, gradebook_url, number, read_grades_csv
from .gradebook import hand_feedback
from .layout import Layout
from .reports import _test_results

SCORED = ("graded", "flagged")  # the rows with an executed notebook and gradebook entries


def _gradebook_exists(db_url: str) -> bool:
    return not db_url.startswith("sqlite:///") or Path(db_url[len("sqlite:///") :]).is_file()


def _lesson(
    out_dir: Path, row: dict[str, str], result: LessonResult | None, possible: float, hand: list[dict[str, Any]]
) -> dict[str, Any]:
    """What one lesson's section of a page shows."""
    path = Layout(out_dir).autograded(row["student_id"], row["lesson"])
    tests = []
    if row["status"] in SCORED and path.is_file():
        tests = _test_results(json.loads(path.read_text(encoding="utf-8")))
    details = Layout(out_dir).details(row["student_id"], row["lesson"])
    message = row.get("_details") or (details.read_text(encoding="utf-8") if details.is_file() else row["message"])
    auto = float(row["score"] or 0)
    penalty = result.penalty if result else float(row.get("penalty") or 0)
    hand_points = result.hand_points if result else 0.0
    return {
        "name": row["lesson"],
        "status": row["status"],
        "message": message.strip(),
        "auto": number(auto),
        "auto_possible": row["max_score"],
        "hand": number(hand_points),
        "hand_pending": bool(result and result.hand_grading == "pending"),
        "penalty": number(penalty),
        "late": bool(float(row.get("late_seconds") or 0) > 0),
        "submitted_at": row.get("submitted_at", ""),
        "final": number(auto + hand_points - penalty),
        "possible": number(possible or float(row["max_score"] or 0)),
        "tests": tests,
        "hand_cells": hand,
    }


def feedback_html(student: str, lessons: list[dict[str, Any]]) -> str:
    """One student's page (Jinja2, escaped)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("rnncourse.grader", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("feedback.html.j2").render(student=student, lessons=lessons)


def write_feedback(out_dir: Path, rows: list[dict[str, str]], db_url: str | None = None) -> list[Path]:
    """Every student's page and OUT/feedback.zip, from grades.csv's ``rows`` and the gradebook."""
    layout = Layout(out_dir)
    db_url = db_url or gradebook_url(out_dir)
    table: GradeTable | None = None
    hand: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if _gradebook_exists(db_url) and any(r["status"] in SCORED for r in rows):
        table = collect(out_dir, db_url)
        hand = hand_feedback(db_url)
    by_student: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row["student_id"]:
            by_student.setdefault(row["student_id"], []).append(row)
    layout.feedback_folder.mkdir(exist_ok=True)
    written = []
    for student, student_rows in sorted(by_student.items()):
        lessons = []
        for row in sorted(student_rows, key=lambda r: r["lesson"]):
            result = table.results.get(student, {}).get(row["lesson"]) if table else None
            possible = table.possible.get(row["lesson"], 0.0) if table else 0.0
            lessons.append(_lesson(out_dir, row, result, possible, hand.get((student, row["lesson"]), [])))
        path = layout.feedback(student)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(feedback_html(student, lessons), encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    stale = {p for p in layout.feedback_folder.glob("*.html")} - set(written)
    for path in stale:  # a student no longer in grades.csv
        path.unlink()
    tmp_zip = layout.feedback_zip.with_name(layout.feedback_zip.name + ".tmp")
    with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in written:
            archive.write(path, path.name)
    os.replace(tmp_zip, layout.feedback_zip)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.grader.feedback",
        description="Rewrite the feedback pages and the class report of a make grade run from its gradebook "
        "(after hand grading in formgrader).",
    )
    parser.add_argument("out", type=Path, help="the OUT folder of make grade (holds grades.csv)")
    parser.add_argument(
        "--db-url", default=None, help="SQLAlchemy URL of the gradebook (default: the one in OUT/nbgrader_config.py)"
    )
    args = parser.parse_args(argv)
    out_dir = args.out.resolve()
    try:
        rows = read_grades_csv(out_dir)
        pages = write_feedback(out_dir, rows, args.db_url)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from .class_report import write_report

    run = json.loads(Layout(out_dir).run_json.read_text(encoding="utf-8")) if Layout(out_dir).run_json.is_file() else {}
    report = write_report(out_dir, rows, run)
    print(
        f"wrote {len(pages)} pages in {Layout(out_dir).feedback_folder}/, {Layout(out_dir).feedback_zip} and {report}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
