"""The trusted grading harness: test cells run here, the student's code runs in its kernel.

nbgrader's autograde executes a notebook cell by cell. :class:`HarnessExecute` takes the place
of its ``Execute`` step: the student's cells go to the (sandboxed) kernel as before, and every
test cell, visible or hidden, runs in this process instead, in a fresh namespace. There the
names a test uses resolve in two ways:

* a name the lesson binds by an import in its own cells (``checks``) is imported here, from the
  course's package, as the lesson's source notebook says;
* any other name is the student's: a :class:`StudentFunction` proxy. Calling it sends the
  arguments to the kernel as plain values (:mod:`.values`), runs :func:`.kernel_side.serve`
  there, and reads the answer back, checked on arrival, with a time limit per call.

The check computes its verdict here, from values, so nothing the student's interpreter does
(input transformers, events, patched numpy, lying objects) can change it, and the test's
source and expected values never enter the kernel. The harness writes the cell's outputs: a
hidden test shows its outcome and the check's hint, never its inputs or what the kernel printed.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import gc
import importlib
import io
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

from ..checks._core import CheckFailure
from ..notebook import cell_source, ipython_to_python, nbgrader_metadata
from .values import ANSWER, DEFAULT_LIMITS, REQUEST, Limits, Reader, ValueRejected, Writer
from .warm_up import finish_warm_up, start_warm_up

HIDDEN_MARKER = "BEGIN HIDDEN TESTS"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")


def is_test_cell(cell: Any) -> bool:
    """An autograded test cell: nbgrader ``grade`` without ``solution``, in code."""
    meta = nbgrader_metadata(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _check_failure(message: str, hint: str | None = None) -> AssertionError:
    return CheckFailure(message if hint is None else f"{message}\nHint: {hint}")


class KernelGone(Exception):
    """The kernel died or stopped answering; the message says which, for the test's output."""


class CallTimedOut(Exception):
    """A call did not finish within the time limit per call; the kernel was interrupted."""


