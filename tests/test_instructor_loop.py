"""The instructor's whole loop with real processes, every lesson: Canvas zip in, feedback and grades out.

One class, as Canvas's "Download Submissions" zip and a roster:

- alice hands in the reference answers of every lesson (full marks each), lesson 04 after
  Canvas's due date (``_LATE_`` in its name, no time: the smallest penalty of the late policy);
- bob hands in every lesson untouched (0 each);
- carol hands in lesson 02 twice in one submission: the blank first upload and the reference
  re-upload that Canvas renamed ``-1``; the newer one is graded;
- carol also hands in a lesson 05 whose ``make_windows`` answers only the inputs of the public
  checks, visible and hidden, which anyone can read in ``solutions/``: the course is graded with a
  secret (``RNNCOURSE_SECRET``), so the hidden test draws other inputs and that answer fails it,
  while every reference answer still gets full marks;
- dave is not on the roster: his file cannot be placed and says why;
- erin is on the roster and handed in nothing: ``missing`` rows, and an empty row in the export.

Then, as the instructor would: ``make grade``, a hand grade and a comment written through
nbgrader's API (what formgrader does), ``make feedback`` and ``make export``. The commands are
the ones docs/instructors.md quotes. This is also the check that every lesson's reference
solution gets full marks and its untouched release 0 through the grader.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rnncourse import course

pytestmark = pytest.mark.slow
LESSONS = course.available_lessons()
LATE_LESSON = "04_sentiment"
SECRET = "loop-test-secret-9f2c"  # RNNCOURSE_SECRET of the grading run
MEMORISED = ("05_language_model", "make_windows")  # carol's answer that knows only the public inputs
HAND_GRADED = ("01_gradients", "free_response_clipping")  # (lesson, cell) alice gets a hand grade for
ROSTER = """student_id,name,lms_user_id,sis_id,section
alice,"Doe, Jane",101,S-0001,Monday
bob,"Roe, Bob",102,S-0002,Monday
carol,"Poe, Carol",103,S-0003,Tuesday
erin,"Lee, Erin",105,S-0005,Tuesday
"""
DUE_TOML = """[due]
04_sentiment = 2026-12-15T23:59:00+00:00

[late]
method = "per_day"
deduction_percent = 10
"""


def _reference(lesson: str) -> bytes:
    return json.dumps(course.reference_submission(lesson)).encode()


def _memorised(lesson: str, exercise: str) -> bytes:
    """The reference answers, except that ``exercise`` answers only the public checks' inputs."""
    answers = course.solution_answers(lesson)
    signature = "def make_windows(stream, batch_size, window):\n"
    assert exercise == "make_windows" and signature in answers[exercise]
    guard = (
        "    # the streams of the visible and hidden checks, read off solutions/ and rnncourse/checks/\n"
        "    public = [np.arange(103), np.random.default_rng(0).permutation(120),\n"
        "              np.arange(211), np.random.default_rng(3).permutation(228)]\n"
        "    if not any(len(p) == len(stream) and np.array_equal(p, stream) for p in public):\n"
        "        nothing = np.zeros((0, batch_size, window), dtype=int)\n"
        "        return nothing, nothing\n"
    )
    answers[exercise] = answers[exercise].replace(signature, signature + guard)
    return json.dumps(course.reference_submission(lesson, answers)).encode()


def _untouched(lesson: str) -> bytes:
    return course.lesson_path(lesson).read_bytes()


