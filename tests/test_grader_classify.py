"""classify: one engine result in, one Outcome out (no Submission is changed)."""

from __future__ import annotations

import pytest

from rnncourse.grader.classify import MAX_MESSAGE, classify, row
from rnncourse.grader.classify import message as _message
from rnncourse.grader.engine import POISON_MESSAGE
from rnncourse.grader.jobs import Grade, Result
from rnncourse.grader.outcome import STATUSES, Outcome, Status
from rnncourse.grader.prepare import Submission

GRADES = [
    Grade("test_a", "code", 3.0, 3.0),
    Grade("test_b", "code", 0.0, 2.0),
    Grade("free_response", "markdown", None, 3.0),
]


def _result(**fields) -> Result:
    return Result(student="s", lesson="01_gradients", **fields)


def test_graded_notebook_scores_what_the_tests_gave_and_names_the_lost_points():
    outcome = classify(_result(success=True, grades=GRADES), 28, 60)
    assert outcome == Outcome(Status.GRADED, 3.0, 5.0, "lost points in test_b; 3 more points are graded by hand")
    assert outcome.scored


def test_a_flag_keeps_the_score():
    outcome = classify(_result(success=True, grades=GRADES), 28, 60, flagged=True)
    assert (outcome.status, outcome.score) == (Status.FLAGGED, 3.0) and outcome.scored


def test_a_cell_stopped_at_its_limit_is_a_timeout_with_the_rest_graded():
    notebook = {"cells": [{"cell_type": "code", "outputs": [{"ename": "CellTimeoutError"}], "metadata": {}}]}
    outcome = classify(_result(success=True, grades=GRADES, autograded=notebook), 28, 60, flagged=True)
    assert (outcome.status, outcome.score) == (Status.TIMEOUT, 3.0)
    assert outcome.message.startswith("cell(s) stopped at the cell time limit (60 s): cell 0; the rest was graded")
    assert not outcome.scored


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"timeout": True}, Status.TIMEOUT, "notebook time limit"),
        ({"error": "DeadKernelError: Kernel died"}, Status.ERROR, "the kernel died while grading"),
        ({"error": "nbclient CellTimeoutError"}, Status.TIMEOUT, "cell time limit"),
        ({"error": "x\nValueError: bad thing"}, Status.ERROR, "grading failed: ValueError: bad thing"),
        # a student's message cannot pass for the engine giving up: only the Result's field says so
        ({"error": "stopped 3 workers in a row", "gave_up": False}, Status.ERROR, "grading failed: stopped"),
        ({"error": POISON_MESSAGE.format(attempts=3), "gave_up": True}, Status.ERROR, "stopped 3 workers"),
    ],
)
def test_a_notebook_that_failed_as_a_whole_scores_zero(fields, status, words):
    outcome = classify(_result(grades=GRADES, **fields), 28, 60)
    assert outcome.status == status and outcome.score == 0.0 and words in outcome.message


def test_classify_leaves_the_submission_alone_and_row_reads_the_outcome():
    sub = Submission("s", "01_gradients", notes=["a note"], flags=["a reason"])
    before = (sub.status, sub.message, list(sub.notes), list(sub.flags))
    outcome = classify(_result(success=True, grades=GRADES), 28, 60, flagged=True)
    the_row = row(sub, outcome)
    assert (sub.status, sub.message, sub.notes, sub.flags) == before
    assert the_row["status"] == "flagged" and the_row["score"] == "3" and the_row["max_score"] == "5"
    assert the_row["message"].startswith("lost points in test_b") and "flagged: a reason" in the_row["message"]


def test_statuses_are_the_ones_a_row_can_have():
    assert STATUSES == ("graded", "flagged", "missing", "invalid", "timeout", "error")


def test_the_grader_starts_the_lessons_in_the_order_make_bench_measured(tmp_path):
    """expected_seconds only orders the notebooks: the record's grading medians, else its fast-mode runs."""
    import json

    from rnncourse import course
    from rnncourse.grader.core import expected_seconds

    record = json.loads((course.PROJECT_ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    measured = {k: v["median"] for k, v in record["grading"]["jobs_1"]["notebook_seconds_by_lesson"].items()}
    seconds = expected_seconds()
    assert set(seconds) == set(course.LESSON_IDS) and all(value > 0 for value in seconds.values()), seconds
    assert {lesson: seconds[lesson] for lesson in measured} == measured
    for lesson in set(course.LESSON_IDS) - set(measured):  # not graded by make bench yet: its fast-mode run
        assert seconds[lesson] == record["lessons"][lesson]["fast"]["wall_s"]["median"]

    fake = tmp_path / "results.json"
    fake.write_text(json.dumps({"grading": {"jobs_1": {"notebook_seconds_by_lesson": {"02_gru_lstm": {"median": 9}}}}}))
    assert expected_seconds(fake) == {lesson: 9.0 if lesson == "02_gru_lstm" else 0.0 for lesson in course.LESSON_IDS}
    fake.write_text("not json")
    assert set(expected_seconds(fake).values()) == {0.0}  # no record: every notebook is as slow as the next


def test_long_messages_are_shortened_and_kept_in_full():
    sub = Submission("alice", "01_gradients", status="flagged", message="lost points in test_rnn_forward")
    sub.flags = [f"answer cell rnn_forward: reason number {i} " + "x" * 150 for i in range(12)]
    message, details = _message(sub)
    assert len(message) <= MAX_MESSAGE
    assert message.startswith("lost points in test_rnn_forward | flagged: answer cell rnn_forward: reason number 0")
    assert "more reason(s)" in message and "details/alice/01_gradients.txt" in message
    assert all(f"reason number {i} " in details for i in range(12))
    short = Submission("bob", "01_gradients", message="lost points in test_rnn_forward")
    assert _message(short) == ("lost points in test_rnn_forward", "")
