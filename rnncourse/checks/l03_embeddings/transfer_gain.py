"""Exercise ``transfer_gain``: how far one variant is ahead of another across seeds, and how sure that is.

``transfer_gain(runs, variant, baseline="scratch")`` takes one dict of test accuracies per seed and
reports ``(mean_gain, standard_error, words)``. How to compare the seeds and how to put an error bar
on the gain are the student's decisions (the prompt gives neither the pairing nor a formula): the
runs of one seed share the shuffling and the initial weights, so the right decision pairs them, and
the error bar is the standard error of the mean of the per-seed gains (:func:`reference`). ``words``
follow the numbers by the course's reporting rule (:func:`words_for`: "ahead" beyond two standard
errors above zero, "behind" beyond two below, otherwise "ties"), so a decision shows its consequence:
on the visible runs the unpaired error bar turns the fine-tuned model's clear lead over the frozen one
into a tie. A wrong answer is compared with the known mistakes on the same input (the unpaired
standard error, ddof=0, no sqrt(n), ...), and the one it matches is named, with the words it would
give.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, NoReturn

import numpy as np

from .._core import as_float, as_tuple, call_student, fail, report_pass

NAME = "transfer_gain"

TRANSFER_KEYS = ("scratch", "glove_frozen", "glove_finetuned")

#: The words of a comparison, by the course's rule (:func:`words_for`).
VERDICTS = ("ahead", "behind", "ties")


# The lesson trains the three variants with several seeds; seed s gives every variant the same
# shuffling and the same initial Dense weights, so the runs are paired by seed. The student's
# transfer_gain(runs, variant, baseline) returns the mean of the per-seed gains and its standard error.
# A wrong answer is compared with each known-wrong formula on the same input, and the one it matches
# is named.

# Closeness to a known mistake: relative 1e-9 (the same formula written another way differs by
# about 1e-16). Closeness to the right answer adds one millionth of accuracy, so that a computation
# in float32 (a tf.constant of Python floats) passes; accuracies on a few hundred reviews move in
# steps of about 0.002, and every known mistake lies far beyond that (see the tests).
_GAIN_RTOL = 1e-9
_MISTAKE_ATOL = 1e-12
_GAIN_ATOL = 1e-6

# Three seeds, shared noise per seed (seed 1 is worse for every variant), and gains that differ from
# seed to seed, so that every known mistake gives its own answer (tests/test_checks_embeddings.py).
_VISIBLE_RUNS: tuple[dict[str, float], ...] = (
    {"scratch": 0.690, "glove_frozen": 0.702, "glove_finetuned": 0.736},
    {"scratch": 0.652, "glove_frozen": 0.676, "glove_finetuned": 0.708},
    {"scratch": 0.718, "glove_frozen": 0.716, "glove_finetuned": 0.758},
)


class _GainCase(NamedTuple):
    """One call of the student's ``transfer_gain``: ``baseline=None`` leaves the default to the student."""

    runs: Sequence[Mapping[str, Any]]
    variant: str
    baseline: str | None = None

    @property
    def effective_baseline(self) -> str:
        return "scratch" if self.baseline is None else self.baseline

    def call(self, name: str) -> str:
        """How the call reads in a message, e.g. ``transfer_gain(runs, 'glove_frozen')``."""
        extra = "" if self.baseline is None else f", baseline={self.baseline!r}"
        return f"{name}(runs, {self.variant!r}{extra})"


def reference(runs: Sequence[Mapping[str, Any]], variant: str, baseline: str = "scratch") -> tuple[float, float]:
    """The exercise's answer: the mean of the per-seed gains ``run[variant] - run[baseline]`` and its standard error.

    The standard error of the mean is ``std(gains, ddof=1) / sqrt(n)`` for ``n >= 2`` seeds.
    """
    gains = np.array([run[variant] - run[baseline] for run in runs], dtype=float)
    return float(gains.mean()), float(gains.std(ddof=1) / np.sqrt(len(gains)))


def words_for(mean_gain: float, standard_error: float) -> str:
    """The course's words for a mean gain and its standard error: "ahead", "behind" or "ties".

    "ahead" when the mean is more than two standard errors above zero, "behind" when more than two
    below, otherwise "ties" (as ``bench/final_comparison.py`` words lesson 04's comparisons).
    """
    if mean_gain > 2 * standard_error:
        return "ahead"
    if mean_gain < -2 * standard_error:
        return "behind"
    return "ties"


def reference_report(
    runs: Sequence[Mapping[str, Any]], variant: str, baseline: str = "scratch"
) -> tuple[float, float, str]:
    """The notebook's answer: :func:`reference`'s two numbers and their words."""
    mean, se = reference(runs, variant, baseline)
    return mean, se, words_for(mean, se)


