"""bench/run.py: what a run keeps of the last record (bench/results.json) before it measures."""

from __future__ import annotations

from bench.run import new_grading_section, starting_record

PREVIOUS = {
    "install": {"seconds": 123},
    "lesson04_exploration": {"runs": []},
    "engine_comparison": {"ratio": 1.02},
    "grading": {"seconds_per_submission": 37.7},
    "measured": {"compare": "2026-12-01", "grading": "2026-12-02"},
}


def test_a_whole_run_keeps_only_what_it_does_not_measure():
    record = starting_record(PREVIOUS, {"cores": 2}, quick=False, partial=False, compare=False)
    assert set(record) == {
        "quick",
        "machine",
        "lessons",
        "install",
        "lesson04_exploration",
        "engine_comparison",
        "measured",
        "measured_on",
    }
    assert record["engine_comparison"] == {"ratio": 1.02} and record["measured"] == {"compare": "2026-12-01"}
    assert record["measured_on"] == {"compare": "unknown"}


def test_a_run_with_compare_with_measures_the_comparison_again():
    record = starting_record(PREVIOUS, {"cores": 2}, quick=False, partial=False, compare=True)
    assert "engine_comparison" not in record and "measured" not in record


def test_a_partial_run_keeps_every_section_and_does_not_share_the_dates():
    record = starting_record(PREVIOUS, {"cores": 2}, quick=False, partial=True, compare=False)
    assert record["grading"] == PREVIOUS["grading"] and record["machine"] == {"cores": 2}
    record["measured"]["lessons"] = "today"
    assert "lessons" not in PREVIOUS["measured"]


def test_each_section_keeps_the_machine_it_was_measured_on():
    from bench.run import mark_measured

    earlier = {**PREVIOUS, "measured_on": {"compare": "Intel", "grading": "Intel", "lessons": "Intel"}}
    record = starting_record(earlier, {"cpu": "AMD", "date": "d2"}, quick=False, partial=True, compare=True)
    mark_measured(record, ["grading", "compare"])
    assert record["measured_on"] == {"compare": "AMD", "grading": "AMD", "lessons": "Intel"}
    assert record["measured"]["grading"] == "d2" and earlier["measured_on"]["grading"] == "Intel"
    whole = starting_record(earlier, {"cpu": "AMD"}, quick=False, partial=False, compare=False)
    assert whole["measured_on"] == {"compare": "Intel"}  # kept with the comparison it describes


def test_a_section_measured_again_drops_the_older_stamps_of_its_parts():
    from bench.run import mark_measured

    record = {
        "machine": {"cpu": "Intel", "date": "d3"},
        "measured": {"lessons": "d1", "lessons/01_gradients": "d2", "variants/final_rnn": "d2"},
        "measured_on": {"lessons": "AMD", "lessons/01_gradients": "AMD", "variants/final_rnn": "AMD"},
    }
    mark_measured(record, ["lessons/04_sentiment"])  # one lesson: the others keep their stamps
    assert record["measured"]["lessons/01_gradients"] == "d2" and record["measured"]["lessons/04_sentiment"] == "d3"
    mark_measured(record, ["lessons"])  # every lesson
    assert record["measured"] == {"lessons": "d3", "variants/final_rnn": "d2"}
    assert record["measured_on"] == {"lessons": "Intel", "variants/final_rnn": "AMD"}


def test_a_first_run_starts_empty():
    assert starting_record({}, {}, quick=True, partial=True, compare=False) == {
        "quick": True,
        "machine": {},
        "lessons": {},
    }


def test_seconds_per_lesson_reads_a_grading_runs_record():
    from bench.run import seconds_per_lesson

    run = {
        "notebooks": {
            "s0/01_gradients": {"seconds": 10.0, "worker": "w1"},
            "s1/01_gradients": {"seconds": 14.0, "worker": "w2"},
            "s0/04_sentiment": {"seconds": 20.5, "worker": "w1"},
        }
    }
    assert seconds_per_lesson(run) == {
        "01_gradients": {"median": 12.0, "min": 10.0, "max": 14.0, "runs": 2},
        "04_sentiment": {"median": 20.5, "min": 20.5, "max": 20.5, "runs": 1},
    }


