"""The instructor's grader on generated submissions: exact grades.csv for good, bad and hostile input.

One grading run (JOBS=2, lesson 01, fast mode) covers every case; the later tests re-run it
on the same and on changed input, which the grader's cache makes cheap.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.grader import CSV_COLUMNS, Settings, grade_folder
from rnncourse.grader.scan import scan_source
from rnncourse.notebook import grade_id

pytestmark = pytest.mark.slow
LESSON = "01_gradients"
FULL = 28  # autograded points of lesson 01
# The cell limit is what the hanging cases wait for. No case here runs lesson 01's demonstration
# cells (over 20 s each under load; tests/test_grader_sandbox.py has the answer that needs them);
# the slowest cell left is the imports, 15 s at most on a loaded 2-core machine.
SETTINGS = Settings(jobs=2, cell_timeout=30, notebook_timeout=400, progress=False)


def _release() -> dict:
    return json.loads(course.lesson_path(LESSON).read_text(encoding="utf-8"))


def _student(answers: dict[str, str] | None = None, edit=None) -> dict:
    """The release with some answers filled in (as a student would), optionally edited further."""
    nb = course.reference_submission(LESSON, answers or {})
    if edit:
        edit(nb)
    return nb


def _cell(nb: dict, wanted: str) -> dict:
    return next(c for c in nb["cells"] if grade_id(c) == wanted)


SOLVED = course.solution_answers(LESSON)
WRONG_RNN = {**SOLVED, "rnn_forward": SOLVED["rnn_forward"].replace("np.tanh(", "(")}
WRONG = FULL - 4  # the honest score of WRONG_RNN: rnn_forward's 2 + 2 points lost
PARTIAL = {k: SOLVED[k] for k in ("rnn_forward", "scale_to_spectral_radius", "clip_functions")}  # 4+2+4


def _with_code(extra: str, answers=WRONG_RNN) -> dict:
    """WRONG_RNN, with `extra` appended to the rnn_forward answer cell (the attack)."""
    return {**answers, "rnn_forward": answers["rnn_forward"] + "\n" + extra}


def _tamper(nb):
    """Every way of tampering with the locked cells, at once (tests/test_grader_rebuild.py has each alone).

    Each changes the score if the grader used the student's version: the deleted and the emptied
    test would stop the wrong rnn_forward from losing its points, and the metadata would take
    test_rnn_backward's points away from a correct answer.
    """
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != "test_rnn_forward"]
    _cell(nb, "test_rnn_forward_hidden")["source"] = ""
    _cell(nb, "test_rnn_backward")["metadata"]["nbgrader"].update(points=0, locked=False)
    _cell(nb, "test_rnn_backward_hidden")["metadata"]["nbgrader"]["grade"] = False


LIAR = """
class Liar:
    def __eq__(self, other):
        return True
    def __array__(self, *args, **kwargs):
        raise TypeError
    def __float__(self):
        return 0.0
def rnn_forward(x, kernel, recurrent_kernel, bias):
    return Liar()
"""

HANGS_ONCE = """
_answer, _calls = rnn_forward, []
def rnn_forward(*args, **kwargs):
    _calls.append(1)
    if len(_calls) == 1:
        __import__('time').sleep(10**6)
    return _answer(*args, **kwargs)
