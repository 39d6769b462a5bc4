"""Course layout and build steps: lesson ids, paths, executing solutions, generating lessons.

Command line (what the Makefile calls)::

    python -m rnncourse.course lessons     # regenerate lessons/ from solutions/ (nbgrader)
    python -m rnncourse.course outputs     # re-execute solutions/ in fast mode, store outputs
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .config import child_env
from .notebook import cell_source, grade_id, nbgrader_metadata

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LESSON_IDS: tuple[str, ...] = ("01_gradients", "02_gru_lstm", "03_embeddings", "04_sentiment", "05_language_model")
NBGRADER_CONFIG = PROJECT_ROOT / "autograder" / "nbgrader_config.py"
SOLUTIONS_DIR = PROJECT_ROOT / "solutions"
LESSONS_DIR = PROJECT_ROOT / "lessons"


def solution_path(lesson_id: str) -> Path:
    """``solutions/<id>/<id>.ipynb``."""
    return SOLUTIONS_DIR / lesson_id / f"{lesson_id}.ipynb"


def lesson_path(lesson_id: str, lessons_dir: Path = LESSONS_DIR) -> Path:
    """``lessons/<id>/<id>.ipynb``."""
    return lessons_dir / lesson_id / f"{lesson_id}.ipynb"


def available_lessons() -> list[str]:
    """The lesson ids whose source notebook exists in solutions/."""
    return [lesson for lesson in LESSON_IDS if solution_path(lesson).exists()]


def generate_lessons(lesson_ids: Iterable[str] | None = None, *, release_dir: Path | None = None) -> list[Path]:
    """Regenerate student notebooks from solutions/ with nbgrader's ``generate_assignment``.

    ``release_dir`` (default lessons/) lets tests build into a temporary folder and compare.
    A throw-away gradebook is used, so building lessons never touches the real one. Every lesson
    is built in one process (:mod:`rnncourse.grader.release`, which the grader uses for its own
    courses): one ``nbgrader`` command per lesson cost about 3 s more each.
    """
    lesson_ids = list(lesson_ids or available_lessons())
    release_dir = Path(release_dir or LESSONS_DIR)
    with tempfile.TemporaryDirectory(prefix="rnncourse-build-") as tmp:
        spec = Path(tmp) / "release-spec.json"
        course = {"root": str(PROJECT_ROOT), "db_url": f"sqlite:///{Path(tmp) / 'gradebook.db'}"}
        spec.write_text(json.dumps({"courses": [{**course, "lessons": lesson_ids, "release_dir": str(release_dir)}]}))
        cmd = [sys.executable, "-m", "rnncourse.grader.release", str(spec)]
        proc = subprocess.run(cmd, cwd=NBGRADER_CONFIG.parent, env=child_env(), text=True, capture_output=True)
        if proc.returncode != 0 or "| ERROR]" in proc.stderr:
            raise RuntimeError(f"nbgrader generate_assignment failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    written = []
    for lesson in lesson_ids:
        out = lesson_path(lesson, release_dir)
        _normalise_release(out)
        written.append(out)
    return written


def solution_answers(lesson_id: str) -> dict[str, str]:
    """The reference answers of a lesson: grade_id -> source, without the solution markers."""
    nb = json.loads(solution_path(lesson_id).read_text(encoding="utf-8"))
    answers = {}
    for cell in nb["cells"]:
        meta = nbgrader_metadata(cell)
        if meta.get("solution"):
            source = cell_source(cell)
            lines = [
                line for line in source.splitlines() if line.strip() not in {"### BEGIN SOLUTION", "### END SOLUTION"}
            ]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def reference_submission(lesson_id: str, answers: dict[str, str] | None = None) -> dict:
    """The student notebook as a student who gives ``answers`` (default: the reference) hands it in."""
    answers = solution_answers(lesson_id) if answers is None else answers
    nb = json.loads(lesson_path(lesson_id).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        gid = grade_id(cell)
        if gid in answers:
            cell["source"] = answers[gid]
    return nb


def _normalise_release(path: Path) -> None:
    """Write the student notebook in a stable, diff-friendly form (sorted keys, no outputs)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def execute_notebook(path: Path, *, timeout: int = 600, fast: bool = True) -> None:
    """Execute a notebook in place with nbclient (in its own folder) and store its outputs.

    The kernel runs with :func:`rnncourse.config.child_env` (fast mode unless ``fast=False``);
    ``os.environ`` of the calling process is not changed.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    # The kernel gets its own environment (KernelManager.start_kernel(env=...)); this process's is untouched.
    client.execute(env=child_env(fast=fast))
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)  # the Python patch version churns
    nbformat.write(nb, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.course", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["lessons", "outputs"])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson in solutions/)")
    args = parser.parse_args(argv)
    ids = args.lessons or available_lessons()
    unknown = [i for i in ids if i not in LESSON_IDS]
    if unknown:
        parser.error(f"unknown lesson id(s) {unknown}; known: {list(LESSON_IDS)}")
    if args.command == "lessons":
        for path in generate_lessons(ids):
            print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    else:
        for lesson in ids:
            print(f"executing {solution_path(lesson).relative_to(PROJECT_ROOT)} in fast mode ...", flush=True)
            execute_notebook(solution_path(lesson))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