def _random_runs(seed: int, num_seeds: int, *, numpy_floats: bool) -> list[dict[str, Any]]:
    """Accuracies of ``num_seeds`` paired runs, on 500 test reviews, with extra keys the student must ignore.

    Each seed moves every variant's accuracy by the same amount (the shared shuffling and initial
    weights) plus a little noise of its own; the keys come in another order than in the visible case.
    """
    rng = np.random.default_rng(seed)
    num_test = 500
    runs = []
    for s in range(num_seeds):
        shared = rng.normal(0.0, 0.02)
        level = {"scratch": 0.68, "glove_frozen": 0.70, "glove_finetuned": 0.73, "glove_lstm": 0.75}
        noisy = {key: mean + shared + rng.normal(0.0, 0.008) for key, mean in level.items()}
        acc = {key: round(value * num_test) / num_test for key, value in noisy.items()}
        number: Callable[[float], Any] = np.float64 if numpy_floats else float
        runs.append(
            {
                "seed": np.int64(s) if numpy_floats else s,
                "glove_finetuned": number(acc["glove_finetuned"]),
                "epochs": 8,
                "scratch": number(acc["scratch"]),
                "glove_lstm": number(acc["glove_lstm"]),
                "glove_frozen": number(acc["glove_frozen"]),
            }
        )
    return runs


def _transfer_gain_cases(visible: bool) -> list[_GainCase]:
    """The calls the check makes, built afresh each time (nothing a student does can change them).

    Visible: three seeds, each GloVe variant against the default baseline, and the two GloVe variants
    against each other (one ahead, one behind). Hidden: 2 to 6 seeds with extra keys, numpy floats and
    tuples, and all three words.
    """
    if visible:
        runs = [dict(run) for run in _VISIBLE_RUNS]
        return [
            _GainCase(runs, "glove_finetuned"),  # first: unpaired, its words would be a tie
            _GainCase(runs, "glove_frozen"),
            _GainCase(runs, "glove_finetuned", "glove_frozen"),
            _GainCase(runs, "glove_frozen", "glove_finetuned"),
        ]
    return [
        _GainCase(_random_runs(21, 2, numpy_floats=False), "glove_finetuned"),
        _GainCase(tuple(_random_runs(12, 4, numpy_floats=True)), "glove_frozen", "scratch"),
        _GainCase(_random_runs(13, 6, numpy_floats=True), "glove_finetuned", "glove_frozen"),
        _GainCase(_random_runs(17, 3, numpy_floats=False), "glove_frozen"),  # a tie, 1.4 standard errors up
        _GainCase(tuple(_random_runs(14, 5, numpy_floats=True)), "scratch", "glove_frozen"),  # behind
    ]


def _gain_close(got: float, want: float, *, atol: float = _MISTAKE_ATOL) -> bool:
    """Whether ``got`` is ``want`` (by default: as closely as a known mistake must be matched)."""
    return abs(got - want) <= atol + _GAIN_RTOL * abs(want)


def _gain_right(got: tuple[float, float], want: tuple[float, float]) -> bool:
    """Whether the student's pair is the right answer (float32 rounding allowed)."""
    return all(_gain_close(g, w, atol=_GAIN_ATOL) for g, w in zip(got, want))


def _se_mistakes(runs: Sequence[Mapping[str, Any]], variant: str, baseline: str) -> dict[str, float]:
    """What each known-wrong standard error gives on ``runs`` (the mean gain is right in all of them)."""
    gains = np.array([run[variant] - run[baseline] for run in runs], dtype=float)
    ours = np.array([run[variant] for run in runs], dtype=float)
    theirs = np.array([run[baseline] for run in runs], dtype=float)
    n = len(gains)
    return {
        "unpaired": float(np.sqrt(ours.var(ddof=1) / n + theirs.var(ddof=1) / n)),
        "ddof0": float(gains.std(ddof=0) / np.sqrt(n)),
        "std": float(gains.std(ddof=1)),
        "over_n": float(gains.std(ddof=1) / n),
        "variance": float(gains.var(ddof=1) / np.sqrt(n)),
        "squared_se": float(gains.var(ddof=1) / n),
    }


