"""Hostile submissions against the grading harness: student code that tampers with the test cells.

Test cells must run in the trusted grading worker, with the student's functions as proxies that
exchange plain values with the kernel. Every attack here works only while the tests run in the
student's kernel. One grading run (lesson 02, 26 points, JOBS=2) holds two honest notebooks and
seven that carry these attacks (attacks that cannot undo one another share a notebook; see
``CASES``), each written as a student would, hiding its names from the static scan (no
``import sys``, no ``get_ipython()``: ``getattr(plt, "sy" + "s")`` and ``sys.modules`` instead):

* the kernel rewrites later cells: an input transformer that turns every cell into ``pass``, an
  AST transformer that drops the check calls, a custom exception handler that swallows
  ``AssertionError`` (all on a blank notebook: 0 points);
* the kernel watches the tests: pre/post_run_cell events and a ``sys.settrace`` hook print the
  test cells' source and the checks' arguments (correct notebooks: 26 points, and no hidden test
  source or argument on the feedback page, in OUT/details or in run.json); a trace hook that
  rewrites the check's locals (its answer becomes the expected one);
* monkeypatching numpy (its ``isclose``, behind ``np.allclose``), keras (LSTM and GRU layers
  that return zeros) and the checks' helpers (``fail``, ``expect_close``), beside answers of the
  right shape but wrong values;
* answers that lie: an ndarray subclass, a class whose ``__array__`` is right only the first
  time, an int subclass equal to everything, a keras model that lies about its layers;
* values against the harness's loaders: an object-dtype array, an 8-TiB broadcast array, a list
  nested 10,000 deep, a model with a lambda inside (the exercise scores 0, the notebook grades);
* functions right only on the first call, or wrong only on the first call.
"""

from __future__ import annotations

import ast
import html
import json
import re
import textwrap
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.grader import Settings, grade_folder
from rnncourse.grader.scan import scan_source
from rnncourse.notebook import cell_source, grade_id, nbgrader_metadata

pytestmark = pytest.mark.slow
LESSON = "02_gru_lstm"
FULL = 26
SETTINGS = Settings(jobs=2, progress=False, cell_timeout=60, notebook_timeout=300)
SOLUTION = json.loads(course.solution_path(LESSON).read_text(encoding="utf-8"))
SOLVED = course.solution_answers(LESSON)
POINTS = {  # answer grade_id -> the points of its visible and hidden test cells
    gid: sum(
        nbgrader_metadata(c).get("points", 0)
        for c in SOLUTION["cells"]
        if grade_id(c) in {f"test_{gid}", f"test_{gid}_hidden"}
    )
    for gid in SOLVED
    if gid != "free_response_gru_vs_lstm"
}
assert sum(POINTS.values()) == FULL and min(POINTS.values()) > 0, POINTS


def _hidden_blocks() -> list[str]:
    blocks = []
    for cell in SOLUTION["cells"]:
        source = cell_source(cell)
        if "### BEGIN HIDDEN TESTS" in source:
            blocks.append(source.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0])
    return blocks


HIDDEN_BLOCKS = _hidden_blocks()
HIDDEN_LINES = [line.strip() for block in HIDDEN_BLOCKS for line in block.splitlines() if len(line.strip()) >= 20]
# The hidden calls' keyword arguments, as source, a repr (seed=21) or a printed dict ('seed': 21) shows them.
HIDDEN_ARGS = [
    re.compile(rf"\b{kw.arg}(?:=|['\"]: ){re.escape(ast.unparse(kw.value))}(?![\d.])")
    for block in HIDDEN_BLOCKS
    for node in ast.walk(ast.parse(textwrap.dedent(block)))
    if isinstance(node, ast.Call)
    for kw in node.keywords
    if kw.arg != "visible"
]
assert len(HIDDEN_BLOCKS) == 5 and HIDDEN_LINES and len(HIDDEN_ARGS) >= 10