class CallFailed(CheckFailure):
    """A call to the kernel failed as a whole (``reason``: ``"timeout"`` or ``"kernel"``), not the answer."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


# ------------------------------------------------------------------ the link to the kernel
class KernelLink:
    """Requests to the student's kernel, one fresh folder of its scratch folder per request.

    ``run(code, timeout)`` runs one line in the kernel and returns when it finished; it raises
    :class:`KernelGone` when the kernel died or did not finish in time. The request is written
    and the answer read through descriptors that follow no links (the kernel owns the folder).
    """

    def __init__(self, run: Any, scratch: Path, timeout: float, limits: Limits = DEFAULT_LIMITS) -> None:
        self.run, self.scratch, self.timeout, self.limits = run, scratch, timeout, limits
        self.gone = ""  # why the kernel cannot be reached any more ("" while it can)
        self.calls, self.kernel_seconds = 0, 0.0  # requests sent, and the time spent waiting on the kernel
        self.kept: dict[Any, tuple[Any, str]] = {}  # large values this kernel holds (values.Writer)
        self.course_data = True  # name the course's GloVe vectors instead of sending them (values.Writer)
        # Names the kernel said are functions, until the next student cell runs: a test cell after
        # another (a hidden test after its visible one) calls them without asking again. A proxy
        # calls by name, so a function rebound in between is still the one called.
        self.functions: set[str] = set()

    def _new_folder(self) -> tuple[str, int]:
        name = "call-" + secrets.token_hex(8)
        scratch_fd = os.open(self.scratch, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            os.mkdir(name, 0o777, dir_fd=scratch_fd)
            folder_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=scratch_fd)
        finally:
            os.close(scratch_fd)
        return str(self.scratch / name), folder_fd

    @staticmethod
    def _publish(private: str, folder_fd: int) -> None:
        """Copy the request's files into the call folder, creating each one (no link is followed)."""
        for name in sorted(os.listdir(private)):
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=folder_fd)
            with os.fdopen(fd, "wb") as target, open(os.path.join(private, name), "rb") as source:
                shutil.copyfileobj(source, target)

    @contextlib.contextmanager
    def call(
        self,
        op: str,
        name: str,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        seed: int | None = None,
        calls: list[tuple[tuple[Any, ...], dict[str, Any]]] | None = None,
    ) -> Iterator[tuple[dict[str, Any], Reader]]:
        """Send one request; yield the kernel's answer and a :class:`Reader` for its values.

        ``calls`` (with ``op="call_each"``): several calls' arguments, run in order in one request.
        The call's folder is removed when the block ends.
        """
        if self.gone:
            raise KernelGone(self.gone)
        for _ in range(2):  # a second time only when the kernel could not load course data itself
            folder, folder_fd = self._new_folder()
            try:
                self._write_request(folder_fd, op, name, args, kwargs, seed, calls)
                started = time.perf_counter()
                try:
                    self.run(
                        f"__import__('rnncourse.grader.kernel_side', fromlist=['serve']).serve({folder!r})",
                        self.timeout,
                    )
                except KernelGone as exc:
                    self.gone = str(exc)
                    raise
                finally:
                    self.calls += 1
                    self.kernel_seconds += time.perf_counter() - started
                with Reader(folder, self.limits) as reader:
                    answer = reader.message(ANSWER)
                    if answer.get("course_data") == "unavailable" and self.course_data:
                        self.course_data = False  # this kernel gets the values themselves from now on
                        continue
                    yield answer, reader
                    return
            finally:
                os.close(folder_fd)
                shutil.rmtree(folder, ignore_errors=True)

    def _write_request(
        self,
        folder_fd: int,
        op: str,
        name: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        seed: int | None,
        calls: list[tuple[tuple[Any, ...], dict[str, Any]]] | None,
    ) -> None:
        """Encode the request privately, then publish its files into the call's folder."""
        with tempfile.TemporaryDirectory(prefix="rnncourse-call-") as private:
            writer = Writer(private, prefix="a", kept=self.kept, course_data=self.course_data)
            request = {
                "op": op,
                "name": name,
                "args": [writer.encode(a) for a in args],
                "kwargs": {k: writer.encode(v) for k, v in (kwargs or {}).items()},
                "seed": seed,
            }
            if calls is not None:
                request["calls"] = [
                    {
                        "args": [writer.encode(a) for a in a_s],
                        "kwargs": {k: writer.encode(v) for k, v in k_s.items()},
                    }
                    for a_s, k_s in calls
                ]
            with open(os.path.join(private, REQUEST), "w", encoding="utf-8") as handle:
                handle.write(json.dumps(request))  # not json.dump: see values.write_message
            self._publish(private, folder_fd)


# ------------------------------------------------------------------ the student's names
def _raise_student_error(name: str, error: Any) -> NoReturn:
    """Re-raise the student's exception here, by name and message only (no object crosses)."""
    if not isinstance(error, dict):
        raise _check_failure(f"{name}'s answer could not be read.")
    message = str(error.get("message", ""))[:2000]
    if error.get("not_implemented") is True:
        raise NotImplementedError(message)
    kind = str(error.get("type", "Exception"))
    kind = kind if _NAME.match(kind) else "Exception"
    student_error = type(kind, (Exception,), {})(message)
    where = error.get("where")
    student_error.student_location = where[:300] if isinstance(where, str) else ""  # see checks._errors
    raise student_error


def _copy_back(original: Any, after: Any) -> None:
    """What the student's function did to an argument, done to the harness's own argument."""
    import numpy as np

    if type(original) is list and type(after) is list:
        original[:] = after
    elif type(original) is dict and type(after) is dict:
        original.clear()
        original.update(after)
    elif type(original) is np.ndarray and type(after) is np.ndarray:
        if original.flags.writeable and original.shape == after.shape and original.dtype == after.dtype:
            np.copyto(original, after)
    elif _is_keras_model(original) and _is_keras_model(after) and original is not after:
        if [w.shape for w in original.weights] == [w.shape for w in after.weights]:
            original.set_weights(after.get_weights())
        if getattr(after, "compiled", False):
            original.compile_from_config(after.get_compile_config())
        if getattr(after, "history", None) is not None:
            original.history = after.history


