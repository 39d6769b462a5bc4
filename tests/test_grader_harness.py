"""rnncourse.grader.harness against a real IPython kernel: verdicts computed outside the student's interpreter.

A plain local kernel (jupyter_client, no sandbox: the sandbox has its own tests) plays the
student's; each test defines the student's code in it, then runs a test cell's source with
:func:`run_test` in this process, as the grading worker does. What the tests pin down: the
verdict and the message come from the check running here; the kernel can only answer calls;
its tricks (transformers, patched modules, lying objects) change nothing here; changes a
function makes to its arguments come back; a hidden test's output holds no input; a kernel
that hangs or dies fails the test with a sentence.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import numpy as np
import pytest

from rnncourse import checks
from rnncourse.checks._core import CheckFailure
from rnncourse.grader.harness import KernelGone, KernelLink, StudentFunction, lesson_imports, resolve, run_test

pytestmark = pytest.mark.slow


class Kernel:
    """A local IPython kernel and the ``run`` function the harness's link needs."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3")
        self.scratch = Path(tempfile.mkdtemp(prefix="harness-test-"))

    def run(self, code: str, timeout: float) -> None:
        import time

        msg_id = self.kc.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.km.interrupt_kernel()
                raise KernelGone("the kernel stopped answering")
            try:
                reply = self.kc.get_shell_msg(timeout=min(1.0, remaining))
            except Exception:  # noqa: BLE001  (queue.Empty)
                if not self.km.is_alive():
                    raise KernelGone("the kernel died during this test") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return

    def student(self, code: str) -> None:
        """Run the student's cell, as the kernel runs it during grading (transformers apply)."""
        reply = self.kc.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]

    def link(self, timeout: float = 60) -> KernelLink:
        return KernelLink(self.run, self.scratch, timeout)

    def close(self) -> None:
        self.km.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel():
    k = Kernel()
    k.student("import numpy as np")
    yield k
    k.close()


TRUSTED = {"checks": checks}
GOOD_COSINE = """
def cosine_similarities(matrix, vector):
    return matrix @ vector / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector))
"""


def _text(outputs):
    return "".join(o.get("text", "") + o.get("evalue", "") for o in outputs)


def test_a_right_answer_passes_and_a_wrong_one_fails_with_the_checks_message(kernel):
    kernel.student(GOOD_COSINE)
    outputs = run_test("checks.check_cosine_similarities(cosine_similarities)", kernel.link(), TRUSTED, hidden=False)
    assert [o["output_type"] for o in outputs] == ["stream"] and "\u2714 cosine_similarities" in _text(outputs)
    kernel.student("def cosine_similarities(matrix, vector):\n    return matrix @ vector")
    outputs = run_test("checks.check_cosine_similarities(cosine_similarities)", kernel.link(), TRUSTED, hidden=False)
    assert outputs[-1]["output_type"] == "error" and outputs[-1]["ename"] == "CheckFailure"
    assert "returned plain dot products (no division by the norms)" in outputs[-1]["evalue"]


def test_the_kernels_tricks_do_not_reach_the_verdict(kernel):
    """Patched numpy and checks: the harness has its own of each."""
    kernel.student("def cosine_similarities(matrix, vector):\n    return np.zeros(len(matrix))")
    kernel.student(
        "import sys\n"
        "sys.modules['numpy'].allclose = lambda *a, **k: True\n"
        "import rnncourse.checks as c\nc.check_cosine_similarities = lambda *a, **k: print('\u2714 passed')\n"
    )
    outputs = run_test("checks.check_cosine_similarities(cosine_similarities)", kernel.link(), TRUSTED, hidden=False)
    assert outputs[-1]["output_type"] == "error"


def test_a_kernel_that_rewrites_every_cell_answers_nothing():
    """An input transformer turns every later cell, the harness's call included, into `pass`."""
    k = Kernel()
    try:
        k.student(
            "import numpy as np\n" + GOOD_COSINE + "get_ipython().input_transformers_post.append(lambda l: ['pass\\n'])"
        )
        outputs = run_test("checks.check_cosine_similarities(cosine_similarities)", k.link(), TRUSTED, hidden=False)
        assert outputs[-1]["output_type"] == "error"
        assert "could not be read from the notebook: the file answer.json is missing" in outputs[-1]["evalue"]
    finally:
        k.close()


