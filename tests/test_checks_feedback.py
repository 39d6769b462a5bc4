"""A failing check shows the student its message and hint, not a traceback into rnncourse/checks.

Runs a real kernel (nbclient), as JupyterLab and nbgrader do.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

WRONG_RNN_FORWARD = """
import numpy as np
from rnncourse import checks

def rnn_forward(x, kernel, recurrent_kernel, bias):
    return np.zeros((len(x), recurrent_kernel.shape[0]))  # every state zero

checks.check_rnn_forward(rnn_forward)
"""


def test_a_failing_check_ends_the_cell_in_an_error_that_shows_only_message_and_hint():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WRONG_RNN_FORWARD)])
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute()
    errors = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert len(errors) == 1 and errors[0].ename == "CheckFailure"  # nbgrader scores such a cell 0
    shown = "\n".join(errors[0].traceback)
    assert shown.splitlines()[0].startswith("\x1b[0;31mCheckFailure\x1b[0m: rnn_forward")
    assert "Traceback" not in shown and "rnncourse/checks" not in shown and "_core.py" not in shown
    assert "Hint:" in shown


def test_other_errors_keep_their_traceback():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\n    return 1 / 0\nf()")])
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute()
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(nb.cells[0].outputs[0].traceback))  # no colours
    assert "ZeroDivisionError" in shown and "return 1 / 0" in shown
