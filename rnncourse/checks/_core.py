"""The feedback machinery every exercise check uses.

A check either prints one line starting with a tick, or raises :class:`CheckFailure`
(an ``AssertionError``, so nbgrader scores the cell 0) whose message says what was
expected, what was got, and a hint. Student code is always called through
:func:`call_student`, so an exception deep inside TensorFlow turns into a sentence.

Values, not objects: a student's result is converted with :func:`as_array` to a plain
numpy array of a known dtype before anything is compared. Nothing here calls ``==`` on
an object the student made.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

from ._errors import exception_summary, student_location

PASS_VISIBLE = "visible checks passed; hidden tests run at grading"
PASS_HIDDEN = "hidden test passed"

# The course secret (``config.SECRET_ENV``, docs/instructors.md "Grading for credit"). It never
# enters a kernel: the grader passes it to its harness, which sets it here.
_course_secret = ""  # set in the grader's harness process only, by set_course_secret


def set_course_secret(secret: str | None) -> None:
    """Make hidden tests draw their inputs from ``secret`` (the grader's harness calls this)."""
    global _course_secret
    _course_secret = secret or ""


def hidden_seed(seed: int, name: str, *, visible: bool) -> int:
    """The seed a check draws its inputs from.

    A visible check, or any check without a course secret, uses ``seed`` itself: the inputs in
    the public repository. A hidden test graded with a secret uses a seed derived from the
    secret, the exercise's ``name`` and ``seed``, so its inputs appear nowhere a student can read,
    and an answer that memorised the public hidden inputs' results fails. Checks whose hidden
    test trains a model keep their public seed: a training run is only known to succeed on it.
    """
    if visible or not _course_secret:
        return seed
    digest = hashlib.sha256(f"{_course_secret}\0{name}\0{seed}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (2**31 - 1)


class CheckFailure(AssertionError):
    """A check failed. The message is written for the student."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows: the message and its hint, not a traceback into ``rnncourse/checks``.

        The cell still ends in an error (nbgrader scores it 0); only its display is short.
        """
        lines = str(self).splitlines() or [""]
        return [f"\x1b[0;31mCheckFailure\x1b[0m: {lines[0]}", *lines[1:]]


def fail(message: str, *, hint: str | None = None) -> NoReturn:
    """Raise a :class:`CheckFailure` with ``message`` and an optional hint."""
    __tracebackhide__ = True
    text = message if hint is None else f"{message}\nHint: {hint}"
    raise CheckFailure(text)


def report_pass(name: str, *, visible: bool = True, detail: str = "") -> None:
    """Print the one-line pass message (honest: visible checks are not the whole grade)."""
    status = PASS_VISIBLE if visible else PASS_HIDDEN
    extra = f" ({detail})" if detail else ""
    print(f"\u2714 {name}: {status}{extra}.")


_READ_ONLY_HINT = (
    "the check passes read-only arrays, so that a function cannot change its caller's data: compute a new "
    "array (as `a / b` does) instead of changing an input in place (as `a /= b` does)."
)


def call_student(fn: Any, *args: Any, name: str, **kwargs: Any) -> Any:
    """Call the student's ``fn`` and turn any exception into specific feedback."""
    __tracebackhide__ = True
    if not callable(fn):
        fail(
            f"{name} is not a function (got {type(fn).__name__}).",
            hint=f"define it with `def {name}(...):` and run that cell first.",
        )
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        problem = (
            f"{name} is not implemented yet: it still raises NotImplementedError.",
            "replace `raise NotImplementedError()` with your code and run that cell again.",
        )
    except CheckFailure:
        raise
    except Exception as exc:  # noqa: BLE001  (any student error becomes feedback)
        location = student_location(exc)
        where = f" (at {location})" if location else ""
        problem = (
            f"{name} raised {type(exc).__name__}: {exception_summary(exc)}{where}",
            _READ_ONLY_HINT
            if type(exc).__name__ == "ValueError" and "read-only" in str(exc)  # by name: the harness re-raises by name
            else "call your function yourself in a new cell, on small inputs of the shapes the exercise "
            "text gives, and print the shapes of the intermediate arrays.",
        )
    # Raised outside the `except` blocks, so the student sees one message, not a chained traceback.
    fail(problem[0], hint=problem[1])


def call_each(fn: Any, calls: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> Any:
    """``fn``, for a check that knows all its calls to ``fn`` before it makes the first.

    At grading, ``fn`` is the harness's proxy for the student's function, and each call is a
    request to the student's kernel (about 8 ms). Here all ``calls`` go in one request, run in
    order as they would have been, and the function returned answers each of them, given the
    same argument objects in the same order, from what came back (or raises what the call raised).
    Any other call goes to ``fn``. The time limit per call applies to the request as a whole, so
    only quick functions' calls are prepared. In JupyterLab ``fn`` is the student's own function:
    returned as is.
    """
    harness = sys.modules.get("rnncourse.grader.harness")
    if harness is None or not isinstance(fn, harness.StudentFunction) or not calls:
        return fn
    try:
        outcomes = fn.each(calls)
    except Exception as exc:  # noqa: BLE001  (the kernel died or overran, or no such function: the first call raises it)
        outcomes = [(False, exc)]
    return _Replay(fn, list(zip(calls, outcomes)))


class _Replay:
    """Answers prepared calls, in order, from their outcomes (see :func:`call_each`)."""

    def __init__(self, fn: Any, prepared: list[Any]) -> None:
        self._fn, self._prepared = fn, prepared
        self.__name__ = getattr(fn, "__name__", "function")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._prepared:
            (want_args, want_kwargs), (ok, value) = self._prepared[0]
            if (
                len(want_args) == len(args)
                and all(a is b for a, b in zip(want_args, args))
                and want_kwargs.keys() == kwargs.keys()
                and all(want_kwargs[k] is kwargs[k] for k in kwargs)
            ):
                self._prepared.pop(0)
                if ok:
                    return value
                raise value
        return self._fn(*args, **kwargs)


def as_array(value: Any, *, name: str, dtype: type = np.float64) -> np.ndarray:
    """Convert a student's result to a numpy array of ``dtype``, or fail with a clear message.

    Accepts numpy arrays, TensorFlow/Keras tensors, and (nested) lists or tuples of numbers.
    Anything else (``None``, a model, a dict, an object pretending to be an array) fails.
    """
    __tracebackhide__ = True
    if value is None:
        fail(f"{name} returned None.", hint="did you forget the `return` statement?")
    raw: Any
    if isinstance(value, np.ndarray):
        raw = value
    elif isinstance(value, (list, tuple, numbers.Number, np.generic)):
        raw = value
    elif _is_tensor(value):
        raw = value.numpy() if hasattr(value, "numpy") else np.asarray(value)
        if not isinstance(raw, np.ndarray) and not isinstance(raw, np.generic):
            fail(f"{name} returned a {type(value).__name__} that could not be read as numbers.")
    else:
        fail(
            f"{name} returned a {type(value).__name__}; expected a numpy array.",
            hint="return a numpy array (np.asarray(...)), not another kind of object.",
        )
    error = ""
    arr: np.ndarray | None = None
    try:
        arr = np.array(raw, dtype=dtype, copy=True)
    except (TypeError, ValueError) as exc:
        error = str(exc)
    if error:  # raised outside the except block: one message, no chained traceback
        fail(
            f"{name} returned something that is not an array of numbers ({error}).",
            hint="return a numpy array of floats.",
        )
    # A plain ndarray subclass could override methods; keep only the base class.
    return np.asarray(arr).view(np.ndarray)


def activation_name(layer: Any) -> str:
    """The name of a Keras layer's activation function (``"relu"``, ``"sigmoid"``, ``"linear"`` ...).

    ``""`` for a layer without one (an ``Embedding``, a ``Dropout``) or an activation without a
    ``__name__``. It reads attributes only: nothing the student wrote is called.
    """
    return getattr(getattr(layer, "activation", None), "__name__", "")


def _is_tensor(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.startswith(("tensorflow", "keras", "jax")) and hasattr(value, "shape")


def expect_shape(arr: np.ndarray, expected: Sequence[int], *, name: str, meaning: str, hint: str | None = None) -> None:
    """Fail unless ``arr.shape == expected``; ``meaning`` names the dimensions, e.g. '(T, units)'."""
    __tracebackhide__ = True
    got = tuple(int(d) for d in arr.shape)
    want = tuple(int(d) for d in expected)
    if got != want:
        fail(f"{name} returned shape {got}; expected {meaning} = {want}.", hint=hint)


def expect_finite(arr: np.ndarray, *, name: str, hint: str | None = None) -> None:
    """Fail if ``arr`` holds NaN or infinity."""
    __tracebackhide__ = True
    bad = ~np.isfinite(arr)
    if bad.any():
        fail(f"{name} returned {int(bad.sum())} NaN or infinite value(s).", hint=hint)


def expect_close(
    arr: np.ndarray,
    expected: np.ndarray,
    *,
    name: str,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str | None = None,
    what: str = "values",
) -> None:
    """Fail unless ``arr`` matches ``expected`` within tolerances; report the worst entry."""
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=np.float64)
    expect_shape(arr, expected.shape, name=name, meaning="the shape", hint=hint)
    expect_finite(arr, name=name, hint=hint)
    diff = np.abs(arr - expected)
    tol = atol + rtol * np.abs(expected)
    bad = diff > tol
    if bad.any():
        idx = np.unravel_index(int(np.argmax(diff - tol)), arr.shape) if arr.ndim else ()
        got_v = float(arr[idx]) if arr.ndim else float(arr)
        want_v = float(expected[idx]) if arr.ndim else float(expected)
        where = f" at index {tuple(int(i) for i in idx)}" if arr.ndim else ""
        fail(
            f"{name}: {int(bad.sum())} of {arr.size} {what} differ from the expected ones; "
            f"the largest gap is{where}: got {got_v:.6g}, expected {want_v:.6g}.",
            hint=hint,
        )


def as_tuple(value: Any, *, name: str, labels: Sequence[str], items: str) -> tuple[Any, ...]:
    """Unpack a student's ``return a, b, ...`` result, or fail saying what was expected.

    ``labels`` are the names of the parts (they make the hint) and ``items`` says what they
    are, e.g. ``"two numbers"`` or ``"three whole numbers"``.
    """
    __tracebackhide__ = True
    shape = ", ".join(labels)
    expected = f"expected a tuple of {items} ({shape})"
    if value is None:
        fail(
            f"{name} returned None; {expected}.",
            hint=f"did you forget the `return` statement? End with `return {shape}`.",
        )
    if not isinstance(value, (tuple, list)) or len(value) != len(labels):
        kind = type(value).__name__ + (f" of length {len(value)}" if isinstance(value, (tuple, list)) else "")
        fail(f"{name} returned a {kind}; {expected}.", hint=f"end with `return {shape}`.")
    return tuple(value)


def as_scalar(value: Any, *, name: str) -> float:
    """A student's single number as a Python float, which may be inf or NaN (the check names why)."""
    __tracebackhide__ = True
    arr = as_array(value, name=name)
    if arr.size != 1:
        fail(f"{name} returned {arr.size} numbers (shape {arr.shape}); expected a single number.")
    return float(arr.reshape(()))


def as_float(value: Any, *, name: str) -> float:
    """Convert a student's scalar result to a Python float, strictly (finite)."""
    __tracebackhide__ = True
    out = as_scalar(value, name=name)
    if not math.isfinite(out):
        fail(f"{name} returned {out}; expected a finite number.")
    return out


def as_int(value: Any, *, name: str) -> int:
    """Convert a student's integer result to a Python int, strictly (3.0 is fine, 3.5 is not)."""
    __tracebackhide__ = True
    out = as_float(value, name=name)
    if out != int(out):
        fail(f"{name} returned {out}; expected a whole number.")
    return int(out)
