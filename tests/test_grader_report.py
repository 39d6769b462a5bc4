"""The class report, OUT/report.html (rnncourse/grader/class_report.py), from a synthetic OUT folder.

Fast: no grading. The executed notebooks are written by hand with nbgrader's test-cell metadata
(as in solutions/), and the page is parsed with html.parser to check exact facts.
"""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from rnncourse.grader.class_report import exercise_of, normalise_message, write_report
from rnncourse.grader.layout import Layout

SECRET = "SECRET_SEED_48151623"  # in every hidden test's source: must never reach the page
PASS = None

# lesson -> student -> [(grade_id, error message or PASS)]
L1, L2 = "01_gradients", "02_gru_lstm"
NOTEBOOKS: dict[str, dict[str, list[tuple[str, str | None]]]] = {
    L1: {
        "alice": [("test_rnn_forward", PASS), ("test_rnn_forward_hidden", PASS), ("test_rnn_backward_hidden", PASS)],
        "bob": [
            ("test_rnn_forward", "AssertionError: max error 0.0312 > 1e-06"),
            ("test_rnn_forward_hidden", "AssertionError: max error 0.5 > 1e-06"),
            ("test_rnn_backward_hidden", PASS),
        ],
        "carol": [
            ("test_rnn_forward", PASS),
            ("test_rnn_forward_hidden", "AssertionError: max error 0.2 > 1e-06"),
            ("test_rnn_backward_hidden", "ValueError: shapes (3, 5) and (4, 5) not aligned"),
        ],
    },
    L2: {
        "g1": [
            ("test_lstm_step", "AssertionError: h differs by 0.25"),
            ("test_lstm_step_hidden", "AssertionError: h differs by 0.5"),
            ("test_gru_step", PASS),
        ],
        "g2": [
            ("test_lstm_step", "AssertionError: h differs by 1.5"),
            ("test_lstm_step_hidden", "ValueError: expected shape (3, 5), got (5, 3)"),
            ("test_gru_step", PASS),
        ],
        "g3": [
            ("test_lstm_step", PASS),
            ("test_lstm_step_hidden", "ValueError: expected shape (3, 5), got (5, 3)"),
            ("test_gru_step", "AssertionError: wrong gate"),
        ],
        "g4": [
            ("test_lstm_step", "NameError: name 'sigmoid' is not defined"),
            ("test_lstm_step_hidden", "AssertionError: h differs by 2.0"),
            ("test_gru_step", PASS),
        ],
        "g5": [
            ("test_lstm_step", "TypeError: lstm_step() missing 1 required positional argument: 'c'"),
            ("test_lstm_step_hidden", "KeyError: 'units'"),
            ("test_gru_step", PASS),
        ],
        "g6": [
            ("test_lstm_step", PASS),
            ("test_lstm_step_hidden", "ZeroDivisionError: division by zero"),
            ("test_gru_step", PASS),
        ],
    },
}


def _row(student: str, lesson: str, score: float, status: str, message: str = "", **late: str) -> dict[str, str]:
    return {
        "student_id": student,
        "lesson": lesson,
        "score": f"{score:g}",
        "max_score": "28" if lesson == L1 else "20",
        "status": status,
        "message": message,
        **late,
    }


ROWS = [
    _row("alice", L1, 28, "graded"),
    _row(
        "bob",
        L1,
        14,
        "graded",
        late_seconds="90061",
        submitted_at="2026-12-17T01:00:00+00:00",
        penalty="2.8",
        final_score="11.2",
    ),
    _row("carol", L1, 20, "flagged", "possible copy of course code"),
    _row("dave", L1, 0, "missing", "no notebook for this lesson"),
    _row("erin", L1, 7, "timeout", "cell 12 ran past 600 s", late_seconds="0"),
    _row("frank", L1, 0, "error", "the kernel died"),
    _row("", "notes.txt", 0, "invalid", "not a notebook: <script>alert(1)</script>"),
    *[_row(f"g{i}", L2, 10 + i, "graded") for i in range(1, 7)],
    _row("ghost", L2, 5, "graded"),  # graded, but its executed notebook is gone
    _row("dave", L2, 0, "missing", "no notebook for this lesson", late_seconds=""),
    _row("alice", "03_embeddings", 0, "missing", "no notebook for this lesson"),
]

