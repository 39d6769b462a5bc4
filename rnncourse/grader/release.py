"""Prepare the grader's private nbgrader courses in one process.

Started by the grader as ``python -m rnncourse.grader.release <spec.json>``, and by
:func:`rnncourse.course.generate_lessons` (``make lessons``). The spec lists courses, each
``{"root": ..., "db_url": ... or null, "lessons": [...], "release_dir": ... (optional)}``; for each one this
runs nbgrader's ``generate_assignment`` for every lesson, which records the lesson's grade
cells in that course's gradebook. One process instead of one ``nbgrader`` command per lesson
and course saves the start-up cost of each command (about 5 s here).
Exit status 0 on success; otherwise nbgrader's error is on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def alembic_head() -> str:
    """The revision nbgrader stamps a new gradebook with, read in this process.

    nbgrader's ``get_alembic_version`` runs the ``alembic heads`` command for it, which starts a
    new interpreter that imports nbgrader again: about 3.5 s for each new gradebook (measured on a
    2-core AMD EPYC), and every grading run makes two. Alembic's script directory holds the same
    revision (tests/test_grader_startup.py compares the two).
    """
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    return str(ScriptDirectory(ALEMBIC_DIR).get_current_head())


def main(argv: list[str]) -> int:
    import nbgrader.api
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    nbgrader.api.get_alembic_version = alembic_head  # what Gradebook calls for a new database

    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    for course in spec["courses"]:
        autograder = Path(course["root"]) / "autograder"
        config = PyFileConfigLoader("nbgrader_config.py", path=str(autograder)).load_config()
        config.CourseDirectory.release_directory = course.get("release_dir") or str(Path(course["root"]) / ".release")
        if course.get("db_url"):
            config.CourseDirectory.db_url = course["db_url"]
        api = NbGraderAPI(config=config)
        for lesson in course["lessons"]:
            result = api.generate_assignment(lesson, force=True, create=True)
            if not result.get("success"):
                print(
                    f"could not prepare lesson {lesson} for grading in {course['root']}:\n"
                    f"{result.get('error', '')}\n{str(result.get('log', ''))[-3000:]}",
                    file=sys.stderr,
                )
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
