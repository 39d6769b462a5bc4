"""Hostile submissions against the sandboxed grader: each attack fails, and honest rows keep their scores.

One grading run (JOBS=2, lesson 02) holds honest notebooks (a Colab-style file without cell
ids that also starts with a byte-order mark, and a wrong answer that reads a global only a
demonstration cell defines) beside attack notebooks. Attacks that cannot undo one another share a
notebook (:data:`ATTACK_NOTEBOOKS`): each notebook costs a kernel start and a TensorFlow import,
and this suite is on `make test`'s critical path. Every attack is
written the way a student would: with modules an honest answer may import (numpy, psutil,
sqlalchemy, urllib) and the exact paths of the grader's folders, which it is given here. The
attacks print ATTACK-OK when they get through and ATTACK-BLOCKED when they do not (the detached
process prints ATTACK-RAN: it can start, and must not outlive its notebook); the tests
read those lines from the autograded notebooks, and check the effects from outside as well.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import socket
import threading
import uuid
from pathlib import Path

import psutil
import pytest

from rnncourse import course
from rnncourse.grader import Settings, grade_folder
from rnncourse.grader.core import NO_SANDBOX_NOTE
from rnncourse.grader.demos import SKIPPED_SOURCE

pytestmark = pytest.mark.slow
LESSON = "02_gru_lstm"  # the quickest lesson to grade: these tests are about the sandbox, not a lesson
FULL = 26  # autograded points of lesson 02 (20 before lstm_step_backward)
SOLVED = course.solution_answers(LESSON)
WRONG_LSTM = {**SOLVED, "lstm_step": SOLVED["lstm_step"].replace("return h_t, c_t", "return c_t, h_t")}
WRONG = FULL - 6  # the honest score of WRONG_LSTM: lstm_step's 3 + 3 points lost
assert WRONG_LSTM != SOLVED
# A wrong answer that reads a global of a demonstration cell: the grader must run the demonstrations
# too, and the wrong lstm_step loses exactly its points.
DEMO_READER = {
    **WRONG_LSTM,
    "build_stacked_model": SOLVED["build_stacked_model"].replace(
        "    return keras.Sequential(",
        "    assert num_units == 32  # num_units comes from the gate demonstration\n    return keras.Sequential(",
    ),
}
assert DEMO_READER != WRONG_LSTM
# Which attacks share a notebook: none of them can undo another (each catches its own failure, the
# detached process is started before the process flood, and every line it prints names its attack).
ATTACK_NOTEBOOKS = {
    "attack_files_network_limits": ("write", "read", "gradebook", "tcp", "filesize", "memory"),
    "attack_processes": ("detached", "processes"),
}
TAG = uuid.uuid4().hex[:10]
MARK = f"rnnattack{TAG}"  # in the command line of every process an attack starts
SETTINGS = Settings(jobs=2, cell_timeout=60, notebook_timeout=300, progress=False, file_size_mb=8, tmp_mb=16)


def _attacks(subs: Path, out: Path, port: int) -> dict[str, str]:
    """Attack code by name; each is appended to the (correct) lstm_step answer."""
    root = course.PROJECT_ROOT
    work = out / ".work"
    writes = [
        subs / "correct" / f"{LESSON}.ipynb",
        subs / f"pwned_{TAG}.txt",
        root / "rnncourse" / f"pwned_{TAG}.py",
        root / "solutions" / f"pwned_{TAG}.txt",
        out / f"pwned_{TAG}.txt",
        out / "grades.csv",
        work / "worker-0" / "autograder" / f"pwned_{TAG}.txt",
    ]
    reads = [
        root / "solutions" / LESSON / f"{LESSON}.ipynb",
        work / "template" / "solutions" / LESSON / f"{LESSON}.ipynb",
        work / "worker-0" / "solutions" / LESSON / f"{LESSON}.ipynb",
        root / "pyproject.toml",
        subs / "correct" / f"{LESSON}.ipynb",
    ]
    gradebooks = [
        out / "gradebook.db",
        work / "worker-0" / "autograder" / "gradebook.db",
        work / "worker-1" / "autograder" / "gradebook.db",
        work / "instructor" / "autograder" / "gradebook.db",
    ]
    return {
        "write": f"""
