"""How `make test` shares its tests between two pytest-xdist workers (the root conftest.py)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _root_conftest():
    # Loaded by path: tests/conftest.py is also a module named ``conftest``.
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ROOT_CONFTEST = _root_conftest()


def test_every_serial_module_exists_and_is_left_out_of_make_check():
    """A renamed module would silently leave the serial group; a fast one has no place in it."""
    for path in ROOT_CONFTEST.SERIAL_MODULES:
        source = (ROOT / path).read_text(encoding="utf-8")
        marks = re.search(r"^pytestmark = (.+)$", source, flags=re.MULTILINE)
        assert marks is not None and "pytest.mark.slow" in marks.group(1), path


def test_serial_modules_share_one_unit_and_a_notebook_is_never_split():
    unit = ROOT_CONFTEST.work_unit
    assert unit("tests/test_grader.py::test_every_case_gets_its_exact_row") == "serial"
    assert unit("tests/test_grader_dask.py::test_kill_stops_a_run_as_ctrl_c_does") == "serial"
    assert unit("solutions/01_gradients/01_gradients.ipynb::Cell 3") == unit(
        "solutions/01_gradients/01_gradients.ipynb::Cell 36"
    )
    assert unit("solutions/01_gradients/01_gradients.ipynb::Cell 3") != unit(
        "solutions/02_gru_lstm/02_gru_lstm.ipynb::Cell 3"
    )
    fast = "tests/test_data.py::test_imdb_checksum"
    assert unit(fast) == fast