def _pair_mistakes(case: _GainCase) -> dict[str, tuple[tuple[float, float], dict[str, str]]]:
    """Whole answers a known mistake gives on ``case``, with the names its message mentions."""
    runs, variant, baseline = case.runs, case.variant, case.effective_baseline
    mean, se = reference(runs, variant, baseline)
    out: dict[str, tuple[tuple[float, float], dict[str, str]]] = {"swapped": ((se, mean), {})}
    if baseline != "scratch":
        out["baseline"] = (reference(runs, variant, "scratch"), {"baseline": baseline})
    for other in TRANSFER_KEYS:
        if other not in (variant, baseline):
            out[f"variant:{other}"] = (reference(runs, other, baseline), {"other": other})
    return out


def _transfer_gain_mistake_answers(case: _GainCase) -> dict[str, tuple[float, float]]:
    """Every answer a single known mistake gives on ``case`` (for the tests: they must differ)."""
    mean, se = reference(case.runs, case.variant, case.effective_baseline)
    answers = {key: pair for key, (pair, _) in _pair_mistakes(case).items()}
    se_mistakes = _se_mistakes(case.runs, case.variant, case.effective_baseline)
    answers.update({key: (mean, value) for key, value in se_mistakes.items()})
    answers["sign"] = (-mean, se)
    answers["percent"] = (100 * mean, 100 * se)
    return answers


# Each known mistake: what the message says (1-2 sentences) and a hint. {baseline}, {variant} and
# {other} are filled in from the call.
_GAIN_MISTAKES: dict[str, tuple[str, str]] = {
    "unpaired": (
        "The mean is right, but the standard error is too big: sqrt(se_variant² + se_baseline²) treats the "
        "two variants' runs as independent samples. They are paired: seed s gives both the same shuffling "
        "and the same initial weights, so in the per-seed difference run[variant] - run[baseline] the noise "
        "they share cancels.",
        "the runs of one seed are not independent draws (the exercise says what they share): compare within each "
        "seed first, then put the error bar on the mean of those comparisons.",
    ),
    "ddof0": (
        "The standard error uses the population standard deviation (ddof=0, which divides by n); the "
        "standard deviation estimated from n seeds divides by n - 1 (ddof=1).",
        "numpy's standard deviation divides by n unless its ddof argument says otherwise; the statistics "
        "module's sample standard deviation divides by n - 1.",
    ),
    "std": (
        "The second number is the standard deviation of the gains, not the standard error of their mean: it "
        "says how much one seed's gain scatters, not how precisely the mean over n seeds is known.",
        "a mean over n seeds is known more precisely than one seed: by how much is the standard error of a mean.",
    ),
    "over_n": (
        "The standard error divides the standard deviation by n instead of by sqrt(n): the variance of a mean "
        "of n values is variance / n, so its standard deviation is std / sqrt(n).",
        "the standard error divides the standard deviation by the square root of the number of seeds.",
    ),
    "variance": (
        "The standard error uses the variance of the gains where their standard deviation belongs: a variance "
        "is in squared units of accuracy.",
        "the standard error is in the units of the gains: a standard deviation, not a variance, over the "
        "square root of n.",
    ),
    "squared_se": (
        "The second number is the square of the standard error (the variance of the gains divided by n): "
        "its square root is missing.",
        "take the square root: the standard error is in the units of the gains.",
    ),
    "sign": (
        "The mean gain has the wrong sign: it is baseline minus variant. The gain of variant over baseline is "
        "run[variant] - run[baseline], positive when the variant is the better model.",
        "the gain of a seed is the variant's accuracy minus the baseline's.",
    ),
    "percent": (
        "The numbers are in percent (×100); return them as fractions, in the units of the accuracies in runs "
        "(0.70, not 70).",
        "a gain of 0.03 is 3 percentage points: keep the units of the accuracies, for the standard error too.",
    ),
    "swapped": (
        "The two numbers are in the wrong order.",
        "the exercise asks for the mean first, then its standard error.",
    ),
    "baseline": (
        "It returned the gain over 'scratch', not over baseline={baseline!r}: the baseline argument is not used.",
        "use the baseline the caller passes: 'scratch' is only the default of the baseline parameter.",
    ),
    "variant": (
        "It returned the gain of {other!r}, not of variant={variant!r}: the variant argument is not used.",
        "use the variant the caller passes, not a fixed key.",
    ),
}


def _gain_mistake_text(key: str, **names: str) -> tuple[str, str]:
    """The message and the hint of mistake ``key`` (``variant:<other>`` names the variant used instead)."""
    if key.startswith("variant:"):
        key, names["other"] = key.split(":", 1)
    message, hint = _GAIN_MISTAKES[key]
    return message.format(**names), hint.format(**names)