import numpy as _np
for _target in {[str(p) for p in writes]!r}:
    try:
        _np.savetxt(_target, _np.full(3, 24.0))
        print("ATTACK-OK write", _target)
    except Exception as _e:
        print("ATTACK-BLOCKED write", _target, type(_e).__name__)
""",
        "read": f"""
import numpy as _np
for _source in {[str(p) for p in reads]!r}:
    try:
        print("ATTACK-OK read", _source, _np.fromfile(_source, dtype=_np.uint8).size)
    except Exception as _e:
        print("ATTACK-BLOCKED read", _source, type(_e).__name__)
""",
        "gradebook": f"""
import sqlalchemy as _sa
for _db in {[str(p) for p in gradebooks]!r}:
    try:
        with _sa.create_engine("sqlite:///" + _db).begin() as _c:
            _n = _c.execute(_sa.text("UPDATE grade SET auto_score = 99")).rowcount
        print("ATTACK-OK gradebook", _db, _n)
    except Exception as _e:
        print("ATTACK-BLOCKED gradebook", _db, type(_e).__name__)
""",
        "detached": f'''
import psutil as _ps
_later = """
import os, time
if os.fork() == 0:
    os.setsid()
    for _ in range(120):  # bounded: at most two minutes
        time.sleep(1)
        try:
            open({str(out / "grades.csv")!r}, "a").write("detached,{LESSON},24,24,graded,\\\\n")
        except OSError:
            pass
"""
try:
    _ps.Popen(["python", "-c", _later, "{MARK}"], start_new_session=True).wait()
    print("ATTACK-RAN detached: started; it must not outlive the notebook")
except Exception as _e:
    print("ATTACK-BLOCKED detached", type(_e).__name__)
''',
        "tcp": f"""
import urllib.request as _u
try:
    _u.urlopen("http://127.0.0.1:{port}/{TAG}", timeout=5)
    print("ATTACK-OK tcp")
except Exception as _e:
    print("ATTACK-BLOCKED tcp", type(_e).__name__)
""",
        "processes": f'''
import psutil as _ps
_procs = []
try:
    for _ in range(400):
        _procs.append(_ps.Popen(["/bin/sh", "-c", "sleep 60", "{MARK}"]))
    print("ATTACK-OK processes", len(_procs))
except Exception as _e:
    print("ATTACK-BLOCKED processes", len(_procs), type(_e).__name__)
for _p in _procs:
    _p.kill()
    _p.wait()
''',
        "memory": """
import numpy as _np
try:
    _big = _np.ones(int(8e9 / 8))
    print("ATTACK-OK memory", _big.nbytes)
    del _big
except MemoryError as _e:
    print("ATTACK-BLOCKED memory", type(_e).__name__)
""",
        "filesize": """
