"""A hint never quotes a check's inputs: a hidden test shows its failing check's hint to the student.

The grading harness hides a hidden test's message (it may name the hidden inputs or the expected
values) and shows only the check's ``Hint:``. So every hint in ``rnncourse/checks/`` is built from
text, module constants and a few names that never carry a hidden input; this test reads the
checks' source and fails on any other name interpolated into a hint.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rnncourse import checks

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
