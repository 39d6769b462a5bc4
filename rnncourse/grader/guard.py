"""Runtime integrity guard, used only inside grading kernels.

The grader inserts ``install()`` as the first cell of every notebook it grades (before any
student code runs) and starts every test cell with ``checks = verify()``. ``install`` keeps
references to everything the checks rely on; ``verify`` makes sure none of it was replaced
(by monkeypatching numpy, ``builtins``, ``rnncourse.checks``, IPython's ``showtraceback`` or
``sys.excepthook``/``sys.stderr``), then returns the genuine checks module, so a student's own
``checks`` object is never used. A failed verification raises, so the test cell scores 0, and
prints a marker line the grader reads to flag the submission.
"""

from __future__ import annotations

from typing import Any

MARKER = "GRADING INTEGRITY CHECK FAILED"

_snapshot: list[tuple[str, Any, str, Any]] | None = None
_checks_module: Any = None
_shell_methods: dict[str, Any] = {}


def _targets() -> list[tuple[str, Any, list[str]]]:
    import builtins
    import sys

    import numpy
    import numpy.linalg
    import numpy.testing

    from rnncourse import checks
    from rnncourse.checks import _core

    builtin_names = [
        "print",
        "isinstance",
        "issubclass",
        "float",
        "int",
        "len",
        "type",
        "getattr",
        "hasattr",
        "callable",
        "abs",
        "all",
        "any",
        "sum",
        "min",
        "max",
        "range",
        "tuple",
        "list",
        "dict",
        "set",
        "str",
        "repr",
        "bool",
        "object",
        "super",
        "AssertionError",
        "Exception",
        "BaseException",
        "NotImplementedError",
        "__import__",
        "round",
        "zip",
    ]
    numpy_names = [
        "array",
        "asarray",
        "allclose",
        "isclose",
        "abs",
        "isfinite",
        "any",
        "all",
        "argmax",
        "unravel_index",
        "zeros",
        "ones",
        "eye",
        "stack",
        "sum",
        "max",
        "min",
        "mean",
        "ndarray",
        "float64",
        "float32",
        "int64",
        "shape",
        "clip",
        "tanh",
        "exp",
        "sqrt",
        "arange",
    ]
    testing_names = [
        n
        for n in ("assert_allclose", "assert_array_equal", "assert_equal", "assert_array_almost_equal")
        if hasattr(numpy.testing, n)
    ]
    check_names = [n for n in dir(checks) if not n.startswith("__")]
    core_names = [n for n in dir(_core) if not n.startswith("__")]
    return [
        ("builtins", builtins, builtin_names),
        ("numpy", numpy, numpy_names),
        ("numpy.linalg", numpy.linalg, ["norm", "eigvals", "matrix_power"]),
        ("numpy.testing", numpy.testing, testing_names),
        ("rnncourse.checks", checks, check_names),
        ("rnncourse.checks._core", _core, core_names),
        ("sys", sys, ["stdout", "stderr", "exit"]),  # IPython swaps excepthook/displayhook itself
    ]


def install() -> None:
    """Record the genuine objects. Runs once, before any student code."""
    global _snapshot, _checks_module
    if _snapshot is not None:
        return
    snapshot = []
    for owner_name, owner, names in _targets():
        for name in names:
            value = getattr(owner, name)
            code = getattr(value, "__code__", None)
            snapshot.append((f"{owner_name}.{name}", owner, name, (value, code)))
    _snapshot = snapshot
    from rnncourse import checks

    _checks_module = checks
    shell = _shell()
    if shell is not None:
        for name in ("showtraceback", "_showtraceback", "showsyntaxerror", "run_cell"):
            _shell_methods[name] = _underlying(getattr(shell, name, None))


def _underlying(value: Any) -> Any:
    """The function behind a bound method (a fresh bound method object is made on every access)."""
    return getattr(value, "__func__", value)


def _shell() -> Any:
    try:
        from IPython import get_ipython

        return get_ipython()
    except Exception:  # noqa: BLE001
        return None


def _changes() -> list[str]:
    import sys

    changed = []
    for label, owner, name, (value, code) in _snapshot or []:
        current = getattr(owner, name, None)
        if current is not value:
            changed.append(f"{label} was replaced")
        elif code is not None and getattr(current, "__code__", None) is not code:
            changed.append(f"the code of {label} was replaced")
    if sys.modules.get("rnncourse.checks") is not _checks_module:
        changed.append("the module rnncourse.checks was replaced")
    shell = _shell()
    if shell is not None:
        for name, original in _shell_methods.items():
            if _underlying(getattr(shell, name, None)) is not original:
                changed.append(f"IPython's {name} was replaced")
    return changed


def verify() -> Any:
    """Fail the current test cell if anything the checks rely on was replaced; else return the checks."""
    __tracebackhide__ = True
    if _snapshot is None:
        raise RuntimeError(f"{MARKER}: the guard was not installed before the student's code ran")
    changed = _changes()
    if changed:
        text = f"{MARKER}: " + "; ".join(changed[:5])
        print(text)
        raise _checks_module.CheckFailure(text + ". This test scores 0; the submission is flagged for review.")
    return _checks_module