def _takes_changes(value: Any) -> bool:
    import numpy as np

    return type(value) in (list, dict, np.ndarray) or _is_keras_model(value)


def _is_keras_model(value: Any) -> bool:
    module = type(value).__module__ or ""
    if not module.startswith("keras"):
        return False
    import keras

    return isinstance(value, keras.Model)


class StudentFunction:
    """A name in the student's notebook that a test calls: each call is a request to the kernel."""

    def __init__(self, link: KernelLink, name: str) -> None:
        self._link, self._name = link, name
        self.__name__ = self.__qualname__ = name

    def __repr__(self) -> str:
        return f"<the student's {self._name}>"

    @property
    def __globals__(self) -> KernelGlobals:
        """The notebook's namespace, as a check that looks up a helper function expects."""
        return KernelGlobals(self._link)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._failures():
            with self._link.call("call", self._name, args, kwargs, _check_seed()) as (answer, reader):
                return self._read(answer, reader, args)

    def each(self, calls: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> list[tuple[bool, Any]]:
        """Several calls in one request, run in order in the kernel (see ``checks._core.call_each``).

        Returns ``(True, value)`` or ``(False, exception)`` per call, the exception being what
        calling this proxy would have raised. A kernel that dies or overruns fails the whole batch.
        """
        with self._failures():
            with self._link.call("call_each", self._name, seed=_check_seed(), calls=calls) as (answer, reader):
                results = answer.get("results")
                if answer.get("ok") is not True or not isinstance(results, list) or len(results) != len(calls):
                    _raise_student_error(self._name, answer.get("error"))
                outcomes: list[tuple[bool, Any]] = []
                for result, (args, _) in zip(results, calls):
                    try:
                        with self._failures():
                            outcomes.append((True, self._read(result, reader, args)))
                    except Exception as exc:  # noqa: BLE001  (this call's error, raised when the check gets to it)
                        outcomes.append((False, exc))
                return outcomes

    def _read(self, answer: Any, reader: Reader, args: tuple[Any, ...]) -> Any:
        """The value of one call's answer; changes to the arguments are copied back."""
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            _raise_student_error(self._name, answer.get("error") if isinstance(answer, dict) else None)
        value = reader.decode(answer.get("value"), args=list(args))
        after = answer.get("args")
        if isinstance(after, list) and len(after) == len(args):
            for original, spec in zip(args, after):
                if spec is not None and _takes_changes(original):
                    _copy_back(original, reader.decode(spec))
        return value

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        """What went wrong in a call, as the check's failure."""
        try:
            yield
        except ValueRejected as exc:
            raise _check_failure(
                f"{self._name}'s answer could not be graded: {exc}.",
                hint="return plain values: numbers, strings, lists, tuples, dicts, numpy arrays or Keras models.",
            ) from None
        except KernelGone as exc:
            raise CallFailed(f"{self._name} was called, but {exc}.", "kernel") from None
        except CallTimedOut as exc:
            raise CallFailed(f"{self._name} {exc}.", "timeout") from None


def _check_seed() -> int:
    """A seed that follows the check's seeding of numpy, and consumes nothing of it."""
    import numpy as np

    state: Any = np.random.get_state()
    keys, position = state[1], state[2]
    return int(keys[int(position) % 624]) % (2**31)


class KernelGlobals(dict[str, Any]):
    """``fn.__globals__`` for a :class:`StudentFunction`: ``get`` asks the kernel."""

    def __init__(self, link: KernelLink) -> None:
        super().__init__()
        self._link = link

    def get(self, name: Any, default: Any = None) -> Any:
        if not isinstance(name, str) or not _NAME.match(name):
            return default
        return resolve(self._link, name, default)


def resolve(link: KernelLink, name: str, default: Any = None) -> Any:
    """The student's ``name``: a proxy when it is callable, else its value (or ``default``)."""
    if name in link.functions:
        return StudentFunction(link, name)
    try:
        with link.call("lookup", name) as (answer, reader):
            kind = answer.get("kind")
            if answer.get("ok") is not True or kind == "missing":
                return default
            if kind == "callable":
                link.functions.add(name)
                return StudentFunction(link, name)
            return reader.decode(answer.get("value"))
    except ValueRejected as exc:
        raise _check_failure(f"{name} could not be read from the notebook: {exc}.") from None


class TestNamespace(dict[str, Any]):
    """The locals of a test cell: trusted names first, then the student's names from the kernel."""

    def __init__(self, link: KernelLink, trusted: dict[str, Any]) -> None:
        super().__init__()
        self._link, self._trusted = link, trusted

    def __getitem__(self, name: str) -> Any:
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        if name in self._trusted:
            return self._trusted[name]
        if hasattr(builtins, name):
            raise KeyError(name)  # Python then finds the builtin
        sentinel = object()
        value = resolve(self._link, name, sentinel)
        if value is sentinel:
            raise KeyError(name)
        dict.__setitem__(self, name, value)
        return value


# ------------------------------------------------------------------ the trusted names
def lesson_imports(source_notebook: dict[str, Any]) -> dict[str, str]:
    """Names the lesson binds by import in its own cells: ``{"checks": "rnncourse.checks", ...}``.

    Read from the lesson's source notebook (the course's, never the student's copy); only
    imports of ``rnncourse``, ``numpy`` and ``keras`` count, the modules a test may use.
    """
    names: dict[str, str] = {}
    for cell in source_notebook.get("cells", []):
        meta = nbgrader_metadata(cell)
        if cell.get("cell_type") != "code" or meta.get("solution") or meta.get("grade"):
            continue
        try:
            tree = ast.parse(ipython_to_python(cell_source(cell)))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}:{alias.name}"
    allowed = ("rnncourse", "numpy", "keras")
    return {k: v for k, v in names.items() if v.split(":")[0].split(".")[0] in allowed}


