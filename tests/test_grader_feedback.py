"""The students' feedback pages (rnncourse.grader.feedback): what make feedback writes after hand grading.

Fast: a real nbgrader gradebook built with nbgrader's API, a grades.csv and one executed
notebook; no notebook runs.
"""

from __future__ import annotations

import csv
import json
import re
import warnings
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from rnncourse.grader.feedback import write_feedback
from rnncourse.grader.layout import Layout

LESSON = "01_gradients"
SECRET = "EXPECTED_ANSWER_4242"  # in a hidden test's source: must never reach a page
ROWS = [
    # student_id, lesson, score, max_score, status, message, submitted_at, late_seconds
    ("alice", LESSON, "3", "4", "graded", "lost points in test_b_hidden", "2026-12-16T02:59:00+00:00", "10800"),
    ("bob", LESSON, "0", "4", "invalid", "01_gradients.ipynb: not valid JSON", "", ""),
]


def _cell(grade_id: str, source: str, *, points: float = 0, error: str | None = None, kind: str = "code") -> dict:
    meta = {"grade": bool(points), "grade_id": grade_id, "locked": kind == "code", "points": points, "solution": False}
    if kind == "markdown":
        meta.update(solution=True, locked=False)
    cell = {"cell_type": kind, "id": grade_id, "metadata": {"nbgrader": meta}, "source": source}
    if kind == "code":
        failure = {"output_type": "error", "ename": "AssertionError", "evalue": error, "traceback": []}
        cell.update(outputs=[failure] if error else [], execution_count=1)
    return cell