def test_the_harness_ratio_is_the_median_of_the_pairs_against_the_target():
    from bench.run import HARNESS_TARGET_RATIO, harness_ratio

    def comparison(ratios, same=True):
        pairs = [{"ratio": r, "same_scores": same} for r in ratios]
        return {"old_commit": "d59122d", "pairs": pairs, "ratio": {"median": sorted(ratios)[len(ratios) // 2]}}

    assert HARNESS_TARGET_RATIO == 1.10
    met = harness_ratio(comparison([0.95, 1.05, 1.30]))
    assert met["meets_target"] and met["in_kernel_commit"] == "d59122d" and met["same_scores"]
    assert not harness_ratio(comparison([1.08, 1.12, 1.20]))["meets_target"]
    assert not harness_ratio(comparison([1.0], same=False))["same_scores"]


def test_an_older_grader_is_made_to_pass_pythonpath_on(tmp_path):
    """The comparison's old checkout must grade with its own code in its worker and kernels too."""
    import subprocess

    from bench.run import ROOT, pass_pythonpath_on

    for rel in ("rnncourse/grader/process.py", "rnncourse/grader/sandbox.py"):
        old = subprocess.run(["git", "-C", str(ROOT), "show", f"d59122d:{rel}"], capture_output=True, text=True)
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(old.stdout, encoding="utf-8")
        assert "PYTHONPATH" not in old.stdout
    assert pass_pythonpath_on(tmp_path) == ["rnncourse/grader/process.py", "rnncourse/grader/sandbox.py"]
    process = (tmp_path / "rnncourse/grader/process.py").read_text(encoding="utf-8")
    assert 'base["PYTHONPATH"] = os.environ["PYTHONPATH"]' in process
    compile(process, "process.py", "exec")
    assert '"PYTHONPATH", "TF_NUM' in (tmp_path / "rnncourse/grader/sandbox.py").read_text(encoding="utf-8")
    assert pass_pythonpath_on(tmp_path) == []  # already passed on: nothing to change
    assert pass_pythonpath_on(ROOT) == []  # today's grader passes it on itself


def test_the_in_kernel_copy_differs_from_this_checkout_only_in_the_harness_switch(tmp_path):
    """The harness's cost is measured against this very code with test cells in the kernel, nothing else."""
    from bench.run import _HARNESS_ON, ROOT, copy_with_tests_in_kernel
    from rnncourse.grader import worker as this_worker

    copy_with_tests_in_kernel(tmp_path)
    worker = (tmp_path / "rnncourse" / "grader" / "worker.py").read_text(encoding="utf-8")
    original = (ROOT / "rnncourse" / "grader" / "worker.py").read_text(encoding="utf-8")
    assert this_worker.HARNESS is True and original.count(_HARNESS_ON) == 1
    assert worker == original.replace(_HARNESS_ON, "\nHARNESS = False\n")
    for name in (
        "rnncourse/grader/harness.py",
        "rnncourse/checks/__init__.py",
        "solutions/04_sentiment/04_sentiment.ipynb",
    ):
        assert (tmp_path / name).read_bytes() == (ROOT / name).read_bytes()


def test_a_grading_run_keeps_the_harness_ratio_that_another_section_measured():
    ratio = {"ratio": {"median": 1.108}, "meets_target": False}
    record = starting_record(
        {"grading": {"seconds_per_submission": 60.0, "harness_ratio": ratio}},
        {},
        quick=False,
        partial=True,
        compare=False,
    )
    section = new_grading_section({"seconds_per_submission": 40.0}, record)
    assert section == {"seconds_per_submission": 40.0, "harness_ratio": ratio}
    assert new_grading_section({"seconds_per_submission": 40.0}, {}) == {"seconds_per_submission": 40.0}
