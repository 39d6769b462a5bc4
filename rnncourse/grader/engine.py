"""The grading engine: dask.distributed, on a local cluster or on any Dask scheduler.

* Without a scheduler address, :class:`Engine` starts a ``LocalCluster`` on 127.0.0.1 with
  JOBS worker processes of one thread each.
* With one (``--scheduler tcp://host:8786``), it grades on that cluster. Every worker needs
  the course checkout and its ``.venv``, nothing else: the course (nbgrader config,
  sources, gradebook template) reaches the workers as data in :class:`GradingPlugin`, the
  notebooks as :class:`~rnncourse.grader.jobs.Job` and the results come back as
  :class:`~rnncourse.grader.jobs.Result`.
* Each worker keeps one private nbgrader course and one nbgrader process
  (:class:`~rnncourse.grader.process.NbgraderProcess`). The grader starts the processes
  first (:meth:`Engine.start_early`), so that they import Keras and the checks while it builds
  the course on one core; the course reaches them with :meth:`Engine.register`. A worker
  that was not started early starts its process on its first notebook.
* A worker lost mid-notebook (killed, crashed, its machine gone) costs that notebook one
  attempt: it is submitted again and runs on another worker. A notebook that was being graded
  on :data:`MAX_ATTEMPTS` lost workers is given up as ``error``, so one poison notebook cannot
  take down the cluster. Each result reaches the caller once.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from .interrupts import interrupts_deferred
from .jobs import Grade, Job, Result
from .process import NbgraderProcess

PLUGIN_NAME = "rnncourse-grading"
MAX_ATTEMPTS = 3  # workers a notebook may take down before it is given up
POISON_MESSAGE = "grading this notebook stopped {attempts} workers in a row; it was given up"


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to grade, as data."""

    fingerprint: str
    course: dict[str, bytes]  # relative path -> content (rnncourse.grader.courses.course_files)
    lessons: tuple[str, ...]
    options: dict[str, Any]  # for rnncourse.grader.worker: cell_timeout, sandbox, limits, hidden
    memory_limit_gb: float
    notebook_timeout: float
    scratch_parent: str | None = None  # where kernels' scratch folders go, if this folder exists on the worker


class GradingPlugin(WorkerPlugin):
    """Per-worker state: the private course and the nbgrader process, made on the first notebook."""

    name = PLUGIN_NAME

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec  # the only state that travels; the rest is made on the worker in setup()

    def __getstate__(self) -> dict[str, Any]:
        return {"spec": self.spec}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.spec = state["spec"]

    def setup(self, worker: Any) -> None:
        self._lock = threading.Lock()
        self._process: NbgraderProcess | None = None
        self._root: Path | None = None
        self._scratch: Path | None = None
        self.address = str(worker.address)
        self._local = Path(worker.local_directory)

    def teardown(self, worker: Any) -> None:
        # A notebook in progress holds the lock until it is graded, which can be a cell's whole time
        # limit: stop its process first, so that grade() returns now (an interrupted run waited for it).
        process = self._process
        if process is not None:
            process.stop()
        with self._lock:
            if self._process is not None:
                self._process.kill()
                self._process = None
            for path in (self._root, self._scratch):
                if path is not None:
                    shutil.rmtree(path, ignore_errors=True)

    def _ready(self) -> tuple[NbgraderProcess, Path]:
        if self._process is None or self._root is None:
            from .courses import warm_data_cache, write_course

            early = _EARLY.pop(self.address, None)
            if early is not None and early.fits(self.spec):  # started before the course existed
                process = early.process
            else:
                if early is not None:
                    early.drop()
                process = _new_process(
                    self._local, self.spec.scratch_parent, self.spec.memory_limit_gb, self.spec.notebook_timeout
                )
            self._process, self._root, self._scratch = process, process.course, process.scratch_root
            write_course(process.course, self.spec.course)
            process.options.write_text(json.dumps(self.spec.options), encoding="utf-8")
            warm_data_cache(self.spec.lessons)
        return self._process, self._root

    def grade(self, job: Job) -> Result:
        started = time.monotonic()
        with self._lock:
            process, root = self._ready()
            autograder = root / "autograder"
            submitted = autograder / "submitted" / job.student / job.lesson / f"{job.lesson}.ipynb"
            submitted.parent.mkdir(parents=True, exist_ok=True)
            submitted.write_text(json.dumps(job.notebook), encoding="utf-8")
            answer = process.grade(job.student, job.lesson)
            executed = autograder / "autograded" / job.student / job.lesson / f"{job.lesson}.ipynb"
            notebook = json.loads(executed.read_text(encoding="utf-8")) if executed.exists() else None
            if executed.exists():
                executed.unlink()  # the parent keeps the copy; a worker grades thousands
        return Result(
            student=job.student,
            lesson=job.lesson,
            success=bool(answer.get("success")),
            timeout=bool(answer.get("timeout")),
            error=str(answer.get("error", "")),
            log=str(answer.get("log", "")),
            grades=[Grade(**g) for g in answer.get("grades") or []],
            autograded=notebook,
            worker=self.address,
            seconds=time.monotonic() - started,
        )


