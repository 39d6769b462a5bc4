"""The private nbgrader courses: one in the instructor's gradebook, one template for the workers.

The parent builds the template once (nbgrader's ``generate_assignment`` records the grade
cells in its gradebook) and sends its files to every worker as data, so a Dask worker on
another machine needs nothing of the parent's folders.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from ..config import child_env
from ..course import NBGRADER_CONFIG, PROJECT_ROOT, solution_path

GRADER_VERSION = "2"


def course_fingerprint(lessons: Iterable[str]) -> str:
    """Changes when a lesson's source, the checks, or the grader change (old results are then regraded)."""
    digest = hashlib.sha256(GRADER_VERSION.encode())
    for lesson in lessons:
        digest.update(solution_path(lesson).read_bytes())
    for path in sorted((PROJECT_ROOT / "rnncourse").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def make_courses(courses: list[tuple[Path, str | None]], lessons: list[str]) -> None:
    """Private nbgrader courses ``(root, db_url)``: config, sources, gradebook with the lessons.

    A ``db_url`` of ``None`` keeps the course's own SQLite gradebook. nbgrader runs once, in one
    process, for all courses (:mod:`rnncourse.grader.release`).
    """
    for root, _ in courses:
        autograder = root / "autograder"
        autograder.mkdir(parents=True, exist_ok=True)
        shutil.copy2(NBGRADER_CONFIG, autograder / "nbgrader_config.py")
        for lesson in lessons:
            source = json.loads(solution_path(lesson).read_text(encoding="utf-8"))
            target = root / "solutions" / lesson / f"{lesson}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(source, indent=1), encoding="utf-8")
    spec_path = courses[0][0].parent / "release-spec.json"
    spec_path.write_text(
        json.dumps(
            {"courses": [{"root": str(root), "db_url": db_url, "lessons": lessons} for root, db_url in courses]}
        ),
        encoding="utf-8",
    )
    env = child_env(fast=None)  # nbgrader shells out to this environment's `alembic`
    proc = subprocess.run(
        [sys.executable, "-m", "rnncourse.grader.release", str(spec_path)],
        cwd=courses[0][0] / "autograder",
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or "| ERROR]" in proc.stderr:
        raise RuntimeError(f"could not prepare the lessons for grading:\n{proc.stderr[-3000:]}")


def course_files(root: Path) -> dict[str, bytes]:
    """A worker's course as data: ``autograder/`` (config, gradebook) and ``solutions/``."""
    files = {}
    for folder in ("autograder", "solutions"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(root))] = path.read_bytes()
    return files


def write_course(root: Path, files: dict[str, bytes]) -> None:
    """Lay out a course sent by :func:`course_files` under ``root``."""
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def warm_data_cache(lessons: Iterable[str]) -> None:
    """Build the IMDB data the lessons and checks load in fast mode: a sandboxed kernel cannot write data/cache.

    The cleaned review texts (lesson 04's kernels and the harness's checks read them) and the
    arrays of each lesson's sizes.
    """
    from .. import data
    from ..config import sizes

    data.load_imdb_reviews("train")  # writes the texts cache if it is missing
    for lesson in lessons:
        s = sizes(lesson, "fast")
        if {"num_words", "maxlen", "num_train", "num_test"} <= set(s):
            data.load_imdb(
                num_words=s["num_words"], maxlen=s["maxlen"], num_train=s["num_train"], num_test=s["num_test"]
            )