def test_lying_objects_cross_as_a_class_name_and_fail(kernel):
    kernel.student(
        "class Liar(np.ndarray):\n"
        "    def __eq__(self, other):\n        return True\n"
        "def cosine_similarities(matrix, vector):\n"
        "    return np.zeros(len(matrix)).view(Liar)\n"
    )
    outputs = run_test("checks.check_cosine_similarities(cosine_similarities)", kernel.link(), TRUSTED, hidden=False)
    assert outputs[-1]["output_type"] == "error" and "returned a Liar" in outputs[-1]["evalue"]


def test_an_error_in_the_students_code_names_its_line_across_the_boundary(kernel):
    """The kernel sends the line as a string; the check's message shows it as in JupyterLab."""
    kernel.student(
        "def _unit_rows(m):\n"
        "    norms = np.linalg.norm(m, axis=1)\n"
        "    return m / norms[:, None] / missing_scale\n"
        "\n"
        "def cosine_similarities(matrix, vector):\n"
        "    return _unit_rows(matrix) @ vector\n"
    )
    outputs = run_test("checks.check_cosine_similarities(cosine_similarities)", kernel.link(), TRUSTED, hidden=False)
    assert outputs[-1]["ename"] == "CheckFailure"
    assert outputs[-1]["evalue"].startswith(
        "cosine_similarities raised NameError: name 'missing_scale' is not defined "
        "(at line 3 of _unit_rows: `return m / norms[:, None] / missing_scale`)"
    )


def test_a_function_that_changes_its_answer_is_graded_call_by_call(kernel):
    kernel.student(
        GOOD_COSINE.replace("def cosine_similarities", "def _right") + "calls = []\n"
        "def cosine_similarities(matrix, vector):\n"
        "    calls.append(1)\n"
        "    return _right(matrix, vector) if len(calls) == 1 else np.zeros(len(matrix))\n"
    )
    link = kernel.link()
    fn = StudentFunction(link, "cosine_similarities")
    matrix, vector = np.eye(3), np.ones(3)
    assert np.allclose(fn(matrix, vector), np.ones(3) / np.sqrt(3))
    assert np.array_equal(fn(matrix, vector), np.zeros(3))


def test_calls_a_check_knows_in_advance_go_in_one_request_with_each_outcome_kept(kernel):
    from rnncourse.checks._core import call_each, call_student

    kernel.student(
        "answers = []\n"
        "def best(history):\n"
        "    answers.append(1)\n"
        "    if len(answers) == 3:\n        raise ValueError('third call')\n"
        "    history['seen'] = True\n"
        "    return len(answers) if len(answers) != 2 else 'two'\n"
    )
    link = kernel.link()
    fn = StudentFunction(link, "best")
    given = [{"loss": [1.0]} for _ in range(4)]
    before = link.calls
    answering = call_each(fn, [((g,), {}) for g in given])
    assert link.calls == before + 1  # four calls, one request
    assert call_student(answering, given[0], name="best") == 1 and given[0]["seen"] is True
    assert answering(given[1]) == "two"  # each call's own answer, in order
    with pytest.raises(CheckFailure, match="best raised ValueError: third call"):
        call_student(answering, given[2], name="best")
    assert answering({"other": 1}) == 5 and link.calls == before + 2  # not prepared: a call of its own
    assert answering(given[3]) == 4  # the prepared one is still answered from the batch
    assert call_each(lambda h: 0, [((1,), {})])(1) == 0  # in JupyterLab: the function itself