RUN: dict[str, Any] = {
    "started": "2026-12-18T09:00:00",
    "seconds": 200.5,
    "jobs": 2,
    "sandbox": True,
    "graded_now": 3,
    "from_journal": 1,
    "notebooks": {
        "alice/01_gradients": {"seconds": 12.5, "worker": "w1", "attempts": 1, "status": "graded"},
        "bob/01_gradients": {"seconds": 30.25, "worker": "w2", "attempts": 1, "status": "graded"},
        "carol/01_gradients": {"seconds": 8, "worker": "w1", "attempts": 1, "status": "flagged", "from_journal": True},
        "erin/01_gradients": {"seconds": 120.0, "worker": "w2", "attempts": 2, "status": "timeout"},
        "g1/02_gru_lstm": {"seconds": 40.0, "worker": "w1", "attempts": 1, "status": "graded"},
    },
}


def _test_cell(grade_id: str, error: str | None) -> dict[str, Any]:
    hidden = grade_id.endswith("_hidden")
    source = (
        f"# Hidden test: {grade_id} on other sizes (runs at grading).\n### BEGIN HIDDEN TESTS\n"
        f"checks.check(answer, seed={SECRET}, visible=False)\n### END HIDDEN TESTS\n"
        if hidden
        else f'"""{grade_id} matches Keras."""\nchecks.check(answer)\n'
    )
    outputs: list[dict[str, Any]] = [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}]
    if error is not None:
        ename, _, evalue = error.partition(": ")
        outputs = [{"output_type": "error", "ename": ename, "evalue": evalue, "traceback": [f"{SECRET} line"]}]
    return {
        "cell_type": "code",
        "execution_count": 1,
        "id": grade_id,
        "metadata": {
            "nbgrader": {
                "grade": True,
                "grade_id": grade_id,
                "locked": True,
                "points": 2,
                "schema_version": 3,
                "solution": False,
                "task": False,
            }
        },
        "outputs": outputs,
        "source": source.splitlines(keepends=True),
    }


def _notebook(tests: list[tuple[str, str | None]]) -> dict[str, Any]:
    solution = {
        "cell_type": "code",
        "execution_count": 1,
        "id": "answer",
        "metadata": {"nbgrader": {"grade": False, "grade_id": "answer", "solution": True, "locked": False}},
        "outputs": [],
        "source": ["answer = 1\n"],
    }
    markdown = {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": ["# A lesson"]}
    return {
        "cells": [markdown, solution, *[_test_cell(grade_id, error) for grade_id, error in tests]],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _out(tmp_path: Path) -> Path:
    out = tmp_path / "OUT"
    layout = Layout(out)
    for lesson, students in NOTEBOOKS.items():
        for student, tests in students.items():
            path = layout.autograded(student, lesson)
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(_notebook(tests)), encoding="utf-8")
    # erin timed out: her executed notebook exists, but timeout rows do not count
    path = layout.autograded("erin", L1)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(_notebook([("test_rnn_forward", PASS)])), encoding="utf-8")
    return out


