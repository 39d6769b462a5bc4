"""The class report, ``OUT/report.html``: one self-contained page about a whole ``make grade`` run.

Written by ``make grade`` and refreshed by ``make feedback``. Per lesson it shows the
distribution of scores (a histogram, embedded as a PNG data URI), the pass rate of every test,
visible and hidden apart, per exercise, and each exercise's most frequent failure messages; then
who is missing, flagged, invalid, late, timed out or failed to grade; then the grading time per
notebook (from run.json). The page loads nothing from anywhere: no external CSS, scripts, fonts
or images.

It never shows a test's code, only the messages failed tests gave, so hidden tests stay hidden
and the page can be shared with teaching assistants. Test cells are nbgrader cells with
``grade_id`` ``test_<exercise>`` (visible) or ``test_<exercise>_hidden`` (hidden); their
outcomes come from the executed notebooks ``OUT/autograded/<student>/<lesson>/<lesson>.ipynb``
of the rows whose status is graded or flagged (:func:`.reports._test_results`).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..course import LESSON_IDS
from .layout import Layout
from .reports import _test_results

SCORED = ("graded", "flagged")  # the rows with an executed notebook whose tests count
TOP_FAILURES = 5  # failure messages shown per exercise
SLOWEST = 5  # notebooks shown per lesson in the grading-time section
BINS = 10  # histogram bins over 0 ... full marks
MESSAGE_CHARS = 400  # a failure message longer than this is cut (the count still joins them)

# The "who to follow up" groups, in page order: (key, heading, what a row of it means).
GROUPS = (
    ("missing", "Missing", "students of the class without this lesson's notebook"),
    ("flagged", "Flagged", "graded, and something needs a person's look (the score stands)"),
    ("invalid", "Invalid", "files that could not be graded"),
    ("late", "Late", "submitted after the due date"),
    ("timeout", "Timed out", "a cell or a call ran past its limit; the rest was graded"),
    ("error", "Grading failed", "grading failed as a whole"),
)

_FLOAT = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][-+]?\d+)?(?![\w.])")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_SPACE = re.compile(r"\s+")


# ------------------------------------------------------------------ what the page shows
def normalise_message(text: str) -> str:
    """A failure message as the report groups it: real numbers and memory addresses blurred.

    ``AssertionError: max error 0.0312 > 1e-06 at <object at 0x7f3a9c>`` becomes
    ``AssertionError: max error <number> > <number> at <object at 0x…>``; whole numbers (shapes,
    counts) stay, so "expected shape (3, 5)" and "expected shape (4, 5)" remain apart.
    """
    text = _ADDRESS.sub("0x…", text)
    text = _FLOAT.sub("<number>", text)
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"


def exercise_of(grade_id: str) -> tuple[str, bool]:
    """``test_<exercise>`` -> (exercise, visible); ``test_<exercise>_hidden`` -> (exercise, hidden)."""
    hidden = grade_id.endswith("_hidden")
    name = grade_id[: -len("_hidden")] if hidden else grade_id
    return name.removeprefix("test_") or grade_id, hidden


def _number(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if value == value else None  # not NaN


def _fmt(value: float, digits: int = 2) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def _duration(seconds: float) -> str:
    """``93784`` -> ``1 d 2 h 3 min``; ``42`` -> ``42 s``."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
    return " ".join(parts)


@dataclass
class TestRate:
    """One test cell across the class: how many of the notebooks that ran it passed."""

    grade_id: str
    passed: int = 0
    ran: int = 0

    @property
    def text(self) -> str:
        return f"{self.passed} of {self.ran}"

    @property
    def percent(self) -> str:
        return f"{round(100 * self.passed / self.ran)}%" if self.ran else "-"


@dataclass
class Exercise:
    """One exercise of a lesson: its visible and hidden test and what their failures said."""

    name: str
    visible: TestRate | None = None
    hidden: TestRate | None = None
    failures: Counter[str] = field(default_factory=Counter)
    in_visible: Counter[str] = field(default_factory=Counter)
    in_hidden: Counter[str] = field(default_factory=Counter)

    def top_failures(self) -> list[dict[str, Any]]:
        ranked = sorted(self.failures.items(), key=lambda item: (-item[1], item[0]))[:TOP_FAILURES]
        return [
            {"message": text, "count": count, "visible": self.in_visible[text], "hidden": self.in_hidden[text]}
            for text, count in ranked
        ]

    @property
    def other_messages(self) -> int:
        return max(0, len(self.failures) - TOP_FAILURES)


