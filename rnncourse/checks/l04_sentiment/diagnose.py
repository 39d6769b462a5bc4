"""Exercise ``diagnose``: overfitting, underfitting or a good fit, the notebook's exercise 3 (b).

Exercise 3, reading learning curves: after ``best_epoch`` (a), ``diagnose(history)`` reads one
learning curve and returns one of :data:`DIAGNOSIS_CHOICES` by the exercise's rule (:func:`reference`).
The notebook plots :func:`diagnosis_examples` next to the exercise. The visible check feeds those
and one made-up curve per typical mistake, the hidden one edge cases and random curves; when the
answers match a known wrong rule, the feedback names it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._core import CheckFailure, call_each, call_student, fail, report_pass
from ._common import and_list, history_from

NAME = "diagnose"


#: The three answers :func:`check_diagnose` accepts (case and surrounding spaces do not matter).
DIAGNOSIS_CHOICES = ("overfitting", "underfitting", "good fit")


_ALLOWED = "'overfitting', 'underfitting' or 'good fit'"


def diagnosis_examples() -> dict[str, dict[str, list[float]]]:
    """Three made-up learning-curve sets ``"A"``, ``"B"``, ``"C"`` (loss and val_loss, 8 epochs).

    The notebook plots them next to the exercise, and :func:`check_diagnose` feeds them to the
    student's ``diagnose`` first. They are fixed numbers, not trained models, so the answers do
    not depend on the machine.
    """
    epochs = np.arange(1, 9)
    return {
        "A": history_from(0.69 * np.exp(-0.42 * (epochs - 1)) + 0.02, [0.62, 0.48, 0.42, 0.43, 0.48, 0.56, 0.65, 0.75]),
        "B": history_from(
            [0.693, 0.690, 0.686, 0.682, 0.677, 0.672, 0.667, 0.662],
            [0.693, 0.691, 0.688, 0.684, 0.680, 0.676, 0.671, 0.667],
        ),
        "C": history_from(
            [0.62, 0.45, 0.37, 0.33, 0.31, 0.30, 0.29, 0.285], [0.55, 0.43, 0.37, 0.345, 0.335, 0.33, 0.328, 0.327]
        ),
    }


def _answer_hash(letter: str, answer: str) -> str:
    return hashlib.sha256(f"{letter}:{answer}".encode()).hexdigest()


# sha256 of "<letter>:<answer>" for the right answer to each curve set, kept hashed so the
# answers are not in plain text next to the question.
_DIAGNOSIS_KEY = {
    "A": "53473c14b3e98f93021d0bb1bd4dbd79d8233668858767ceaf1d7286eeb9e931",
    "B": "cb736110a93bd7bbed767926b9de9a43727331b37a8519c878e6ecd5977bc528",
    "C": "9d831774a8bce29b2d6bf5424670cf78175bc58282eed3ad19f8e6c4379337cf",
}


def _key_answer(letter: str) -> str:
    """The right diagnosis of example ``letter``, read back from :data:`_DIAGNOSIS_KEY`."""
    (answer,) = [c for c in DIAGNOSIS_CHOICES if _answer_hash(letter, c) == _DIAGNOSIS_KEY[letter]]
    return answer


def reference(history: Mapping[str, Any]) -> str:
    """The exercise's rule, as the solution writes it (the check's reference; not exported)."""
    loss, val = history["loss"], history["val_loss"]
    if loss[-1] > 0.6:
        return "underfitting"
    if val[-1] > 1.1 * min(val):
        return "overfitting"
    return "good fit"


class _Curve(NamedTuple):
    """One learning curve the check feeds to ``diagnose``."""

    label: str  # how the feedback names it: "curve A", "hidden curve 7"
    history: dict[str, list[float]]  # the plain lists; the student gets a copy in ``form``
    form: str  # a key of _FORMS: what the values of the student's copy are
    expected: str
    visible: bool = True  # one of _visible_curves(), which tell the named mistakes apart


# How a curve's values are handed to the student. Keras's history.history holds lists; a
# correct solution reads tuples and numpy arrays just as well (indexing, min, np.min).
_FORMS: dict[str, Callable[[list[float]], Any]] = {
    "lists": list,
    "tuples": tuple,
    "numpy arrays": lambda values: np.array(values, dtype=np.float64),
    "float32 numpy arrays": lambda values: np.array(values, dtype=np.float32),
}


def _in_form(history: Mapping[str, list[float]], form: str) -> dict[str, Any]:
    """A fresh copy of ``history`` whose values are ``form`` (see :data:`_FORMS`)."""
    return {key: _FORMS[form](list(values)) for key, values in history.items()}


def _plain(history: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """``history`` with Python floats only (``history_from`` may leave numpy floats in it)."""
    return {key: [float(v) for v in values] for key, values in history.items()}


def _curve(
    label: str, loss: Sequence[float], val: Sequence[float], form: str = "lists", *, visible: bool = True
) -> _Curve:
    history = _plain(history_from(loss, val))
    return _Curve(label, history, form, reference(history), visible)


def _visible_curves() -> list[_Curve]:
    """The plotted examples A, B, C, then one made-up curve per typical mistake.

    D to L are built so that each mistake the check names (see :data:`_DIAGNOSIS_MISTAKES`)
    gets at least one of them wrong, and no two mistakes get the same ones wrong.
    """
    curves = [
        _Curve(f"curve {letter}", _plain(history), "lists", _key_answer(letter))
        for letter, history in diagnosis_examples().items()
    ]
    return curves + [
        # D: overfits slowly: less than 10 % per epoch, 21 % above the minimum, below the start.
        _curve(
            "curve D",
            [0.66, 0.52, 0.41, 0.32, 0.25, 0.19, 0.15, 0.12],
            [0.60, 0.48, 0.41, 0.38, 0.40, 0.42, 0.44, 0.46],
        ),
        # E: overfits fast, then levels off: the last epoch rises less than 10 %.
        _curve("curve E", [0.64, 0.47, 0.35, 0.26, 0.19, 0.14], [0.50, 0.40, 0.36, 0.45, 0.56, 0.58], "tuples"),
        # F: overfits on a small scale: 90 % above the minimum, but only 0.09 above it.
        _curve("curve F", [0.52, 0.30, 0.17, 0.09, 0.05, 0.03], [0.16, 0.12, 0.10, 0.12, 0.15, 0.19], "numpy arrays"),
        # G: a good fit whose last epoch ticks up (3 % above the minimum): noise.
        _curve(
            "curve G",
            [0.64, 0.48, 0.39, 0.33, 0.29, 0.27, 0.255, 0.245],
            [0.58, 0.45, 0.39, 0.36, 0.345, 0.338, 0.341, 0.347],
        ),
        # H: a good fit, lowest one epoch before the end, dipping again at the last epoch.
        _curve(
            "curve H",
            [0.66, 0.50, 0.40, 0.34, 0.30, 0.28, 0.265],
            [0.59, 0.46, 0.39, 0.355, 0.342, 0.352, 0.347],
            "numpy arrays",
        ),
        # I: underfits (training loss 0.645) while the validation loss wiggles up 18 %.
        _curve(
            "curve I",
            [0.70, 0.69, 0.68, 0.67, 0.66, 0.655, 0.65, 0.645],
            [0.69, 0.68, 0.66, 0.67, 0.70, 0.73, 0.76, 0.78],
            "tuples",
        ),
        # J: underfits (training loss 0.665) with a validation loss below it (as with dropout).
        _curve("curve J", [0.72, 0.70, 0.69, 0.68, 0.67, 0.665], [0.66, 0.60, 0.58, 0.57, 0.565, 0.56]),
        # K: the training loss ends at exactly 0.6, which is not above 0.6: a good fit.
        _curve("curve K", [0.69, 0.66, 0.63, 0.61, 0.6], [0.66, 0.62, 0.60, 0.58, 0.57]),
        # L: the training loss dipped to 0.55 and climbed back to 0.66 (a learning rate too high):
        # underfitting, because the rule reads the last epoch, not the best one.
        _curve("curve L", [0.70, 0.60, 0.55, 0.57, 0.62, 0.66], [0.66, 0.59, 0.56, 0.565, 0.58, 0.59], "tuples"),
    ]


def _edge_curves() -> list[tuple[list[float], list[float]]]:
    """Hidden curves close to a threshold (but at least 3 % from it), and other corners."""
    return [
        # The validation loss ends 15 % above its minimum: overfitting; 5 % above: a good fit.
        ([0.62, 0.45, 0.36, 0.30, 0.26, 0.23], [0.55, 0.44, 0.40, 0.41, 0.43, 0.46]),
        ([0.62, 0.45, 0.36, 0.30, 0.26, 0.23], [0.55, 0.44, 0.40, 0.405, 0.41, 0.42]),
        # Training loss 0.62 with a validation loss 18 % up: underfitting.
        ([0.70, 0.68, 0.66, 0.645, 0.63, 0.62], [0.69, 0.67, 0.655, 0.68, 0.72, 0.77]),
        # Training loss 0.55: no longer underfitting; a good fit, or overfitting when val rises 14 %.
        ([0.70, 0.66, 0.62, 0.59, 0.57, 0.55], [0.69, 0.66, 0.63, 0.61, 0.60, 0.595]),
        ([0.70, 0.66, 0.62, 0.59, 0.57, 0.55], [0.69, 0.66, 0.63, 0.64, 0.68, 0.72]),
        # Three epochs: overfitting, a good fit, underfitting.
        ([0.55, 0.35, 0.22], [0.45, 0.40, 0.47]),
        ([0.68, 0.52, 0.41], [0.62, 0.50, 0.44]),
        ([0.70, 0.68, 0.66], [0.69, 0.68, 0.675]),
        # The validation loss is lowest at the first epoch.
        ([0.45, 0.30, 0.20, 0.12], [0.40, 0.44, 0.50, 0.58]),
        # Underfitting with a validation loss below 0.6 (as with dropout).
        ([0.75, 0.71, 0.69, 0.67, 0.66], [0.66, 0.61, 0.585, 0.57, 0.565]),
        # Overfitting on a tiny scale (0.03 above the minimum is 33 %), and above 1.
        ([0.40, 0.15, 0.07, 0.04, 0.025], [0.20, 0.11, 0.09, 0.10, 0.12]),
        ([0.50, 0.30, 0.15, 0.07, 0.03, 0.015], [0.45, 0.38, 0.42, 0.60, 0.85, 1.10]),
    ]


def _random_curve(rng: np.random.Generator, kind: str, epochs: int) -> tuple[list[float], list[float]]:
    """A made-up learning curve of ``epochs`` epochs whose right diagnosis is ``kind``.

    Every number that decides the diagnosis keeps at least 3 % from its threshold: the last
    training loss is below 0.57, between 0.62 and 0.67 or above 0.715 (clear of ln 2 = 0.693 too,
    so that the ln 2 mistake is recognised), and the last validation loss is at most 6 % or
    at least 14 % above its minimum (for "underfitting" either, the rule ignores it).
    """
    if kind == "underfitting":
        train_last = rng.uniform(0.62, 0.67) if rng.random() < 0.5 else rng.uniform(0.715, 0.78)
        val_min = rng.uniform(0.5, 0.75)
        rise = rng.uniform(1.14, 1.4) if rng.random() < 0.5 else rng.uniform(1.0, 1.06)
    else:
        train_last = rng.uniform(0.02, 0.55)
        val_min = rng.uniform(max(0.06, 0.8 * train_last), 0.6)
        if kind == "overfitting":
            rise = rng.uniform(1.14, 2.2)
        else:
            rise = 1.0 if rng.random() < 0.3 else rng.uniform(1.0, 1.06)
    train_first = max(train_last, rng.uniform(0.6, 0.8)) + rng.uniform(0.0, 0.05)
    train = train_last + (train_first - train_last) * np.exp(-rng.uniform(0.2, 0.8) * np.arange(epochs))
    train -= np.linspace(0.0, train[-1] - train_last, epochs)  # end exactly at train_last
    val_min = round(val_min, 4)
    # The epoch (0-based) with the lowest validation loss: the last one when it never turns up.
    low = epochs - 1 if rise == 1.0 else int(rng.integers(0, epochs - 1))
    before = np.linspace(val_min + rng.uniform(0.05, 0.3), val_min, low + 1)
    after = np.linspace(val_min, val_min * rise, epochs - low)[1:]
    if len(after) > 1:
        after[:-1] *= rng.uniform(0.98, 1.04, size=len(after) - 1)  # noise, not on the last epoch
    val = np.concatenate([before, np.maximum(after, val_min * rng.uniform(1.005, 1.03, size=len(after)))])
    val[-1] = val_min * rise
    loss_list = [round(float(v), 4) for v in train]
    val_list = [round(float(v), 4) for v in val]
    val_list[low] = val_min
    return loss_list, val_list


def _hidden_curves() -> list[_Curve]:
    """Every visible curve, then the edge cases and 26 random curves of 3 to 15 epochs (fixed seed)."""
    forms = list(_FORMS)
    pairs = _edge_curves()
    rng = np.random.default_rng(404)
    kinds = ("overfitting", "good fit", "underfitting")
    for rounds in range(2):
        for i, epochs in enumerate(rng.permutation(np.arange(3, 16))):
            pairs.append(_random_curve(rng, kinds[(i + rounds) % 3], int(epochs)))
    hidden = [
        _curve(f"hidden curve {n}", loss, val, forms[n % len(forms)], visible=False)
        for n, (loss, val) in enumerate(pairs, start=1)
    ]
    return _visible_curves() + hidden


# A wrong rule: (loss, val_loss) as plain lists -> the label it gives.
_Rule = Callable[[list[float], list[float]], str]


def _rule(
    underfit: Callable[[list[float], list[float]], bool],
    overfit: Callable[[list[float], list[float]], bool],
    *,
    overfit_first: bool = False,
) -> _Rule:
    """A diagnosis rule made of an underfitting test and an overfitting test, in some order."""

    def diagnose(loss: list[float], val: list[float]) -> str:
        tests = [(underfit, "underfitting"), (overfit, "overfitting")]
        for test, label in reversed(tests) if overfit_first else tests:
            if test(loss, val):
                return label
        return "good fit"

    return diagnose


def _train_high(loss: list[float], val: list[float]) -> bool:
    return loss[-1] > 0.6


def _val_up(loss: list[float], val: list[float]) -> bool:
    return val[-1] > 1.1 * min(val)


_OVERFIT_HINT = "compare the last validation loss with the lowest one, with the exercise's margin (rule 2)."


# The typical mistakes, each as the wrong rules that make it, the sentence that names it and a
# hint. When the student's answers are those of one of these rules, the feedback names it.
# _visible_curves() tell every one of them apart (tests/test_checks_sentiment.py checks it).
_DIAGNOSIS_MISTAKES: tuple[tuple[tuple[_Rule, ...], str, str], ...] = (
    (
        (
            _rule(_train_high, lambda loss, val: val[-1] > 1.1 * val[0]),
            _rule(_train_high, lambda loss, val: val[-1] > val[0]),
        ),
        "It looks as if you compare the last validation loss with the first one: a validation loss "
        "that has fallen far can climb well above its minimum (overfitting) and still end below where it started.",
        _OVERFIT_HINT,
    ),
    (
        (_rule(_train_high, lambda loss, val: val[-1] > 1.1 * val[-2]),),
        "It looks as if you compare the last validation loss with the epoch before it: a validation "
        "loss that turns up slowly rises little from one epoch to the next, yet ends far above its minimum.",
        _OVERFIT_HINT,
    ),
    (
        (_rule(_train_high, lambda loss, val: val[-1] > val[-2]),),
        "It looks as if you call a curve overfitting as soon as its validation loss rose at the last "
        "epoch: a rise of a few per cent is noise; the rule compares the last value with the minimum "
        "and asks for more than 10 % above it.",
        _OVERFIT_HINT,
    ),
    (
        (_rule(_train_high, lambda loss, val: val[-1] > min(val)),),
        "It looks as if you call a curve overfitting as soon as its last validation loss is not the "
        "lowest: a rise of a few per cent is noise, which is why the rule asks for more than 10 % above the minimum.",
        "rule 2 asks for more than 10 % above the minimum; within 10 % of it is a good fit.",
    ),
    (
        (_rule(_train_high, lambda loss, val: val[-1] > min(val) + 0.1),),
        "It looks as if you read '10 % above its minimum' as 0.1 above it: the margin is relative, "
        "so it scales with the loss (for a minimum of 0.2, 10 % above is 0.22).",
        "a margin of 10 % is relative: it scales with the minimum (rule 2).",
    ),
    (
        (_rule(_train_high, _val_up, overfit_first=True),),
        "It looks as if you check for overfitting before underfitting: this model's training loss is "
        "still above 0.6, so it has learned little, whatever its validation loss does.",
        "the rules are applied in order: decide underfitting first, and only then look at the validation loss.",
    ),
    (
        (
            _rule(lambda loss, val: val[-1] > 0.6, _val_up),
            _rule(lambda loss, val: loss[-1] > 0.6 or val[-1] > 0.6, _val_up),
            _rule(lambda loss, val: loss[-1] > 0.6 and val[-1] > 0.6, _val_up),
            _rule(lambda loss, val: min(val) > 0.6, _val_up),
        ),
        "It looks as if you use the validation loss to decide underfitting: the rule reads the training "
        "loss alone (a model that overfits ends with a high validation loss too, yet has learned a lot).",
        "rule 1 reads the training loss at the last epoch, and nothing else.",
    ),
    (
        (_rule(lambda loss, val: loss[-1] >= 0.6, _val_up),),
        "It looks as if you call a training loss of exactly 0.6 underfitting: the rule says *above* 0.6.",
        "read the rule's comparison word for word: above, not 'at least'.",
    ),
    (
        (_rule(lambda loss, val: min(loss) > 0.6, _val_up),),
        "It looks as if you read the lowest training loss instead of the last one: a training loss that "
        "fell below 0.6 and climbed back above it ends a model that has not learned (the rule reads the last epoch).",
        "underfitting is decided by the training loss at the last epoch.",
    ),
    (
        (_rule(lambda loss, val: loss[-1] > 0.693, _val_up),),
        "It looks as if you compare the training loss with ln 2 = 0.693 instead of 0.6: a training loss "
        "between the two is underfitting too (ln 2 is what answering 0.5 everywhere scores).",
        "rule 1's threshold is the exercise's, not ln 2.",
    ),
)


_RULES_HINT = (
    "apply the rules in this order: 'underfitting' if the last training loss is above 0.6; otherwise "
    "'overfitting' if the last validation loss is more than 10 % above its minimum; otherwise 'good fit'."
)


def _short(values: Sequence[float]) -> str:
    """``[0.693, 0.512, ...]`` with 3 decimals; a long curve keeps its first and last four epochs."""
    texts = [f"{v:.3f}" for v in values]
    if len(texts) > 10:
        texts = [*texts[:4], "...", *texts[-4:]]
    return "[" + ", ".join(texts) + "]"


def _curve_text(curve: _Curve) -> str:
    """The curve as the feedback shows it: its numbers and the two that decide the diagnosis."""
    loss, val = curve.history["loss"], curve.history["val_loss"]
    above = 100.0 * (val[-1] / min(val) - 1.0)
    where = "at its minimum" if val[-1] == min(val) else f"{above:.{1 if above < 1 else 0}f} % above its minimum"
    return (
        f"{curve.label} (loss = {_short(loss)}, val_loss = {_short(val)}; last training loss "
        f"{loss[-1]:.3f}, last validation loss {where})"
    )


def _what_changed(given: Mapping[Any, Any], curve: _Curve) -> str:
    """``""`` if ``given`` still holds the copy of ``curve`` it started as, else what changed."""
    original = _in_form(curve.history, curve.form)
    for key, want in original.items():
        if key not in given:
            return f"it removed the key {key!r}"
        value = given[key]
        if type(value) is not type(want):
            return f"it replaced history[{key!r}] by a {type(value).__name__}"
        if len(value) != len(want):
            return f"history[{key!r}] now holds {len(value)} values instead of {len(want)}"
        if isinstance(want, np.ndarray):
            same = value.dtype == want.dtype and bool(np.array_equal(value, want))
            numbers = value.dtype == want.dtype
        else:
            numbers = all(type(v) is float for v in value)
            same = numbers and all(v == w for v, w in zip(value, want))
        if not same:
            if numbers and np.array_equal(np.sort(np.asarray(value)), np.sort(np.asarray(want))):
                return f"it reordered history[{key!r}] in place (sorted or reversed it)"
            return f"it changed the values of history[{key!r}]"
    added = [key for key in given if not (type(key) is str and key in original)]
    if added:
        shown = repr(added[0]) if type(added[0]) is str else f"a {type(added[0]).__name__}"
        return f"it added the key {shown}"
    return ""


def _ask_diagnosis(diagnose: Callable[..., Any], curve: _Curve, name: str, given: Any) -> str:
    """Call the student's ``diagnose`` on ``given``, a copy of ``curve``; its answer, lower-case, or fail."""
    __tracebackhide__ = True
    problem: tuple[str, str] | None = None
    try:
        raw = call_student(diagnose, given, name=name)
    except CheckFailure as exc:
        if curve.form == "lists":
            raise
        message = str(exc).partition("\nHint: ")[0]
        problem = (
            f"{message}{'' if message.endswith('.') else '.'} This was on {curve.label}, "
            f"whose 'loss' and 'val_loss' are {curve.form}.",
            "the values in the history may also be tuples or numpy arrays: indexing, the built-in min and numpy's "
            "functions work on all of them; list methods do not.",
        )
    if problem is not None:  # raised outside the except block: one message, no chained traceback
        fail(problem[0], hint=problem[1])
    changed = _what_changed(given, curve)
    if changed:
        fail(
            f"{name} changed the history it was given: {changed} (on {curve.label}).",
            hint="read the history without changing it: functions that make new values leave it alone, while "
            "methods that sort, pop, append or reverse in place, or assignments into it, change the caller's data "
            "(in the notebook, the history your model's fit returned).",
        )
    if raw is None:
        fail(
            f"{name} returned None for {curve.label}; expected one of {_ALLOWED}.",
            hint="did the function reach a return statement on every path?",
        )
    if not isinstance(raw, str):
        kind = type(raw).__name__
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        fail(
            f"{name} returned {article} {kind} for {curve.label}; expected one of {_ALLOWED}.",
            hint="the answer is a string, one of the three the exercise names.",
        )
    text = str.__str__(raw)
    answer = " ".join(text.lower().split())
    if answer not in DIAGNOSIS_CHOICES:
        shown = repr(text if len(text) <= 40 else text[:40] + "...")
        letters = "".join(ch for ch in answer if ch.isalpha())
        close = [c for c in DIAGNOSIS_CHOICES if len(os.path.commonprefix([letters, c.replace(" ", "")])) >= 4]
        fail(
            f"{name} returned {shown} for {curve.label}; expected one of {_ALLOWED}.",
            hint=(f"did you mean {close[0]!r}? " if close else "")
            + "return exactly one of the three answers (upper or lower case and surrounding spaces do not matter).",
        )
    return answer


