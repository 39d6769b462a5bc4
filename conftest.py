"""Project-wide pytest set-up: fast mode and quiet TensorFlow for every kernel pytest starts.

This file sits at the root so that it also applies to `pytest --nbval solutions/`.
"""

import os
import sys
from pathlib import Path

import pytest

from rnncourse.config import FAST_ENV, QUIET_TF_ENV

os.environ[FAST_ENV] = "1"
for _name, _value in QUIET_TF_ENV.items():
    os.environ.setdefault(_name, _value)
# No MPLBACKEND: notebook kernels then use the inline backend (plots become outputs, as when the
# solutions' outputs were stored), and pytest itself falls back to Agg on a machine without a screen.
os.environ.pop("MPLBACKEND", None)
# Kernels and the tools nbgrader shells out to (alembic) come from this environment.
_bindir = str(Path(sys.executable).parent)
os.environ["PATH"] = _bindir + os.pathsep + os.environ.get("PATH", "")


# Test modules that grade notebooks or drive a browser, in two units of work. Under `make test`
# (`pytest -n 2 --dist loadgroup`) each unit runs on one worker, its modules one after another.
# - "grading": the suites that grade classes with both cores (JOBS=2) and wait on cell limits
#   and Dask heartbeats. They are the critical path, so they start first (xdist hands out the
#   largest unit first) and run alone.
# - "light_grading": one kernel and its harness, one browser, one small PostgreSQL class. They
#   run beside "grading", on the worker that also runs the fast tests and the notebooks.
# Two "grading" suites at once would put four kernels on two cores. A new module that grades
# notebooks belongs in one of them (tests/test_work_units.py checks the lists).
SERIAL_UNITS = {
    "grading": (
        "tests/test_grader.py",
        "tests/test_grader_dask.py",
        "tests/test_grader_harness_attacks.py",
        "tests/test_grader_sandbox.py",
        "tests/test_instructor_loop.py",
    ),
    "light_grading": (
        "tests/test_browser.py",
        "tests/test_grader_harness.py",
        "tests/test_grader_postgres.py",
    ),
}
SERIAL_MODULES = tuple(path for paths in SERIAL_UNITS.values() for path in paths)


def work_unit(nodeid: str) -> str:
    """What one worker runs as a whole: a serial unit's modules together, a notebook's cells together.

    The cells of a notebook under nbval share one kernel, so they cannot be split. Any other test
    is a unit of its own.
    """
    path = nodeid.split("::", 1)[0]
    for unit, paths in SERIAL_UNITS.items():
        if path in paths:
            return unit
    if path.endswith(".ipynb"):
        return path
    return nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadgroup`` with the units of :func:`work_unit`.

    pytest-xdist 3.8's own loadgroup reads ``xdist_group`` marks through ``item._nodeid``, which
    pytest 9 no longer uses for ``nodeid``: every test ends up in a unit of its own. This scheduler
    groups by path instead, in the controller, which sees only node ids.
    """
    if config.getvalue("dist") != "loadgroup":
        return None  # xdist's own choice (make check: plain load balancing)
    from xdist.scheduler import LoadScopeScheduling

    class ByWorkUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return ByWorkUnit(config, log)  # type: ignore[arg-type]  # xdist's Producer
