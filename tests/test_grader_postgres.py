"""DB_URL: the grader writes the instructor's gradebook to PostgreSQL as well as to SQLite.

A throwaway PostgreSQL cluster (unix socket only, no TCP) is started in a temporary folder.
`make test` installs Debian's PostgreSQL when it runs as root and the server is missing;
without a server this module is skipped, and pytest's summary says so.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.grader import Settings, grade_folder

pytestmark = pytest.mark.slow
LESSON = "02_gru_lstm"  # the quickest lesson to grade
FULL = 26  # autograded points of lesson 02 (20 before lstm_step_backward)


def _server_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run(cmd: list[str], as_postgres: bool) -> subprocess.CompletedProcess:
    if as_postgres:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def postgres_url():
    bindir = _server_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server (make test installs Debian's postgresql when run as root)")
    pytest.importorskip("psycopg", reason="the psycopg driver is a pinned dependency; reinstall the venv")
    as_postgres = os.geteuid() == 0  # initdb refuses to run as root
    root = Path(tempfile.mkdtemp(prefix="rnncourse-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if as_postgres:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
    port = random.randint(20000, 60000)  # names the socket file; nothing listens on TCP
    proc = _run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], as_postgres)
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = _run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(root / "server.log"),
            "-o",
            f"-k {sockets} -p {port} -c listen_addresses=''",
            "start",
        ],
        as_postgres,
    )
    assert proc.returncode == 0, proc.stderr[-2000:] + (root / "server.log").read_text()[-2000:]
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={sockets}&port={port}"
    finally:
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], as_postgres)
        shutil.rmtree(root, ignore_errors=True)


def _write(root: Path, rel: str, nb: dict) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")


def _rows(out: Path) -> list[dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_grades_land_in_a_postgresql_gradebook(postgres_url, tmp_path):
    from nbgrader.api import Gradebook

    subs, out = tmp_path / "submissions", tmp_path / "out"
    _write(subs, f"correct/{LESSON}.ipynb", course.reference_submission(LESSON))
    _write(subs, f"blank/{LESSON}/{LESSON}.ipynb", course.reference_submission(LESSON, {}))
    settings = Settings(jobs=2, cell_timeout=60, notebook_timeout=300, db_url=postgres_url, progress=False)
    first = grade_folder(subs, out, settings, log=lambda text: None)
    scores = {r["student_id"]: (float(r["score"]), r["status"]) for r in first}
    assert scores == {"correct": (FULL, "graded"), "blank": (0.0, "graded")}
    assert not (out / "gradebook.db").exists()  # nothing went to the default SQLite file

    with Gradebook(postgres_url) as gradebook:
        assert {s.id for s in gradebook.students} == {"correct", "blank"}
        assert gradebook.find_submission(LESSON, "correct").score >= FULL
        assert gradebook.find_submission(LESSON, "blank").score == 0
        assert len(gradebook.find_assignment(LESSON).submissions) == 2

    # Again, with the journal removed so both notebooks are regraded: same rows, no duplicates.
    (out / "journal.jsonl").unlink()
    grade_folder(subs, out, settings, log=lambda text: None)
    assert _rows(out) == [{k: v for k, v in r.items()} for r in first]
    with Gradebook(postgres_url) as gradebook:
        assert len(gradebook.find_assignment(LESSON).submissions) == 2
        assert gradebook.find_submission(LESSON, "correct").score >= FULL
