"""Exercise ``diagnose``: overfitting, underfitting or a good fit, the notebook's exercise 3 (b).

Exercise 3, reading learning curves: after ``best_epoch`` (a), the student *decides* how to read a
learning curve and writes the decision down twice. ``diagnosis_rule()`` returns the two numbers the
prompt asks for (where a training loss means "learned too little", and how far a validation loss may
turn up before it is overfitting rather than noise); ``diagnose(history)`` applies the student's own
reading and returns one of :data:`DIAGNOSIS_CHOICES`. Which epochs to read, what to compare the
validation loss with and which question comes first are the student's decisions too; the prompt does
not give them.

The check verifies consequences. (1) With the student's numbers, the made-up curves whose reading is
not a matter of taste (:func:`_clear_curves`: the plotted A, B, C and ten more) come out as the
curves show; those curves pin the numbers a defensible rule can use (:data:`UNDERFIT_RANGE`,
:data:`MARGIN_RANGE`), and the feedback says what a number outside them would call what. (2)
``diagnose`` gives those answers, and follows the student's own numbers on curves built right at them
(:func:`_consistency_curves`: a training loss exactly at the threshold, one that dips below it and
climbs back, a validation loss just past or within the margin, slowly or on a small scale). The
hidden test adds 26 random clear curves of 3 to 15 epochs, corner cases, and the consistency curves
in another shape and length. When the answers match a known wrong reading (:data:`_DIAGNOSIS_MISTAKES`:
the minimum training loss, ``>=`` at the threshold, the first or previous validation loss, an
absolute margin, overfitting decided first, the validation loss for underfitting), the feedback names it.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._core import CheckFailure, as_float, call_each, call_student, fail, report_pass
from ._common import and_list, history_from

NAME = "diagnose"


#: The three answers :func:`check_diagnose` accepts (case and surrounding spaces do not matter).
DIAGNOSIS_CHOICES = ("overfitting", "underfitting", "good fit")

#: The keys of the dict ``diagnosis_rule()`` returns.
RULE_KEYS = ("underfit_above", "overfit_margin")

#: The decision of the notebook's solution (one defensible choice among many).
REFERENCE_RULE = {"underfit_above": 0.6, "overfit_margin": 0.1}

#: ``underfit_above`` the clear curves allow: curve M (a model that learned, last training loss 0.50)
#: is not underfitting, curve I (0.645) is. Hidden clear curves stay outside: at most 0.49 or at least 0.65.
UNDERFIT_RANGE = (0.50, 0.645)

#: ``overfit_margin`` the clear curves allow: curve G (noise, 2.7 % above its minimum) is a good fit,
#: curve D (21 % above it) overfits. Hidden clear curves stay outside: at most 2.5 % or at least 22 %.
MARGIN_RANGE = (0.0267, 0.21)

LN2 = math.log(2)

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


def reference(
    history: Mapping[str, Any],
    underfit_above: float = REFERENCE_RULE["underfit_above"],
    overfit_margin: float = REFERENCE_RULE["overfit_margin"],
) -> str:
    """The reading of a curve by a rule's two numbers (the check's reference; not exported).

    Underfitting when the last training loss is above ``underfit_above``; otherwise overfitting when
    the last validation loss is more than ``overfit_margin`` (a fraction) above its minimum; otherwise
    a good fit. With the defaults, the notebook's solution.
    """
    loss, val = history["loss"], history["val_loss"]
    if loss[-1] > underfit_above:
        return "underfitting"
    if val[-1] > (1 + overfit_margin) * min(val):
        return "overfitting"
    return "good fit"


class _Curve(NamedTuple):
    """One learning curve the check feeds to ``diagnose``."""

    label: str  # how the feedback names it: "curve A", "hidden curve 7"
    history: dict[str, list[float]]  # the plain lists; the student gets a copy in ``form``
    form: str  # a key of _FORMS: what the values of the student's copy are
    expected: str
    visible: bool = True  # one the visible check feeds too (they tell the named mistakes apart)
    why: str = ""  # for a clear curve: what it shows, whatever the rule's numbers


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


def _clear(
    label: str, loss: Sequence[float], val: Sequence[float], expected: str, why: str, form: str = "lists"
) -> _Curve:
    return _Curve(label, _plain(history_from(loss, val)), form, expected, True, why)


_WHY_ABC = {
    "A": "the training loss keeps falling while the validation loss climbs far above its best",
    "B": "both losses stay close to ln 2 = 0.693, the loss of answering 0.5 for every review",
    "C": "both losses fall and level off together",
}


def _clear_curves() -> list[_Curve]:
    """Curves whose reading is not a matter of taste: A, B, C, then D to M (fixed numbers).

    Together they pin the numbers a rule may use (:data:`UNDERFIT_RANGE`, :data:`MARGIN_RANGE`),
    and each named mistake that does not depend on the numbers gets one of them wrong.
    """
    curves = [
        _Curve(f"curve {letter}", _plain(history), "lists", _key_answer(letter), True, _WHY_ABC[letter])
        for letter, history in diagnosis_examples().items()
    ]
    return curves + [
        _clear(
            "curve D",
            [0.66, 0.52, 0.41, 0.32, 0.25, 0.19, 0.15, 0.12],
            [0.60, 0.48, 0.41, 0.38, 0.40, 0.42, 0.44, 0.46],
            "overfitting",
            "the validation loss has climbed for four epochs, to 21 % above its best, while the training loss fell",
        ),
        _clear(
            "curve E",
            [0.64, 0.47, 0.35, 0.26, 0.19, 0.14],
            [0.50, 0.40, 0.36, 0.45, 0.56, 0.58],
            "overfitting",
            "the validation loss shot up to 61 % above its best and levelled off there",
            "tuples",
        ),
        _clear(
            "curve F",
            [0.52, 0.30, 0.17, 0.09, 0.05, 0.03],
            [0.16, 0.12, 0.10, 0.12, 0.15, 0.19],
            "overfitting",
            "the validation loss nearly doubled from its best (small losses, but 90 % up)",
            "numpy arrays",
        ),
        _clear(
            "curve G",
            [0.64, 0.48, 0.39, 0.33, 0.29, 0.27, 0.255, 0.245],
            [0.58, 0.45, 0.39, 0.36, 0.345, 0.338, 0.341, 0.347],
            "good fit",
            "the validation loss levelled off; its last two epochs tick up by 2.7 % in all, which is noise",
        ),
        _clear(
            "curve H",
            [0.66, 0.50, 0.40, 0.34, 0.30, 0.28, 0.265],
            [0.59, 0.46, 0.39, 0.355, 0.342, 0.352, 0.347],
            "good fit",
            "the validation loss levelled off and wobbles by 1.5 % around its best",
            "numpy arrays",
        ),
        _clear(
            "curve I",
            [0.70, 0.69, 0.68, 0.67, 0.66, 0.655, 0.65, 0.645],
            [0.69, 0.68, 0.66, 0.67, 0.70, 0.73, 0.76, 0.78],
            "underfitting",
            "the training loss moved from ln 2 (0.693) only to 0.645 in eight epochs: the model has learned little",
            "tuples",
        ),
        _clear(
            "curve J",
            [0.72, 0.70, 0.69, 0.68, 0.67, 0.665],
            [0.66, 0.60, 0.58, 0.57, 0.565, 0.56],
            "underfitting",
            "the training loss is still near ln 2 (0.693); a validation loss below it is what dropout does",
        ),
        _clear(
            "curve L",
            [0.70, 0.60, 0.55, 0.57, 0.62, 0.66],
            [0.66, 0.59, 0.56, 0.565, 0.58, 0.59],
            "underfitting",
            "the training loss dipped and climbed back to 0.66, near ln 2 (a learning rate too high): the model "
            "it ends with has learned little",
            "tuples",
        ),
        _clear(
            "curve M",
            [0.69, 0.62, 0.57, 0.54, 0.52, 0.51, 0.50],
            [0.60, 0.52, 0.47, 0.44, 0.42, 0.41, 0.405],
            "good fit",
            "the model learned (training loss 0.50, validation loss 0.405 and still falling: with dropout the "
            "training loss stays the higher one)",
        ),
    ]


def _consistency_curves(under: float, margin: float, *, variant: int = 0) -> list[_Curve]:
    """Curves built at the student's own numbers; the right answer is the student's own rule's.

    ``variant`` 0 is the visible set; 1 the hidden test's, in other lengths, scales and forms.
    Only the curve exactly at ``underfit_above`` stays a list of Python floats (float32 would move it).
    """
    t, m = float(under), float(margin)
    hidden = variant != 0
    n = 9 if hidden else 6
    scale = 0.8 if hidden else 1.0  # the validation loss's level on the margin curves

    def ramp(first: float, last: float, epochs: int = n) -> list[float]:
        values = [float(v) for v in np.linspace(first, last, epochs)]
        values[-1] = last  # exactly
        return values

    def rising(low: float, last: float, before: Sequence[float], steps: int) -> list[float]:
        ratio = (last / low) ** (1 / steps)
        return [*before, low, *(low * ratio**k for k in range(1, steps)), last]

    label = "hidden curve" if hidden else "curve"
    forms = ("numpy arrays", "tuples", "float32 numpy arrays") if hidden else ("lists", "tuples", "numpy arrays")
    v = 0.35 * scale
    small = 0.04 * scale
    pairs = [
        # K: the last training loss is exactly the student's underfit_above, which is not above it.
        ("K", ramp(0.72, t), ramp(0.70, t - 0.02), "lists"),
        # N: just above underfit_above, with a validation loss that turned up far: underfitting first.
        ("N", ramp(0.72, t * 1.04), [0.70, 0.66, 0.63, *([0.64] * (n - 6)), 0.66, 0.72, 0.80], forms[0]),
        # O: dips well below underfit_above and climbs back above it: the last epoch decides.
        ("O", [0.71, *ramp(t - 0.06, t - 0.10, n - 3), t - 0.05, t * 1.04], ramp(0.69, t - 0.05), forms[1]),
        # P: underfits while the validation loss ends below underfit_above (as with dropout).
        ("P", ramp(0.73, t * 1.05), ramp(0.68, t - 0.08), forms[2]),
        # Q: the validation loss climbs slowly, step by step within the margin, to 6 % past it.
        (
            "Q",
            ramp(0.65, 0.15, n + 2),
            rising(v, v * (1 + m) * 1.06, [v + 0.25, v + 0.12, v + 0.04], n - 2),
            forms[0],
        ),
        # R: within the margin (85 % of it), though the last epoch went up: a good fit.
        (
            "R",
            ramp(0.62, 0.25),
            [v + 0.2, v + 0.08, v + 0.02, *[v * (1 + m * 0.3)] * (n - 5), v, v * (1 + m * 0.85)],
            forms[1],
        ),
        # S: a small validation loss 30 % past the margin: up by less than the margin in absolute terms.
        ("S", ramp(0.50, 0.01), [0.20, 0.09, 0.05, *[small * 1.05] * (n - 5), small, small * (1 + m) * 1.3], forms[2]),
    ]
    curves = []
    for letter, loss, val, form in pairs:
        history = _plain(history_from(loss, val))
        curves.append(_Curve(f"{label} {letter}", history, form, reference(history, t, m), not hidden))
    return curves


def _edge_curves() -> list[tuple[list[float], list[float]]]:
    """Hidden corner cases, clear for every rule the visible curves allow."""
    return [
        # The validation loss ends 30 % above its minimum: overfitting; 2 % above: a good fit.
        ([0.62, 0.45, 0.36, 0.30, 0.26, 0.23], [0.55, 0.44, 0.40, 0.43, 0.47, 0.52]),
        ([0.62, 0.45, 0.36, 0.30, 0.26, 0.23], [0.55, 0.44, 0.40, 0.405, 0.41, 0.408]),
        # Training loss 0.66 with a validation loss 25 % up: underfitting.
        ([0.70, 0.69, 0.68, 0.67, 0.665, 0.66], [0.69, 0.67, 0.655, 0.68, 0.74, 0.82]),
        # Training loss 0.48: a model that learned; a good fit, or overfitting when val rises 25 %.
        ([0.70, 0.64, 0.58, 0.53, 0.50, 0.48], [0.62, 0.56, 0.52, 0.50, 0.495, 0.494]),
        ([0.70, 0.64, 0.58, 0.53, 0.50, 0.48], [0.62, 0.56, 0.52, 0.53, 0.60, 0.66]),
        # Three epochs: overfitting, a good fit, underfitting.
        ([0.55, 0.35, 0.22], [0.45, 0.40, 0.52]),
        ([0.68, 0.52, 0.41], [0.62, 0.50, 0.44]),
        ([0.70, 0.68, 0.67], [0.69, 0.68, 0.675]),
        # The validation loss is lowest at the first epoch, then climbs.
        ([0.45, 0.30, 0.20, 0.12], [0.40, 0.44, 0.50, 0.58]),
        # Underfitting with a validation loss below 0.6 (as with dropout).
        ([0.75, 0.71, 0.69, 0.67, 0.66], [0.66, 0.61, 0.585, 0.57, 0.565]),
        # Overfitting on a tiny scale (0.03 above the minimum is 33 %), and above 1.
        ([0.40, 0.15, 0.07, 0.04, 0.025], [0.20, 0.11, 0.09, 0.10, 0.12]),
        ([0.50, 0.30, 0.15, 0.07, 0.03, 0.015], [0.45, 0.38, 0.42, 0.60, 0.85, 1.10]),
    ]


def _random_curve(rng: np.random.Generator, kind: str, epochs: int) -> tuple[list[float], list[float]]:
    """A made-up learning curve of ``epochs`` epochs whose right diagnosis is ``kind``, for any allowed rule.

    The last training loss is at most 0.49 (below :data:`UNDERFIT_RANGE`), or between 0.65 and 0.67
    or above 0.715 (above it, and clear of ln 2 = 0.693); the last validation loss is at most 2.5 %
    or at least 22 % above its minimum (outside :data:`MARGIN_RANGE`; for "underfitting" either).
    """
    if kind == "underfitting":
        train_last = rng.uniform(0.65, 0.67) if rng.random() < 0.5 else rng.uniform(0.715, 0.78)
        val_min = rng.uniform(0.5, 0.75)
        rise = rng.uniform(1.22, 1.4) if rng.random() < 0.5 else rng.uniform(1.0, 1.025)
    else:
        train_last = rng.uniform(0.02, 0.49)
        val_min = rng.uniform(max(0.06, 0.8 * train_last), 0.6)
        if kind == "overfitting":
            rise = rng.uniform(1.22, 2.2)
        else:
            rise = 1.0 if rng.random() < 0.3 else rng.uniform(1.0, 1.025)
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


def _hidden_clear_curves() -> list[_Curve]:
    """The edge cases and 26 random curves of 3 to 15 epochs (fixed seed), as every form."""
    forms = list(_FORMS)
    pairs = _edge_curves()
    rng = np.random.default_rng(404)
    kinds = ("overfitting", "good fit", "underfitting")
    for rounds in range(2):
        for i, epochs in enumerate(rng.permutation(np.arange(3, 16))):
            pairs.append(_random_curve(rng, kinds[(i + rounds) % 3], int(epochs)))
    curves = []
    for n, (loss, val) in enumerate(pairs, start=1):
        history = _plain(history_from(loss, val))
        curves.append(_Curve(f"hidden curve {n}", history, forms[n % len(forms)], reference(history), False))
    return curves


def _curves_for(under: float, margin: float, *, visible: bool) -> list[_Curve]:
    """What the check feeds ``diagnose``: the visible curves, and for the hidden test more."""
    curves = _clear_curves() + _consistency_curves(under, margin)
    if not visible:
        curves += _hidden_clear_curves() + _consistency_curves(under, margin, variant=1)
    return curves


# A wrong reading: (loss, val_loss, underfit_above, overfit_margin) -> the label it gives.
_Rule = Callable[[list[float], list[float], float, float], str]
_Test = Callable[[list[float], list[float], float, float], bool]


def _rule(underfit: _Test, overfit: _Test, *, overfit_first: bool = False) -> _Rule:
    """A diagnosis rule made of an underfitting test and an overfitting test, in some order."""

    def diagnose(loss: list[float], val: list[float], t: float, m: float) -> str:
        tests = [(underfit, "underfitting"), (overfit, "overfitting")]
        for test, label in reversed(tests) if overfit_first else tests:
            if test(loss, val, t, m):
                return label
        return "good fit"

    return diagnose


def _train_high(loss: list[float], val: list[float], t: float, m: float) -> bool:
    return loss[-1] > t


def _val_up(loss: list[float], val: list[float], t: float, m: float) -> bool:
    return val[-1] > (1 + m) * min(val)


_OVERFIT_HINT = (
    "overfitting is about how far the validation loss has turned up: from where? Look at curves D and Q, "
    "which end below where they started."
)


# The typical mistakes, each as the wrong rules that make it, the sentence that names it and a
# hint. When the student's answers are those of one of these rules, the feedback names it.
# The visible curves tell every one of them apart (tests/test_checks_sentiment.py checks it).
_DIAGNOSIS_MISTAKES: tuple[tuple[tuple[_Rule, ...], str, str], ...] = (
    (
        (
            _rule(_train_high, lambda loss, val, t, m: val[-1] > (1 + m) * val[0]),
            _rule(_train_high, lambda loss, val, t, m: val[-1] > val[0]),
        ),
        "It looks as if you compare the last validation loss with the first one: a validation loss "
        "that has fallen far can climb well above its best (overfitting) and still end below where it started.",
        _OVERFIT_HINT,
    ),
    (
        (_rule(_train_high, lambda loss, val, t, m: val[-1] > (1 + m) * val[-2]),),
        "It looks as if you compare the last validation loss with the epoch before it: a validation "
        "loss that turns up slowly rises little from one epoch to the next, yet ends far above its best.",
        _OVERFIT_HINT,
    ),
    (
        (_rule(_train_high, lambda loss, val, t, m: val[-1] > val[-2]),),
        "It looks as if you call a curve overfitting as soon as its validation loss rose at the last "
        "epoch: a rise of a few per cent is noise, and your overfit_margin says how much is more than noise.",
        "your overfit_margin is there to tell noise from a real turn: does your function use it?",
    ),
    (
        (_rule(_train_high, lambda loss, val, t, m: val[-1] > min(val)),),
        "It looks as if you call a curve overfitting as soon as its last validation loss is not the "
        "lowest: a rise of a few per cent is noise, and your overfit_margin says how much is more than noise.",
        "your overfit_margin is there to tell noise from a real turn: does your function use it?",
    ),
    (
        (_rule(_train_high, lambda loss, val, t, m: val[-1] > min(val) + m),),
        "It looks as if you use overfit_margin as an absolute amount of loss: it is a fraction, so the "
        "rise it allows scales with the loss (on a small loss, a small rise is already a large turn).",
        "a margin given as a fraction scales with the loss it is a fraction of.",
    ),
    (
        (_rule(_train_high, _val_up, overfit_first=True),),
        "It looks as if you check for overfitting before underfitting: this model's training loss is "
        "above your underfit_above, so it has learned little, whatever its validation loss does.",
        "which question comes first? A model that has learned little cannot have learned its training reviews "
        "by heart.",
    ),
    (
        (
            _rule(lambda loss, val, t, m: val[-1] > t, _val_up),
            _rule(lambda loss, val, t, m: loss[-1] > t or val[-1] > t, _val_up),
            _rule(lambda loss, val, t, m: loss[-1] > t and val[-1] > t, _val_up),
            _rule(lambda loss, val, t, m: min(val) > t, _val_up),
        ),
        "It looks as if you use the validation loss to decide underfitting: whether a model has learned is "
        "read on its training loss (a model that overfits ends with a high validation loss too, yet has learned "
        "a lot; with dropout the validation loss can be the lower one).",
        "which curve says how much the model has learned from its training reviews?",
    ),
    (
        (_rule(lambda loss, val, t, m: loss[-1] >= t, _val_up),),
        "It looks as if you call a training loss exactly at your underfit_above underfitting: your number "
        "is the one *above* which a model underfits.",
        "read the meaning of underfit_above in the exercise word for word: above, not 'at least'.",
    ),
    (
        (_rule(lambda loss, val, t, m: min(loss) > t, _val_up),),
        "It looks as if you read the lowest training loss instead of the last one: a training loss that "
        "fell below your underfit_above and climbed back above it ends with a model that has learned little "
        "(the model you keep is the last one).",
        "which epoch's training loss describes the model the run ends with?",
    ),
    (
        (_rule(lambda loss, val, t, m: loss[-1] > LN2, _val_up),),
        "It looks as if you compare the training loss with ln 2 = 0.693 instead of your underfit_above: a "
        "training loss between the two is underfitting by your own rule.",
        "your function should use the numbers diagnosis_rule returns.",
    ),
)


_GENERIC_HINT = (
    "compare your function's answer with your own two numbers on the curve named above: which of them "
    "decides it, and does your function read the same epochs (section 4 says what each curve shows)?"
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
        f"{loss[-1]:.4g}, last validation loss {where})"
    )


def _ask_rule(diagnosis_rule: Callable[..., Any]) -> tuple[float, float]:
    """The student's two numbers, checked against what the clear curves show."""
    __tracebackhide__ = True
    name = "diagnosis_rule"
    got = call_student(diagnosis_rule, name=name)
    if not isinstance(got, dict) or set(got) != set(RULE_KEYS):
        keys = sorted(map(str, got)) if isinstance(got, dict) else type(got).__name__
        fail(
            f"{name}() returned {keys}; expected a dict with the keys {' and '.join(RULE_KEYS)}.",
            hint="one entry per decision of the exercise, under the names it gives.",
        )
    under = as_float(got["underfit_above"], name=f"{name}: underfit_above")
    margin = as_float(got["overfit_margin"], name=f"{name}: overfit_margin")
    if 1 <= margin <= 100:
        fail(
            f"{name} gives overfit_margin = {margin:g}: a rise of {100 * margin:g} % above the best validation loss.",
            hint="the margin is a fraction of the loss, as the exercise says: write a percentage divided by 100.",
        )
    if margin <= 0:
        fail(
            f"{name} gives overfit_margin = {margin:g}: then any rise of the validation loss above its best, however "
            "small, would be overfitting (curves G and H show the noise of a curve that has levelled off).",
            hint="the margin is there to tell noise from a real turn.",
        )
    if under >= LN2:
        fail(
            f"{name} gives underfit_above = {under:g}: a model that answers 0.5 for every review has a training loss "
            f"of ln 2 = 0.693, so with your number a model that has learned nothing would not be underfitting.",
            hint="section 1 says which loss a model that has learned nothing has.",
        )
    if under <= 0:
        fail(
            f"{name} gives underfit_above = {under:g}: every model would be underfitting.",
            hint="the threshold is a training loss: where do the curves of models that learned end?",
        )
    for curve in _clear_curves():
        said = reference(curve.history, under, margin)
        if said == curve.expected:
            continue
        decides = "underfit_above" if "underfitting" in (said, curve.expected) else "overfit_margin"
        fail(
            f"With your rule (underfit_above = {under:g}, overfit_margin = {margin:g}), {_curve_text(curve)} would "
            f"be {said!r}; it shows {curve.expected!r}: {curve.why}. Your {decides} decides this.",
            hint={
                "underfit_above": "put the line between training losses of models that learned and of models "
                "still near chance: compare curves B, I, J and L with C and M.",
                "overfit_margin": "the margin separates noise (curves G and H) from a real turn (curves D and F).",
            }[decides],
        )
    return under, margin


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