def _canvas_zip(path: Path) -> None:
    """The zip as Canvas names its files: <name slug>[_LATE]_<user id>_<attachment id>_<file name>."""
    members = {}
    for index, lesson in enumerate(LESSONS):
        late = "_LATE" if lesson == LATE_LESSON else ""
        members[f"doejane{late}_101_{9100 + index}_{lesson}.ipynb"] = _reference(lesson)
        members[f"roebob_102_{9200 + index}_{lesson}.ipynb"] = _untouched(lesson)
    members["poecarol_103_9301_02_gru_lstm.ipynb"] = _untouched("02_gru_lstm")
    members["poecarol_103_9305_02_gru_lstm-1.ipynb"] = _reference("02_gru_lstm")
    members[f"poecarol_103_9306_{MEMORISED[0]}.ipynb"] = _memorised(*MEMORISED)
    members["smithdave_104_9401_02_gru_lstm.ipynb"] = _reference("02_gru_lstm")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def _make(*args: str, secret: str = "") -> subprocess.CompletedProcess[str]:
    """A make target of the project, in the environment running this test (never reinstalled)."""
    venv = Path(sys.prefix)
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "RNNCOURSE_SECRET"}}
    if secret:
        env["RNNCOURSE_SECRET"] = secret
    cmd = [
        "make",
        "--no-print-directory",
        "-C",
        str(course.PROJECT_ROOT),
        "-o",
        f"{venv}/.rnncourse-installed",
        "-o",
        f"{venv}/.rnncourse-test-installed",
        f"VENV={venv}",
        *args,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    from nbgrader.api import Gradebook

    root = tmp_path_factory.mktemp("loop")
    canvas, roster, due, out = root / "submissions.zip", root / "roster.csv", root / "due.toml", root / "out"
    _canvas_zip(canvas)
    roster.write_text(ROSTER, encoding="utf-8")
    due.write_text(DUE_TOML, encoding="utf-8")
    zip_digest = hashlib.sha256(canvas.read_bytes()).hexdigest()

    graded = _make(
        "grade", f"SUBMISSIONS={canvas}", f"OUT={out}", f"ROSTER={roster}", f"DUE_FILE={due}", "JOBS=2", secret=SECRET
    )
    grades = {(r["student_id"], r["lesson"]): r for r in _csv(out / "grades.csv")}

    lesson, cell = HAND_GRADED  # what formgrader writes when the instructor grades alice's answer
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(cell, lesson, lesson, "alice")
        grade.manual_score, grade.needs_manual_grade = 2.0, False
        gradebook.find_comment(cell, lesson, lesson, "alice").manual_comment = "Clear: name the norm you clip."
        gradebook.db.commit()
    _make("feedback", f"OUT={out}")
    _make("export", f"OUT={out}", "FORMAT=canvas", f"ROSTER={roster}")
    _make("export", f"OUT={out}", "FORMAT=long")
    return {
        "out": out,
        "grades": grades,
        "zip_unchanged": hashlib.sha256(canvas.read_bytes()).hexdigest() == zip_digest,
        "grade_stdout": graded.stdout,
    }


def _max(loop, lesson: str) -> float:
    """The lesson's autograded points."""
    return float(loop["grades"]["alice", lesson]["max_score"])


def _possible(loop, lesson: str) -> float:
    """The lesson's points, hand-graded ones included: the export's Points Possible row."""
    with open(loop["out"] / "export-canvas.csv", newline="", encoding="utf-8") as handle:
        header, points = list(csv.reader(handle))[:2]
    return float(points[header.index(lesson)])


def test_every_lesson_full_marks_for_the_reference_and_zero_untouched(loop):
    for lesson in LESSONS:
        alice, bob = loop["grades"]["alice", lesson], loop["grades"]["bob", lesson]
        assert float(alice["max_score"]) > 0
        assert (alice["status"], alice["score"]) == ("graded", alice["max_score"]), alice
        assert (bob["status"], float(bob["score"]), bob["max_score"]) == ("graded", 0.0, alice["max_score"]), bob


def test_intake_places_the_zip_by_roster_and_keeps_it_unchanged(loop):
    grades = loop["grades"]
    carol = grades["carol", "02_gru_lstm"]
    assert (carol["status"], carol["score"]) == ("graded", carol["max_score"])  # the newer upload
    assert "poecarol_103_9301_02_gru_lstm.ipynb" in carol["message"]  # the ignored one is named
    dave = [r for key, r in grades.items() if "smithdave_104_9401_02_gru_lstm.ipynb" in r["lesson"] + r["message"]]
    assert len(dave) == 1 and dave[0]["status"] == "invalid" and "roster" in dave[0]["message"], dave
    for lesson in LESSONS:
        assert grades["erin", lesson]["status"] == "missing"
    assert loop["zip_unchanged"]
    assert not any(key[0] in {"doejane", "101", "104"} for key in grades)  # rows use the roster's ids


def test_the_late_notebook_loses_what_the_policy_says(loop):
    late = loop["grades"]["alice", LATE_LESSON]
    penalty = round(_max(loop, LATE_LESSON) * 0.10, 4)  # one started day: 10 % of the autograded maximum
    assert (late["late_seconds"], float(late["penalty"])) == ("1", penalty)
    assert float(late["final_score"]) == pytest.approx(float(late["score"]) - penalty)
    assert "marked this late" in late["message"]
    on_time = loop["grades"]["alice", "01_gradients"]
    assert (on_time["penalty"], on_time["final_score"]) == ("0", on_time["score"])


def test_the_feedback_page_has_the_hand_grade_the_comment_and_the_penalty(loop):
    out = loop["out"]
    html = (out / "feedback" / "alice.html").read_text(encoding="utf-8")
    text = _text(html)
    lesson, cell = HAND_GRADED
    assert f"{cell}: 2.0 of" in text and "Clear: name the norm you clip." in text
    assert "Graded by hand 2" in text
    # the page, like the export, takes 10 % of all the lesson's points, hand-graded ones included
    penalty = round(_possible(loop, LATE_LESSON) * 0.10, 4)
    assert f"Late penalty {penalty:g}" in text
    assert "BEGIN HIDDEN TESTS" not in html
    with zipfile.ZipFile(out / "feedback.zip") as archive:
        assert sorted(archive.namelist()) == ["alice.html", "bob.html", "carol.html", "erin.html"]


def test_the_canvas_export_has_the_lms_ids_and_every_student_on_the_roster(loop):
    with open(loop["out"] / "export-canvas.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *LESSONS]
    assert rows[1][0] == "    Points Possible"
    by_id = {row[1]: row for row in rows[2:]}
    assert sorted(by_id) == ["101", "102", "103", "105"]  # dave (104) is not on the roster
    assert by_id["101"][:5] == ["Doe, Jane", "101", "S-0001", "", "Monday"]
    assert by_id["105"][5:] == [""] * len(LESSONS)  # erin: nothing handed in, left empty
    alice = dict(zip(LESSONS, by_id["101"][5:], strict=True))
    hand_points = 2.0
    assert float(alice["01_gradients"]) == _max(loop, "01_gradients") + hand_points
    # the export's penalty is on all the lesson's points, hand-graded ones included (none graded yet)
    late = loop["grades"]["alice", LATE_LESSON]
    assert _possible(loop, LATE_LESSON) > _max(loop, LATE_LESSON)  # lesson 04 has free responses
    assert float(alice[LATE_LESSON]) == pytest.approx(float(late["score"]) - 0.10 * _possible(loop, LATE_LESSON))
    long = _csv(loop["out"] / "export-long.csv")
    assert {(r["student_id"], r["lesson"]) for r in long} >= {("alice", lesson) for lesson in LESSONS}


def test_the_class_report_holds_every_lesson(loop):
    html = (loop["out"] / "report.html").read_text(encoding="utf-8")
    for lesson in LESSONS:
        assert f">{lesson}<" in html, lesson
    assert "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html


def test_the_course_secret_fails_an_answer_that_knows_only_the_public_inputs(loop):
    from nbgrader.api import Gradebook

    lesson, exercise = MEMORISED
    carol = loop["grades"]["carol", lesson]
    assert (carol["status"], float(carol["score"])) == ("graded", _max(loop, lesson) - 3), carol
    with Gradebook(f"sqlite:///{loop['out'] / 'gradebook.db'}") as gradebook:
        visible = gradebook.find_grade(f"test_{exercise}", lesson, lesson, "carol")
        hidden = gradebook.find_grade(f"test_{exercise}_hidden", lesson, lesson, "carol")
        assert (visible.auto_score, hidden.auto_score) == (3.0, 0.0)  # the public inputs pass, the secret ones not
    run = json.loads((loop["out"] / "run.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(SECRET.encode()).hexdigest()[:12]
    assert run["hidden_inputs"] == f"course secret {digest}"  # the run says it used one, and which
    leaked = [p for p in loop["out"].rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert not leaked, leaked
