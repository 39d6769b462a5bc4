"""An interrupt that comes before any notebook is sent out, or while the reports are written.

`tests/test_grader_dask.py` interrupts a run while notebooks grade (Ctrl-C and `kill`). These
interrupt the two other phases, at a chosen point, without starting a kernel: the run still
ends as after Ctrl-C (exit 130, one line saying what is kept and how to finish, no traceback) and
leaves no scratch folder behind.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.grader import __main__ as grader_main
from rnncourse.grader import core

LESSON = "02_gru_lstm"


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