def build_out(tmp_path: Path) -> Path:
    """A synthetic grading folder ``tmp_path/out``: gradebook, grades.csv, run.json, one notebook.

    A plain function, so that tests/test_browser.py can build the same folder.
    """
    from nbgrader.api import Gradebook

    out = tmp_path / "out"
    out.mkdir()
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(db_url) as gradebook:
            gradebook.add_assignment(LESSON)
            gradebook.add_notebook(LESSON, LESSON)
            for name in ("test_a", "test_b_hidden"):
                gradebook.add_grade_cell(name, LESSON, LESSON, max_score=2.0, cell_type="code")
            gradebook.add_grade_cell("free_response", LESSON, LESSON, max_score=2.0, cell_type="markdown")
            gradebook.add_solution_cell("free_response", LESSON, LESSON)
            gradebook.add_student("alice")
            gradebook.add_submission(LESSON, "alice")
            gradebook.find_grade("test_a", LESSON, LESSON, "alice").auto_score = 2.0
            gradebook.find_grade("test_b_hidden", LESSON, LESSON, "alice").auto_score = 1.0
            hand = gradebook.find_grade("free_response", LESSON, LESSON, "alice")
            hand.manual_score, hand.needs_manual_grade = 1.5, False
            gradebook.find_comment("free_response", LESSON, LESSON, "alice").manual_comment = "Name the <b>norm</b>."
            gradebook.db.commit()
    columns = ["student_id", "lesson", "score", "max_score", "status", "message", "submitted_at", "late_seconds"]
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([columns, *ROWS])
    policy = {"method": "per_hour", "deduction_percent": 5, "cap_percent": 100, "grace_minutes": 0}
    (out / "run.json").write_text(json.dumps({"late_policy": policy}), encoding="utf-8")
    notebook = {
        "cells": [
            _cell("test_a", '"""rnn_forward matches the reference on one step."""\ncheck()', points=2),
            _cell(
                "test_b_hidden",
                f"# Hidden test: more shapes\n### BEGIN HIDDEN TESTS\nassert x == {SECRET}\n### END HIDDEN TESTS",
                points=2,
                error="wrong shape: expected (3, 5), got (5, 3)",
            ),
            _cell("free_response", "Clipping rescales the gradient.", points=2, kind="markdown"),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = Layout(out).autograded("alice", LESSON)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return out


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build_out(tmp_path)


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class _Text(HTMLParser):
    """The page's visible text, and its headings in order."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headings: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if re.fullmatch(r"h[1-6]", tag):
            self._in = tag
            self.headings.append(tag)

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        self.text.append(data)


def _page(out: Path, student: str) -> tuple[str, _Text]:
    html = Layout(out).feedback(student).read_text(encoding="utf-8")
    parsed = _Text()
    parsed.feed(html)
    return html, parsed


def test_a_page_shows_hand_grades_comments_the_penalty_and_each_test(out: Path) -> None:
    write_feedback(out, _rows(out))
    html, parsed = _page(out, "alice")
    text = re.sub(r"\s+", " ", " ".join(parsed.text))
    assert '<html lang="en">' in html and "color-scheme: light dark" in html
    assert parsed.headings[:4] == ["h1", "h2", "h3", "h4"]  # in order, none skipped
    assert "Autograded 3 of 4" in text
    assert "Graded by hand 1.5" in text
    # 3 started hours x 5 % of the 6 possible points (4 autograded + 2 by hand)
    assert "Late penalty 0.9 (submitted 2026-12-16T02:59:00+00:00, after the due date)" in text
    assert "Final 3.6 of 6" in text
    assert "free_response: 1.5 of 2.0 points" in text
    assert "Name the <b>norm</b>." in text and "&lt;b&gt;norm&lt;/b&gt;" in html  # escaped, shown as written
    assert "test_a: passed (2 points)" in text and "rnn_forward matches the reference on one step." in text
    assert "test_b_hidden: failed (2 points)" in text
    assert "AssertionError: wrong shape: expected (3, 5), got (5, 3)" in text
    assert SECRET not in html and "BEGIN HIDDEN TESTS" not in html


def test_pages_follow_the_gradebook_and_go_into_one_zip(out: Path) -> None:
    from nbgrader.api import Gradebook

    write_feedback(out, _rows(out))
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:  # the instructor grades again
        gradebook.find_grade("free_response", LESSON, LESSON, "alice").manual_score = 2.0
        gradebook.find_comment("free_response", LESSON, LESSON, "alice").manual_comment = "Now complete."
        gradebook.db.commit()
    (Layout(out).feedback_folder / "gone.html").write_text("a student no longer in grades.csv")
    write_feedback(out, _rows(out))
    _, parsed = _page(out, "alice")
    text = re.sub(r"\s+", " ", " ".join(parsed.text))
    assert "Graded by hand 2" in text and "Now complete." in text and "Final 4.1 of 6" in text
    _, bob = _page(out, "bob")
    assert "not valid JSON" in " ".join(bob.text)
    assert sorted(p.name for p in Layout(out).feedback_folder.iterdir()) == ["alice.html", "bob.html"]
    with zipfile.ZipFile(Layout(out).feedback_zip) as archive:
        assert sorted(archive.namelist()) == ["alice.html", "bob.html"]
        assert archive.read("alice.html") == Layout(out).feedback("alice").read_bytes()


def test_without_a_gradebook_pages_show_the_autograded_points(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    rows = [dict(zip(["student_id", "lesson", "score", "max_score", "status", "message"], ROWS[1][:6], strict=True))]
    write_feedback(out, rows)
    _, parsed = _page(out, "bob")
    text = re.sub(r"\s+", " ", " ".join(parsed.text))
    assert "Final 0 of 4" in text and "not valid JSON" in text


def test_what_the_grader_writes_never_suggests_generate_feedback_without_a_warning() -> None:
    """nbgrader's generate_feedback copies hidden tests into its pages (nbgrader #917)."""
    from rnncourse.grader.gradebook import FORMGRADER_CONFIG

    docstring = FORMGRADER_CONFIG.split('"""')[1]
    paragraphs = [" ".join(p.split()) for p in docstring.split("\n\n")]
    for paragraph in paragraphs:
        if "generate_feedback" in paragraph:
            assert "never send" in paragraph and "make feedback" in paragraph, paragraph
    assert "make feedback" in docstring