def _diagnose_transfer_gain(got: tuple[float, float], case: _GainCase) -> list[list[str]] | None:
    """The known mistakes that explain ``got`` on ``case``, or None.

    A list of groups: the mistakes of different groups were all made (a reversed sign and ddof=0);
    the mistakes within a group are alternatives, which give the same number on this input (on two
    seeds, ddof=0 and dividing by n give the same standard error).
    """
    runs, variant, baseline = case.runs, case.variant, case.effective_baseline
    mean, se = reference(runs, variant, baseline)
    for key, ((want_mean, want_se), _) in _pair_mistakes(case).items():
        if _gain_close(got[0], want_mean) and _gain_close(got[1], want_se):
            return [[key]]
    se_mistakes = _se_mistakes(runs, variant, baseline)
    for scale, found in ((1.0, []), (100.0, [["percent"]])):
        got_mean, got_se = got[0] / scale, got[1] / scale
        if _gain_close(got_mean, mean):
            groups = list(found)
        elif _gain_close(got_mean, -mean):
            groups = [*found, ["sign"]]
        else:
            continue
        if not _gain_close(got_se, se):
            alternatives = [key for key, value in se_mistakes.items() if _gain_close(got_se, value)]
            if not alternatives:
                continue
            groups.append(alternatives)
        if groups:
            return groups
    return None


def _fail_transfer_gain(got: tuple[float, float], case: _GainCase, *, name: str) -> NoReturn:
    """Fail with the mistake ``got`` shows on ``case``, named where it is a known one."""
    __tracebackhide__ = True
    mean, se = reference(case.runs, case.variant, case.effective_baseline)
    n = len(case.runs)
    header = (
        f"{case.call(name)} on {n} seeds returned ({got[0]:.4f}, {got[1]:.4f}); "
        f"expected (mean_gain, standard_error) = ({mean:.4f}, {se:.4f})."
    )
    groups = _diagnose_transfer_gain(got, case)
    if groups is None:
        if _gain_close(got[0], mean, atol=_GAIN_ATOL):
            note = " The mean gain is right; the standard error is not."
        elif _gain_close(got[1], se, atol=_GAIN_ATOL):
            note = " The standard error is right; the mean gain is not."
        else:
            note = ""
        fail(
            header + note + _words_consequence(got, case),
            hint="compare the variant with the baseline within each seed; then the mean of those gains, and the "
            "standard error of that mean, as fractions of accuracy. Use only the keys variant and baseline: the "
            "dicts may hold others.",
        )
    names = {"variant": case.variant, "baseline": case.effective_baseline}
    messages: list[str] = []
    hints: list[str] = []
    for group in groups:
        texts = [_gain_mistake_text(key, **names) for key in group]
        if len(texts) == 1:
            messages.append(texts[0][0])
        else:
            messages.append(
                f"On {n} seeds {len(texts)} known mistakes give this standard error. Either: "
                + " Or: ".join(message for message, _ in texts)
            )
        hints.extend(hint for _, hint in texts)
    fail(f"{header} {' '.join(messages)}{_words_consequence(got, case)}", hint=" ".join(hints))


_PLAIN_NUMBERS = (int, float, np.float64, np.int64)


def _shown(value: Any) -> str:
    """A short, safe rendering of a value found in the runs (only plain numbers and strings are printed)."""
    if type(value) in _PLAIN_NUMBERS:
        return f"{value:.6g}" if isinstance(value, (float, np.floating)) else str(int(value))
    if type(value) is str:
        return repr(value[:40])
    return f"a {type(value).__name__}"


def _runs_change(given: Sequence[Any], original: Sequence[Mapping[str, Any]]) -> str | None:
    """How the student changed the copy ``given`` of ``original`` (None: not at all).

    Only the copy's own list and dicts are read, and values are compared only when they are still
    of the original's plain type, so no object the student made is asked for its ``==``.
    """
    if len(given) != len(original):
        return f"runs held {len(original)} dicts and now holds {len(given)}"
    for i, (run, before) in enumerate(zip(given, original)):
        if type(run) is not dict:
            return f"runs[{i}] is no longer a dict but a {type(run).__name__}"
        for key, value in before.items():
            if key not in run:
                return f"runs[{i}] lost its key {key!r}"
            now = run[key]
            if type(now) is not type(value) or now != value:
                kinds = "" if type(now) is type(value) else f" (a {type(value).__name__}, now a {type(now).__name__})"
                return f"runs[{i}][{key!r}] was {_shown(value)} and is now {_shown(now)}{kinds}"
        added = [key for key in run if type(key) is not str or key not in before]
        if added:
            return f"runs[{i}] has a new key {_shown(added[0])}"
    return None