def _tests(out_dir: Path, lesson: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The tests section of one lesson, from its graded and flagged notebooks."""
    layout = Layout(out_dir)
    exercises: dict[str, Exercise] = {}
    read = unreadable = 0
    for row in rows:
        if row.get("status") not in SCORED:
            continue
        path = layout.autograded(row.get("student_id", ""), lesson)
        try:
            results = _test_results(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, AttributeError, TypeError):
            unreadable += 1
            continue
        read += 1
        for test in results:
            grade_id = str(test.get("grade_id", ""))
            name, hidden = exercise_of(grade_id)
            exercise = exercises.setdefault(name, Exercise(name))
            rate = exercise.hidden if hidden else exercise.visible
            if rate is None:
                rate = TestRate(grade_id)
                if hidden:
                    exercise.hidden = rate
                else:
                    exercise.visible = rate
            rate.ran += 1
            if test.get("passed"):
                rate.passed += 1
                continue
            text = normalise_message(str(test.get("result") or "")) or "(no message)"
            exercise.failures[text] += 1
            (exercise.in_hidden if hidden else exercise.in_visible)[text] += 1
    return {"notebooks": read, "unreadable": unreadable, "exercises": list(exercises.values())}


def _histogram_png(lesson: str, fractions: list[float]) -> str:
    """A histogram of score / max_score as a ``data:image/png;base64,...`` URI (Agg, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6, 2.8), dpi=100, facecolor="white")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.hist(fractions, bins=BINS, range=(0.0, 1.0), color="C0", edgecolor="white")
    ax.set_xlim(0, 1)
    ax.set_xlabel("score / max_score")
    ax.set_ylabel("notebooks")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"{lesson}: {len(fractions)} graded notebooks")
    ax.grid(True, axis="y", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _bin_counts(fractions: list[float]) -> list[int]:
    counts = [0] * BINS
    for value in fractions:
        counts[min(BINS - 1, max(0, int(value * BINS)))] += 1
    return counts


def _scores(lesson: str, rows: list[dict[str, str]]) -> dict[str, Any]:
    """The score section of one lesson: the histogram, its words and a few numbers."""
    fractions = []
    for row in rows:
        score, most = _number(row.get("score")), _number(row.get("max_score"))
        if row.get("status") in SCORED and score is not None and most:
            fractions.append(min(1.0, max(0.0, score / most)))
    if not fractions:
        return {"count": 0}
    median = statistics.median(fractions)
    counts = _bin_counts(fractions)
    bins = ", ".join(
        f"{_fmt(i / BINS, 1)} to {_fmt((i + 1) / BINS, 1)}: {count}" for i, count in enumerate(counts) if count
    )
    noun = "notebook" if len(fractions) == 1 else "notebooks"
    alt = (
        f"Histogram of scores for {lesson}: {len(fractions)} {noun}, median {_fmt(median)} of full marks, "
        f"lowest {_fmt(min(fractions))}, highest {_fmt(max(fractions))}. Notebooks per tenth of full marks: {bins}."
    )
    return {
        "count": len(fractions),
        "median": _fmt(median),
        "mean": _fmt(statistics.mean(fractions)),
        "lowest": _fmt(min(fractions)),
        "highest": _fmt(max(fractions)),
        "full": sum(1 for f in fractions if f >= 1.0),
        "image": _histogram_png(lesson, fractions),
        "alt": alt,
    }


def _groups(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Who to follow up: each group's rows (student, lesson, message and, for late, how late)."""
    groups = []
    for key, heading, meaning in GROUPS:
        members = []
        for row in rows:
            late = _number(row.get("late_seconds")) or 0.0
            if (key == "late" and late > 0) or (key != "late" and row.get("status") == key):
                members.append(
                    {
                        "student": row.get("student_id") or "(unknown student)",
                        "lesson": row.get("lesson", ""),
                        "status": row.get("status", ""),
                        "message": row.get("message", ""),
                        "submitted_at": row.get("submitted_at", ""),
                        "late": _duration(late) if late > 0 else "",
                        "penalty": row.get("penalty", ""),
                        "final_score": row.get("final_score", ""),
                        "max_score": row.get("max_score", ""),
                    }
                )
        members.sort(key=lambda m: (m["lesson"], m["student"]))
        groups.append({"key": key, "heading": heading, "meaning": meaning, "rows": members})
    return groups


def _timing(notebooks: dict[str, Any], lessons: list[str]) -> list[dict[str, Any]]:
    """Per lesson: how many notebooks, median, max and total seconds, and the slowest ones."""
    by_lesson: dict[str, list[dict[str, Any]]] = {}
    for key, entry in notebooks.items():
        if not isinstance(entry, dict):
            continue
        student, _, lesson = str(key).rpartition("/")
        seconds = _number(str(entry.get("seconds", "")))
        if seconds is None:
            continue
        by_lesson.setdefault(lesson, []).append(
            {
                "student": student or "(unknown student)",
                "seconds": seconds,
                "worker": str(entry.get("worker", "")),
                "attempts": entry.get("attempts", ""),
                "status": str(entry.get("status", "")),
                "from_journal": bool(entry.get("from_journal")),
            }
        )
    timing = []
    for lesson in sorted(set(by_lesson), key=lambda name: (name not in lessons, name)):
        entries = sorted(by_lesson[lesson], key=lambda e: (-e["seconds"], e["student"]))
        times = [float(e["seconds"]) for e in entries]
        timing.append(
            {
                "lesson": lesson,
                "count": len(entries),
                "median": _fmt(statistics.median(times), 1),
                "max": _fmt(max(times), 1),
                "total": _fmt(sum(times), 1),
                "slowest": [{**e, "seconds": _fmt(e["seconds"], 1)} for e in entries[:SLOWEST]],
            }
        )
    return timing


def _lessons(rows: list[dict[str, str]]) -> list[str]:
    """The lessons of the run: an invalid row's "lesson" may be a file name, which is no lesson."""
    return sorted({r.get("lesson", "") for r in rows if r.get("status") != "invalid" or r.get("lesson") in LESSON_IDS})


def report_context(out_dir: Path, rows: list[dict[str, str]], run: dict[str, Any]) -> dict[str, Any]:
    """Everything the page shows, as plain data (the template only lays it out)."""
    lessons = [lesson for lesson in _lessons(rows) if lesson]
    by_lesson = {lesson: [r for r in rows if r.get("lesson") == lesson] for lesson in lessons}
    statuses = ("graded", "flagged", "missing", "invalid", "timeout", "error")
    overview = [
        {
            "lesson": lesson,
            "rows": len(by_lesson[lesson]),
            "counts": [sum(r.get("status") == s for r in by_lesson[lesson]) for s in statuses],
            "late": sum((_number(r.get("late_seconds")) or 0) > 0 for r in by_lesson[lesson]),
        }
        for lesson in lessons
    ]
    other = [r for r in rows if r.get("lesson", "") not in by_lesson]
    notebooks = run.get("notebooks") if isinstance(run.get("notebooks"), dict) else {}
    return {
        "run": {
            "started": str(run.get("started") or ""),
            "seconds": _fmt(float(run["seconds"]), 1) if _number(str(run.get("seconds", ""))) is not None else "",
            "jobs": run.get("jobs", ""),
            "graded_now": run.get("graded_now", ""),
            "from_journal": run.get("from_journal", ""),
            "sandbox": run.get("sandbox"),
        },
        "students": len({r.get("student_id") for r in rows if r.get("student_id")}),
        "row_count": len(rows),
        "statuses": statuses,
        "overview": overview,
        "other_files": len(other),
        "lessons": [
            {
                "name": lesson,
                "scores": _scores(lesson, by_lesson[lesson]),
                "tests": _tests(out_dir, lesson, by_lesson[lesson]),
            }
            for lesson in lessons
        ],
        "groups": _groups(rows),
        "timing": _timing(notebooks or {}, lessons),
        "top_failures": TOP_FAILURES,
        "slowest": SLOWEST,
    }


def report_html(context: dict[str, Any]) -> str:
    """The page (Jinja2, escaped), from :func:`report_context`."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("rnncourse.grader", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2").render(**context)


def write_report(out_dir: Path, rows: list[dict[str, str]], run: dict[str, Any]) -> Path:
    """Write OUT/report.html (atomically) and return its path.

    ``rows`` are grades.csv's rows; ``run`` is run.json's content (``{}`` when there is none).
    """
    out_dir = Path(out_dir)
    path = Layout(out_dir).report
    page = report_html(report_context(out_dir, rows, run or {}))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