def trusted_names(imports: dict[str, str]) -> dict[str, Any]:
    """Import what :func:`lesson_imports` found, here in the harness."""
    found: dict[str, Any] = {}
    for name, target in imports.items():
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        if attribute:
            try:
                found[name] = getattr(module, attribute)
            except AttributeError:
                found[name] = importlib.import_module(f"{module_name}.{attribute}")
        else:
            found[name] = module
    return found


# ------------------------------------------------------------------ one test cell
def run_test(source: str, link: KernelLink, trusted: dict[str, Any], *, hidden: bool) -> list[dict[str, Any]]:
    """Run one test cell's code here; return the cell's outputs (nbformat dicts).

    A pass prints what the check printed (a hidden test: only that it passed); a failure is an
    error output, which nbgrader scores 0. A hidden test's failure shows the check's hint, not
    its message, which may quote the hidden inputs or expected values.
    """
    printed = io.StringIO()
    error: tuple[str, str] | None = None
    try:
        code = compile(ipython_to_python(source), "<test cell>", "exec")
    except SyntaxError as exc:
        return [_error_output("TestError", f"the test cell does not compile ({exc.msg}); tell the instructor")]
    globals_: dict[str, Any] = {"__builtins__": builtins, "__name__": "__test__"}
    try:
        with contextlib.redirect_stdout(printed):
            exec(code, globals_, TestNamespace(link, trusted))  # noqa: S102  (the course's own test code)
    except CallFailed as exc:  # named as nbgrader names them, so the row says timeout / kernel died
        error = ("CellTimeoutError" if exc.reason == "timeout" else "DeadKernelError", str(exc))
    except (KernelGone, CallTimedOut) as exc:  # a name lookup, outside any call
        error = ("DeadKernelError" if isinstance(exc, KernelGone) else "CellTimeoutError", str(exc))
    except CheckFailure as exc:
        error = ("CheckFailure", str(exc))
    except AssertionError as exc:
        error = ("AssertionError", str(exc))
    except NameError as exc:
        error = ("NameError", f"{exc}; define it and run its cell before this test")
    except Exception as exc:  # noqa: BLE001  (a test that breaks scores 0 with its reason)
        error = (type(exc).__name__, str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "")
    if hidden:
        return _hidden_outputs(error)
    outputs: list[dict[str, Any]] = []
    if printed.getvalue():
        outputs.append({"output_type": "stream", "name": "stdout", "text": printed.getvalue()})
    if error:
        outputs.append(_error_output(*error))
    return outputs