def _as_report(result: Any, *, name: str) -> tuple[float, float, Any]:
    """The student's ``(mean_gain, standard_error, words)``: two floats and the words as given."""
    __tracebackhide__ = True
    mean_gain, standard_error, words = as_tuple(
        result, name=name, labels=("mean_gain", "standard_error", "words"), items="two numbers and the words"
    )
    return (
        as_float(mean_gain, name=f"{name}(...)[0] (mean_gain)"),
        as_float(standard_error, name=f"{name}(...)[1] (standard_error)"),
        words,
    )


def _words_consequence(got: tuple[float, float], case: _GainCase) -> str:
    """What the wrong numbers would say in words, where that differs from what the right ones say."""
    mean, se = reference(case.runs, case.variant, case.effective_baseline)
    theirs, right = words_for(got[0], got[1]), words_for(mean, se)
    if theirs == right:
        return ""
    return f" With those numbers the words would be {theirs!r}; the paired gain says {right!r}."


def _check_words(words: Any, got: tuple[float, float], case: _GainCase, *, name: str) -> None:
    """The words must be the course's for the (right) numbers."""
    __tracebackhide__ = True
    allowed = "'ahead', 'behind' or 'ties'"
    if not isinstance(words, str):
        kind = type(words).__name__
        fail(
            f"{case.call(name)} returned {kind} as its words; expected one of {allowed}.",
            hint="the third item is a string, one of the three words the exercise names.",
        )
    said = " ".join(str.__str__(words).lower().split())
    if said not in VERDICTS:
        shown = repr(str.__str__(words)[:40])
        fail(
            f"{case.call(name)} returned the words {shown}; expected one of {allowed}.",
            hint="return exactly one of the three words (upper or lower case and surrounding spaces do not matter).",
        )
    mean, se = got
    want = words_for(mean, se)
    if said == want:
        return
    ratio = abs(mean) / se if se > 0 else float("inf")
    if want == "ties":
        why = (
            f"the mean gain ({mean:+.4f}) is only {ratio:.1f} standard errors ({se:.4f}) from zero: the course's "
            "rule calls that a tie"
        )
        hint = "a gain within two standard errors of zero is a tie: the seeds cannot tell it from no gain at all."
    elif said == "ties":
        why = f"the mean gain ({mean:+.4f}) is {ratio:.1f} standard errors ({se:.4f}) from zero, well beyond two"
        hint = "beyond two standard errors from zero, the words say which side the gain is on."
    else:
        why = f"the mean gain ({mean:+.4f}) is on the other side of zero"
        hint = "the words describe the variant against the baseline: ahead when the variant is the better one."
    fail(f"{case.call(name)} returned {said!r}; expected {want!r}: {why}.", hint=hint)


def check_transfer_gain(transfer_gain: Callable[..., Any], *, visible: bool = True) -> None:
    """``transfer_gain(runs, variant, baseline="scratch")`` -> ``(mean_gain, standard_error, words)`` over seeds.

    ``runs`` holds one dict of test accuracies per seed; the runs are paired by seed, so the gain is
    taken per seed, ``runs[s][variant] - runs[s][baseline]``, the numbers are the gains' mean and its
    standard error ``std(gains, ddof=1) / sqrt(n)``, and the words are :func:`words_for` of them. The
    visible check uses three seeds (each GloVe variant against scratch, and the two against each
    other); the hidden one 2, 4 and 6 seeds with extra keys in the dicts, numpy floats and a tuple of
    runs. Each call gets a deep copy, which must come back unchanged. A wrong answer is compared with
    the known mistakes on the same input (the unpaired standard error, ddof=0, no sqrt(n), ...), the
    one it matches is named, and the feedback says what its words would be.
    """
    __tracebackhide__ = True
    name = "transfer_gain"
    for case in _transfer_gain_cases(visible):
        given = copy.deepcopy(case.runs)
        kwargs = {} if case.baseline is None else {"baseline": case.baseline}
        result = call_student(transfer_gain, given, case.variant, name=name, **kwargs)
        change = _runs_change(given, case.runs)
        if change is not None:
            fail(
                f"{case.call(name)} changed the runs it was given: {change}.",
                hint="leave runs as it is (the notebook uses it again): build the gains in a new list, and do not "
                "pop, sort or assign into runs or its dicts.",
            )
        *numbers, words = _as_report(result, name=name)
        got = (numbers[0], numbers[1])
        right = reference(case.runs, case.variant, case.effective_baseline)
        if not _gain_right(got, right):
            _fail_transfer_gain(got, case, name=name)
        _check_words(words, right, case, name=name)
    report_pass(name, visible=visible, detail="mean gain, its standard error and the words, paired by seed")