def test_changes_to_arguments_come_back_and_a_returned_argument_is_the_same_object(kernel):
    import keras

    kernel.student(
        "import keras\n"
        "def grow(items, table):\n    items.append(3)\n    table['new'] = 1\n    return items\n"
        "def train(model, x, y):\n"
        "    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, clipnorm=1.0), loss='mse')\n"
        "    model.fit(x, y, epochs=2, batch_size=4, verbose=0)\n"
        "    return model\n"
    )
    link = kernel.link()
    items, table = [1, 2], {"old": 0}
    returned = StudentFunction(link, "grow")(items, table)
    assert returned is items and items == [1, 2, 3] and table == {"old": 0, "new": 1}
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    before = [w.copy() for w in model.get_weights()]
    returned = StudentFunction(link, "train")(model, np.ones((8, 3)), np.ones((8, 1)))
    assert returned is model and model.compiled and float(model.optimizer.clipnorm) == 1.0
    assert model.history.epoch == [0, 1] and model.history.params["steps"] == 2
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_only_arguments_the_call_changed_are_written_back(kernel):
    kernel.student(
        "def first_norm(matrix, words):\n    return float(np.linalg.norm(matrix[0]))\n"
        "def normalise(matrix, words):\n    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)\n"
        "    words[0] = 'changed'\n"
    )
    answers = []
    link = kernel.link()
    real_call = link.call

    @contextlib.contextmanager
    def spying(*args, **kwargs):
        with real_call(*args, **kwargs) as (answer, reader):
            answers.append(answer)
            yield answer, reader

    link.call = spying
    # 1.6 MB: the kernel snapshots it into a reused buffer; the NaN needs the NaN-aware comparison
    matrix, words = np.full((4000, 50), 2.0), [f"w{i}" for i in range(4000)]
    matrix[-1, -1] = np.nan
    for _ in range(2):  # the second call snapshots into the buffer the first one gave back
        assert StudentFunction(link, "first_norm")(matrix, words) == pytest.approx(np.sqrt(200))
        assert answers[-1]["args"] == [None, None]  # nothing changed: nothing comes back
    StudentFunction(link, "normalise")(matrix, words)
    assert all(spec is not None for spec in answers[-1]["args"])
    assert np.allclose(np.linalg.norm(matrix[:-1], axis=1), 1.0) and words[0] == "changed" and words[1] == "w1"


def test_the_course_glove_vectors_go_by_name_and_in_full_when_the_kernel_cannot_load_them(kernel):
    from rnncourse import glove

    words, matrix = glove.load_glove_matrix()
    kernel.student(
        "def describe(words, matrix):\n"
        "    return [len(words), list(matrix.shape), bool(matrix.flags.writeable), words[:2]]\n"
    )
    link = kernel.link()
    # By name: the kernel hands out its own read-only matrix, as a check passes it in JupyterLab.
    assert StudentFunction(link, "describe")(list(words), matrix) == [len(words), [400_000, 50], False, words[:2]]
    assert link.course_data
    # A kernel whose GloVe cannot be loaded (here: replaced by the student) gets the values themselves.
    kernel.student(
        "import rnncourse.glove as _g\n_saved = _g.load_glove_matrix\n"
        "def _broken():\n    raise OSError('no GloVe here')\n_g.load_glove_matrix = _broken\n"
    )
    try:
        answer = StudentFunction(link, "describe")(list(words), matrix)
    finally:
        kernel.student("_g.load_glove_matrix = _saved")
    assert answer == [len(words), [400_000, 50], True, words[:2]]  # a fresh, writable copy
    assert not link.course_data  # and this kernel keeps getting the values


def test_a_function_found_once_is_not_looked_up_again_until_a_student_cell_runs(kernel):
    kernel.student("def once():\n    return 1\n")
    link = kernel.link()
    assert resolve(link, "once")() == 1 and link.calls == 2  # a lookup, then the call
    assert resolve(link, "once")() == 1 and link.calls == 3  # the call only


def test_a_student_cell_between_two_tests_is_seen_by_the_second():
    """The second test must see the name as the cell in between left it (here: a number)."""
    from nbformat.v4 import new_code_cell, new_notebook

    from rnncourse.grader.harness import harness_execute_class

    def test_cell(source, grade_id):
        cell = new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id, "points": 1}
        return cell

    nb = new_notebook(
        cells=[
            new_code_cell("def f():\n    return 1"),
            test_cell("assert f() == 1", "test_call"),
            new_code_cell("f = 3"),
            test_cell("assert f == 3, 'the name was not looked up again'", "test_value"),
        ]
    )
    execute = harness_execute_class()
    execute.source_notebook = nb
    graded, _ = execute(timeout=60).preprocess(nb, {})
    assert [cell.outputs for cell in graded.cells if "nbgrader" in cell.metadata] == [[], []]