# ---------------------------------------------------------------------------------------- attacks
# The kernel's IPython shell, reached without a name the scan knows.
SHELL = """
_sys = getattr(plt, "sy" + "s")
_shell = getattr(getattr(_sys, "mod" + "ules")["IPy" + "thon"], "get_ip" + "ython")()
"""
# 1. every later cell becomes `pass` (and is printed first)
INPUT_TRANSFORMER = """
def _blank_out(lines):
    print("".join(lines))
    return ["pass\\n"]


_shell.input_transformers_post.append(_blank_out)
"""
# 2. every later call of a check function is dropped
AST_TRANSFORMER = """
import ast


class _DropChecks(ast.NodeTransformer):
    def visit_Expr(self, node):
        if isinstance(node.value, ast.Call) and "check" in ast.unparse(node.value.func):
            return ast.Pass()
        return node


_shell.ast_transformers.append(_DropChecks())
"""
# 3. a failed check shows no error, so nbgrader gives the points
CUSTOM_EXC = """
def _swallow(shell, etype, value, tb, tb_offset=None):
    return None


_shell.set_custom_exc((AssertionError,), _swallow)
"""
# 4. every cell's source, hidden tests included, printed into its output
EVENTS = """
_shell.events.register("pre_run_cell", lambda info: print(info.raw_cell))
_shell.events.register("post_run_cell", lambda result: print(result.info.raw_cell))
"""
# 5. the source of the cell that calls a check, and the check's arguments
SETTRACE_SPY = """
import linecache


def _spy(frame, event, arg):
    if event == "call" and "checks" in frame.f_code.co_filename:
        caller = getattr(frame, "f_" + "back")
        if caller is not None and "checks" not in caller.f_code.co_filename:
            print("".join(linecache.getlines(caller.f_code.co_filename)))
            for name, value in getattr(frame, "f_" + "locals").items():
                print(f"{name}={value!r}"[:200])


getattr(getattr(plt, "sy" + "s"), "set" + "trace")(_spy)
"""
# 5b. the check's own locals rewritten: the student's answers become the expected ones
SETTRACE_REWRITE = """
def _rewrite(frame, event, arg):
    seen = getattr(frame, "f_" + "locals")
    if "got_arr" in seen and "expected" in seen:
        seen["got_arr"] = seen["expected"]
    return _rewrite


def _watch(frame, event, arg):
    return _rewrite if "checks" in frame.f_code.co_filename else None


getattr(getattr(plt, "sy" + "s"), "set" + "trace")(_watch)
"""
# 7. monkeypatches the guard does not watch
PATCH_NUMPY = """
_numeric = getattr(getattr(plt, "sy" + "s"), "mod" + "ules")["numpy._core.numeric"]
_numeric.isclose = lambda *args, **kwargs: True  # np.allclose is all(isclose(...))
"""
PATCH_KERAS = """
class _Zeros:
    def __init__(self, units, return_state=False, **kwargs):
        self.units, self.return_state = units, return_state

    def __call__(self, inputs, initial_state=None, **kwargs):
        batch, steps = np.shape(inputs)[:2]
        seq = np.zeros((batch, steps, self.units))
        return (seq, seq[:, -1], seq[:, -1]) if self.return_state else seq

    def set_weights(self, weights):
        pass


_layers = getattr(keras, "layers")
_layers.LSTM = _Zeros
_layers.GRU = _Zeros
"""
PATCH_CHECKS = """
_cells = getattr(checks, "cel" + "ls")
_cells.fail = lambda *args, **kwargs: None
_cells.expect_close = lambda *args, **kwargs: None
"""
# Right shapes, wrong values: what the patches above turn into passing tests.
DUMMIES = {
    "lstm_step": "def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):\n"
    "    return np.zeros_like(h_prev), np.zeros_like(c_prev)\n",
    "gru_step": "def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):\n    return np.zeros_like(h_prev)\n",
    "param_counts": "".join(
        f"def {n}_params(input_dim, units):\n    return 0\n\n\n" for n in ("simple_rnn", "lstm", "gru")
    ),
}
# 6. answers that lie about what they are (a blank notebook otherwise)
LIARS = {
    "lstm_step": SOLVED["lstm_step"]
    + """
_honest_lstm_step = lstm_step


def _flaky_array(self, *args, **kwargs):
    self.calls += 1
    return self.value if self.calls == 1 else np.zeros_like(self.value)


_Flaky = type("Flaky", (), {"__array__": _flaky_array, "__eq__": lambda s, o: True, "__len__": lambda s: 2, "calls": 0})


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    h_lie, c_lie = _Flaky(), _Flaky()
    h_lie.value, c_lie.value = _honest_lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    return h_lie, c_lie
""",
    "gru_step": SOLVED["gru_step"]
    + """
_honest_gru_step = gru_step
_Lying = type(
    "Lying",
    (np.ndarray,),
    {"__eq__": lambda s, o: True, "__ne__": lambda s, o: False, "__array__": lambda s, *a, **k: s.truth,
     "__len__": lambda s: 4},
)


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    lie = np.zeros_like(h_prev).view(_Lying)
    lie.truth = _honest_gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)
    return lie
""",
    "param_counts": """
_Count = type("Count", (int,), {"__eq__": lambda s, o: True, "__ne__": lambda s, o: False, "__hash__": int.__hash__})
"""
    + "".join(f"\n\ndef {n}_params(input_dim, units):\n    return _Count(0)\n" for n in ("simple_rnn", "lstm", "gru")),
    "build_stacked_model": """
def build_stacked_model(seq_len, num_features, per_step):
    shown = [
        keras.layers.GRU(128, return_sequences=True),
        keras.layers.LSTM(64, return_sequences=per_step),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
    claims = {"layers": property(lambda s: shown), "predict": lambda s, x, **k: np.zeros((len(x), 1))}
    return type("Stacked", (keras.Model,), {**claims, "call": lambda s, inputs: inputs[:, 0, :1] * 0})()
""",
}