class Page(HTMLParser):
    """What the checks need of a page: tables (attributes, caption, rows of cell texts), images, headings."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self.images: list[dict[str, str]] = []
        self.headings: list[tuple[int, str]] = []
        self.attributes: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.th_without_scope = 0
        self.html_lang = ""
        self._text: list[str] | None = None
        self._heading: int | None = None
        self._caption = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.attributes += [(tag, name, value) for name, value in values.items()]
        if tag == "html":
            self.html_lang = values.get("lang", "")
        elif tag == "table":
            self.tables.append({"attrs": values, "caption": "", "rows": []})
        elif tag == "caption":
            self._caption, self._text = True, []
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in {"td", "th"}:
            self._text = []
            if tag == "th" and "scope" not in values:
                self.th_without_scope += 1
        elif tag == "img":
            self.images.append(values)
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []

    def handle_endtag(self, tag: str) -> None:
        if self._text is None:
            return
        text = " ".join("".join(self._text).split())
        if tag == "caption" and self._caption:
            self.tables[-1]["caption"], self._caption, self._text = text, False, None
        elif tag in {"td", "th"} and not self._caption:
            self.tables[-1]["rows"][-1].append(text)
            self._text = None
        elif re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((self._heading, text))
            self._heading, self._text = None, None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def table(self, caption: str) -> dict[str, Any]:
        found = [t for t in self.tables if t["caption"] == caption]
        assert len(found) == 1, f"{caption!r} not once in {[t['caption'] for t in self.tables]}"
        return found[0]

    def rows(self, caption: str) -> list[list[str]]:
        return self.table(caption)["rows"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = _out(tmp_path_factory.mktemp("report"))
    path = write_report(out, [dict(r) for r in ROWS], json.loads(json.dumps(RUN)))
    return path, path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(report: tuple[Path, str]) -> Page:
    return Page(report[1])


def test_written_atomically_where_layout_says(report):
    path, _ = report
    assert path == Layout(path.parent).report and path.name == "report.html"
    assert sorted(p.name for p in path.parent.iterdir() if p.is_file()) == ["report.html"]  # no .tmp left


def test_pass_rate_per_test_visible_apart_from_hidden(page):
    assert page.rows("Pass rate per test of 01_gradients") == [
        ["Exercise", "Visible test passed", "Hidden test passed"],
        ["rnn_forward", "2 of 3 (67%)", "1 of 3 (33%)"],  # erin's notebook (timeout) does not count
        ["rnn_backward", "no such test", "2 of 3 (67%)"],
    ]
    assert page.rows("Pass rate per test of 02_gru_lstm") == [
        ["Exercise", "Visible test passed", "Hidden test passed"],
        ["lstm_step", "2 of 6 (33%)", "0 of 6 (0%)"],
        ["gru_step", "5 of 6 (83%)", "no such test"],
    ]
    assert ("td", "data-test", "test_rnn_forward_hidden") in page.attributes


def test_notebooks_counted_and_the_one_that_is_gone(report):
    _, text = report
    assert "From 3 executed notebooks." in text
    assert "From 6 executed notebooks; 1 graded notebook was not found or could not be read." in text


def test_most_frequent_failures_with_counts_in_order(page):
    caption = "Most frequent failure messages of lstm_step (02_gru_lstm), and 1 other message"
    assert page.rows(caption) == [
        ["Failures", "In visible test", "In hidden test", "Message"],
        ["4", "2", "2", "AssertionError: h differs by <number>"],
        ["2", "0", "2", "ValueError: expected shape (3, 5), got (5, 3)"],
        ["1", "0", "1", "KeyError: 'units'"],  # ties: alphabetical
        ["1", "1", "0", "NameError: name 'sigmoid' is not defined"],
        ["1", "1", "0", "TypeError: lstm_step() missing 1 required positional argument: 'c'"],
    ]  # the sixth message, ZeroDivisionError, is cut
    assert page.rows("Most frequent failure messages of rnn_forward (01_gradients)") == [
        ["Failures", "In visible test", "In hidden test", "Message"],
        ["3", "1", "2", "AssertionError: max error <number> > <number>"],
    ]
    assert page.rows("Most frequent failure messages of gru_step (02_gru_lstm)")[1:] == [
        ["1", "1", "0", "AssertionError: wrong gate"]
    ]


def test_who_is_missing_flagged_invalid_late_timed_out(page):
    def students(heading: str) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in page.rows(heading)[1:]]

    assert students("Missing: students of the class without this lesson's notebook") == [
        ("dave", L1),
        ("dave", L2),
        ("alice", "03_embeddings"),
    ]
    assert students("Flagged: graded, and something needs a person's look (the score stands)") == [("carol", L1)]
    assert students("Invalid: files that could not be graded") == [("(unknown student)", "notes.txt")]
    assert students("Timed out: a cell or a call ran past its limit; the rest was graded") == [("erin", L1)]
    assert students("Grading failed: grading failed as a whole") == [("frank", L1)]
    assert page.rows("Late: submitted after the due date") == [
        ["Student", "Lesson", "Submitted", "Late by", "Penalty", "Final score", "Message"],
        ["bob", L1, "2026-12-17T01:00:00+00:00", "1 d 1 h 1 min", "2.8", "11.2 of 28", ""],
    ]
    assert (3, "Missing (3)") in page.headings and (3, "Late (1)") in page.headings


def test_overview_counts_statuses_per_lesson(page):
    assert page.rows("Rows per lesson and status") == [
        ["Lesson", "Rows", "graded", "flagged", "missing", "invalid", "timeout", "error", "late"],
        [L1, "6", "2", "1", "1", "0", "1", "1", "1"],
        [L2, "8", "7", "0", "1", "0", "0", "0", "0"],
        ["03_embeddings", "1", "0", "0", "1", "0", "0", "0", "0"],
    ]


def test_score_histograms_are_embedded_pngs_with_words(page, report):
    from PIL import Image

    assert [image["alt"].split(":")[0] for image in page.images] == [
        "Histogram of scores for 01_gradients",
        "Histogram of scores for 02_gru_lstm",
    ]  # 03_embeddings has no graded notebook: no image
    assert page.images[0]["alt"] == (
        "Histogram of scores for 01_gradients: 3 notebooks, median 0.71 of full marks, lowest 0.5, highest 1. "
        "Notebooks per tenth of full marks: 0.5 to 0.6: 1, 0.7 to 0.8: 1, 0.9 to 1: 1."
    )
    for image in page.images:
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        data = base64.b64decode(image["src"][len(prefix) :], validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(data)) as png:
            png.verify()
    assert page.rows("Scores of 02_gru_lstm, as a fraction of full marks")[0] == ["Graded notebooks", "7"]
    assert "No graded notebooks for 03_embeddings." in report[1]


def test_grading_time_per_lesson_and_slowest(page):
    assert page.rows("Grading time per lesson, in seconds") == [
        ["Lesson", "Notebooks", "Median", "Max", "Total"],
        [L1, "4", "21.4", "120", "170.8"],
        [L2, "1", "40", "40", "40"],
    ]
    assert page.rows("The 4 slowest notebooks of 01_gradients") == [
        ["Student", "Seconds", "Status", "Attempts", "Worker"],
        ["erin", "120", "timeout", "2", "w2"],
        ["bob", "30.2", "graded", "1", "w2"],
        ["alice", "12.5", "graded", "1", "w1"],
        ["carol", "8", "flagged (earlier run)", "1", "w1"],
    ]


def test_self_contained_and_accessible(page, report):
    _, text = report
    assert page.html_lang == "en"
    assert '<meta charset="utf-8">' in text and "color-scheme: light dark" in text
    assert "prefers-color-scheme: dark" in text
    assert re.search(r"<title>Class report: grading run of 2026-12-18T09:00:00</title>", text)
    assert not re.search(r"https?://|src=\"/|href=\"/|@import|url\(", text)
    assert all(not value.startswith("//") for _, _, value in page.attributes)
    assert {tag for tag, name, _ in page.attributes if name in {"src", "href"}} <= {"img", "a"}
    assert all(value.startswith("#") for tag, name, value in page.attributes if name == "href")
    assert "<script" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # escaped
    assert page.th_without_scope == 0
    assert all(table["caption"] for table in page.tables)
    assert all(image.get("alt") for image in page.images)
    levels = [level for level, _ in page.headings]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), page.headings
    assert [h for level, h in page.headings if level == 2] == [
        "Overview",
        "Score distribution",
        "Tests",
        "Missing, flagged, invalid, late, timed out",
        "Grading time",
    ]
    assert [h for level, h in page.headings if level == 3][:3] == [L1, L2, "03_embeddings"]


def test_no_test_code_on_the_page(report):
    _, text = report
    assert SECRET not in text
    assert "checks.check" not in text and "BEGIN HIDDEN TESTS" not in text and "Hidden test:" not in text


@pytest.mark.parametrize(
    ("rows", "run", "expected"),
    [
        ([], {}, ["No lessons in grades.csv.", "No grading times in run.json."]),
        (
            [_row("dave", L1, 0, "missing"), _row("erin", L2, 3, "graded")],  # erin's notebook is gone
            {"notebooks": {}},
            [
                "No graded notebooks for 01_gradients.",
                "1 graded notebook was not found or could not be read.",
                "No grading times in run.json.",
            ],
        ),
    ],
)
def test_empty_cases(tmp_path, rows, run, expected):
    path = write_report(tmp_path / "OUT", rows, run)  # OUT need not exist yet
    text = path.read_text(encoding="utf-8")
    for sentence in expected:
        assert sentence in text
    page = Page(text)
    assert page.html_lang == "en" and page.th_without_scope == 0
    assert all(table["caption"] for table in page.tables)
    assert len(page.images) == (1 if rows else 0)  # erin's score counts; her tests cannot


def test_messages_are_grouped_with_numbers_blurred():
    assert normalise_message("AssertionError:  max error 0.0312 > 1e-06\n at 0x7f3a9c2b10") == (
        "AssertionError: max error <number> > <number> at 0x…"
    )
    assert normalise_message("expected shape (3, 5), got (4, 5); version 3.11.2") == (
        "expected shape (3, 5), got (4, 5); version 3.11.2"
    )
    assert len(normalise_message("x" * 1000)) == 400


def test_exercise_of_grade_ids():
    assert exercise_of("test_rnn_forward") == ("rnn_forward", False)
    assert exercise_of("test_rnn_forward_hidden") == ("rnn_forward", True)
    assert exercise_of("check_something") == ("check_something", False)