def test_a_hidden_test_shows_its_outcome_and_hint_but_no_input(kernel):
    kernel.student("def embedding_costs(num_tokens, vocab_size, embedding_dim):\n    return 1, 2, 3\n")
    source = (
        "# Hidden test\n### BEGIN HIDDEN TESTS\n"
        "checks.check_embedding_costs(embedding_costs, num_tokens=7, vocab_size=50, embedding_dim=3, visible=False)\n"
        "### END HIDDEN TESTS\n"
    )
    visible = run_test(source, kernel.link(), TRUSTED, hidden=False)
    hidden = run_test(source, kernel.link(), TRUSTED, hidden=True)
    assert "1,400" in _text(visible)  # the visible form of the same failure quotes the expected value
    assert hidden[-1]["output_type"] == "error" and _text(hidden).startswith("hidden test failed")
    assert "a float32 number takes 4 bytes" in _text(hidden)  # the hint: the idea, without the inputs
    assert not any(s in _text(hidden) for s in ("1,400", "1400", "50", "7"))


def test_a_name_the_notebook_never_defined_fails_that_test(kernel):
    outputs = run_test("checks.check_cosine_similarities(no_such_function)", kernel.link(), TRUSTED, hidden=False)
    assert outputs[-1]["ename"] == "NameError" and "no_such_function" in outputs[-1]["evalue"]


def test_a_call_that_hangs_fails_at_the_limit_and_the_kernel_answers_again():
    k = Kernel()
    try:
        k.student("import time\ndef embedding_costs(*args):\n    time.sleep(600)\n")
        outputs = run_test("checks.check_embedding_costs(embedding_costs)", k.link(timeout=3), TRUSTED, hidden=False)
        assert outputs[-1]["output_type"] == "error" and "stopped answering" in outputs[-1]["evalue"]
        k.student("x = 1")  # interrupted: the kernel is usable again
    finally:
        k.close()


def test_a_kernel_that_dies_fails_this_test_and_the_next_at_once():
    k = Kernel()
    try:
        k.student("import os\ndef embedding_costs(*args):\n    os._exit(1)\n")
        link = k.link(timeout=60)
        first = run_test("checks.check_embedding_costs(embedding_costs)", link, TRUSTED, hidden=False)
        assert "the kernel died" in first[-1]["evalue"]
        second = run_test("checks.check_embedding_costs(embedding_costs)", link, TRUSTED, hidden=False)
        assert "the kernel died" in second[-1]["evalue"]
    finally:
        k.close()


def test_the_trusted_names_come_from_the_lessons_own_imports():
    source = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": "import numpy as np\nfrom rnncourse import checks, glove"},
            {"cell_type": "code", "metadata": {}, "source": "import os\nimport matplotlib.pyplot as plt"},
            {
                "cell_type": "code",
                "metadata": {"nbgrader": {"solution": True, "grade_id": "a"}},
                "source": "from rnncourse import data as checks",
            },
        ]
    }
    assert lesson_imports(source) == {"np": "numpy", "checks": "rnncourse:checks", "glove": "rnncourse:glove"}


def test_between_notebooks_the_harness_collects_what_the_last_one_left_and_freezes_the_rest():
    """What a notebook's checks left in reference cycles is freed; what survives is kept out of later collections."""
    import gc
    import weakref

    from rnncourse.grader.harness import _forget_previous_notebook

    class Node:
        pass

    survivor, garbage = Node(), Node()
    garbage.self = garbage  # a cycle: only the collector frees it
    gone = weakref.ref(garbage)
    del garbage
    gc.disable()  # no automatic collection may free it first
    try:
        _forget_previous_notebook()
    finally:
        gc.enable()
    survivor_collected_later = any(obj is survivor for obj in gc.get_objects())  # the frozen are in no generation
    gc.unfreeze()  # give the test process its collector back
    assert gone() is None, "the previous notebook's cycles were frozen instead of freed"
    assert not survivor_collected_later, "what survived was not frozen"
