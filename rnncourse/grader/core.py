"""Grade a folder of submissions: in parallel, tamper-resistant, and nothing lost.

See :func:`grade_folder`. The command line is ``python -m rnncourse.grader`` (``make grade``).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import queue
import resource
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ..course import LESSON_IDS, NBGRADER_CONFIG, PROJECT_ROOT, QUIET_TF_ENV, SOLUTIONS_DIR, solution_path
from .prepare import (Submission, discover, file_digest, guarded_source, load_releases, rebuild,
                      with_guard)
from .demos import skip_demonstrations
from .guard import MARKER
from .sandbox import SCRATCH_ROOT_ENV, Limits, probe

GRADER_VERSION = "1"
STATUSES = ("graded", "flagged", "missing", "invalid", "timeout", "error")
CSV_COLUMNS = ["student_id", "lesson", "score", "max_score", "status", "message"]


@dataclass(frozen=True)
class Settings:
    """Knobs of one grading run (all have command-line flags)."""

    jobs: int = max(1, os.cpu_count() or 1)
    cell_timeout: int = 120  # seconds one cell may run
    notebook_timeout: int = 600  # seconds one notebook may take, kernel start included
    memory_limit_gb: float = 4.0  # address-space limit of each worker and its kernels
    db_url: str | None = None  # SQLAlchemy URL of the instructor's gradebook (default: OUT/gradebook.db)
    run_demos: bool = False  # also run the cells tagged skip-when-grading (slower, same scores)
    progress: bool = True
    sandbox: bool = True  # run every kernel in bubblewrap (rnncourse.grader.sandbox); False only on request
    max_processes: int = Limits.max_processes  # processes and threads of one sandboxed kernel
    file_size_mb: int = Limits.file_size_mb  # largest file a sandboxed kernel may write
    cpu_seconds: int = Limits.cpu_seconds  # CPU time of each process in the sandbox
    tmp_mb: int = Limits.tmp_mb  # size of the sandbox's private /tmp

    @property
    def limits(self) -> Limits:
        return Limits(memory_gb=self.memory_limit_gb, max_processes=self.max_processes,
                      file_size_mb=self.file_size_mb, cpu_seconds=self.cpu_seconds, tmp_mb=self.tmp_mb)


NO_SANDBOX_NOTE = "graded without a sandbox"


# Rough grading seconds per lesson: fast-mode per-cell timings of each solution (2026-11-26,
# 2 cores) without the cells tagged skip-when-grading. Used only to start the slowest first.
_EXPECTED_SECONDS = {"01_gradients": 12.0, "02_gru_lstm": 6.0, "03_embeddings": 13.0, "04_sentiment": 10.0}


# ------------------------------------------------------------------ course snapshot
def _course_fingerprint(lessons: Iterable[str]) -> str:
    """Changes when a lesson's source, the checks, or the grader change (invalidates the cache)."""
    digest = hashlib.sha256(GRADER_VERSION.encode())
    for lesson in lessons:
        digest.update(solution_path(lesson).read_bytes())
    for path in sorted((PROJECT_ROOT / "rnncourse").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _protected_state() -> dict[str, str]:
    """Hashes of the course folders a submission must never write to."""
    state = {}
    for folder in ("solutions", "lessons", "rnncourse", "autograder"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".db":
                state[str(path.relative_to(PROJECT_ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def _worker_env(home: Path) -> dict[str, str]:
    """A small, explicit environment: nothing that points at solutions or secrets."""
    bindir = str(Path(sys.executable).parent)
    env = {"PATH": bindir + os.pathsep + "/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
           "LANG": os.environ.get("LANG", "C.UTF-8"), "RNNCOURSE_FAST": "1",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline", "PYTHONDONTWRITEBYTECODE": "1",
           "JUPYTER_PLATFORM_DIRS": "1", "IPYTHONDIR": str(home / ".ipython"), **QUIET_TF_ENV}
    if os.environ.get("RNNCOURSE_DATA_DIR"):
        env["RNNCOURSE_DATA_DIR"] = os.environ["RNNCOURSE_DATA_DIR"]
    return env


def _warm_data_cache(lessons: Iterable[str]) -> None:
    """Build the IMDB arrays the lessons load in fast mode: a sandboxed kernel cannot write data/cache."""
    from .. import data
    from ..config import sizes

    for lesson in lessons:
        s = sizes(lesson, "fast")
        if {"num_words", "maxlen", "num_train", "num_test"} <= set(s):
            data.load_imdb(num_words=s["num_words"], maxlen=s["maxlen"], num_train=s["num_train"],
                           num_test=s["num_test"])


def _make_courses(courses: list[tuple[Path, str | None]], lessons: list[str]) -> None:
    """Private nbgrader courses ``(root, db_url)``: config, guarded sources, gradebook with the lessons.

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
            target.write_text(json.dumps(guarded_source(source), indent=1), encoding="utf-8")
    spec_path = courses[0][0].parent / "release-spec.json"
    spec_path.write_text(json.dumps({"courses": [{"root": str(root), "db_url": db_url, "lessons": lessons}
                                                 for root, db_url in courses]}), encoding="utf-8")
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.run([sys.executable, "-m", "rnncourse.grader.release", str(spec_path)],
                          cwd=courses[0][0] / "autograder", env=env, capture_output=True, text=True)
    if proc.returncode != 0 or "| ERROR]" in proc.stderr:
        raise RuntimeError(f"could not prepare the lessons for grading:\n{proc.stderr[-3000:]}")


# ------------------------------------------------------------------ workers
class _Worker:
    """One grading process (and, below it, its kernels), restarted after a timeout or crash."""

    def __init__(self, course: Path, settings: Settings, log_path: Path, options: Path, scratch_root: Path) -> None:
        self.course, self.settings, self.log_path = course, settings, log_path
        self.options, self.scratch_root = options, scratch_root
        self.proc: subprocess.Popen[str] | None = None

    def _limit(self) -> None:  # runs in the child before exec
        limit = int(self.settings.memory_limit_gb * 1024 ** 3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def start(self) -> None:
        home = self.course / "home"
        home.mkdir(exist_ok=True)
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115  (owned by the child)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rnncourse.grader.worker", str(self.course), str(self.options)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, cwd=self.course,
            env={**_worker_env(home), SCRATCH_ROOT_ENV: str(self.scratch_root)}, preexec_fn=self._limit,
            start_new_session=True)
        log.close()

    def grade(self, job: dict) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc and self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + self.settings.notebook_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                return {"timeout": True}
            ready, _, _ = select.select([self.proc.stdout], [], [], min(remaining, 1.0))
            if ready:
                line = self.proc.stdout.readline()
                if not line:  # the worker itself died
                    code = self.proc.wait()
                    self.kill()
                    return {"success": False, "error": f"the grading process died (exit {code})", "grades": []}
                return json.loads(line)
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.kill()
                return {"success": False, "error": f"the grading process died (exit {code})", "grades": []}

    def kill(self) -> None:
        """Kill the worker and every process below it (kernels included)."""
        if self.proc is None:
            return
        try:
            import psutil

            parent = psutil.Process(self.proc.pid)
            for child in parent.children(recursive=True):
                child.kill()
            parent.kill()
        except Exception:  # noqa: BLE001  (already gone)
            pass
        try:
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            pass
        self.proc = None


# ------------------------------------------------------------------ results
def _classify(sub: Submission, answer: dict, full_points: float) -> tuple[float, float]:
    """Set status/message from a worker's answer; return (score, max_score)."""
    if answer.get("timeout"):
        sub.status = "timeout"
        sub.message = "the notebook did not finish within the notebook time limit (an endless loop or a very long cell?)"
        return 0.0, full_points
    grades = answer.get("grades") or []
    code = [g for g in grades if g["cell_type"] == "code"]
    score = sum(float(g["auto_score"] or 0.0) for g in code)
    max_score = sum(float(g["max_score"]) for g in code)
    manual = sum(float(g["max_score"]) for g in grades if g["cell_type"] == "markdown")
    if not answer.get("success"):
        error = str(answer.get("error", "")) + "\n" + str(answer.get("log", ""))
        sub.status = "error"
        if "DeadKernel" in error or "Kernel died" in error or "kernel died" in error.lower():
            sub.message = "the kernel died while grading (out of memory, os._exit, or a crash)"
        elif "CellTimeoutError" in error or "Timeout" in error:
            sub.status = "timeout"
            sub.message = "a cell ran longer than the cell time limit"
        else:
            last = [line for line in error.strip().splitlines() if line.strip()]
            sub.message = "grading failed: " + (last[-1][:300] if last else "unknown error")
        return 0.0, max_score or full_points
    failed = [g["name"] for g in code if float(g["auto_score"] or 0.0) < float(g["max_score"])]
    sub.status = "graded"
    parts = []
    if failed:
        parts.append(f"lost points in {', '.join(failed)}")
    if manual:
        parts.append(f"{manual:g} more points are graded by hand")
    sub.message = "; ".join(parts)
    return score, max_score


def _timed_out_cells(autograded: str) -> list[str]:
    """Cells of the autograded notebook that nbgrader interrupted at the cell time limit."""
    if not autograded or not Path(autograded).exists():
        return []
    nb = json.loads(Path(autograded).read_text(encoding="utf-8"))
    found = []
    for index, cell in enumerate(nb.get("cells", [])):
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            found.append(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index}")
    return found


def _read_integrity(autograded: str) -> list[str]:
    """One reason when the runtime guard failed in any test cell of the autograded notebook."""
    if not autograded or not Path(autograded).exists():
        return []
    nb = json.loads(Path(autograded).read_text(encoding="utf-8"))
    cells, reason = [], ""
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", "")) + str(output.get("evalue", ""))
            if MARKER in text:
                cells.append(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "?"))
                reason = reason or text[text.index(MARKER):].splitlines()[0].split(". This test")[0][:300]
                break
    if not cells:
        return []
    return [f"{reason} (checked in {len(cells)} test cell(s), which scored 0: {', '.join(cells)})"]


def _merge_into_gradebook(db_url: str, sub: Submission, answer: dict) -> None:
    """Write one result into the instructor's gradebook (the parent is its only writer)."""
    import warnings

    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        # nbgrader's add_submission triggers SQLAlchemy's "Object of type <SubmittedAssignment> not
        # in session" during autoflush; the rows are written correctly (tests/test_grader.py).
        warnings.filterwarnings("ignore", message="Object of type <Submitted", category=SAWarning)
        _merge(db_url, sub, answer)


def _merge(db_url: str, sub: Submission, answer: dict) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            gradebook.find_student(sub.student_id)
        except MissingEntry:
            gradebook.add_student(sub.student_id)
        try:
            gradebook.remove_submission(sub.lesson, sub.student_id)
        except MissingEntry:
            pass
    with Gradebook(db_url) as gradebook:
        gradebook.add_submission(sub.lesson, sub.student_id)
        for g in answer.get("grades") or []:
            grade = gradebook.find_grade(g["name"], sub.lesson, sub.lesson, sub.student_id)
            grade.auto_score = g["auto_score"]
        gradebook.db.commit()


FORMGRADER_CONFIG = '''"""nbgrader configuration of this grading folder, written by the grader (rnncourse.grader).

Hand-grade the free responses here:  make formgrader OUT=<this folder>  (JupyterLab's
Formgrader tab reads this file). nbgrader commands work too, run from this folder:
nbgrader generate_feedback <lesson_id>, nbgrader export.
"""

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "rnn-language-modeling-ch2"
c.CourseDirectory.root = {root!r}
c.CourseDirectory.source_directory = {source!r}
c.CourseDirectory.release_directory = {release!r}
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"  # the notebooks the grader executed
c.CourseDirectory.feedback_directory = "nbgrader-feedback"
c.CourseDirectory.db_url = {db_url!r}
c.Exchange.root = ".exchange"
'''


def _write_formgrader_config(out_dir: Path, db_url: str) -> None:
    """OUT/nbgrader_config.py: formgrader and nbgrader commands on the grader's results."""
    text = FORMGRADER_CONFIG.format(root=str(out_dir), source=str(PROJECT_ROOT / "solutions"),
                                    release=str(PROJECT_ROOT / "lessons"), db_url=db_url)
    (out_dir / "nbgrader_config.py").write_text(text, encoding="utf-8")
    (out_dir / ".exchange").mkdir(exist_ok=True)


def _remove_from_gradebook(db_url: str, sub: Submission) -> None:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            gradebook.remove_submission(sub.lesson, sub.student_id)
        except MissingEntry:
            pass


# ------------------------------------------------------------------ feedback
def _feedback_html(student: str, rows: list[dict], notebooks: dict[str, Path]) -> str:
    """Per-student feedback: scores, messages, and each test cell's result without hidden code."""
    import html

    parts = [f"<!doctype html><meta charset='utf-8'><title>Feedback for {html.escape(student)}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f6f6f6;"
             "padding:.6em;white-space:pre-wrap}.ok{color:#17692e}.bad{color:#a11}</style>",
             f"<h1>Feedback for {html.escape(student)}</h1><table border=1 cellpadding=4>"
             "<tr><th>lesson</th><th>score</th><th>status</th><th>message</th></tr>"]
    for row in rows:
        parts.append(f"<tr><td>{html.escape(row['lesson'])}</td><td>{row['score']}/{row['max_score']}</td>"
                     f"<td>{html.escape(row['status'])}</td><td>{html.escape(row.get('_details') or row['message'])}</td></tr>")
    parts.append("</table>")
    for lesson, path in sorted(notebooks.items()):
        nb = json.loads(path.read_text(encoding="utf-8"))
        parts.append(f"<h2>{html.escape(lesson)}</h2>")
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            source = "".join(cell.get("source", ""))
            docstring = next((line.strip().strip('"').lstrip("# ") for line in source.splitlines()
                              if line.strip().startswith(('"""', "# Hidden test"))), meta.get("grade_id", ""))
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            texts = "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])
                            if o.get("output_type") == "stream")
            ok = not errors
            result = texts.strip() if ok else f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
            css = "ok" if ok else "bad"
            parts.append(f"<h3 class={css}>{html.escape(meta.get('grade_id', ''))} "
                         f"({'passed' if ok else 'failed'}, {meta.get('points', 0)} points)</h3>"
                         f"<p>{html.escape(docstring)}</p><pre>{html.escape(result)}</pre>")
    return "\n".join(parts)


# ------------------------------------------------------------------ the command
def grade_folder(submissions_dir: Path, out_dir: Path, settings: Settings = Settings(),
                 log: Callable[[str], None] = print) -> list[dict]:
    """Grade every notebook under ``submissions_dir``; write OUT/grades.csv, feedback, summary.

    Returns the rows of grades.csv. Nothing under ``submissions_dir`` is modified.
    """
    submissions_dir, out_dir = Path(submissions_dir).resolve(), Path(out_dir).resolve()
    if out_dir == submissions_dir or submissions_dir in out_dir.parents:
        raise ValueError("OUT must not be inside SUBMISSIONS (nothing under SUBMISSIONS is modified)")
    out_dir.mkdir(parents=True, exist_ok=True)
    releases = load_releases()
    subs = discover(submissions_dir, tuple(releases) or LESSON_IDS)
    db_url = settings.db_url or f"sqlite:///{out_dir / 'gradebook.db'}"
    lessons = sorted({s.lesson for s in subs if s.lesson in releases})
    if settings.sandbox and lessons:
        probe(settings.limits)  # raises SandboxUnavailable with the reason and the fix
    fingerprint = (_course_fingerprint(lessons) + ("+demos" if settings.run_demos else "")
                   + ("" if settings.sandbox else "+nosandbox"))
    cache_dir = out_dir / ".cache"
    cache_dir.mkdir(exist_ok=True)

    work = out_dir / ".work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    if lessons:
        # A template for the workers' private courses, and the assignments in the instructor's gradebook.
        _make_courses([(work / "template", None), (work / "instructor", db_url)], lessons)
        template = work / "template" / "autograder"
        _warm_data_cache(lessons)
    # What a sandboxed kernel must not see even where it lies inside a folder it may read.
    hidden = [out_dir, submissions_dir, SOLUTIONS_DIR, PROJECT_ROOT / ".git", PROJECT_ROOT / "autograder"]
    if db_url.startswith("sqlite:///"):
        hidden.append(Path(db_url[len("sqlite:///"):]))
    options = work / "worker-options.json"
    options.write_text(json.dumps({"cell_timeout": settings.cell_timeout, "sandbox": settings.sandbox,
                                   "limits": dataclasses.asdict(settings.limits),
                                   "hidden": [str(p) for p in hidden]}), encoding="utf-8")
    scratch_root = Path(tempfile.mkdtemp(prefix="rnncourse-grading-"))
    rows: dict[tuple[str, str], dict] = {}
    jobs: list[tuple[Submission, Path]] = []
    cached: dict[tuple[str, str], dict] = {}

    for sub in subs:
        if sub.status in {"invalid", "missing"}:
            continue
        assert sub.path is not None
        sub.digest = file_digest(sub.path)
        cache_file = cache_dir / f"{hashlib.sha256('/'.join(sub.key).encode()).hexdigest()[:24]}.json"
        if cache_file.exists():
            entry = json.loads(cache_file.read_text())
            if entry.get("digest") == sub.digest and entry.get("fingerprint") == fingerprint:
                cached[sub.key] = entry
                continue
        try:
            graded_nb = rebuild(sub, releases[sub.lesson], releases)
        except (ValueError, OSError) as exc:
            sub.status, sub.message = "invalid", f"{sub.path.name}: {exc}"
            continue
        if not settings.sandbox:
            sub.notes.append(NO_SANDBOX_NOTE)
        if not settings.run_demos:
            graded_nb, needed = skip_demonstrations(graded_nb)
            if needed:
                sub.notes.append("the demonstration cells ran too, because the student's code reads "
                                 f"{', '.join(sorted(needed))} from them")
        jobs.append((sub, cache_file))
        sub._graded_nb = with_guard(graded_nb)  # type: ignore[attr-defined]
    # Longest notebooks first, so that no worker is left with a slow lesson at the end.
    jobs.sort(key=lambda job: -_EXPECTED_SECONDS.get(job[0].lesson, 0.0))

    # Run the jobs in parallel workers.
    results: "queue.Queue[tuple[Submission, Path, dict]]" = queue.Queue()
    pending: "queue.Queue[tuple[Submission, Path]]" = queue.Queue()
    for job in jobs:
        pending.put(job)
    num_workers = max(1, min(settings.jobs, len(jobs)))
    protected_before = _protected_state() if not settings.sandbox else {}

    def run_worker(index: int) -> None:
        course = work / f"worker-{index}"
        shutil.copytree(template, course / "autograder")
        shutil.copytree(work / "template" / "solutions", course / "solutions")
        worker = _Worker(course, settings, work / f"worker-{index}.log", options, scratch_root)
        try:
            while True:
                try:
                    sub, cache_file = pending.get_nowait()
                except queue.Empty:
                    return
                target = course / "autograder" / "submitted" / sub.student_id / sub.lesson / f"{sub.lesson}.ipynb"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(sub._graded_nb), encoding="utf-8")  # type: ignore[attr-defined]
                answer = worker.grade({"student": sub.student_id, "lesson": sub.lesson})
                results.put((sub, cache_file, answer))
        finally:
            worker.kill()

    threads = [threading.Thread(target=run_worker, args=(i,), daemon=True) for i in range(num_workers)] if jobs else []
    for thread in threads:
        thread.start()
    done = 0
    started = time.monotonic()
    feedback_notebooks: dict[str, dict[str, Path]] = {}
    _progress(settings, done, len(jobs), started)
    while done < len(jobs):
        sub, cache_file, answer = results.get()
        done += 1
        score, max_score = _classify(sub, answer, _max_points(releases.get(sub.lesson)))
        timed_out = _timed_out_cells(answer.get("autograded", ""))
        if timed_out and sub.status == "graded":
            sub.status = "timeout"
            sub.message = (f"cell(s) stopped at the cell time limit ({settings.cell_timeout} s): "
                           f"{', '.join(timed_out)}; the rest was graded" + (f"; {sub.message}" if sub.message else ""))
        sub.flags[:0] = _read_integrity(answer.get("autograded", ""))  # the guard's findings first
        # Without the sandbox a kernel can write into the course; with it, it cannot (tests/test_grader_sandbox.py).
        if not settings.sandbox and _protected_state() != protected_before:
            sub.flags.append("the course folders changed while this notebook was graded (writing into "
                             "solutions/, lessons/, rnncourse/ or autograder/)")
            protected_before = _protected_state() if not settings.sandbox else {}
        if sub.flags and sub.status == "graded":
            sub.status = "flagged"
        row = _row(sub, score, max_score)
        if answer.get("autograded"):
            kept = out_dir / "autograded" / sub.student_id / sub.lesson / f"{sub.lesson}.ipynb"
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(answer["autograded"], kept)
            row_notebook = str(kept)
        else:
            row_notebook = ""
        if sub.status in {"graded", "flagged"}:
            _merge_into_gradebook(db_url, sub, answer)
        cache_file.write_text(json.dumps({"digest": sub.digest, "fingerprint": fingerprint, "row": row,
                                          "notebook": row_notebook}))
        rows[sub.key] = row
        _progress(settings, done, len(jobs), started)
    for thread in threads:
        thread.join()

    for sub in subs:
        if sub.key in rows:
            continue
        if sub.key in cached:
            rows[sub.key] = cached[sub.key]["row"]
            continue
        if sub.status == "missing" and lessons:
            _remove_from_gradebook(db_url, sub)
        rows[sub.key] = _row(sub, 0.0, _max_points(releases.get(sub.lesson)))

    ordered = [rows[s.key] for s in subs]
    for row in ordered:
        _write_details(out_dir, row)
    _write_csv(out_dir / "grades.csv", ordered)
    _write_formgrader_config(out_dir, db_url)
    _write_feedback(out_dir, ordered, cache_dir, subs)
    log(summary_table(ordered))
    if not settings.sandbox:
        log(f"{NO_SANDBOX_NOTE.capitalize()}: student code ran with your rights (--no-sandbox / SANDBOX=0).")
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(scratch_root, ignore_errors=True)
    return ordered


def _max_points(release: dict | None) -> float:
    if not release:
        return 0.0
    return float(sum(c["metadata"]["nbgrader"].get("points", 0) for c in release["cells"]
                     if c["cell_type"] == "code" and c.get("metadata", {}).get("nbgrader", {}).get("grade")))


MAX_MESSAGE = 600  # characters of a row's message; the rest goes to OUT/details/


def details_path(out_dir: Path, student: str, lesson: str) -> Path:
    return out_dir / "details" / (student or "_unknown") / f"{Path(lesson).name}.txt"


def _message(sub: Submission) -> tuple[str, str]:
    """The row's message (at most MAX_MESSAGE characters) and the full text for the details file.

    The full text is empty when the message says everything.
    """
    parts = [p for p in [sub.message, *sub.notes] if p]
    if sub.flags:
        parts.append("flagged: " + "; ".join(sub.flags))
    full = " | ".join(parts)
    if len(full) <= MAX_MESSAGE and not sub.details:
        return full, ""
    where = f"details/{sub.student_id or '_unknown'}/{Path(sub.lesson).name}.txt"
    suffix = f" (details: {where})"
    budget = MAX_MESSAGE - len(suffix)

    def clip(text: str, size: int = 200) -> str:
        return text if len(text) <= size else text[:size - 3] + "..."

    message = " | ".join(clip(p) for p in [sub.message, *sub.notes] if p)
    shown: list[str] = []
    for index, flag in enumerate(sub.flags):
        left = len(sub.flags) - index - 1
        more = f" and {left} more reason(s)" if left else ""
        candidate = "flagged: " + "; ".join([*shown, clip(flag)]) + more
        if len((f"{message} | " if message else "") + candidate) > budget:
            break
        shown.append(clip(flag))
    if sub.flags:
        left = len(sub.flags) - len(shown)
        flagged = "flagged: " + ("; ".join(shown) if shown else f"{len(sub.flags)} reason(s)")
        flagged += f" and {left} more reason(s)" if shown and left else ""
        message = f"{message} | {flagged}" if message else flagged
    message = clip(message, budget)
    detail_text = "\n".join([full, *sub.details]) + "\n"
    return message + suffix, detail_text


def _row(sub: Submission, score: float, max_score: float) -> dict:
    message, details = _message(sub)
    return {"student_id": sub.student_id, "lesson": sub.lesson, "score": f"{score:g}",
            "max_score": f"{max_score:g}", "status": sub.status, "message": message, "_details": details}


def _write_details(out_dir: Path, row: dict) -> None:
    """OUT/details/<student>/<lesson>.txt when the row's message was shortened; else no such file."""
    path = details_path(out_dir, row["student_id"], row["lesson"])
    if row.get("_details"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(row["_details"], encoding="utf-8")
    elif path.exists():
        path.unlink()


def _write_csv(path: Path, rows: list[dict]) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def _write_feedback(out_dir: Path, rows: list[dict], cache_dir: Path, subs: list[Submission]) -> None:
    feedback = out_dir / "feedback"
    feedback.mkdir(exist_ok=True)
    by_student: dict[str, list[dict]] = {}
    for row in rows:
        if row["student_id"]:
            by_student.setdefault(row["student_id"], []).append(row)
    for student, student_rows in by_student.items():
        notebooks = {}
        for row in student_rows:
            path = out_dir / "autograded" / student / row["lesson"] / f"{row['lesson']}.ipynb"
            if row["status"] in {"graded", "flagged"} and path.exists():
                notebooks[row["lesson"]] = path
        (feedback / f"{student}.html").write_text(_feedback_html(student, student_rows, notebooks),
                                                  encoding="utf-8")


def summary_table(rows: list[dict]) -> str:
    """Per lesson: mean and median score, and the count of each status."""
    lessons = sorted({r["lesson"] for r in rows if r["lesson"] in LESSON_IDS})
    header = f"{'lesson':<15}{'mean':>8}{'median':>8}  " + "".join(f"{s:>9}" for s in STATUSES)
    lines = [header, "-" * len(header)]
    for lesson in lessons:
        lesson_rows = [r for r in rows if r["lesson"] == lesson]
        scores = [float(r["score"]) for r in lesson_rows if r["status"] in {"graded", "flagged"}]
        mean = f"{statistics.mean(scores):.1f}" if scores else "-"
        median = f"{statistics.median(scores):.1f}" if scores else "-"
        counts = "".join(f"{sum(r['status'] == s for r in lesson_rows):>9}" for s in STATUSES)
        lines.append(f"{lesson:<15}{mean:>8}{median:>8}  {counts}")
    other = [r for r in rows if r["lesson"] not in LESSON_IDS]
    if other:
        lines.append(f"{'other files':<15}{'':>8}{'':>8}  " + "".join(
            f"{sum(r['status'] == s for r in other):>9}" for s in STATUSES))
    return "\n".join(lines)


def _progress(settings: Settings, done: int, total: int, started: float) -> None:
    if not settings.progress or total == 0:
        return
    width = 30
    filled = int(width * done / total)
    elapsed = time.monotonic() - started
    bar = "#" * filled + "." * (width - filled)
    end = "\n" if done == total or not sys.stderr.isatty() else ""
    sys.stderr.write(f"\rgrading [{bar}] {done}/{total} notebooks, {elapsed:.0f} s{end}")
    sys.stderr.flush()