def _new_process(local: Path, scratch_parent: str | None, memory_limit_gb: float, timeout: float) -> NbgraderProcess:
    """A worker's grading process (not started) with its empty course folder and its scratch folder."""
    root = local / f"rnncourse-course-{uuid.uuid4().hex[:12]}"
    root.mkdir(parents=True)
    # Short paths (unix sockets live there); under the grader's own folder when it is on this machine,
    # so that the grader removes them even when this worker is killed.
    parent = scratch_parent if scratch_parent and Path(scratch_parent).is_dir() else None
    scratch = Path(tempfile.mkdtemp(prefix="w", dir=parent))
    lock = Path(parent) / "warm-up.lock" if parent else None  # the grader's machine: its workers import in turn
    return NbgraderProcess(
        root, root / "worker-options.json", root / "nbgrader.log", scratch, memory_limit_gb, timeout, lock
    )


@dataclass
class _Early:
    """A grading process started before its course existed (:meth:`Engine.start_early`)."""

    process: NbgraderProcess
    memory_limit_gb: float
    notebook_timeout: float

    def fits(self, spec: WorkerSpec) -> bool:
        return (self.memory_limit_gb, self.notebook_timeout) == (spec.memory_limit_gb, spec.notebook_timeout)

    def drop(self) -> None:
        self.process.kill()
        for path in (self.process.course, self.process.scratch_root):
            shutil.rmtree(path, ignore_errors=True)


_EARLY: dict[str, _Early] = {}  # worker address -> its process started early, until the course comes


def _start_early(scratch_parent: str | None, memory_limit_gb: float, timeout: float, dask_worker: Any) -> None:
    """Run on each worker by :meth:`Engine.start_early`."""
    address = str(dask_worker.address)
    if address in _EARLY:
        return
    process = _new_process(Path(dask_worker.local_directory), scratch_parent, memory_limit_gb, timeout)
    process.start()
    _EARLY[address] = _Early(process, memory_limit_gb, timeout)


def _drop_early(dask_worker: Any) -> None:
    """Run on each worker when the engine closes: a process started early but never given a course."""
    early = _EARLY.pop(str(dask_worker.address), None)
    if early is not None:
        early.drop()


def grade_job(job: Job) -> Result:
    """The task that runs on a Dask worker."""
    from distributed import get_worker

    plugin = get_worker().plugins[PLUGIN_NAME]
    assert isinstance(plugin, GradingPlugin)
    return plugin.grade(job)


def echo_job(job: Job) -> Result:
    """A task that grades nothing: ``make bench`` measures the engine's own cost per notebook with it."""
    return Result(student=job.student, lesson=job.lesson, success=True)


@dataclass
class ClusterInfo:
    """What run.json records about the cluster."""

    scheduler: str
    local: bool
    dashboard: str | None
    workers: list[dict[str, Any]] = field(default_factory=list)
    allowed_failures: int = 0


def quiet_dask_logs() -> list[tuple[Any, int]]:
    """Stop dask.distributed's loggers in this process from printing anything (run at shutdown).

    Returns each changed logger or handler with its former level, for :func:`restore_levels`.
    """
    logger = logging.getLogger("distributed")
    changed: list[tuple[Any, int]] = [(logger, logger.level)] + [(h, h.level) for h in logger.handlers]
    for each, _ in changed:
        each.setLevel(logging.CRITICAL + 1)
    return changed


def restore_levels(changed: list[tuple[Any, int]]) -> None:
    for each, level in changed:
        each.setLevel(level)


def _quiet_this_process() -> None:
    """Run on a worker or nanny by :meth:`Engine.__exit__` (it returns nothing to send back)."""
    quiet_dask_logs()