ARGS = {
    "lstm_step": "x_t, h_prev, c_prev, kernel, recurrent_kernel, bias",
    "gru_step": "x_t, h_prev, kernel, recurrent_kernel, bias",
    "simple_rnn_params": "input_dim, units",
}


def _wrap(name: str, body: str, prelude: str = "") -> dict[str, str]:
    """The reference answers, with function ``name`` replaced by one whose ``body`` calls ``_honest(...)``.

    The reference function is kept as ``_honest_<name>``, so that wrappers of several functions can
    share a notebook.
    """
    answer = "param_counts" if name == "simple_rnn_params" else name
    honest = f"_honest_{name}"
    wrapper = f"{prelude}{honest} = {name}\n\n\ndef {name}({ARGS[name]}):\n" + textwrap.indent(
        body.strip().replace("_honest(", f"{honest}("), "    "
    )
    return {**SOLVED, answer: SOLVED[answer] + "\n\n" + wrapper}


STATEFUL = """
_calls.append(1)
h_t, c_t = _honest(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
return (h_t, c_t) if {honest} else (h_t + 1.0, c_t)
"""


LAMBDA_MODEL = SOLVED["build_stacked_model"].replace(
    'return_sequences=True, name="gru_layer"',
    'return_sequences=True, activation=lambda t: keras.ops.tanh(t), name="gru_layer"',
)
WRONG_LSTM = SOLVED["lstm_step"].replace("return h_t, c_t", "return c_t, h_t")
assert LAMBDA_MODEL != SOLVED["build_stacked_model"] and WRONG_LSTM != SOLVED["lstm_step"]


def _blank(code: str, gid: str = "lstm_step", answers: dict[str, str] | None = None) -> dict[str, str]:
    """The release's stubs (or ``answers``) with ``code`` appended to the answer cell ``gid``."""
    release = course.reference_submission(LESSON, {})
    stubs = {grade_id(c): cell_source(c) for c in release["cells"] if nbgrader_metadata(c).get("solution")}
    answers = {**stubs, **(answers or {})}
    return {**answers, gid: answers[gid] + "\n" + code}


def _without(*answers: str) -> tuple[float, float]:
    """The exact score of a notebook that earns nothing for ``answers`` and everything else."""
    score = FULL - sum(POINTS[a] for a in answers)
    return score, score


# 8, 9: honest answers wrapped; a stateful wrapper, or one whose values the harness must refuse
VISIBLE_LSTM = next(nbgrader_metadata(c)["points"] for c in SOLUTION["cells"] if grade_id(c) == "test_lstm_step")
OBJECT_DTYPE = """
h_t, c_t = _honest(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
return h_t.astype(object), c_t.astype(object)  # an .npy of this needs pickle
"""
DEEP = """
value = _honest(input_dim, units)
for _ in range(10_000):
    value = [value]
return value
"""
ZERO = (0.0, 0.0)
# student -> (answers, lowest and highest score: only what the honest part earns).
# Attacks that cannot undo one another share a notebook: each of them, alone, would add points
# (or show hidden tests) if the tests ran in the kernel, so the notebook's exact score still catches
# any one that works. Two hooks of one kind (sys.settrace) or two tricks on one function do not.
CASES: dict[str, tuple[dict[str, str], tuple[float, float]]] = {
    "honest_correct": (SOLVED, _without()),
    "honest_wrong_lstm": ({**SOLVED, "lstm_step": WRONG_LSTM}, _without("lstm_step")),
    # 1-3: the shell rewrites every later cell, drops the checks, swallows failed asserts
    "shell_rewrites": (_blank(SHELL + INPUT_TRANSFORMER + AST_TRANSFORMER + CUSTOM_EXC), ZERO),
    # 4, 5: the shell's events and a trace hook print what the tests run
    "shell_spies": ({**SOLVED, "lstm_step": SOLVED["lstm_step"] + "\n" + SHELL + EVENTS + SETTRACE_SPY}, _without()),
    # 5b, 7: the check's locals rewritten, numpy, keras and the checks' helpers patched
    "patches": (
        {
            **_blank(PATCH_NUMPY + PATCH_KERAS + PATCH_CHECKS, answers=DUMMIES),
            "gru_step": DUMMIES["gru_step"] + "\n" + SETTRACE_REWRITE,
        },
        ZERO,
    ),
    "liars": (_blank("", answers=LIARS), ZERO),
    "right_first": (
        _wrap("lstm_step", STATEFUL.format(honest="len(_calls) == 1"), "_calls = []\n"),
        _without("lstm_step"),
    ),
    "wrong_first": (
        _wrap("lstm_step", STATEFUL.format(honest="len(_calls) > 1"), "_calls = []\n"),
        (FULL - POINTS["lstm_step"], FULL - VISIBLE_LSTM),
    ),
    # 9: a value the harness must refuse, one per exercise; the other answers are the reference's
    "refused_values": (
        {
            **_wrap("lstm_step", OBJECT_DTYPE),
            "gru_step": _wrap("gru_step", "return np.broadcast_to(np.float64(0.5), (2**20, 2**20))  # 8 TiB")[
                "gru_step"
            ],
            "param_counts": _wrap("simple_rnn_params", DEEP)["param_counts"],
            "build_stacked_model": LAMBDA_MODEL,
        },
        _without("lstm_step", "gru_step", "param_counts", "build_stacked_model"),
    ),
}
HONEST = ("honest_correct", "honest_wrong_lstm")


