"""The kernel's half of a call from the grading harness. It runs in the student's interpreter.

The harness writes a request into a fresh folder of the kernel's scratch folder and runs one
line in the kernel, ``serve(<folder>)``. :func:`serve` reads the request, finds the name in the
notebook's namespace, calls it (or describes it), and writes the answer into the same folder
with :mod:`.values`. Nothing here is trusted: the student's code can replace this module, the
line that calls it, or the answer it writes. The harness checks whatever comes back as hostile
input, so the worst this half can do is answer wrongly, which is the student's right.
"""

from __future__ import annotations

import contextlib
import io
import operator
import sys
from collections.abc import Callable
from typing import Any

from ..checks._errors import student_location
from .values import REQUEST, CourseDataUnavailable, Reader, Writer, write_message

_KEPT: dict[str, Any] = {}  # large values the harness sent once in this kernel (values.Writer)


def _namespace() -> dict[str, Any]:
    main = sys.modules.get("__main__")
    return vars(main) if main is not None else {}


def _seed(seed: Any) -> None:
    """Seed Python, numpy and the backend as the check seeded its own side (reproducible training)."""
    if type(seed) is not int or "keras" not in sys.modules:
        return
    import keras

    keras.utils.set_random_seed(seed)


def _error(exc: BaseException) -> dict[str, Any]:
    text = str(exc)
    return {
        "ok": False,
        "error": {
            "type": type(exc).__name__[:60],
            "message": text[:2000],
            "where": student_location(exc),  # "line 3 of f: `...`", as a check in JupyterLab says it
            "not_implemented": isinstance(exc, NotImplementedError),
        },
    }


def _mutable(value: Any) -> bool:
    """Arguments whose changes go back: lists, dicts, arrays and Keras models."""
    module = type(value).__module__ or ""
    return (
        type(value) in (list, dict)
        or module.startswith("numpy")
        or (module.startswith("keras") and hasattr(value, "get_weights"))
    )


_IMMUTABLE = frozenset((str, int, float, bool, type(None), bytes))

# Snapshots of large array arguments are copied into buffers kept for the kernel's life, one free
# list per shape and dtype: a fresh 80 MB copy (lesson 03's GloVe matrix) cost about 140 ms, most
# of it the system mapping and zeroing new pages, against about 15 ms into a buffer already mapped.
_BUFFER_MIN_BYTES = 1 << 20
_BUFFERS: dict[tuple[Any, ...], list[Any]] = {}


def _snapshot(array: Any) -> tuple[Any, Callable[[], None]]:
    """A copy of ``array`` as it is now, and the function that gives its buffer back after the call."""
    import numpy as np

    if array.nbytes < _BUFFER_MIN_BYTES or array.dtype.kind == "O":
        return array.copy(), lambda: None
    key = (array.shape, array.dtype.str)
    free = _BUFFERS.setdefault(key, [])
    buffer = free.pop() if free else np.empty(array.shape, dtype=array.dtype)
    np.copyto(buffer, array)
    return buffer, lambda: free.append(buffer)


