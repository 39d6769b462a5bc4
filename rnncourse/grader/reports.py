"""What the grader writes for people: grades.csv, details, feedback pages, run.json, the summary."""

from __future__ import annotations

import csv
import json
import os
import statistics
from pathlib import Path
from typing import Any

from ..course import LESSON_IDS
from ..notebook import cell_source, nbgrader_metadata
from .classify import STATUSES
from .due import LATE_COLUMNS
from .layout import Layout

# score: what the tests gave; final_score: after the late penalty (rnncourse.grader.due)
CSV_COLUMNS = ["student_id", "lesson", "score", "max_score", "status", "message", *LATE_COLUMNS]


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    """grades.csv, replaced atomically (a reader never sees half a file)."""
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def details_path(out_dir: Path, student: str, lesson: str) -> Path:
    return Layout(out_dir).details(student, lesson)


def write_details(out_dir: Path, row: dict[str, str]) -> None:
    """OUT/details/<student>/<lesson>.txt when the row's message was shortened; else no such file."""
    path = details_path(out_dir, row["student_id"], row["lesson"])
    if row.get("_details"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(row["_details"], encoding="utf-8")
    elif path.exists():
        path.unlink()


def _test_results(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    """Each test cell's outcome, without the test's code (hidden tests stay hidden)."""
    tests = []
    for cell in notebook.get("cells", []):
        meta = nbgrader_metadata(cell)
        if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        source = cell_source(cell)
        description = next(
            (
                line.strip().strip('"').lstrip("# ")
                for line in source.splitlines()
                if line.strip().startswith(('"""', "# Hidden test"))
            ),
            meta.get("grade_id", ""),
        )
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        streams = "".join(
            "".join(o.get("text", "")) for o in cell.get("outputs", []) if o.get("output_type") == "stream"
        )
        tests.append(
            {
                "grade_id": meta.get("grade_id", ""),
                "points": meta.get("points", 0),
                "passed": not errors,
                "description": description,
                "result": streams.strip() if not errors else f"{errors[0].get('ename')}: {errors[0].get('evalue')}",
            }
        )
    return tests


def summary_table(rows: list[dict[str, str]]) -> str:
    """Per lesson: mean and median score, and the count of each status."""
    lessons = sorted({r["lesson"] for r in rows if r["lesson"] in LESSON_IDS})
    header = f"{'lesson':<15}{'mean':>8}{'median':>8}  " + "".join(f"{s:>9}" for s in STATUSES)
    lines = [header, "-" * len(header)]
    for lesson in lessons:
        lesson_rows = [r for r in rows if r["lesson"] == lesson]
        scores = [float(r["score"]) for r in lesson_rows if r["status"] in {"graded", "flagged"}]
        mean = f"{statistics.mean(scores):.1f}" if scores else "-"
        median = f"{statistics.median(scores):.1f}" if scores else "-"
        counts = "".join(f"{sum(r['status'] == s for r in lesson_rows):>9}" for s in STATUSES)
        lines.append(f"{lesson:<15}{mean:>8}{median:>8}  {counts}")
    other = [r for r in rows if r["lesson"] not in LESSON_IDS]
    if other:
        lines.append(
            f"{'other files':<15}{'':>8}{'':>8}  "
            + "".join(f"{sum(r['status'] == s for r in other):>9}" for s in STATUSES)
        )
    return "\n".join(lines)


def write_run_json(path: Path, run: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
