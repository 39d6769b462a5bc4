"""What every grading run pays before its first notebook: the grader's processes start without
the two costs measured there (about 10 s of a 21 s one-notebook run on a 2-core AMD EPYC).

- jsonschema's rfc3987_syntax, which builds 38 lark grammars on import (``rnncourse.grader``
  keeps it out of the grader's processes);
- nbgrader's ``alembic heads`` command for each new gradebook (the release reads the revision in
  its own process).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from rnncourse import course
from rnncourse.config import child_env
from rnncourse.grader import release

LESSON = "02_gru_lstm"


def test_a_grader_process_never_builds_the_iri_grammars_and_still_validates_notebooks():
    code = (
        "import rnncourse.grader, nbformat, sys\n"
        f"nb = nbformat.read({str(course.lesson_path(LESSON))!r}, as_version=4)\n"
        "nbformat.validate(nb)\n"
        "broken = nbformat.from_dict({**nb, 'cells': [{'cell_type': 'code', 'source': 1, 'metadata': {}}]})\n"
        "try:\n"
        "    nbformat.validate(broken)\n"
        "    print('invalid notebook accepted')\n"
        "except nbformat.ValidationError:\n"
        "    pass\n"
        "print(sorted(m for m in ('lark', 'rfc3987_syntax') if sys.modules.get(m) is not None))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines() == ["[]"]


def test_the_revision_read_in_process_is_the_one_nbgraders_command_prints():
    import nbgrader.api

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", child_env(fast=None)["PATH"])  # where nbgrader finds `alembic`
        assert release.alembic_head() == nbgrader.api.get_alembic_version()


def test_the_release_stamps_new_gradebooks_without_the_alembic_command(tmp_path, monkeypatch):
    import nbgrader.api

    monkeypatch.setattr(nbgrader.api, "get_alembic_version", nbgrader.api.get_alembic_version)  # restored after
    monkeypatch.setenv("PATH", "/nonexistent")  # `alembic` cannot be started from here
    root = tmp_path / "course"
    (root / "autograder").mkdir(parents=True)
    (root / "autograder" / "nbgrader_config.py").write_bytes(course.NBGRADER_CONFIG.read_bytes())
    source = root / "solutions" / LESSON / f"{LESSON}.ipynb"
    source.parent.mkdir(parents=True)
    source.write_bytes(course.solution_path(LESSON).read_bytes())
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"courses": [{"root": str(root), "db_url": None, "lessons": [LESSON]}]}))
    monkeypatch.chdir(root / "autograder")
    assert release.main([str(spec)]) == 0
    with sqlite3.connect(root / "autograder" / "gradebook.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(release.alembic_head(),)]
        assert db.execute("SELECT name FROM assignment").fetchall() == [(LESSON,)]


def test_the_cleaned_reviews_are_cached_before_a_sandboxed_kernel_needs_them(tmp_path, monkeypatch):
    """Lesson 04's kernels and the harness's checks read the reviews; a sandboxed kernel cannot write the cache."""
    from rnncourse import data
    from rnncourse.grader.courses import warm_data_cache

    monkeypatch.setenv("RNNCOURSE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RNNCOURSE_IMDB_PATH", raising=False)
    data._reviews.cache_clear()
    try:
        warm_data_cache([])  # no lesson's arrays: only what every run needs
    finally:
        data._reviews.cache_clear()
    assert [path.name.startswith("imdb-package-texts-") for path in tmp_path.iterdir()] == [True]