def _explain_diagnoses(curves: Sequence[_Curve], answers: Sequence[str], name: str) -> None:
    """Fail with the feedback for wrong answers: the mistake they show, or the first wrong curve."""
    __tracebackhide__ = True
    wrong = [i for i, (curve, got) in enumerate(zip(curves, answers)) if got != curve.expected]
    if not wrong:
        return
    expected = [curve.expected for curve in curves]

    def head(i: int) -> str:
        return f"{name} returned {answers[i]!r} for {_curve_text(curves[i])}; expected {expected[i]!r}."

    if len(set(answers)) == 1:
        fail(
            f"{head(wrong[0])} It returned {answers[0]!r} for all {len(curves)} curves, whatever they show.",
            hint=_RULES_HINT,
        )
    renamed = dict(zip(expected, answers))
    if len(renamed) == len(set(renamed.values())) and [renamed[e] for e in expected] == list(answers):
        swaps = [f"{got!r} where {want!r} is right" for want, got in renamed.items() if want != got]
        fail(
            f"{head(wrong[0])} {name} tells the three cases apart but names them wrongly: "
            f"it returns {and_list(swaps)}.",
            hint="check which string each branch of your function returns.",
        )
    # A mistake explains the answers when its rule gives the student's answer on every visible curve
    # (they tell the mistakes apart) and on every curve the student got wrong. Anything looser names
    # a mistake the student did not make: a 20 % margin is not "0.1 instead of 10 %".
    for rules, sentence, hint in _DIAGNOSIS_MISTAKES:
        for rule in rules:
            if all(
                rule(curve.history["loss"], curve.history["val_loss"]) == answers[i]
                for i, curve in enumerate(curves)
                if curve.visible or i in wrong
            ):
                fail(f"{head(wrong[0])} {sentence}", hint=hint)
    fail(f"{head(wrong[0])} ({len(wrong)} of {len(curves)} curves are diagnosed wrongly.)", hint=_RULES_HINT)


