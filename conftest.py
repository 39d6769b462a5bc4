"""Project-wide pytest set-up: fast mode and quiet TensorFlow for every kernel pytest starts.

This file sits at the root so that it also applies to `pytest --nbval solutions/`.
"""

import os
import sys
from pathlib import Path

import pytest

from rnncourse.config import FAST_ENV, QUIET_TF_ENV, TF_THREADS_ENV

os.environ[FAST_ENV] = "1"
for _name, _value in {**QUIET_TF_ENV, **TF_THREADS_ENV}.items():
    os.environ.setdefault(_name, _value)
# No MPLBACKEND: notebook kernels then use the inline backend (plots become outputs, as when the
# solutions' outputs were stored), and pytest itself falls back to Agg on a machine without a screen.
os.environ.pop("MPLBACKEND", None)
# Kernels and the tools nbgrader shells out to (alembic) come from this environment.
_bindir = str(Path(sys.executable).parent)
os.environ["PATH"] = _bindir + os.pathsep + os.environ.get("PATH", "")


# Test modules that grade notebooks with both cores (JOBS=2) or drive a browser. Under `make test`
# (`pytest -n 2 --dist loadgroup`) one worker runs them one after another, while the other worker
# runs every other test and notebook beside them: much of their time is spent waiting (kernel
# starts, cell limits, Dask heartbeats), and two of them at once would put four kernels on two
# cores, and the Dask suite's Ctrl-C and `kill` tests look for grading processes machine-wide. A
# new module that grades notebooks or starts a browser belongs here (tests/test_work_units.py).
SERIAL_MODULES = (
    "tests/test_browser.py",
    "tests/test_grader.py",
    "tests/test_grader_dask.py",
    "tests/test_grader_harness.py",
    "tests/test_grader_harness_attacks.py",
    "tests/test_grader_postgres.py",
    "tests/test_grader_sandbox.py",
    "tests/test_instructor_loop.py",
)


def work_unit(nodeid: str) -> str:
    """What one worker runs as a whole: the serial modules together, a notebook's cells together.

    The cells of a notebook under nbval share one kernel, so they cannot be split. Any other test
    is a unit of its own.
    """
    path = nodeid.split("::", 1)[0]
    if path in SERIAL_MODULES:
        return "serial"
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
