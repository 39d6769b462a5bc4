"""Grade a folder of submissions: sandboxed, on Dask, resumable, and nothing lost.

:func:`grade_folder` reads as one line: **take in** what the instructor downloaded (a folder,
nbgrader's ``submitted/`` or exchange, a Canvas zip: :mod:`.intake`), **discover** the files,
**prepare** each one (rebuild it on the release, or take it from the journal when it was
graded before), run the jobs on the **engine** (:mod:`.engine`, Dask; it starts first, so that
its workers import Keras and the checks while the course is built), **classify** each
result into a status and a message (:mod:`.classify`), **record** it (:mod:`.gradebook`), apply
the **late** policy (:mod:`.due`), and **report** (:mod:`.reports`, :mod:`.class_report`). The command line is
``python -m rnncourse.grader`` (``make grade``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import SECRET_ENV
from ..course import LESSON_IDS, PROJECT_ROOT, SOLUTIONS_DIR
from ..notebook import nbgrader_metadata
from . import gradebook
from .class_report import write_report
from .classify import MAX_MESSAGE, STATUSES, Outcome, Status, classify, message, row
from .courses import course_files, course_fingerprint, make_courses, warm_data_cache
from .demos import skip_demonstrations
from .due import MARKED_LATE_NOTE, UNKNOWN_TIME_NOTE, DueDates, load_due_dates
from .engine import Engine, WorkerSpec
from .feedback import write_feedback
from .intake import Intake, take_in
from .interrupts import interrupts_deferred
from .jobs import Job, Result
from .journal import Journal, OutLock
from .layout import Layout
from .prepare import Submission, discover, file_digest, load_releases, rebuild
from .reports import CSV_COLUMNS, summary_table, write_csv, write_details, write_run_json
from .roster import load_roster
from .sandbox import Limits, probe

__all__ = [
    "CSV_COLUMNS",
    "MAX_MESSAGE",
    "NO_SANDBOX_NOTE",
    "STATUSES",
    "Status",
    "GradingInterrupted",
    "Settings",
    "grade_folder",
    "message",
    "summary_table",
]

NO_SANDBOX_NOTE = "graded without a sandbox"
SCORED = {Status.GRADED, Status.FLAGGED}  # the rows whose points stand (in the gradebook too)


@dataclass(frozen=True)
class Settings:
    """Knobs of one grading run (all have command-line flags)."""

    jobs: int = max(1, os.cpu_count() or 1)  # local Dask workers (ignored with a scheduler)
    cell_timeout: int = 120  # seconds one cell may run
    notebook_timeout: int = 600  # seconds one notebook may take, kernel start included
    memory_limit_gb: float = 4.0  # address-space limit of each worker and its kernels
    db_url: str | None = None  # SQLAlchemy URL of the instructor's gradebook (default: OUT/gradebook.db)
    run_demos: bool = False  # also run the cells tagged skip-when-grading (slower, same scores)
    progress: bool = True
    scheduler: str | None = None  # a Dask scheduler address; None starts a LocalCluster
    sandbox: bool = True  # run every kernel in bubblewrap (rnncourse.grader.sandbox); False only on request
    max_processes: int = Limits.max_processes  # processes and threads of one sandboxed kernel
    file_size_mb: int = Limits.file_size_mb  # largest file a sandboxed kernel may write
    cpu_seconds: int = Limits.cpu_seconds  # CPU time of each process in the sandbox
    tmp_mb: int = Limits.tmp_mb  # size of the sandbox's private /tmp
    roster: Path | None = None  # roster.csv: student_id,name,lms_user_id,sis_id,section (intake, export)
    due_file: Path | None = None  # due dates and late policy (default: autograder/due.toml)
    due: str | None = None  # one ISO 8601 due date for every lesson of the run (replaces the file's dates)

    @property
    def limits(self) -> Limits:
        return Limits(
            memory_gb=self.memory_limit_gb,
            max_processes=self.max_processes,
            file_size_mb=self.file_size_mb,
            cpu_seconds=self.cpu_seconds,
            tmp_mb=self.tmp_mb,
        )


class GradingInterrupted(RuntimeError):
    """Ctrl-C: what was finished is in the journal; running the command again goes on from there."""


def expected_seconds(record: Path | None = None) -> dict[str, float]:
    """Rough grading seconds per notebook of each lesson, from ``make bench``'s last record.

    Used only to start the slowest notebooks first, so only their order matters. The source is
    ``grading.jobs_1.notebook_seconds_by_lesson`` (the median) in ``bench/results.json``; a lesson
    the grading bench has not measured yet takes its fast-mode run (``lessons.<id>.fast``), which
    runs the demonstrations too and so overestimates; a lesson with neither, or no record, 0.
    """
    from ..config import BENCH_RESULTS

    data = _read_json(BENCH_RESULTS if record is None else record)
    data = data if isinstance(data, dict) else {}
    graded = data.get("grading", {}).get("jobs_1", {}).get("notebook_seconds_by_lesson", {})
    lessons = data.get("lessons", {})
    seconds = {}
    for lesson in LESSON_IDS:
        try:
            if lesson in graded:
                seconds[lesson] = float(graded[lesson]["median"])
            else:
                seconds[lesson] = float(lessons[lesson]["fast"]["wall_s"]["median"])
        except (KeyError, TypeError, ValueError):
            seconds[lesson] = 0.0
    return seconds


def _read_json(path: Path) -> Any:
    """The JSON in ``path``, or None if it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _protected_state() -> dict[str, str]:
    """Hashes of the course folders (checked only without the sandbox, which makes them read-only)."""
    state = {}
    for folder in ("solutions", "lessons", "rnncourse", "autograder"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".db":
                state[str(path.relative_to(PROJECT_ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


def _max_points(release: dict[str, Any] | None) -> float:
    if not release:
        return 0.0
    return float(
        sum(
            nbgrader_metadata(c).get("points", 0)
            for c in release["cells"]
            if c["cell_type"] == "code" and nbgrader_metadata(c).get("grade")
        )
    )


# ------------------------------------------------------------------ prepare
def _prepare(
    sub: Submission, releases: dict[str, dict[str, Any]], settings: Settings, expected: dict[str, float]
) -> Job | None:
    """The job for one submission, or None when it cannot be graded (``sub`` then says why)."""
    assert sub.path is not None
    try:
        graded_nb = rebuild(sub, releases[sub.lesson], releases)
    except (ValueError, OSError) as exc:
        sub.status, sub.message = Status.INVALID, f"{sub.path.name}: {exc}"
        return None
    if not settings.sandbox:
        sub.notes.append(NO_SANDBOX_NOTE)
    if not settings.run_demos:
        graded_nb, needed = skip_demonstrations(graded_nb)
        if needed:
            sub.notes.append(
                "the demonstration cells ran too, because the student's code reads "
                f"{', '.join(sorted(needed))} from them"
            )
    return Job(
        student=sub.student_id,
        lesson=sub.lesson,
        notebook=graded_nb,
        digest=sub.digest,
        expected_seconds=expected.get(sub.lesson, 0.0),
    )


def secret_tag() -> str:
    """The course secret's part of the fingerprint: another secret means other hidden inputs, so a regrade.

    A digest, never the secret: the fingerprint is written to the journal, and run.json names the digest.
    """
    secret = os.environ.get(SECRET_ENV, "")
    return "+secret-" + hashlib.sha256(secret.encode()).hexdigest()[:12] if secret else ""


def _worker_spec(
    work: Path,
    out_dir: Path,
    submissions_dir: Path,
    db_url: str,
    lessons: list[str],
    fingerprint: str,
    settings: Settings,
    scratch_parent: Path,
) -> WorkerSpec:
    """Build the private courses once and package the workers' copy as data."""
    make_courses([(work / "template", None), (work / "instructor", db_url)], lessons)
    # What a sandboxed kernel must not see even where it lies inside a folder it may read.
    hidden = [out_dir, submissions_dir, SOLUTIONS_DIR, PROJECT_ROOT / ".git", PROJECT_ROOT / "autograder"]
    if db_url.startswith("sqlite:///"):
        hidden.append(Path(db_url[len("sqlite:///") :]))
    options = {
        "cell_timeout": settings.cell_timeout,
        "sandbox": settings.sandbox,
        "limits": dataclasses.asdict(settings.limits),
        "hidden": [str(p) for p in hidden],
        # Hidden tests draw their inputs from it (checks._core.hidden_seed); only the harness reads it.
        "secret": os.environ.get(SECRET_ENV, ""),
    }
    return WorkerSpec(
        fingerprint=fingerprint,
        course=course_files(work / "template"),
        lessons=tuple(lessons),
        options=options,
        memory_limit_gb=settings.memory_limit_gb,
        notebook_timeout=float(settings.notebook_timeout),
        scratch_parent=str(scratch_parent),
    )


def _progress(settings: Settings, total: int) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("notebooks"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not settings.progress or total == 0,
    )


# ------------------------------------------------------------------ record
COURSE_CHANGED_FLAG = (
    "the course folders changed while this notebook was graded (writing "
    "into solutions/, lessons/, rnncourse/ or autograder/)"
)  # without the sandbox only: with it, nothing outside the scratch folder can change


def _record(
    layout: Layout, sub: Submission, result: Result, outcome: Outcome, db_url: str
) -> tuple[dict[str, str], dict[str, Any]]:
    """Keep one classified notebook: its executed copy in OUT and its grades in the gradebook.

    Hand grades survive a regrade: only free responses whose text changed lose them. Returns the
    row and what run.json records of the run.
    """
    kept = layout.autograded(sub.student_id, sub.lesson)
    before = gradebook.hand_graded_answers(_read_json(kept))  # what was graded by hand
    if result.autograded is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(result.autograded), encoding="utf-8")
    if outcome.scored:
        after = gradebook.hand_graded_answers(result.autograded)
        changed = frozenset(name for name, text in after.items() if before.get(name) != text)
        gradebook.merge(db_url, sub.student_id, sub.lesson, result.grades, changed)
    run = {
        "worker": result.worker,
        "seconds": round(result.seconds, 3),
        "attempts": result.attempts,
        "status": str(outcome.status),
    }
    return row(sub, outcome), run


# ------------------------------------------------------------------ late
def _late(rows: list[dict[str, str]], due_dates: DueDates, intake: Intake) -> list[dict[str, str]]:
    """Each row with its late columns (:mod:`.due`); the raw ``score`` stays what the tests gave."""
    late = []
    for each in rows:
        key = (each["student_id"], each["lesson"])
        marked = key in intake.late_marked and key not in intake.submitted_at
        columns = due_dates.columns(each, intake.submitted_at.get(key), marked_late=marked)
        notes = [each["message"]] if each["message"] else []
        if marked and due_dates.policy.method != "none":
            notes.append(MARKED_LATE_NOTE)
        elif each["lesson"] in due_dates.dates and key not in intake.submitted_at and each["status"] in SCORED:
            notes.append(UNKNOWN_TIME_NOTE)
        late.append({**each, **columns, "message": " | ".join(notes)})
    return late


# ------------------------------------------------------------------ the command
def grade_folder(
    submissions_dir: Path, out_dir: Path, settings: Settings = Settings(), log: Callable[[str], None] = print
) -> list[dict[str, str]]:
    """Grade every notebook under ``submissions_dir``; write OUT/grades.csv, feedback, run.json, summary.

    Returns the rows of grades.csv. Nothing under ``submissions_dir`` is modified. One run at a
    time may use ``out_dir`` (:class:`~rnncourse.grader.journal.GradingLocked` otherwise).
    """
    submissions_dir, out_dir = Path(submissions_dir).resolve(), Path(out_dir).resolve()
    if out_dir == submissions_dir or submissions_dir in out_dir.parents:
        raise ValueError("OUT must not be inside SUBMISSIONS (nothing under SUBMISSIONS is modified)")
    out_dir.mkdir(parents=True, exist_ok=True)
    with OutLock(out_dir):
        return _grade(submissions_dir, out_dir, settings, log)


def _grade(
    submissions_dir: Path, out_dir: Path, settings: Settings, log: Callable[[str], None]
) -> list[dict[str, str]]:
    # take in -> discover
    releases = load_releases()
    known = tuple(releases) or LESSON_IDS
    layout = Layout(out_dir)
    due_dates = load_due_dates(settings.due_file, settings.due, known)
    roster = load_roster(settings.roster) if settings.roster else None
    intake = take_in(submissions_dir, layout.intake, known, roster)
    students = [entry.student_id for entry in roster.students] if roster else []
    subs = discover(intake.folder, known, students=students)
    subs += [
        Submission("", name, None, Status.INVALID, text) for name, text in intake.unplaced
    ]  # files the intake could not place: named, with what was expected
    for sub in subs:
        sub.notes.extend(intake.notes.get(sub.key, []))
    db_url = settings.db_url or f"sqlite:///{layout.gradebook}"
    lessons = sorted({s.lesson for s in subs if s.lesson in releases})
    if settings.sandbox and lessons:
        probe(settings.limits)  # raises SandboxUnavailable with the reason and the fix
    fingerprint = (
        course_fingerprint(lessons)
        + ("+demos" if settings.run_demos else "")
        + ("" if settings.sandbox else "+nosandbox")
        + secret_tag()
    )
    journal = Journal(layout.journal)

    # what the journal holds already is not graded again
    rows: dict[tuple[str, str], dict[str, str]] = {}
    run_notebooks: dict[str, dict[str, Any]] = {}
    to_grade: list[Submission] = []
    for sub in subs:
        if sub.status in {Status.INVALID, Status.MISSING}:
            continue
        assert sub.path is not None
        sub.digest = file_digest(sub.path)
        entry = journal.done(sub.key, sub.digest, fingerprint)
        if entry is not None:
            rows[sub.key] = entry["row"]
            run_notebooks["/".join(sub.key)] = {**entry["run"], "from_journal": True}
        else:
            to_grade.append(sub)

    # engine (started first) -> prepare -> classify -> gradebook, one result at a time
    started = time.time()
    cluster: dict[str, Any] = {}
    jobs: list[Job] = []
    by_key: dict[tuple[str, str], Submission] = {}
    if to_grade:
        work = layout.work
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        # The kernels' scratch folders (short paths: unix sockets live there); removed at the end, even
        # those of workers that were killed.
        scratch_parent = Path(tempfile.mkdtemp(prefix="rnncourse-grading-"))
        done = 0
        try:  # from here an interrupt (Ctrl-C, `kill`) keeps what was graded and removes the scratch folders
            with Engine(max(1, min(settings.jobs, len(to_grade))), settings.scheduler) as engine:
                # The workers' processes import Keras and the checks while this one builds the course
                # and rebuilds the notebooks, on one core.
                engine.start_early(str(scratch_parent), settings.memory_limit_gb, float(settings.notebook_timeout))
                spec = _worker_spec(
                    work, out_dir, submissions_dir, db_url, lessons, fingerprint, settings, scratch_parent
                )
                warm_data_cache(lessons)
                protected_before = _protected_state() if not settings.sandbox else {}
                expected = expected_seconds()  # the slowest notebooks start first
                for sub in to_grade:  # prepare
                    job = _prepare(sub, releases, settings, expected)
                    if job is not None:
                        jobs.append(job)
                        by_key[sub.key] = sub
                info = engine.info()
                cluster = dataclasses.asdict(info)
                if info.dashboard:
                    log(f"Dask dashboard: {info.dashboard}")
                with _progress(settings, len(jobs)) as progress:
                    task = progress.add_task("grading", total=len(jobs), rate="")

                    def on_result(job: Job, result: Result) -> None:
                        nonlocal done, protected_before
                        sub = by_key[job.key]
                        if not settings.sandbox and _protected_state() != protected_before:
                            sub.flags.append(COURSE_CHANGED_FLAG)
                            protected_before = _protected_state()
                        # classify -> record: one notebook's outcome, then what is kept of it
                        outcome = classify(
                            result,
                            _max_points(releases.get(sub.lesson)),
                            settings.cell_timeout,
                            flagged=bool(sub.flags),
                        )
                        notebook = str(layout.autograded(*sub.key)) if result.autograded is not None else ""
                        with interrupts_deferred():  # Ctrl-C waits until files, gradebook rows and journal line are in
                            the_row, run = _record(layout, sub, result, outcome, db_url)
                            journal.append(
                                {
                                    "student": sub.student_id,
                                    "lesson": sub.lesson,
                                    "digest": sub.digest,
                                    "fingerprint": fingerprint,
                                    "row": the_row,
                                    "notebook": notebook,
                                    "run": run,
                                }
                            )
                            rows[sub.key] = the_row
                            run_notebooks["/".join(sub.key)] = run
                            done += 1
                        minutes = max(time.time() - started, 1e-9) / 60
                        progress.update(task, advance=1, rate=f"{done / minutes:.1f}/min")

                    engine.run(jobs, spec, on_result)
        except KeyboardInterrupt:
            journal.close()
            raise GradingInterrupted(
                f"interrupted: {done} of {len(to_grade)} notebooks were graded and are kept in "
                f"{layout.journal}; run the same command again to grade the rest"
            ) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(scratch_parent, ignore_errors=True)
    journal.close()

    # report
    for sub in subs:
        if sub.key in rows:
            continue
        if sub.status == Status.MISSING and lessons:
            gradebook.remove(db_url, sub.student_id, sub.lesson)
        rows[sub.key] = row(sub, Outcome(sub.status, 0.0, _max_points(releases.get(sub.lesson)), sub.message))
    ordered = _late([rows[s.key] for s in subs], due_dates, intake)
    if lessons:
        gradebook.record_times(
            db_url,
            due_dates.dates,
            {
                (r["student_id"], r["lesson"]): intake.submitted_at.get((r["student_id"], r["lesson"]))
                for r in ordered
                if r["status"] in SCORED
            },
        )
    for each in ordered:
        write_details(out_dir, each)
    write_csv(layout.grades_csv, ordered)
    gradebook.write_formgrader_config(out_dir, db_url)
    write_run_json(
        layout.run_json,
        {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "seconds": round(time.time() - started, 3),
            "sandbox": settings.sandbox,
            # Where the hidden tests' inputs came from: the course secret (its digest, never itself) or
            # the seeds written in solutions/, which anyone with the repository can read.
            "hidden_inputs": f"course secret {secret_tag()[len('+secret-') :]}" if secret_tag() else "public seeds",
            "jobs": settings.jobs,
            "cluster": cluster or None,
            "graded_now": len(jobs),
            "from_journal": sum(1 for n in run_notebooks.values() if n.get("from_journal")),
            "due": {lesson: when.isoformat() for lesson, when in sorted(due_dates.dates.items())},
            "late_policy": dataclasses.asdict(due_dates.policy),  # what the export applies to hand grades too
            "notebooks": run_notebooks,
        },
    )
    write_feedback(out_dir, ordered, db_url)
    write_report(out_dir, ordered, json.loads(layout.run_json.read_text(encoding="utf-8")))
    log(summary_table(ordered))
    if not settings.sandbox:
        log(f"{NO_SANDBOX_NOTE.capitalize()}: student code ran with your rights (--no-sandbox / SANDBOX=0).")
    return [{column: each[column] for column in CSV_COLUMNS} for each in ordered]
