"""What a student's exception says, in one line, and where in the student's code it was raised.

Used by :func:`._core.call_student` (a check calling the student's function) and by the grader's
kernel half (``rnncourse.grader.kernel_side``), which sends the same two strings to the harness,
so a graded test names the same line as the check in JupyterLab.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
import traceback
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_KERAS_WRAPPER = "Exception encountered when calling "
_LIBRARY_ROOTS = tuple(
    sorted({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    + [os.path.realpath(os.path.dirname(os.path.dirname(__file__))) + os.sep]  # the rnncourse package
)
LIMIT = 300  # characters of a summary or a location


def _clip(text: str) -> str:
    return text if len(text) <= LIMIT else text[:LIMIT] + "..."


def exception_summary(exc: BaseException) -> str:
    """The line of ``exc``'s message that says what went wrong, without colour codes.

    Keras wraps a layer's error as "Exception encountered when calling Dropout.call()." followed
    by the cause on a later line; the summary is the cause, with the layer named after it.
    """
    lines = [line.strip() for line in _ANSI.sub("", str(exc)).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    if lines[0].startswith(_KERAS_WRAPPER) and len(lines) > 1:
        layer = lines[0][len(_KERAS_WRAPPER) :].rstrip(".")
        return _clip(f"{lines[1]} (in {layer})")
    return _clip(lines[0])


def student_location(exc: BaseException) -> str:
    """Where in the student's own code ``exc`` was raised or left it, e.g. "line 3 of norms: `x /= n`".

    The last traceback frame outside the Python installation and the ``rnncourse`` package is the
    student's. An exception re-raised by the grader's harness carries the kernel's answer in its
    ``student_location`` attribute instead. Empty when no frame is the student's.
    """
    carried = getattr(exc, "student_location", None)
    if isinstance(carried, str):
        return _clip(carried)
    last: tuple[Any, int] | None = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.startswith("<frozen") or os.path.realpath(filename).startswith(_LIBRARY_ROOTS):
            continue
        last = (frame, lineno)
    if last is None:
        return ""
    frame, lineno = last
    code = frame.f_code
    source = linecache.getline(code.co_filename, lineno, frame.f_globals).strip()
    where = (
        f"line {lineno - code.co_firstlineno + 1} of {code.co_name}" if code.co_name != "<module>" else f"line {lineno}"
    )
    return _clip(f"{where}: `{source}`" if source else where)
