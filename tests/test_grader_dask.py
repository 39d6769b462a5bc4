"""The grader on Dask with real processes on 127.0.0.1: an external scheduler with two workers, a
worker killed mid-notebook, a poison notebook, Ctrl-C and resume, a second run refused. (What a
local cluster records in run.json is checked on tests/test_grader.py's run.)
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
import pytest

from rnncourse import course
from rnncourse.grader import Settings, grade_folder
from rnncourse.grader.engine import MAX_ATTEMPTS
from rnncourse.grader.journal import GradingLocked
from rnncourse.notebook import nbgrader_metadata

pytestmark = pytest.mark.slow
LESSON = "02_gru_lstm"  # the quickest lesson to grade: these tests are about the engine, not a lesson
FULL = sum(  # the autograded test cells' points (26 since lesson 02 gained lstm_step_backward)
    nbgrader_metadata(cell).get("points", 0)
    for cell in json.loads(course.solution_path(LESSON).read_text(encoding="utf-8"))["cells"]
    if nbgrader_metadata(cell).get("grade") and not nbgrader_metadata(cell).get("solution")
)
SOLVED = course.solution_answers(LESSON)
WRONG_LSTM = {**SOLVED, "lstm_step": SOLVED["lstm_step"].replace("return h_t, c_t", "return c_t, h_t")}
WRONG = FULL - 6  # the honest score of WRONG_LSTM: lstm_step's 3 + 3 points lost
assert WRONG_LSTM != SOLVED
SETTINGS = Settings(jobs=2, cell_timeout=90, notebook_timeout=300, progress=False)


def _slow(marker: str, seconds: int) -> dict[str, str]:
    """The correct answers, with a pause (and a marker to find its kernel by) in the first answer."""
    return {**SOLVED, "lstm_step": SOLVED["lstm_step"] + f"\nimport time  # {marker}\ntime.sleep({seconds})\n"}


def _write(subs: Path, student: str, answers: dict[str, str]) -> None:
    path = subs / student / f"{LESSON}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(course.reference_submission(LESSON, answers)), encoding="utf-8")


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len({r["student_id"] for r in rows}), "a notebook was counted twice"
    return {r["student_id"]: r for r in rows}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dask_processes_of(pids: set[int]) -> list[psutil.Process]:
    found = []
    for pid in pids:
        try:
            found.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` and `dask worker --nworkers 2 --nthreads 1`, as an instructor starts them."""
    log_dir = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
    scheduler_log = open(log_dir / "scheduler.log", "w")  # noqa: SIM115
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=scheduler_log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    worker_log = open(log_dir / "workers.log", "w")  # noqa: SIM115
    workers = subprocess.Popen(
        [
            dask,
            "worker",
            address,
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--no-dashboard",
            "--memory-limit",
            "0",
            "--host",
            "127.0.0.1",
            "--local-directory",
            str(log_dir / "workers"),
        ],
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield {"address": address, "workers": workers, "logs": log_dir}
    finally:
        for proc in (workers, scheduler):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        scheduler_log.close()
        worker_log.close()


def _worker_processes(cluster) -> set[int]:
    """The Dask worker processes (children of the `dask worker` nannies)."""
    root = psutil.Process(cluster["workers"].pid)
    return {p.pid for p in root.children(recursive=True) if "spawn_main" in " ".join(p.cmdline())}


class KernelKiller(threading.Thread):
    """Kills the Dask worker that is grading the notebook carrying ``marker``, up to ``times`` times."""

    def __init__(self, worker_pids, marker: str, times: int) -> None:
        super().__init__(daemon=True)
        self.worker_pids, self.marker, self.times = worker_pids, marker, times
        self.killed: list[int] = []
        self.stop = threading.Event()

    def _victim(self) -> int | None:
        for proc in psutil.process_iter(["cmdline"]):
            try:
                if "ipykernel_launcher" not in " ".join(proc.info["cmdline"] or []):
                    continue
                notebook = Path(proc.cwd()) / f"{LESSON}.ipynb"
                if not notebook.exists() or self.marker not in notebook.read_text(encoding="utf-8"):
                    continue
                for ancestor in proc.parents():
                    if ancestor.pid in self.worker_pids():
                        return ancestor.pid
            except (psutil.Error, OSError):
                continue
        return None

    def run(self) -> None:
        while not self.stop.is_set() and len(self.killed) < self.times:
            pid = self._victim()
            if pid is not None and pid not in self.killed:
                os.kill(pid, signal.SIGKILL)
                self.killed.append(pid)
            time.sleep(0.2)


def test_an_external_cluster_grades_and_survives_a_killed_worker(cluster, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    marker = f"victim-{uuid.uuid4().hex[:8]}"
    _write(subs, "victim", _slow(marker, 20))
    _write(subs, "correct", SOLVED)
    _write(subs, "wrong", WRONG_LSTM)
    killer = KernelKiller(lambda: _worker_processes(cluster), marker, times=1)
    killer.start()
    logged: list[str] = []
    settings = Settings(jobs=2, cell_timeout=90, notebook_timeout=300, progress=False, scheduler=cluster["address"])
    grade_folder(subs, out, settings, log=logged.append)
    killer.stop.set()
    assert len(killer.killed) == 1, "the victim's worker was never found and killed"
    rows = _rows(out)
    assert {s: (float(r["score"]), r["status"]) for s, r in rows.items()} == {
        "victim": (FULL, "graded"),
        "correct": (FULL, "graded"),
        "wrong": (WRONG, "graded"),
    }
    run = json.loads((out / "run.json").read_text())
    assert run["cluster"]["local"] is False and run["cluster"]["scheduler"] == cluster["address"]
    assert run["notebooks"][f"victim/{LESSON}"]["attempts"] == 2
    assert run["notebooks"][f"correct/{LESSON}"]["attempts"] == 1


def test_a_poison_notebook_is_given_up_after_three_workers(cluster, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    marker = f"poison-{uuid.uuid4().hex[:8]}"
    _write(subs, "poison", _slow(marker, 60))
    _write(subs, "correct", SOLVED)
    killer = KernelKiller(lambda: _worker_processes(cluster), marker, times=MAX_ATTEMPTS)
    killer.start()
    settings = Settings(jobs=2, cell_timeout=90, notebook_timeout=300, progress=False, scheduler=cluster["address"])
    grade_folder(subs, out, settings, log=lambda text: None)
    killer.stop.set()
    assert len(killer.killed) == MAX_ATTEMPTS
    rows = _rows(out)
    assert rows["poison"]["status"] == "error" and "stopped 3 workers" in rows["poison"]["message"]
    assert (float(rows["correct"]["score"]), rows["correct"]["status"]) == (FULL, "graded")


def test_ctrl_c_keeps_what_was_graded_and_a_rerun_resumes(tmp_path):
    """Ctrl-C after the first notebook is journaled; the rerun grades only what is left.

    The run is held open by structure, not by timing: `held` pauses 600 s in its first answer, under
    a 900 s cell limit, so the run is still going while the lock is checked and the Ctrl-C is sent,
    however slow the machine. The rerun grades `held` resubmitted without the pause. (Racing plain
    notebooks lost under make test's load, and so did an 80 s pause once: the run finished first,
    exit 0.)
    """
    subs, out = tmp_path / "subs", tmp_path / "out"
    scratch_before = set(Path(tempfile.gettempdir()).glob("rnncourse-grading-*"))
    students = {"s0": SOLVED, "held": _slow("held-open", 600), "s2": WRONG_LSTM}
    for student, answers in students.items():
        _write(subs, student, answers)
    command = [
        sys.executable,
        "-m",
        "rnncourse.grader",
        str(subs),
        "--out",
        str(out),
        "--jobs",
        "2",
        "--no-progress",
        "--cell-timeout",
        "900",
        "--notebook-timeout",
        "900",
    ]
    first = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=course.PROJECT_ROOT,
        start_new_session=True,
        # started with SIGINT ignored, as a script's background job is (`make grade &`): the grader
        # must still stop on Ctrl-C (it went on to the end before it set its own handler)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        journal = out / "journal.jsonl"
        deadline = time.monotonic() + 300
        while not (journal.exists() and journal.read_text().count("\n") >= 1):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "nothing was graded in 300 s"
            time.sleep(0.2)
        # A second run on the same OUT is refused while the first holds it.
        second = subprocess.run(command, capture_output=True, text=True, cwd=course.PROJECT_ROOT, timeout=120)
        assert second.returncode == 2 and "another grading run is using" in second.stderr
        with pytest.raises(GradingLocked):
            grade_folder(subs, out, SETTINGS, log=lambda text: None)
        assert first.poll() is None, "the run ended before the Ctrl-C: `held` no longer holds it open"
        workers = _grading_workers(below=first.pid)
        assert workers
        os.killpg(first.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground process group
        _, stderr = first.communicate(timeout=120)
        assert first.returncode == 130, stderr[-2000:]
        assert "run the same command again" in stderr and "Traceback" not in stderr
        journaled = {json.loads(line)["student"] for line in journal.read_text().splitlines()}
        assert journaled and "held" not in journaled, journaled
        assert not (out / "grades.csv").exists()
        time.sleep(2)
        assert [w for w in workers if w.is_running()] == [], "a grading process outlived the interrupted run"
        assert set(Path(tempfile.gettempdir()).glob("rnncourse-grading-*")) <= scratch_before, "scratch folder left"
    finally:  # a failed check above must not leave the run (and its 600 s pause) behind
        if first.poll() is None:
            for process in [*psutil.Process(first.pid).children(recursive=True), psutil.Process(first.pid)]:
                with contextlib.suppress(psutil.Error):
                    process.kill()

    # `held` was never graded, so the rerun grades the file as it is now: resubmitted without the
    # pause (nothing of the interrupted try is kept).
    students["held"] = WRONG_LSTM
    _write(subs, "held", WRONG_LSTM)
    resumed = subprocess.run(command, capture_output=True, text=True, cwd=course.PROJECT_ROOT, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    run = json.loads((out / "run.json").read_text())
    assert run["from_journal"] == len(journaled) and run["graded_now"] == len(students) - len(journaled)
    rows = _rows(out)
    assert {s: float(r["score"]) for s, r in rows.items()} == {
        s: (FULL if answers is SOLVED else WRONG) for s, answers in students.items()
    }


def test_kill_stops_a_run_as_ctrl_c_does(tmp_path):
    """`kill` (SIGTERM to the grader alone, as a CI timeout sends it) while the first notebooks grade.

    The run stops as after Ctrl-C: exit 130, the rerun hint, no worker left, no scratch folder left.
    (What Ctrl-C keeps, and the rerun, are the test above: both signals take the same path.)
    """
    subs, out = tmp_path / "subs", tmp_path / "out"
    scratch_before = set(Path(tempfile.gettempdir()).glob("rnncourse-grading-*"))
    for student in ("s0", "s1"):
        _write(subs, student, SOLVED)
    command = [sys.executable, "-m", "rnncourse.grader", str(subs), "--out", str(out), "--jobs", "2", "--no-progress"]
    run = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=course.PROJECT_ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not (workers := _grading_workers(below=run.pid)):  # this run's workers are up: notebooks are graded
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, "no grading worker started in 300 s"
        time.sleep(0.2)
    time.sleep(3)
    os.kill(run.pid, signal.SIGTERM)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr[-2000:]
    assert "run the same command again" in stderr and "Traceback" not in stderr
    time.sleep(2)
    assert [w for w in workers if w.is_running()] == [], "a grading process outlived the killed run"
    assert set(Path(tempfile.gettempdir()).glob("rnncourse-grading-*")) <= scratch_before, "scratch folder left"


def _grading_workers(below: int | None = None) -> list[psutil.Process]:
    """The grading workers' processes: all of them, or those below the process ``below``."""
    if below is None:
        candidates = list(psutil.process_iter())
    else:
        try:
            candidates = psutil.Process(below).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
    found = []
    for process in candidates:
        try:
            if "rnncourse.grader.worker" in " ".join(process.cmdline()):
                found.append(process)
        except psutil.Error:
            continue
    return found


NOISY_CLOSE = """
import logging
from distributed.diagnostics.plugin import WorkerPlugin
from rnncourse.grader.engine import Engine


class NoisyAtClose(WorkerPlugin):
    def teardown(self, worker):  # runs while the worker closes, like a heartbeat that finds the scheduler gone
        logging.getLogger("distributed.worker").error("noise-at-close")


with Engine(1) as engine:
    engine.client.run(lambda: logging.getLogger("distributed.worker").error("noise-while-running"))
    engine.client.register_plugin(NoisyAtClose(), name="noisy")
"""


def test_a_local_cluster_closes_without_worker_noise():
    # CI saw a worker's heartbeat traceback on the instructor's terminal after Ctrl-C; the worker
    # here logs an error while it closes, every time, so the test does not depend on that race.
    done = subprocess.run(
        [sys.executable, "-c", NOISY_CLOSE], capture_output=True, text=True, cwd=course.PROJECT_ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "noise-while-running" in done.stderr  # errors during a run still reach the terminal
    assert "noise-at-close" not in done.stderr, done.stderr[-2000:]


def test_grading_processes_start_before_the_course_and_are_adopted_or_stopped(cluster):
    """Engine.start_early: each worker's process starts first, gets the course later, and none outlives the engine."""
    from rnncourse.grader.engine import Engine, GradingPlugin, WorkerSpec

    def early_pid(dask_worker):
        from rnncourse.grader import engine

        return engine._EARLY[str(dask_worker.address)].process.proc.pid

    def adopt(spec, dask_worker):
        plugin = GradingPlugin(spec)
        plugin.setup(dask_worker)
        process, root = plugin._ready()
        found = process.proc.pid, (root / "autograder" / "marker.txt").read_text(encoding="utf-8")
        plugin.teardown(dask_worker)
        return found

    spec = WorkerSpec(
        fingerprint="0" * 64,
        course={"autograder/marker.txt": b"the course"},
        lessons=(),
        options={},
        memory_limit_gb=4.0,
        notebook_timeout=300.0,
    )
    with Engine(2, cluster["address"]) as engine:
        engine.start_early(None, 4.0, 300.0)
        started = engine.client.run(early_pid)
        adopted = engine.client.run(adopt, spec)
        assert {address: pid for address, (pid, _) in adopted.items()} == started  # the same processes
        assert {text for _, text in adopted.values()} == {"the course"}
        engine.start_early(None, 4.0, 300.0)  # two more, never given a course
        unused = set(engine.client.run(early_pid).values())
    assert len(started) == 2 and not unused & set(started.values())

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.time() + 30  # the external workers live on; the processes started for this engine do not
    while time.time() < deadline and any(alive(pid) for pid in unused):
        time.sleep(0.2)
    assert not any(alive(pid) for pid in unused), "a process started early outlived the engine"
