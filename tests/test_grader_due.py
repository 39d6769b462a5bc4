"""Due dates and the late policy (rnncourse/grader/due.py): exact penalties and clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rnncourse.course import LESSON_IDS
from rnncourse.grader.due import DUE_FILE, DueDates, LatePolicy, load_due_dates

DUE = datetime(2026, 12, 15, 23, 59, tzinfo=UTC)
ROW = {"student_id": "s", "lesson": "01_gradients", "score": "20", "max_score": "28"}


def _write(tmp_path, text: str):
    path = tmp_path / "due.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("policy", "late_hours", "penalty"),
    [
        (LatePolicy("none"), 50, 0.0),
        (LatePolicy("zero"), 0.01, 20.0),  # nbgrader's 'zero': the whole score
        (LatePolicy("per_day", deduction_percent=10), 1, 2.8),  # a started day: 10 % of 28
        (LatePolicy("per_day", deduction_percent=10), 25, 5.6),  # two started days
        (LatePolicy("per_day", deduction_percent=10, cap_percent=25), 24 * 9, 7.0),  # capped at 25 % of 28
        (LatePolicy("per_hour", deduction_percent=50), 5, 20.0),  # never more than the score
        (LatePolicy("per_hour", deduction_percent=5, grace_minutes=10), 0.1, 0.0),  # 6 minutes: grace
        (LatePolicy("per_hour", deduction_percent=5, grace_minutes=10), 0.2, 1.4),  # 12 minutes: late
    ],
)
def test_penalties(policy, late_hours, penalty):
    columns = DueDates({"01_gradients": DUE}, policy).columns(ROW, DUE + timedelta(hours=late_hours))
    assert float(columns["penalty"]) == pytest.approx(penalty)
    assert float(columns["final_score"]) == pytest.approx(20 - penalty)


def test_on_time_unknown_time_and_no_due_date():
    due = DueDates({"01_gradients": DUE}, LatePolicy("zero"))
    on_time = due.columns(ROW, DUE - timedelta(seconds=1))
    assert on_time == {
        "submitted_at": "2026-12-15T23:58:59+00:00",
        "late_seconds": "0",
        "penalty": "0",
        "final_score": "20",
    }
    assert due.columns(ROW, None) == {"submitted_at": "", "late_seconds": "", "penalty": "0", "final_score": "20"}
    other = {**ROW, "lesson": "02_gru_lstm"}
    assert due.columns(other, DUE + timedelta(days=3))["penalty"] == "0"
    late = due.columns(ROW, DUE + timedelta(hours=1, seconds=30))
    assert (late["late_seconds"], late["final_score"]) == ("3630", "0")


def test_the_course_file_and_the_single_date(tmp_path):
    path = _write(
        tmp_path,
        '[due]\n01_gradients = 2026-12-15T23:59:00+01:00\n[late]\nmethod = "per_day"\ndeduction_percent = 10\n',
    )
    due = load_due_dates(path, lessons=LESSON_IDS)
    assert due.dates == {"01_gradients": datetime(2026, 12, 15, 22, 59, tzinfo=UTC)}
    assert due.policy == LatePolicy("per_day", deduction_percent=10)
    one = load_due_dates(path, due="2026-12-20T12:00:00+00:00", lessons=LESSON_IDS)
    assert set(one.dates) == set(LESSON_IDS) and one.policy.method == "per_day"
    assert one.dates["04_sentiment"] == datetime(2026, 12, 20, 12, tzinfo=UTC)


def test_the_shipped_course_file_is_valid_and_sets_no_penalty():
    due = load_due_dates(DUE_FILE, lessons=LESSON_IDS)
    assert due.policy.method == "none"


@pytest.mark.parametrize(
    ("text", "due", "fragment"),
    [
        (
            "[due]\n01_gradients = 2026-12-15T23:59:00\n",
            None,
            "has no UTC offset; add one, e.g. 2026-12-15T23:59:00+00:00",
        ),
        ("[due]\n01_gradient = 2026-12-15T23:59:00Z\n", None, "01_gradient is not a lesson"),
        ("[due\n", None, "is not valid TOML"),
        ('[late]\nmethod = "half"\n', None, "use one of none, zero, per_hour, per_day"),
        ('[late]\nmethod = "per_day"\n', None, "needs deduction_percent > 0"),
        ('[late]\nmethod = "zero"\npercent = 3\n', None, "the keys are method, deduction_percent"),
        ("[deadlines]\n", None, "only [due] and [late] are read"),
        ("", "next friday", "is not an ISO 8601 date"),
        ("", "2026-12-15T23:59:00", "has no UTC offset"),
    ],
)
def test_errors_say_what_and_how_to_fix(tmp_path, text, due, fragment):
    with pytest.raises(ValueError, match=None) as error:
        load_due_dates(_write(tmp_path, text), due=due, lessons=LESSON_IDS)
    assert fragment in str(error.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_due_dates(tmp_path / "nope.toml")


def test_marked_late_without_a_time_costs_the_least_the_policy_gives():
    policy = LatePolicy("per_day", deduction_percent=10)
    columns = DueDates({}, policy).columns(ROW, None, marked_late=True)  # no due date needed: the LMS had one
    assert columns == {"submitted_at": "", "late_seconds": "1", "penalty": "2.8", "final_score": "17.2"}
    assert DueDates({}, LatePolicy("zero")).columns(ROW, None, marked_late=True)["final_score"] == "0"
    assert DueDates({}, LatePolicy("none")).columns(ROW, None, marked_late=True)["penalty"] == "0"