def _unchanged_test(value: Any) -> tuple[Callable[[], bool] | None, Callable[[], None]]:
    """A function telling whether ``value`` is as it was now (None when that cannot be told cheaply),
    and the function that releases what the first one holds.

    Only a changed argument is written back: sending back an unchanged 80 MB matrix or 20,000
    reviews doubled the cost of a call. Lists and dicts of immutable items are compared item by
    item (by identity), writable arrays by value (NaN equal to NaN), and a read-only array is
    taken as unchanged; anything else (a Keras model, nested lists) always goes back.
    """
    import numpy as np

    # The item loops run in C (map over types and operator.is_): lesson 03 passes GloVe's 400,000
    # words, and a generator over them cost about 40 ms a call against 15 ms.
    if type(value) is list and _IMMUTABLE.issuperset(map(type, value)):
        items_before = list(value)
        return lambda: len(value) == len(items_before) and all(map(operator.is_, value, items_before)), _nothing
    if type(value) is dict and _IMMUTABLE.issuperset(map(type, value.values())):
        items = list(value.items())
        return lambda: len(value) == len(items) and all(k in value and value[k] is v for k, v in items), _nothing
    if type(value) is np.ndarray and not value.flags.writeable:
        # Read-only, as the course's GloVe matrix is handed out (values.course_data_spec): a check
        # that passes it in JupyterLab gets the same error from a write, so nothing goes back.
        return _unchanged_always, _nothing
    if type(value) is np.ndarray:
        array_before, release = _snapshot(value)
        shape, dtype = value.shape, value.dtype

        def unchanged() -> bool:
            if value.shape != shape or value.dtype != dtype:
                return False
            if dtype.kind == "O":
                return all(a is b for a, b in zip(value.flat, array_before.flat))
            if np.array_equal(value, array_before):  # one pass; equal_nan's extra passes only if needed
                return True
            return dtype.kind in "fc" and bool(np.array_equal(value, array_before, equal_nan=True))

        return unchanged, release
    return None, _nothing


def _nothing() -> None:
    return None


def _unchanged_always() -> bool:
    return True


def serve(folder: str) -> None:
    """Answer the request in ``folder`` (``op``: ``"lookup"``, ``"call"`` or ``"call_each"``); print nothing."""
    writer = Writer(folder, prefix="r")
    try:
        with Reader(folder, open_files=True, kept=_KEPT) as reader:
            request = reader.message(REQUEST)
            op = request.get("op")
            batch = request.get("calls") if op == "call_each" else [request]
            calls = [
                (
                    [reader.decode(a) for a in call.get("args", [])],
                    {k: reader.decode(v) for k, v in dict(call.get("kwargs", {})).items()},
                )
                for call in (batch if isinstance(batch, list) else [])
                if isinstance(call, dict)
            ]
        name = str(request.get("name", ""))
        namespace = _namespace()
        if op == "lookup":
            if name not in namespace:
                write_message(folder, {"ok": True, "kind": "missing"})
            elif callable(namespace[name]) and not isinstance(namespace[name], type):
                write_message(folder, {"ok": True, "kind": "callable"})
            else:
                write_message(folder, {"ok": True, "kind": "value", "value": writer.encode(namespace[name])})
            return
        if name not in namespace:
            write_message(folder, _error(NameError(f"name '{name}' is not defined")))
            return
        answers = [_call(namespace[name], args, kwargs, request.get("seed"), writer) for args, kwargs in calls]
        if op == "call_each":  # several calls in one request, in order: one answer each
            write_message(folder, {"ok": True, "results": answers})
        else:
            write_message(folder, answers[0] if answers else _error(ValueError("the request held no call")))
    except CourseDataUnavailable as exc:  # the harness then sends the values themselves
        write_message(folder, {**_error(exc), "course_data": "unavailable"})
    except Exception as exc:  # noqa: BLE001  (encoding failed: say so rather than leave no answer)
        write_message(folder, _error(exc))


def _call(fn: Any, args: list[Any], kwargs: dict[str, Any], seed: Any, writer: Writer) -> dict[str, Any]:
    """One call of the student's function: its answer, or its error, as a message."""
    _seed(seed)
    tests = [_unchanged_test(a) if _mutable(a) else (None, _nothing) for a in args]
    try:
        sink = io.StringIO()
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                value = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001  (the student's error is the answer)
            return _error(exc)
        same = {id(a): i for i, a in enumerate(args)}
        return {
            "ok": True,
            "value": writer.encode(value, same=same),
            # What the call left in its arguments: the harness copies changes back (a list the
            # function appended to, a model it compiled and trained).
            "args": [
                writer.encode(a) if _mutable(a) and (test is None or not test()) else None
                for a, (test, _) in zip(args, tests)
            ],
        }
    finally:
        for _, release in tests:
            release()
