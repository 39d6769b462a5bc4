"""Project-wide pytest set-up: fast mode and quiet TensorFlow for every kernel pytest starts.

This file sits at the root so that it also applies to `pytest --nbval solutions/`.
"""

import os
import sys
from pathlib import Path

os.environ["RNNCOURSE_FAST"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
# No MPLBACKEND: notebook kernels then use the inline backend (plots become outputs, as when the
# solutions' outputs were stored), and pytest itself falls back to Agg on a machine without a screen.
os.environ.pop("MPLBACKEND", None)
# Kernels and the tools nbgrader shells out to (alembic) come from this environment.
_bindir = str(Path(sys.executable).parent)
os.environ["PATH"] = _bindir + os.pathsep + os.environ.get("PATH", "")