"""

# Every in-kernel trick of the "tricks" case, and what the scan says of each (the flags).
TRICK_FLAGS = {
    "checks.check_rnn_forward = lambda *a, **k: None": "replaces checks.check_rnn_forward",
    "np.allclose = lambda *a, **k: True": "replaces np.allclose (monkeypatching a module)",
    "np.testing.assert_allclose = print": "replaces np.testing.assert_allclose",
    "import builtins\nbuiltins.print = lambda *a, **k: None": "replaces builtins.print (monkeypatching a module)",
    "get_ipython().showtraceback = lambda *a, **k: None": "uses the attribute .showtraceback",
    "import sys\nsys.stderr = open('/dev/null', 'w')": "replaces sys.stderr",
    "try:\n    hidden = open('../../../gradebook.db', 'rb').read()\nexcept OSError:\n    pass": (
        "calls open() (opens files)"
    ),
    "from pathlib import Path\ntry:\n    Path('x.txt').write_text('x')\nexcept OSError:\n    pass": "imports pathlib",
    "sys.exit(0)": "imports sys",
}
LIAR_FLAG = "class Liar defines __eq__"  # the lying answer of the same case
TRICKS = "\n".join(TRICK_FLAGS)
# student id -> (notebook or raw bytes, relative path, expected row(s))
CASES: dict[str, tuple] = {
    "correct": (_student(SOLVED), "correct/01_gradients.ipynb", (FULL, "graded", "")),
    "blank": (_student(), "blank/01_gradients/01_gradients.ipynb", (0, "graded", "lost points in test_rnn_forward")),
    "partial": (
        _student(PARTIAL),
        "partial/01_gradients.ipynb",
        (10, "graded", "lost points in test_rnn_backward, test_rnn_backward_hidden, test_jacobian_norms"),
    ),
    # 1. test cells deleted and emptied, metadata edited: the release's cells are graded
    "tampered": (
        _student(WRONG_RNN, _tamper),
        "tampered/01_gradients.ipynb",
        (WRONG, "flagged", "test cell test_rnn_forward was deleted"),
    ),
    # 3. every in-kernel trick at once: monkeypatching the checks, numpy's testing functions,
    # builtins, hiding tracebacks and stderr, reading the gradebook, writing files, sys.exit;
    # and 4. a lying object as the answer (equal to everything). The tests run in the harness,
    # not in the kernel, and only plain values cross, so the answer loses exactly the points of
    # the plain wrong rnn_forward; the scan flags each one for a person (all of them in OUT/details).
    "tricks": (
        _student(_with_code(TRICKS, {**WRONG_RNN, "rnn_forward": LIAR})),
        "tricks/01_gradients.ipynb",
        (WRONG, "flagged", "lost points in test_rnn_forward, test_rnn_forward_hidden;"),
    ),
    # (replacing builtins.isinstance breaks the kernel itself: every later cell hangs until its time limit)
    "break_kernel": (
        _student(_with_code("import builtins\nbuiltins.isinstance = lambda *a: True")),
        "break_kernel/01_gradients.ipynb",
        (0, "timeout", "replaces builtins.isinstance"),
    ),
    # 5b. a call that kills the kernel or never returns: that test fails, the kernel is restarted
    # with the student's cells (or interrupted), and the tests after it are graded
    "dies_in_call": (
        _student(_with_code("def rnn_forward(*args):\n    __import__('o' + 's')._exit(1)", SOLVED)),
        "dies_in_call/01_gradients.ipynb",
        (WRONG, "flagged", "lost points in test_rnn_forward, test_rnn_forward_hidden;"),
    ),
    # (it hangs in its first call only: the interrupted kernel answers the hidden test's calls)
    "hangs_in_call": (
        _student(_with_code(HANGS_ONCE, SOLVED)),
        "hangs_in_call/01_gradients.ipynb",
        (FULL - 2, "timeout", "stopped at the cell time limit (30 s): test_rnn_forward;"),
    ),
    # 6. stopping the kernel
    "os_exit": (
        _student(_with_code("import os\nos._exit(0)", SOLVED)),
        "os_exit/01_gradients.ipynb",
        (0, "error", "the kernel died"),
    ),
    # 7. an endless loop, 30 GB
    "loop": (
        _student(_with_code("while True:\n    pass")),
        "loop/01_gradients.ipynb",
        (WRONG, "timeout", "stopped at the cell time limit"),
    ),
    # (also the plain wrong answer: the allocation fails in the kernel, and the wrong rnn_forward
    # loses exactly its points, as "tricks" must)
    "memory": (
        _student(_with_code("big = np.ones(int(30e9 / 8))")),
        "memory/01_gradients.ipynb",
        (WRONG, "graded", "lost points in test_rnn_forward,"),
    ),
    # files that are not gradable
    "corrupt": (b'{"cells": [', "corrupt/01_gradients.ipynb", (0, "invalid", "not valid JSON")),
    "notanotebook": (b'{"hello": 1}', "notanotebook/01_gradients.ipynb", (0, "invalid", "not a Jupyter notebook")),
}
# The wrong lesson: lesson 01's file holds a notebook without any of its cells.
WRONG_LESSON = {
    "cells": [
        {"cell_type": "code", "id": "zzz", "metadata": {}, "outputs": [], "execution_count": None, "source": "print(1)"}
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _write(root: Path, rel: str, content) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == CSV_COLUMNS
        return list(reader)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    subs = root / "submissions"
    for _student_id, (content, rel, _) in CASES.items():
        _write(subs, rel, content)
    _write(subs, "wronglesson/01_gradients.ipynb", WRONG_LESSON)
    _write(subs, "twice/01_gradients.ipynb", _student(PARTIAL))  # flat layout ...
    _write(subs, "twice/01_gradients/01_gradients.ipynb", _student(SOLVED))  # ... and nbgrader layout
    _write(subs, "correct/notes.txt", b"my notes")  # an extra unknown file
    _write(subs, "correct/01_gradient.ipynb", _student(SOLVED))  # a wrong file name
    before = _tree_digest(subs)
    out = root / "out"
    rows = grade_folder(subs, out, SETTINGS, log=lambda text: None)
    return {"subs": subs, "out": out, "rows": rows, "before": before}


def test_every_case_gets_its_exact_row(graded):
    rows = {(r["student_id"], r["lesson"]): r for r in _read_csv(graded["out"] / "grades.csv")}
    problems = []
    for student, (_, _, (score, status, fragment)) in CASES.items():
        row = rows.get((student, LESSON))
        if row is None:
            problems.append(f"{student}: no row")
            continue
        if (float(row["score"]), row["status"]) != (score, status) or fragment not in row["message"]:
            problems.append(
                f"{student}: got {row['score']}/{row['max_score']} {row['status']} {row['message'][:300]!r}; "
                f"expected {score} {status} with {fragment!r}"
            )
        if status in {"graded", "flagged", "timeout", "error"} and float(row["max_score"]) != FULL:
            problems.append(f"{student}: max_score {row['max_score']}")
    assert not problems, "\n".join(problems)


def test_every_trick_is_flagged_for_a_person(graded):
    """The "tricks" row scores like the plain wrong answer; each trick and the lying answer are named."""
    row = next(r for r in _read_csv(graded["out"] / "grades.csv") if r["student_id"] == "tricks")
    details = graded["out"] / "details" / "tricks" / f"{LESSON}.txt"
    text = row["message"] + (details.read_text(encoding="utf-8") if details.exists() else "")
    missing = [flag for flag in [*TRICK_FLAGS.values(), LIAR_FLAG] if flag not in text]
    assert not missing, f"not named: {missing}\n{text}"


def test_formgrader_and_export_work_on_the_output_folder(graded):
    """OUT/nbgrader_config.py points nbgrader at OUT's gradebook and autograded notebooks."""
    import subprocess
    import sys

    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    out = graded["out"]
    config = PyFileConfigLoader("nbgrader_config.py", path=str(out)).load_config()
    api = NbGraderAPI(config=config)
    submission = api.get_submission(LESSON, "correct")
    assert submission["autograded"] and submission["needs_manual_grade"]  # the free response waits
    assert float(submission["score"]) == FULL
    # formgrader opens this file to show the notebook for hand grading
    notebook = (
        Path(api.coursedir.format_path(api.coursedir.autograded_directory, "correct", LESSON)) / f"{LESSON}.ipynb"
    )
    assert notebook.is_file()
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", "export", "--to", str(out / "export.csv")],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(out / "export.csv", newline="", encoding="utf-8") as handle:
        exported = {r["student_id"]: r for r in csv.DictReader(handle) if r["assignment"] == LESSON}
    assert float(exported["correct"]["score"]) == FULL
    assert float(exported["blank"]["score"]) == 0


