"""An interrupt before any notebook is sent out, while the reports are written, or while a result is recorded.

`tests/test_grader_dask.py` interrupts a run while notebooks grade (Ctrl-C and `kill`). These
interrupt the other phases at a chosen point: the run still ends as after Ctrl-C (exit 130, one
line saying what is kept and how to finish, no traceback) and leaves no scratch folder behind.
A Ctrl-C that comes while a notebook's result is written waits until it is written whole
(:mod:`rnncourse.grader.interrupts`).
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.grader import __main__ as grader_main
from rnncourse.grader import core, gradebook
from rnncourse.grader.interrupts import interrupts_deferred

LESSON = "02_gru_lstm"


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """The grader's main() sets SIGINT's and SIGTERM's handlers in this process: put them back after each test."""
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in before.items():
        signal.signal(number, handler)


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def _one_submission(tmp_path: Path, *, readable: bool) -> Path:
    """One student's notebook: a valid one goes to a kernel; an unreadable one goes straight to the reports."""
    subs = tmp_path / "subs"
    (subs / "s0").mkdir(parents=True)
    text = json.dumps(course.reference_submission(LESSON, {})) if readable else "{ not a notebook"
    (subs / "s0" / f"{LESSON}.ipynb").write_text(text, encoding="utf-8")
    return subs


@pytest.mark.parametrize(
    ("where", "readable"),
    [
        ("take_in", True),  # the submissions are being read
        ("_worker_spec", True),  # the grading courses are being made, after the notebooks were prepared
        ("warm_data_cache", True),  # the data cache is being warmed for the workers
        ("write_csv", False),  # nothing left to grade, and the reports are being written
    ],
)
def test_an_interrupt_in_any_phase_ends_as_ctrl_c_does(tmp_path, monkeypatch, capsys, where, readable):
    if not hasattr(core, where):
        pytest.fail(f"rnncourse.grader.core has no {where}: this test names the phases by their functions")
    monkeypatch.setattr(core, where, _interrupt)
    # A temporary folder of its own: the grading suites on the other pytest worker make scratch folders too.
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    out = tmp_path / "out"
    subs = _one_submission(tmp_path, readable=readable)
    try:
        code = grader_main.main([str(subs), "--out", str(out), "--no-sandbox", "--no-progress"])
    except KeyboardInterrupt:  # would stop pytest itself
        pytest.fail(f"an interrupt in {where} escaped the grader as a traceback")
    err = capsys.readouterr().err
    assert code == 130, err[-2000:]
    assert "run the same command again" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err  # one line, as the guide asks
    assert not list(private_tmp.glob("rnncourse-grading-*")), "scratch folder left"

    assert not (out / "work").exists()


def _ctrl_c_to_myself() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # Python runs its handler between bytecodes: give it the chance to


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_held_signal_lets_the_block_finish_then_stops(number):
    previous = signal.signal(signal.SIGTERM, grader_main._terminate)  # as the grader's command line sets it
    finished = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with interrupts_deferred():
                with interrupts_deferred():  # blocks nest: the inner one hands the signal to the outer
                    os.kill(os.getpid(), number)
                    time.sleep(0.05)
                    finished.append("inner")
                finished.append("outer")
        assert finished == ["inner", "outer"]
        assert signal.getsignal(signal.SIGTERM) is grader_main._terminate  # the handlers are back
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_no_signal_no_interrupt():
    with interrupts_deferred():
        value = 1
    assert value == 1 and signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.slow
def test_ctrl_c_inside_a_gradebook_write_keeps_that_notebook(tmp_path, monkeypatch, capsys):
    """The Ctrl-C arrives inside nbgrader's add_submission, while the notebook's rows are written."""
    from nbgrader.api import Gradebook

    add_submission = Gradebook.add_submission

    def interrupted_add_submission(self, *args, **kwargs):
        _ctrl_c_to_myself()
        return add_submission(self, *args, **kwargs)

    monkeypatch.setattr(Gradebook, "add_submission", interrupted_add_submission)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    out = tmp_path / "out"
    subs = _one_submission(tmp_path, readable=True)
    try:
        code = grader_main.main([str(subs), "--out", str(out), "--no-sandbox", "--no-progress"])
    except KeyboardInterrupt:
        pytest.fail("a Ctrl-C inside a gradebook write escaped the grader as a traceback")
    err = capsys.readouterr().err
    assert code == 130, err[-2000:]
    assert "interrupted: 1 of 1 notebooks were graded" in err and "Traceback" not in err, err[-2000:]
    assert len(err.strip().splitlines()) == 1, err
    assert [json.loads(line)["student"] for line in (out / "journal.jsonl").read_text().splitlines()] == ["s0"]
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as book:
        assert book.find_submission(LESSON, "s0").score == 0  # the rows are in: no answers, no points
    assert not list(private_tmp.glob("rnncourse-grading-*")), "scratch folder left"

    # A regrade takes the submission out of the gradebook (with its hand grades) and puts it back:
    # a Ctrl-C between the two waits, so the submission is never left out.
    remove_submission = Gradebook.remove_submission

    def interrupted_remove_submission(self, *args, **kwargs):
        removed = remove_submission(self, *args, **kwargs)
        _ctrl_c_to_myself()
        return removed

    monkeypatch.setattr(Gradebook, "add_submission", add_submission)
    monkeypatch.setattr(Gradebook, "remove_submission", interrupted_remove_submission)
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    with pytest.raises(KeyboardInterrupt):
        gradebook.merge(db_url, "s0", LESSON, [])
    with Gradebook(db_url) as book:
        assert book.find_submission(LESSON, "s0") is not None


def _spawned_children() -> set[int]:
    import psutil

    return {
        child.pid
        for child in psutil.Process().children(recursive=True)
        if "spawn_main" in " ".join(child.cmdline()) and child.is_running()
    }


@pytest.mark.slow
def test_kill_while_the_workers_start_closes_them(tmp_path, monkeypatch, capsys):
    """`kill` comes just after the local cluster's workers started, before the engine holds them."""
    import distributed

    start_cluster = distributed.LocalCluster

    def interrupted_start(*args, **kwargs):
        cluster = start_cluster(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # the grader's handler turns it into KeyboardInterrupt
        time.sleep(0.05)
        return cluster

    monkeypatch.setattr(distributed, "LocalCluster", interrupted_start)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    before = _spawned_children()
    try:
        code = grader_main.main([str(_one_submission(tmp_path, readable=True)), "--out", str(tmp_path / "out")])
    except KeyboardInterrupt:
        pytest.fail("a kill while the workers started escaped the grader as a traceback")
    err = capsys.readouterr().err
    assert code == 130, err[-2000:]
    assert "interrupted: 0 of 1 notebooks were graded" in err and "Traceback" not in err, err[-2000:]
    deadline = time.monotonic() + 30
    while _spawned_children() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _spawned_children() - before, "the cluster's workers outlived the interrupted run"