class Engine:
    """A Dask client (and, without a scheduler address, the local cluster it owns)."""

    def __init__(self, jobs: int, scheduler: str | None = None) -> None:
        self.jobs, self.scheduler = jobs, scheduler
        self.client: Any = None
        self.cluster: Any = None
        self._futures: dict[str, Any] = {}  # key -> future not yet returned
        self._registered = False

    def __enter__(self) -> Engine:
        # A Ctrl-C or `kill` while the cluster starts waits until it is up, and then closes it: a
        # cluster stopped halfway outlived the run and printed distributed's traceback at exit.
        try:
            with interrupts_deferred():
                self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler:
            self.client = Client(self.scheduler, timeout=30)
        else:
            # allowed-failures 0: a lost worker fails the task at once and this engine counts the
            # attempts itself (an external scheduler's own setting is read in `info`).
            # The worker processes ignore SIGINT: Ctrl-C reaches the whole foreground process group, and
            # only the grader should handle it (it keeps what was graded and says how to go on). So a
            # Ctrl-C in the few seconds the workers start is lost: press it again. (`kill` is held.)
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                    self.cluster = LocalCluster(
                        n_workers=self.jobs,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=":0",
                        memory_limit=0,
                        silence_logs=logging.ERROR,
                    )
            finally:
                signal.signal(signal.SIGINT, previous)
            self.client = Client(self.cluster)

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            try:
                self.client.run(_drop_early, on_error="ignore")
            except Exception:  # noqa: BLE001  (the workers are gone, and their processes with them)
                pass
        if self.cluster is not None and self.client is not None:
            # Our own workers are going away: what they log while they close (a heartbeat that
            # finds the scheduler gone, a stream closed by Ctrl-C) is not news to the instructor.
            for nanny in (False, True):
                try:
                    self.client.run(_quiet_this_process, nanny=nanny, on_error="ignore")
                except Exception:  # noqa: BLE001  (the workers are gone already)
                    pass
        # The local scheduler lives in this process: quiet it while it closes, then restore.
        changed = quiet_dask_logs() if self.cluster is not None else []
        try:
            if self.client is not None:
                try:  # an interrupted run: drop what is queued before the workers lose their course
                    if self._futures:
                        self.client.cancel(list(self._futures.values()), force=True)
                except Exception:  # noqa: BLE001
                    pass
                if self._registered:
                    try:
                        self.client.unregister_worker_plugin(PLUGIN_NAME)
                    except Exception:  # noqa: BLE001  (the cluster is gone)
                        pass
                self.client.close()
        finally:
            try:
                if self.cluster is not None:
                    self.cluster.close()
            finally:
                restore_levels(changed)

    def info(self) -> ClusterInfo:
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        try:
            allowed = int(self.client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.allowed_failures))
        except Exception:  # noqa: BLE001
            allowed = 3
        dashboard = None if self.cluster is not None else getattr(self.client, "dashboard_link", None)
        return ClusterInfo(
            scheduler=str(self.client.scheduler.address),
            local=self.cluster is not None,
            dashboard=dashboard,
            allowed_failures=allowed,
            workers=[
                {"address": address, "host": w.get("host"), "nthreads": w.get("nthreads"), "name": str(w.get("name"))}
                for address, w in sorted(workers.items())
            ],
        )

    def start_early(self, scratch_parent: str | None, memory_limit_gb: float, notebook_timeout: float) -> None:
        """Start every worker's grading process now, before the course exists (it waits for its first job).

        It imports Keras and the checks meanwhile (4-5 s of CPU each), while the grader builds the
        course and rebuilds the submissions on one core. :meth:`run` hands each process its course.
        """
        self.client.run(_start_early, scratch_parent, memory_limit_gb, notebook_timeout)

    def run(
        self,
        jobs: Iterable[Job],
        spec: WorkerSpec | None,
        on_result: Callable[[Job, Result], None],
        task: Callable[[Job], Result] = grade_job,
    ) -> None:
        """Grade ``jobs``; call ``on_result`` once per job, as results arrive.

        ``task`` is what runs on the workers (:func:`grade_job`; the benchmark passes
        :func:`echo_job`, which needs no ``spec``).
        """
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        if spec is not None:
            self.client.register_plugin(GradingPlugin(spec), name=PLUGIN_NAME)
            self._registered = True
        per_submission = self.info().allowed_failures + 1  # workers a submission can lose before it fails
        pending = as_completed()
        meta: dict[str, tuple[Job, int]] = {}

        def submit(job: Job, lost: int) -> None:
            future = self.client.submit(
                task, job, key=f"grade-{uuid.uuid4().hex}", pure=False, priority=int(job.expected_seconds * 10)
            )
            meta[future.key] = (job, lost)
            self._futures[future.key] = future
            pending.add(future)

        for job in jobs:
            submit(job, 0)
        for future in pending:
            job, lost = meta.pop(future.key)
            self._futures.pop(future.key, None)
            try:
                result = future.result()
                result.attempts = lost + 1
            except KilledWorker:
                lost += per_submission
                if lost < MAX_ATTEMPTS:
                    submit(job, lost)
                    continue
                result = Result(
                    student=job.student,
                    lesson=job.lesson,
                    error=POISON_MESSAGE.format(attempts=lost),
                    attempts=lost,
                    gave_up=True,
                )
            except Exception as exc:  # noqa: BLE001  (one notebook never stops the batch)
                result = Result(
                    student=job.student, lesson=job.lesson, error=f"{type(exc).__name__}: {exc}", attempts=lost + 1
                )
            future.release()
            on_result(job, result)