def test_make_formgrader_serves_the_hand_grading_page(graded, tmp_path):
    """`make formgrader OUT=...` starts JupyterLab whose formgrader lists and opens the submissions."""
    import os
    import secrets
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(8)
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env.update(
        JUPYTER_TOKEN=token,
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    venv = Path(sys.prefix)
    cmd = [
        "make",
        "--no-print-directory",
        "-C",
        str(course.PROJECT_ROOT),
        "-o",
        f"{venv}/.rnncourse-installed",
        f"VENV={venv}",
        "formgrader",
        f"OUT={graded['out']}",
        f"PORT={port}",
    ]
    log_path = tmp_path / "formgrader.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}/formgrader"

    def get(path: str) -> str:
        with urllib.request.urlopen(f"{base}/{path}{'&' if '?' in path else '?'}token={token}", timeout=30) as reply:
            return reply.read().decode()

    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log_path.read_text()[-3000:]
            try:
                submissions = json.loads(get(f"api/submissions/{LESSON}"))
                break
            except OSError:
                assert time.monotonic() < deadline, "no answer in 90 s:\n" + log_path.read_text()[-3000:]
                time.sleep(0.5)
        by_student = {s["student"]: s for s in submissions}
        assert by_student["correct"]["needs_manual_grade"] and by_student["correct"]["code_score"] == FULL
        notebooks = json.loads(get(f"api/submitted_notebooks/{LESSON}/{LESSON}"))
        correct = next(n for n in notebooks if n["student"] == "correct")
        page = get(f"submissions/{correct['id']}/")
        assert "build_memory_model" in page and "free_response_clipping" in page  # answers, ready to grade
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_special_files_and_layouts(graded):
    rows = {(r["student_id"], r["lesson"]): r for r in _read_csv(graded["out"] / "grades.csv")}
    assert rows[("wronglesson", LESSON)]["status"] == "invalid"
    assert "none of the lesson's cells can be recognised" in rows[("wronglesson", LESSON)]["message"]
    twice = rows[("twice", LESSON)]
    assert (float(twice["score"]), twice["status"]) == (FULL, "graded")
    assert "also found twice/01_gradients.ipynb (ignored" in twice["message"]
    assert rows[("correct", "notes.txt")]["status"] == "invalid"
    assert rows[("correct", "01_gradient.ipynb")]["status"] == "invalid"
    assert "not a lesson notebook" in rows[("correct", "01_gradient.ipynb")]["message"]
    # every input file is named by a row
    every_file = {str(p.relative_to(graded["subs"])) for p in graded["subs"].rglob("*") if p.is_file()}
    text = (graded["out"] / "grades.csv").read_text()
    for rel in every_file:
        student, _, rest = rel.partition("/")
        assert rest.split("/")[-1].replace(".ipynb", "") in text and student in text, rel


def test_nothing_under_submissions_is_modified(graded):
    assert _tree_digest(graded["subs"]) == graded["before"]


def test_feedback_shows_results_but_not_hidden_tests(graded):
    page = (graded["out"] / "feedback" / "correct.html").read_text()
    assert "test_rnn_forward_hidden" in page and "passed" in page
    assert "BEGIN HIDDEN TESTS" not in page and "seed=11" not in page and "_rnncourse_guard" not in page


def test_gradebook_holds_the_scores(graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded['out'] / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission(LESSON, "correct").score >= FULL
        assert gradebook.find_submission(LESSON, "blank").score == 0


def test_run_json_records_the_local_cluster_and_where_each_notebook_ran(graded):
    run = json.loads((graded["out"] / "run.json").read_text())
    assert run["cluster"]["local"] is True and len(run["cluster"]["workers"]) == 2
    assert run["cluster"]["scheduler"].startswith("tcp://127.0.0.1:")
    addresses = {w["address"] for w in run["cluster"]["workers"]}
    graded_rows = [r for r in graded["rows"] if r["status"] not in {"invalid", "missing"}]
    assert run["graded_now"] == len(graded_rows)
    for r in graded_rows:
        entry = run["notebooks"][f"{r['student_id']}/{r['lesson']}"]
        assert entry["worker"] in addresses and entry["attempts"] == 1 and entry["seconds"] > 1
    journal = [json.loads(line) for line in (graded["out"] / "journal.jsonl").read_text().splitlines()]
    assert sorted(e["student"] for e in journal) == sorted(r["student_id"] for r in graded_rows)


def test_rerun_is_identical_and_a_removed_file_updates_only_that_student(graded, tmp_path):
    first = (graded["out"] / "grades.csv").read_text()
    grade_folder(graded["subs"], graded["out"], SETTINGS, log=lambda text: None)
    assert (graded["out"] / "grades.csv").read_text() == first
    subs = tmp_path / "subs"
    shutil.copytree(graded["subs"], subs)
    shutil.copytree(graded["out"], tmp_path / "out")
    (subs / "partial" / "01_gradients.ipynb").unlink()
    (subs / "partial" / "keep.txt").write_text("still enrolled")
    grade_folder(subs, tmp_path / "out", SETTINGS, log=lambda text: None)
    before = {(r["student_id"], r["lesson"]): r for r in csv.DictReader(first.splitlines())}
    after = {(r["student_id"], r["lesson"]): r for r in _read_csv(tmp_path / "out" / "grades.csv")}
    assert after[("partial", LESSON)]["status"] == "missing"
    changed = {key for key in before if before[key] != after.get(key)}
    assert changed == {("partial", LESSON)}


def _hand_grade(db: str, student: str, cell: str):
    """What the gradebook holds of one hand-graded cell: (manual score, extra credit, needs manual grade, comment)."""
    from nbgrader.api import Gradebook

    with Gradebook(db) as gradebook:
        grade = gradebook.find_grade(cell, LESSON, LESSON, student)
        comment = gradebook.find_comment(cell, LESSON, LESSON, student)
        return grade.manual_score, grade.extra_credit, grade.needs_manual_grade, comment.manual_comment


def test_a_regrade_keeps_what_was_graded_by_hand(graded, tmp_path):
    from nbgrader.api import Gradebook

    subs, out = tmp_path / "subs", tmp_path / "out"
    shutil.copytree(graded["subs"], subs)
    shutil.copytree(graded["out"], out)
    db, cell, path = f"sqlite:///{out / 'gradebook.db'}", "free_response_clipping", subs / "correct" / f"{LESSON}.ipynb"
    with Gradebook(db) as gradebook:  # what formgrader writes when the instructor grades the answer
        grade = gradebook.find_grade(cell, LESSON, LESSON, "correct")
        grade.manual_score, grade.extra_credit, grade.needs_manual_grade = 2.0, 0.5, False
        gradebook.find_comment(cell, LESSON, LESSON, "correct").manual_comment = "Clear, one example short."
        gradebook.db.commit()

    def edit(answer: str, text: str) -> None:
        nb = json.loads(path.read_text())
        cell = _cell(nb, answer)
        cell["source"] = "".join(cell["source"]) + text
        path.write_text(json.dumps(nb))

    edit("rnn_forward", "\n# tidied after the deadline")  # a code answer changes: its notebook is graded again
    rows = {(r["student_id"], r["lesson"]): r for r in grade_folder(subs, out, SETTINGS, log=lambda text: None)}
    assert (float(rows["correct", LESSON]["score"]), rows["correct", LESSON]["status"]) == (FULL, "graded")
    assert _hand_grade(db, "correct", cell) == (2.0, 0.5, False, "Clear, one example short.")

    edit(cell, "\n\nA second thought about clipping.")  # the hand-graded answer itself changes
    grade_folder(subs, out, SETTINGS, log=lambda text: None)
    assert _hand_grade(db, "correct", cell) == (2.0, 0.5, True, "Clear, one example short.")  # to review again


def test_scan_passes_honest_code():
    for source in SOLVED.values():
        assert scan_source(source, "answer") == []
