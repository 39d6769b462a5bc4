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


# What a module that grades notebooks or starts a browser calls: the grader in-process, a kernel
# and its harness, `make grade`, or Chromium.
GRADES_OR_BROWSES = re.compile(
    r"\bgrade_folder\(|\bKernelLink\(|\"grade\", f\"SUBMISSIONS=|\bchromium\b", flags=re.IGNORECASE
)


def test_every_module_that_grades_or_starts_a_browser_is_in_a_serial_unit():
    """Such a module outside the units could run beside a grading suite, and slow it past its limits."""
    found = set()
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        if path.name != Path(__file__).name and GRADES_OR_BROWSES.search(path.read_text(encoding="utf-8")):
            found.add(path.relative_to(ROOT).as_posix())
    assert found == set(ROOT_CONFTEST.SERIAL_MODULES)


def test_serial_modules_share_one_unit_and_a_notebook_is_never_split():
    unit = ROOT_CONFTEST.work_unit
    assert unit("tests/test_grader.py::test_every_case_gets_its_exact_row") == "serial"
    assert unit("tests/test_grader_dask.py::test_kill_stops_a_run_as_ctrl_c_does") == "serial"
    assert unit("tests/test_browser.py::test_student_lab_has_the_assignment_list_and_no_instructor_tools") == "serial"
    assert len(set(ROOT_CONFTEST.SERIAL_MODULES)) == len(ROOT_CONFTEST.SERIAL_MODULES)
    assert unit("solutions/01_gradients/01_gradients.ipynb::Cell 3") == unit(
        "solutions/01_gradients/01_gradients.ipynb::Cell 36"
    )
    assert unit("solutions/01_gradients/01_gradients.ipynb::Cell 3") != unit(
        "solutions/02_gru_lstm/02_gru_lstm.ipynb::Cell 3"
    )
    fast = "tests/test_data.py::test_imdb_checksum"
    assert unit(fast) == fast