def check_diagnose(diagnose: Callable[..., Any], *, visible: bool = True) -> None:
    """``diagnose(history)`` reads one learning curve and returns one of :data:`DIAGNOSIS_CHOICES`.

    ``history`` is a dict like Keras's ``history.history`` (lists ``"loss"`` and ``"val_loss"``,
    at least 3 epochs). The rule: "underfitting" when the last training loss is above 0.6;
    otherwise "overfitting" when the last validation loss is more than 10 % above its minimum;
    otherwise "good fit". The visible check feeds the plotted examples A, B, C and one curve per
    typical mistake; the hidden one (``visible=False``) adds edge cases near the thresholds and
    random curves of 3 to 15 epochs, as lists, tuples and numpy arrays. Each call gets a copy,
    which must come back unchanged; answers are compared case- and whitespace-insensitively.
    """
    __tracebackhide__ = True
    name = "diagnose"
    curves = _visible_curves() if visible else _hidden_curves()
    given = [_in_form(curve.history, curve.form) for curve in curves]
    answering = call_each(diagnose, [((g,), {}) for g in given])  # at grading: one request for all curves
    answers = [_ask_diagnosis(answering, curve, name, g) for curve, g in zip(curves, given)]
    _explain_diagnoses(curves, answers, name)
    report_pass(name, visible=visible, detail=f"{len(curves)} learning curves")