def _cell_scores(out: Path, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gradebook:
        try:
            notebook = gradebook.find_submission_notebook(LESSON, LESSON, student)
        except MissingEntry:
            return {}
        return {g.name: float(g.auto_score or 0.0) for g in notebook.grades if g.cell.cell_type == "code"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("harness")
    subs, out = root / "submissions", root / "out"
    for student, (answers, _) in CASES.items():
        path = subs / student / f"{LESSON}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(course.reference_submission(LESSON, answers)), encoding="utf-8")
    rows = grade_folder(subs, out, SETTINGS, log=lambda text: None)
    return {
        "out": out,
        "rows": {r["student_id"]: r for r in rows},
        "cells": {student: _cell_scores(out, student) for student in CASES},
    }


def _leaks(text: str) -> list[str]:
    text = html.unescape(text)
    found = [line for line in HIDDEN_LINES if line in text]
    return found + [match.group(0) for pattern in HIDDEN_ARGS if (match := pattern.search(text))]


# ------------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("student", list(CASES))
def test_attacks_hide_from_the_static_scan(student):
    """A precondition: the scan flags none of these answers, so only the harness can stop them."""
    answers, _ = CASES[student]
    findings = [str(f) for gid, source in answers.items() for f in scan_source(source, gid)]
    assert findings == []


@pytest.mark.parametrize("student", list(CASES))
def test_each_submission_scores_only_what_its_honest_part_earns(graded, student):
    row = graded["rows"][student]
    low, high = CASES[student][1]
    context = (
        f"{row['score']}/{row['max_score']} {row['status']}: {row['message'][:300]} cells={graded['cells'][student]}"
    )
    assert row["status"] in {"graded", "flagged"}, context
    assert float(row["max_score"]) == FULL, context
    assert low <= float(row["score"]) <= high, context
    if student in HONEST:
        assert row["status"] == "graded" and "flagged" not in row["message"], context


def test_answers_that_change_between_calls_score_0_where_they_answered_wrong(graded):
    for student in ("right_first", "wrong_first"):
        cells = graded["cells"][student]
        assert cells["test_lstm_step"] == 0, (student, cells)
        others = {name: score for name, score in cells.items() if "lstm_step" not in name}
        assert others == {
            name: score for name, score in graded["cells"]["honest_correct"].items() if "lstm_step" not in name
        }
    assert graded["cells"]["right_first"]["test_lstm_step_hidden"] == 0  # every call after the first is wrong


@pytest.mark.parametrize("student", list(CASES))
def test_nothing_for_students_shows_hidden_tests(graded, student):
    out = graded["out"]
    pages = [out / "feedback" / f"{student}.html", *sorted((out / "details" / student).rglob("*"))]
    assert pages[0].is_file()
    found = {str(p.relative_to(out)): leaks for p in pages if p.is_file() and (leaks := _leaks(p.read_text("utf-8")))}
    assert found == {}


def test_run_json_shows_no_hidden_tests_and_every_notebook_was_graded(graded):
    text = (graded["out"] / "run.json").read_text(encoding="utf-8")
    run = json.loads(text)
    assert _leaks(text) == []
    assert sorted(run["notebooks"]) == sorted(f"{student}/{LESSON}" for student in CASES)
    assert {n["status"] for n in run["notebooks"].values()} <= {"graded", "flagged"}