def _hidden_outputs(error: tuple[str, str] | None) -> list[dict[str, Any]]:
    if error is None:
        return [{"output_type": "stream", "name": "stdout", "text": "\u2714 hidden test passed.\n"}]
    kind, text = error
    hints = [line[len("Hint: ") :] for line in text.splitlines() if line.startswith("Hint: ")]
    if kind in ("CellTimeoutError", "DeadKernelError"):
        message = "hidden test failed: " + (text.splitlines() or [""])[0]
    elif hints:
        message = "hidden test failed. Hint: " + hints[-1]
    else:
        message = "hidden test failed: the answer was wrong on inputs the visible check does not use."
    return [_error_output(kind if kind in ("CellTimeoutError", "DeadKernelError") else "CheckFailure", message)]


def _error_output(ename: str, evalue: str) -> dict[str, Any]:
    lines = evalue.splitlines() or [""]
    return {
        "output_type": "error",
        "ename": ename,
        "evalue": evalue,
        "traceback": [f"\x1b[0;31m{ename}\x1b[0m: {lines[0]}", *lines[1:]],
    }


def is_hidden(source: str) -> bool:
    return HIDDEN_MARKER in source


# ------------------------------------------------------------------ nbgrader's Execute step
def harness_execute_class() -> Any:
    """nbgrader's ``Execute`` with test cells run by the harness (built lazily: nbgrader is heavy)."""
    from jupyter_core.utils import run_sync
    from nbformat import from_dict
    from nbgrader.preprocessors import Execute

    class HarnessExecute(Execute):
        """Student cells in the kernel, test cells in this process (see the module's docstring)."""

        #: The lesson's source notebook (set by the worker before each notebook).
        source_notebook: dict[str, Any] = {}

        def preprocess(self, nb: Any, resources: Any = None, km: Any = None) -> Any:
            """One notebook: a fresh link, no state kept from the notebook before."""
            self._kernel_link: KernelLink | None = None
            self._student_sources: list[str] = []  # the student's cells run so far (for a restart)
            self._calls_folder: str | None = None
            _forget_previous_notebook()
            try:
                return super().preprocess(nb, resources, km)
            finally:
                if self._calls_folder:
                    shutil.rmtree(self._calls_folder, ignore_errors=True)

        def preprocess_cell(self, cell: Any, resources: Any, index: int) -> Any:
            if not is_test_cell(cell):
                start_warm_up()  # if the worker has not: import the checks' modules while the kernel runs this cell
                if self._kernel_link is not None and self._kernel_link.gone:
                    cell.outputs = [from_dict(_error_output("DeadKernelError", "not run: " + self._kernel_link.gone))]
                    return cell, resources
                result = super().preprocess_cell(cell, resources, index)
                if cell.get("cell_type") == "code":
                    self._student_sources.append(cell_source(cell))
                    if self._kernel_link is not None:
                        self._kernel_link.functions.clear()  # the cell may have defined them anew
                return result
            link = self._link()
            source = cell_source(cell)
            started, calls, in_kernel = time.perf_counter(), link.calls, link.kernel_seconds
            cell.outputs = [from_dict(o) for o in run_test(source, link, self._trusted(), hidden=is_hidden(source))]
            cell.execution_count = None
            cell.metadata["rnncourse_harness"] = {  # where a test's time went (make bench reads it)
                "seconds": round(time.perf_counter() - started, 3),
                "kernel_seconds": round(link.kernel_seconds - in_kernel, 3),
                "calls": link.calls - calls,
            }
            if link.gone:
                self._restart(link)
            return cell, resources

        def _restart(self, link: KernelLink) -> None:
            """The kernel died in a call: start it again and rerun the student's cells so far.

            The tests after this one then run as they would have. If the kernel dies again while
            its cells rerun, it stays gone: the later tests fail, and the cells are not run.
            """
            reason = link.gone
            try:
                run_sync(self.km.restart_kernel)(now=True)
                run_sync(self.kc.wait_for_ready)(timeout=60)
                link.gone = ""
                link.kept.clear()  # a new interpreter holds none of the values sent before
                link.functions.clear()
                for source in self._student_sources:
                    link.run(source, self.timeout)
            except Exception:  # noqa: BLE001  (any failure here: the kernel stays gone)
                link.gone = reason + "; it could not be restarted with the notebook's cells"

        def _trusted(self) -> dict[str, Any]:
            finish_warm_up()
            key = id(self.source_notebook)
            if getattr(self, "_trusted_key", None) != key:
                self._trusted_key = key
                self._trusted_cache = trusted_names(lesson_imports(self.source_notebook))
            return self._trusted_cache

        def _link(self) -> KernelLink:
            if self._kernel_link is None:
                scratch = getattr(self.km, "scratch", None)
                if scratch is None:  # no sandbox: a private folder for the calls
                    scratch = self._calls_folder = tempfile.mkdtemp(prefix="rnncourse-calls-")
                self._kernel_link = KernelLink(run_sync(self._run_in_kernel), Path(scratch), float(self.timeout))
            return self._kernel_link

        async def _run_in_kernel(self, code: str, timeout: float) -> None:
            """Run ``code`` silently; raise :class:`KernelGone` when the kernel dies or overruns."""
            kc, km = self.kc, self.km
            msg_id = kc.execute(code, silent=True, store_history=False, allow_stdin=False)
            deadline = time.monotonic() + timeout
            interrupted = False
            while True:
                await _drain(kc)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if interrupted:
                        raise KernelGone("the kernel stopped answering")
                    await km.interrupt_kernel()
                    interrupted, deadline = True, time.monotonic() + 10
                    continue
                try:
                    reply = await kc.get_shell_msg(timeout=min(1.0, remaining))
                except Exception:  # noqa: BLE001  (queue.Empty: no reply yet)
                    if not await km.is_alive():
                        raise KernelGone("the kernel died during this test (out of memory, or a crash)") from None
                    continue
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    await _drain(kc)
                    if interrupted:
                        raise CallTimedOut(f"did not finish within the time limit of {timeout:g} s per call")
                    return

    return HarnessExecute


def _forget_previous_notebook() -> None:
    """Drop what the checks of the worker's previous notebook left in Keras (models, name counters).

    The worker grades thousands of notebooks; without this its memory grows with every model a
    check built, and auto-generated layer names depend on how many notebooks came before.

    Then one collection of what the last notebook left, and what survives it (modules, the course's
    data) is frozen out of later collections: with TensorFlow loaded, a full collection scans over
    a million objects, and the automatic ones took 1.9 s of CPU per five notebooks before (#22).
    """
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session(free_memory=False)  # collected just below, over fewer objects
    gc.collect()
    gc.freeze()


async def _drain(kc: Any) -> None:
    """Throw away what the kernel printed during a call: none of it reaches a page."""
    while True:
        try:
            await kc.get_iopub_msg(timeout=0)
        except Exception:  # noqa: BLE001  (queue.Empty)
            return
