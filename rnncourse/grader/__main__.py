"""Command line: python -m rnncourse.grader SUBMISSIONS [--out OUT] [--jobs N] ..."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .core import GradingInterrupted, Settings, grade_folder
from .journal import GradingLocked
from .sandbox import SandboxUnavailable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rnncourse.grader",
        description="Autograde student notebooks in fast mode. SUBMISSIONS is a folder (nbgrader layout "
        "<dir>/<student>/<lesson>/<lesson>.ipynb, flat <dir>/<student>/<lesson>.ipynb, nbgrader's submitted/ or "
        "exchange folder) or a Canvas 'Download Submissions' zip; the kind is detected.",
    )
    parser.add_argument("submissions", type=Path, help="folder or Canvas zip of submissions (never modified)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("grading-output"),
        help="where grades.csv, feedback/ and autograded/ go (default: grading-output)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=Settings.jobs,
        help="local Dask workers, each grading one notebook at a time (default: the cores, %(default)s here)",
    )
    parser.add_argument(
        "--scheduler",
        default=os.environ.get("SCHEDULER") or None,
        help="grade on this Dask cluster, e.g. tcp://host:8786 (default: a local cluster of --jobs workers)",
    )
    parser.add_argument(
        "--cell-timeout", type=int, default=Settings.cell_timeout, help="seconds per cell (default: %(default)s)"
    )
    parser.add_argument(
        "--notebook-timeout",
        type=int,
        default=Settings.notebook_timeout,
        help="seconds per notebook (default: %(default)s)",
    )
    parser.add_argument(
        "--memory-limit-gb",
        type=float,
        default=Settings.memory_limit_gb,
        help="address-space limit per grading kernel (default: %(default)s)",
    )
    parser.add_argument(
        "--db-url",
        default=os.environ.get("DB_URL") or None,
        help="SQLAlchemy URL of the gradebook (default: sqlite in OUT; env DB_URL)",
    )
    parser.add_argument(
        "--run-demos",
        action="store_true",
        help="also run the demonstration cells (tagged skip-when-grading); slower, same scores",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--roster",
        type=Path,
        default=os.environ.get("ROSTER") or None,
        help="roster.csv (student_id,name,lms_user_id,sis_id,section): maps LMS user ids to student ids "
        "and lists students who submitted nothing (default: none; env ROSTER)",
    )
    parser.add_argument(
        "--due-file",
        type=Path,
        default=None,
        help="due dates and late policy (default: autograder/due.toml; see docs/instructors.md)",
    )
    parser.add_argument(
        "--due",
        default=os.environ.get("DUE") or None,
        help="one due date for every lesson of this run, ISO 8601 with offset, e.g. 2026-12-15T23:59:00+00:00 "
        "(replaces the file's dates; env DUE)",
    )
    sandbox = parser.add_argument_group(
        "sandbox", "every grading kernel runs in bubblewrap (see docs/instructors.md, Security model)"
    )
    sandbox.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run student code with your own rights (every row then says so); make grade SANDBOX=0",
    )
    sandbox.add_argument(
        "--max-processes",
        type=int,
        default=Settings.max_processes,
        help="processes and threads one kernel may have (0: no limit; default: %(default)s)",
    )
    sandbox.add_argument(
        "--file-size-mb",
        type=int,
        default=Settings.file_size_mb,
        help="largest file a kernel may write (0: no limit; default: %(default)s)",
    )
    sandbox.add_argument(
        "--cpu-seconds",
        type=int,
        default=Settings.cpu_seconds,
        help="CPU time of each process of a kernel (0: no limit; default: %(default)s)",
    )
    sandbox.add_argument(
        "--tmp-mb", type=int, default=Settings.tmp_mb, help="size of a kernel's private /tmp (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    settings = Settings(
        jobs=args.jobs,
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        memory_limit_gb=args.memory_limit_gb,
        db_url=args.db_url,
        progress=not args.no_progress,
        run_demos=args.run_demos,
        scheduler=args.scheduler,
        sandbox=not args.no_sandbox,
        max_processes=args.max_processes,
        file_size_mb=args.file_size_mb,
        cpu_seconds=args.cpu_seconds,
        tmp_mb=args.tmp_mb,
        roster=args.roster,
        due_file=args.due_file,
        due=args.due,
    )
    # A `kill` or a CI timeout stops the run as Ctrl-C does: graded notebooks kept, scratch folders removed.
    signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C too, even when this process was started with SIGINT ignored, as a script's background
    # job is (`make grade &`): the run would otherwise go on to the end after Ctrl-C or `kill -INT`.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        grade_folder(args.submissions, args.out, settings)
    except (FileNotFoundError, ValueError, SandboxUnavailable, GradingLocked) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GradingInterrupted as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # before the notebooks were sent out, or while the reports were written
        print(
            f"\ninterrupted: every notebook graded so far is kept in {args.out / 'journal.jsonl'}; "
            "run the same command again to finish",
            file=sys.stderr,
        )
        return 130
    print(f"wrote {args.out / 'grades.csv'} and {args.out / 'feedback'}/")
    return 0


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    raise SystemExit(main())
