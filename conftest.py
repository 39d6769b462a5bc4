"""Project-wide pytest set-up: fast mode and quiet TensorFlow for every kernel pytest starts.

This file sits at the root so that it also applies to `pytest --nbval solutions/`.
"""

import os
import sys
from pathlib import Path

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
