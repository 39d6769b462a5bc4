"""A hint never quotes a check's inputs: a hidden test shows its failing check's hint to the student.

The grading harness hides a hidden test's message (it may name the hidden inputs or the expected
values) and shows only the check's ``Hint:``. So every hint in ``rnncourse/checks/`` is built from
text, module constants and a few names that never carry a hidden input; this test reads the
checks' source and fails on any other name interpolated into a hint.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from rnncourse import checks, course

CHECKS_DIR = Path(checks.__file__).parent

# Names a hint may interpolate, and why none of them is a hidden input.
SAFE_NAMES = {
    "name": "the student's function's name",
    "shape": "the description of what the function returns, e.g. '(loss, grads)'",
    "per_token": "the name of a size ('vocab_size' or 'embedding_dim')",
    "close": "one of the fixed DIAGNOSIS_CHOICES, the closest to the student's own answer",
    "layer": "a layer of the student's own model",
    "layer_kind": "the class name of a layer of the student's own model",
    "wrong": "which of the fixed BACKWARD_KEYS differ from the expected gradients",
}


def _hint_expressions(tree: ast.AST) -> list[ast.expr]:
    """Every expression given as ``hint=`` to a call, and the values of dicts named ``hints``."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += [k.value for k in node.keywords if k.arg == "hint"]
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "hints" for t in node.targets):
            if isinstance(node.value, ast.Dict):
                found += list(node.value.values)
    return found


def _unsafe_names(expression: ast.expr) -> list[str]:
    """Names interpolated into f-strings of ``expression`` that may carry a check's inputs."""
    unsafe = []
    for node in ast.walk(expression):
        if not isinstance(node, ast.FormattedValue):
            continue
        bound = {
            target.id
            for comp in ast.walk(node.value)
            if isinstance(comp, ast.comprehension)
            for target in ast.walk(comp.target)
            if isinstance(target, ast.Name)
        }
        for name in ast.walk(node.value):
            if isinstance(name, ast.Name) and not (
                name.id.isupper() or name.id in SAFE_NAMES or name.id in bound or name.id in {"repr", "str"}
            ):
                unsafe.append(name.id)
    return unsafe


def _problems(source: str, filename: str) -> list[str]:
    problems = []
    for expression in _hint_expressions(ast.parse(source)):
        for name in _unsafe_names(expression):
            problems.append(f"{filename}:{expression.lineno}: a hint interpolates {name!r}")
    return problems


def test_no_hint_in_the_checks_quotes_an_input():
    problems = []
    for path in sorted(CHECKS_DIR.rglob("*.py")):
        problems += _problems(path.read_text(encoding="utf-8"), path.name)
    assert not problems, (
        "A hidden test shows its check's hint, so a hint must not quote the check's inputs: move the "
        "value into the message (hidden from students) and keep the hint to the idea.\n" + "\n".join(problems)
    )


@pytest.mark.parametrize(
    ("code", "unsafe"),
    [
        ('fail("m", hint=f"rank {a} - {b} + {c}")', ["a", "b", "c"]),
        ('fail("m", hint="static " + f"{seq_len}")', ["seq_len"]),
        ('hints = {1: f"got {epochs}"}', ["epochs"]),
        ('fail("m", hint=f"define `def {name}(...)` with {MEMORY_CLIPNORM}")', []),
        ('fail("m", hint=f"keys {\', \'.join(repr(k) for k in BACKWARD_KEYS)}")', []),
        ('fail(f"{a} in the message is fine", hint="static")', []),
    ],
)
def test_the_rule_reads_hints_as_intended(code, unsafe):
    found = [name for e in _hint_expressions(ast.parse(code)) for name in _unsafe_names(e)]
    assert found == unsafe


# Code a student could paste: a library call or indexing (np., tf., keras., layers., history[), an
# argument set to a value (max_tokens=...), inline code in backticks, or a call (softmax(x)).
CODE_IN_HINT = re.compile(r"\b(?:np|tf|keras|layers|history)(?:\.\w|\[)|\b\w+=\S|`|\w\(.*\)")
LESSON_MODULES = sorted(
    f"{path.parent.name}.{path.stem}" for path in CHECKS_DIR.glob("l[0-9]*/*.py") if path.stem != "__init__"
)


def _hint_texts(tree: ast.AST) -> list[str]:
    """The literal text of every ``hint=`` argument and ``*_HINT`` constant, and of the hints in mistake tables."""
    texts = []
    for node in ast.walk(tree):
        values = []
        if isinstance(node, ast.keyword) and node.arg == "hint":
            values.append(node.value)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "").endswith("HINT") for t in node.targets):
            values.append(node.value)
        if isinstance(node, ast.Tuple) and len(node.elts) == 3 and isinstance(node.elts[0], ast.Tuple):
            values.append(node.elts[2])  # diagnose's (rules, sentence, hint) mistakes
        for value in values:
            texts.append(
                "".join(c.value for c in ast.walk(value) if isinstance(c, ast.Constant) and isinstance(c.value, str))
            )
    return texts


@pytest.mark.parametrize("module", LESSON_MODULES)
def test_hints_name_the_idea_not_the_code(module):
    """A hint names the idea and where to look (a section, an argument's name), never code to type (#23, #24)."""
    tree = ast.parse((CHECKS_DIR / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    assert [text for text in _hint_texts(tree) if CODE_IN_HINT.search(text)] == []


def test_the_hint_scan_sees_code():
    assert {m.split(".")[0] for m in LESSON_MODULES} == {f"l{lesson}" for lesson in course.available_lessons()}
    assert CODE_IN_HINT.search("pass max_tokens=num_words.")
    assert CODE_IN_HINT.search("keras.layers.Conv1D(filters, kernel_size)")
    assert CODE_IN_HINT.search("use `val_loss[-1] > 1.1 * min(val_loss)`")
    assert CODE_IN_HINT.search("read history['val_loss']")
    assert CODE_IN_HINT.search("collect every a_t in a list and return np.stack(states).")
    assert CODE_IN_HINT.search("a low temperature must sharpen the distribution: softmax(logits / temperature).")
    assert not CODE_IN_HINT.search("an LSTM takes two dropout arguments (section 4, Remedies).")
    tree = ast.parse('fail("x", hint="return np.stack(states).")\nWRONG_HINT = "h = o * tanh(c)"')
    assert sorted(_hint_texts(tree)) == ["h = o * tanh(c)", "return np.stack(states)."]