def _explain_diagnoses(
    curves: Sequence[_Curve], answers: Sequence[str], name: str, under: float, margin: float
) -> None:
    """Fail with the feedback for wrong answers: the mistake they show, or the first wrong curve."""
    __tracebackhide__ = True
    wrong = [i for i, (curve, got) in enumerate(zip(curves, answers)) if got != curve.expected]
    if not wrong:
        return
    expected = [curve.expected for curve in curves]

    def head(i: int) -> str:
        curve = curves[i]
        whose = "" if curve.why else f" (by your rule: underfit_above = {under:g}, overfit_margin = {margin:g})"
        return f"{name} returned {answers[i]!r} for {_curve_text(curve)}; expected {expected[i]!r}{whose}."

    if len(set(answers)) == 1:
        fail(
            f"{head(wrong[0])} It returned {answers[0]!r} for all {len(curves)} curves, whatever they show.",
            hint=_GENERIC_HINT,
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
    # a mistake the student did not make: a 20 % margin is not "an absolute margin".
    for rules, sentence, hint in _DIAGNOSIS_MISTAKES:
        for rule in rules:
            if all(
                rule(curve.history["loss"], curve.history["val_loss"], under, margin) == answers[i]
                for i, curve in enumerate(curves)
                if curve.visible or i in wrong
            ):
                fail(f"{head(wrong[0])} {sentence}", hint=hint)
    fail(f"{head(wrong[0])} ({len(wrong)} of {len(curves)} curves are diagnosed wrongly.)", hint=_GENERIC_HINT)


def check_diagnose(diagnose: Callable[..., Any], diagnosis_rule: Callable[..., Any], *, visible: bool = True) -> None:
    """``diagnosis_rule()`` holds the student's two decisions; ``diagnose(history)`` applies them.

    ``diagnosis_rule()`` returns ``{"underfit_above": ..., "overfit_margin": ...}``: the training loss
    above which a model has learned too little, and the fraction by which the validation loss may turn
    up before it is overfitting. With those numbers, the curves whose reading is not a matter of taste
    must come out as they show (this pins the numbers to :data:`UNDERFIT_RANGE` and :data:`MARGIN_RANGE`).
    ``diagnose(history)`` (a dict like Keras's ``history.history``, lists ``"loss"`` and ``"val_loss"``,
    at least 3 epochs) returns one of :data:`DIAGNOSIS_CHOICES`: the clear curves' answers, and its own
    rule's on curves built at its numbers. The hidden test (``visible=False``) adds corner cases, random
    clear curves of 3 to 15 epochs and the built curves in other shapes, as lists, tuples and numpy
    arrays. Each call gets a copy, which must come back unchanged; answers are compared case- and
    whitespace-insensitively.
    """
    __tracebackhide__ = True
    name = "diagnose"
    under, margin = _ask_rule(diagnosis_rule)
    curves = _curves_for(under, margin, visible=visible)
    given = [_in_form(curve.history, curve.form) for curve in curves]
    answering = call_each(diagnose, [((g,), {}) for g in given])  # at grading: one request for all curves
    answers = [_ask_diagnosis(answering, curve, name, g) for curve, g in zip(curves, given)]
    _explain_diagnoses(curves, answers, name, under, margin)
    report_pass(name, visible=visible, detail=f"{len(curves)} learning curves")