import numpy as _np
try:
    _np.zeros(16 * 2**20 // 8).tofile("big.bin")  # 16 MB against an 8 MB limit
    print("ATTACK-OK filesize")
except OSError as _e:
    print("ATTACK-BLOCKED filesize", type(_e).__name__)
try:
    with open("/tmp/fill.bin", "wb") as _f:  # 1 MB at a time into a 16 MB /tmp
        for _ in range(64):
            _f.write(b"x" * 2**20)
    print("ATTACK-OK tmpfill")
except OSError as _e:
    print("ATTACK-BLOCKED tmpfill", type(_e).__name__)
""",
    }


def _colab(nb: dict) -> dict:
    """The notebook as Google Colab saves it: nbformat 4.0, no cell ids, Colab metadata."""
    nb = copy.deepcopy(nb)
    nb["nbformat_minor"] = 0
    nb["metadata"] = {
        "colab": {"provenance": [], "name": f"{LESSON}.ipynb"},
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(nb["cells"]):
        cell.pop("id", None)
        cell["metadata"]["id"] = f"colab{index:04d}"
    return nb


def _student(answers: dict[str, str]) -> dict:
    return course.reference_submission(LESSON, answers)


def _tree_digest(root: Path, folders=("")) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _course_digest() -> dict[str, str]:
    state = {}
    for folder in ("solutions", "lessons", "rnncourse", "autograder", "data"):
        state.update(
            {f"{folder}/{k}": v for k, v in _tree_digest(course.PROJECT_ROOT / folder).items() if not k.endswith(".db")}
        )
    return state


def _attack_processes() -> list[int]:
    found = []
    for proc in psutil.process_iter():
        try:
            if MARK in " ".join(proc.cmdline()) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            pass
    return found


class _Listener:
    """A TCP port on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("sandbox")
    subs, out = root / "submissions", root / "out"
    listener = _Listener()
    attacks = _attacks(subs, out, listener.port)
    assert sorted(sum(ATTACK_NOTEBOOKS.values(), ())) == sorted(attacks)  # every attack runs, once
    notebooks: dict[str, bytes] = {
        "correct": json.dumps(_student(SOLVED)).encode(),
        "colab_bom": b"\xef\xbb\xbf" + json.dumps(_colab(_student(SOLVED)), indent=1).encode(),
        "demo_reader": json.dumps(_student(DEMO_READER)).encode(),
    }
    for notebook, names in ATTACK_NOTEBOOKS.items():
        code = "\n".join(attacks[name] for name in names)
        answers = {**SOLVED, "lstm_step": SOLVED["lstm_step"] + "\n" + code}
        notebooks[notebook] = json.dumps(_student(answers)).encode()
    for student, content in notebooks.items():
        path = subs / student / f"{LESSON}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    subs_before, course_before = _tree_digest(subs), _course_digest()
    scratch_before = set(_scratch_folders())
    try:
        rows = grade_folder(subs, out, SETTINGS, log=lambda text: None)
    finally:
        listener.close()
    leftovers = _attack_processes()
    for pid in leftovers:  # never leave them behind, even when the test fails
        psutil.Process(pid).kill()
    for name in (f"pwned_{TAG}.py", f"pwned_{TAG}.txt"):
        for folder in ("rnncourse", "solutions"):
            (course.PROJECT_ROOT / folder / name).unlink(missing_ok=True)
    return {
        "rows": {r["student_id"]: r for r in rows},
        "subs": subs,
        "out": out,
        "subs_before": subs_before,
        "course_before": course_before,
        "course_after": _course_digest(),
        "leftovers": leftovers,
        "scratch_left": [p for p in _scratch_folders() if p not in scratch_before],
        "connections": listener.connections,
        "attacks": attacks,
    }


def _outputs(out: Path, student: str) -> str:
    nb = json.loads((out / "autograded" / student / LESSON / f"{LESSON}.ipynb").read_text(encoding="utf-8"))
    return "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))


def test_every_attack_is_blocked(attacked):
    problems = []
    for notebook, names in ATTACK_NOTEBOOKS.items():
        lines = _outputs(attacked["out"], notebook).splitlines()
        for name in names:  # each attack's lines name it: "ATTACK-BLOCKED write <path> PermissionError"
            mine = [line for line in lines if [word.rstrip(":") for word in line.split()[1:2]] == [name]]
            if not any(line.startswith(("ATTACK-BLOCKED", "ATTACK-RAN")) for line in mine):
                problems.append(f"{name}: the attack did not run ({lines[-5:]!r})")
        problems += [f"{notebook}: {line}" for line in lines if "ATTACK-OK" in line]
    assert not problems, "\n".join(problems)


def test_attackers_get_what_the_tests_gave_and_honest_rows_keep_their_scores(attacked):
    rows = attacked["rows"]
    expected = {
        "correct": FULL,
        "colab_bom": FULL,
        "demo_reader": WRONG,
        **{notebook: FULL for notebook in ATTACK_NOTEBOOKS},
    }
    got = {student: float(rows[student]["score"]) for student in expected}
    assert got == expected
    for student in ("correct", "colab_bom", "demo_reader"):
        assert rows[student]["status"] == "graded", rows[student]
        assert "flagged" not in rows[student]["message"], rows[student]
    for notebook in ATTACK_NOTEBOOKS:
        assert rows[notebook]["status"] in {"graded", "flagged"}, rows[notebook]
    with open(attacked["out"] / "grades.csv", newline="", encoding="utf-8") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert sorted(r["student_id"] for r in csv_rows) == sorted(expected)  # no row added by a detached process
    assert all(len(r["message"]) <= 600 for r in csv_rows)


def test_demonstrations_are_skipped_unless_the_student_needs_them(attacked):
    """The correct submission ran without the demonstration cells; the one reading num_units ran them."""

    def autograded(student: str) -> str:
        return (attacked["out"] / "autograded" / student / LESSON / f"{LESSON}.ipynb").read_text(encoding="utf-8")

    assert SKIPPED_SOURCE.splitlines()[0] in autograded("correct")
    assert SKIPPED_SOURCE.splitlines()[0] not in autograded("demo_reader")
    row = attacked["rows"]["demo_reader"]
    assert "the demonstration cells ran too, because the student's code reads num_units" in row["message"], row


def test_the_gradebook_holds_exactly_the_graded_scores(attacked):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{attacked['out'] / 'gradebook.db'}") as gradebook:
        scores = {s.student.id: s.code_score for s in gradebook.assignment_submissions(LESSON)}
    assert scores == {student: float(row["score"]) for student, row in attacked["rows"].items()}


def test_nothing_outside_the_scratch_folder_changed(attacked):
    assert _tree_digest(attacked["subs"]) == attacked["subs_before"]
    assert attacked["course_after"] == attacked["course_before"]
    assert not list(attacked["out"].glob("pwned_*"))
    assert attacked["connections"] == 0
    assert not list(Path(course.PROJECT_ROOT).glob(f"**/pwned_{TAG}*"))


def test_no_process_started_by_a_submission_survives(attacked):
    assert attacked["leftovers"] == []


def _scratch_folders() -> list[Path]:
    import tempfile

    return [p for p in Path(tempfile.gettempdir()).glob("rnncourse-grading-*") if p.is_dir()]


def test_scratch_folders_are_removed(attacked):
    # only this run's: a run killed earlier on the same machine (kill -9) may have left its own
    assert attacked["scratch_left"] == [], "a grading scratch folder was left behind"


def test_without_the_sandbox_every_row_says_so(tmp_path):
    """--no-sandbox grades as before, and says so; an attack that the sandbox blocks gets through."""
    target = tmp_path / f"outside_{TAG}.txt"
    code = f"\nimport numpy as _np\n_np.savetxt({str(target)!r}, _np.zeros(1))\n"
    subs = tmp_path / "subs"
    (subs / "someone").mkdir(parents=True)
    answers = {**SOLVED, "lstm_step": SOLVED["lstm_step"] + code}
    (subs / "someone" / f"{LESSON}.ipynb").write_text(json.dumps(_student(answers)), encoding="utf-8")
    logged: list[str] = []
    settings = Settings(jobs=1, cell_timeout=60, notebook_timeout=300, progress=False, sandbox=False)
    rows = grade_folder(subs, tmp_path / "out", settings, log=logged.append)
    assert rows[0]["score"] == str(FULL) and NO_SANDBOX_NOTE in rows[0]["message"]
    assert any(NO_SANDBOX_NOTE.capitalize() in text for text in logged)
    assert target.exists()  # what the sandbox is for
