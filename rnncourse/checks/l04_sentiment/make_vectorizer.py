"""Exercise ``make_vectorizer``: choose the settings, then build an adapted ``TextVectorization``, exercise 1.

Two parts. (a) ``choose_vectorizer(texts)`` chooses ``num_words`` and ``maxlen`` for reviews like
``texts`` and predicts their consequences on reviews it never saw: ``coverage``, the share of their
tokens the vocabulary knows, and ``truncated``, the share of them longer than ``maxlen`` tokens.
The values are the student's decision; the check measures the consequences on other reviews
(:func:`consequences`) and compares. A coverage measured on the texts the vocabulary was built from
is too high, and is named. (b) ``make_vectorizer(texts, num_words, maxlen)`` returns a
``keras.layers.TextVectorization`` adapted on ``texts``. The reference is
:func:`rnncourse.models.text_vectorizer`, adapted on the same texts: the check compares the
vocabulary, and the output on texts the vectorizer has not seen (with unknown words, capitals and
punctuation), and names a vectorizer that does not standardise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ... import models
from .._core import as_array, as_float, as_int, call_student, fail, hidden_seed, report_pass
from .._errors import exception_summary
from ._common import and_list

NAME = "make_vectorizer"

CHOICE_KEYS = ("num_words", "maxlen", "coverage", "truncated")

# How far a prediction may be from the check's measurement on other reviews. A coverage predicted on a
# held-out fifth of the given reviews, with a vocabulary adapted on the rest, landed within 0.009 of it
# (standard deviation 0.003 over 60 draws of 1,500 and 2,000 reviews); the in-sample coverage of a
# large vocabulary is several points too high. The share truncated needs no held-out reviews (nothing
# is learned): counted on all the given ones it landed within 0.032 (sd 0.013), counted on a fifth
# within 0.068 (sd 0.028, which failed 8 of 60 draws at the former 0.04). 0.06 is 4.6 sd of the first.
COVERAGE_TOLERANCE = 0.015
TRUNCATED_TOLERANCE = 0.06


def _choice_data(seed: int, num_texts: int) -> tuple[list[str], list[str]]:
    """``num_texts`` training reviews for the student, and as many others the check keeps."""
    from ...data import load_imdb_reviews

    texts, _ = load_imdb_reviews("train")
    rows = np.random.default_rng(seed + 77).permutation(len(texts))
    return [texts[i] for i in rows[:num_texts]], [texts[i] for i in rows[num_texts : 2 * num_texts]]


def consequences(texts: Sequence[str], unseen: Sequence[str], num_words: int, maxlen: int) -> dict[str, float]:
    """What ``num_words`` and ``maxlen`` do to ``unseen``: its share of known tokens and of truncated texts.

    The vocabulary is adapted on ``texts`` (the default standardisation and split); every token of
    ``unseen`` counts, wherever it stands.
    """
    import keras

    vectorizer = models.adapt_in_batches(keras.layers.TextVectorization(max_tokens=num_words), list(texts))
    indices = np.asarray(vectorizer(list(unseen)))  # padded with 0 to the longest text
    tokens = indices[indices > 0]
    return {
        "coverage": float(np.mean(tokens >= 2)),  # 1 is '[UNK]'
        "truncated": float(np.mean((indices > 0).sum(axis=1) > maxlen)),
    }


def _check_choice(choose: Callable[..., Any], seed: int, num_texts: int) -> str:
    """Part (a): the student's choice, and its predicted consequences against the measured ones."""
    __tracebackhide__ = True
    fn_name = "choose_vectorizer"
    given, unseen = _choice_data(seed, num_texts)
    returned = call_student(choose, list(given), name=fn_name)
    if not isinstance(returned, dict) or sorted(map(str, returned)) != sorted(CHOICE_KEYS):
        keys = sorted(map(str, returned)) if isinstance(returned, dict) else None
        fail(
            f"{fn_name} returned {f'a dict with the keys {keys}' if keys is not None else type(returned).__name__}; "
            f"expected a dict with the keys {list(CHOICE_KEYS)}.",
            hint="two choices and the two consequences you predict for them.",
        )
    num_words = as_int(returned["num_words"], name=f"{fn_name}(...)['num_words']")
    maxlen = as_int(returned["maxlen"], name=f"{fn_name}(...)['maxlen']")
    if num_words < 3 or maxlen < 1:
        fail(
            f"{fn_name} chose num_words = {num_words} and maxlen = {maxlen}; a vocabulary needs at least one word "
            f"besides '' and '[UNK]', and a review at least one token.",
        )
    predicted = {key: as_float(returned[key], name=f"{fn_name}(...)[{key!r}]") for key in ("coverage", "truncated")}
    measured = consequences(given, unseen, num_words, maxlen)
    chosen = f"num_words = {num_words:,}, maxlen = {maxlen}"
    if abs(predicted["coverage"] - measured["coverage"]) > COVERAGE_TOLERANCE:
        in_sample = consequences(given, given, num_words, maxlen)["coverage"]
        if abs(predicted["coverage"] - in_sample) < abs(predicted["coverage"] - measured["coverage"]):
            fail(
                f"{fn_name} predicts a coverage of {predicted['coverage']:.3f} for {chosen}; on {num_texts:,} reviews "
                f"it never saw, the vocabulary knows {measured['coverage']:.3f} of the tokens. Counted on the reviews "
                f"the vocabulary was built from it is {in_sample:.3f}: your prediction looks measured there, where "
                f"every word that made the cut is known by construction.",
                hint="estimate on reviews the vocabulary has not seen: hold some of the given texts out, build the "
                "vocabulary on the rest, and count on the held-out ones (never on the test set).",
            )
        fail(
            f"{fn_name} predicts a coverage of {predicted['coverage']:.3f} for {chosen}; on {num_texts:,} reviews "
            f"it never saw, the vocabulary knows {measured['coverage']:.3f} of the tokens.",
            hint="coverage is the share of the tokens of unseen reviews that get an index of their own (not the "
            "padding, not '[UNK]'), counted after the same standardisation and split as the vectorizer's.",
        )
    if abs(predicted["truncated"] - measured["truncated"]) > TRUNCATED_TOLERANCE:
        fail(
            f"{fn_name} predicts that {predicted['truncated']:.3f} of the reviews are truncated at {chosen}; of "
            f"{num_texts:,} reviews it never saw, {measured['truncated']:.3f} are longer than {maxlen} tokens.",
            hint="a review is truncated when it has more tokens than maxlen, counted after the vectorizer's "
            "standardisation and split. A length does not depend on the vocabulary: count it on all the given "
            "reviews, not on a held-out few (fewer reviews, more noise).",
        )
    return f"{chosen}: coverage {measured['coverage']:.3f}, {measured['truncated']:.0%} truncated"


_WORDS = (
    "film",
    "movie",
    "good",
    "bad",
    "plot",
    "actor",
    "great",
    "boring",
    "story",
    "scene",
    "music",
    "funny",
    "awful",
    "script",
    "ending",
    "love",
    "waste",
    "time",
    "best",
    "worst",
    "cast",
    "director",
    "camera",
    "dialogue",
    "brilliant",
    "dull",
    "hero",
    "villain",
    "sequel",
    "remake",
    "comedy",
    "drama",
    "horror",
    "romance",
    "twist",
    "budget",
)


def _corpus(seed: int, num_texts: int, max_len: int) -> list[str]:
    """Texts with a Zipf-like word distribution, capitals and punctuation."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(_WORDS) + 1)
    probs = (1.0 / ranks) / np.sum(1.0 / ranks)
    texts = []
    for _ in range(num_texts):
        length = int(rng.integers(2, max_len + 1))
        words = list(rng.choice(_WORDS, size=length, p=probs))
        if rng.random() < 0.5:
            words[0] = words[0].capitalize()
        text = " ".join(words)
        texts.append(text + rng.choice([".", "!", "?!", ""]))
    return texts


def _probe_texts(seed: int, maxlen: int) -> list[str]:
    """Unseen texts: short, long, unknown words, upper case and punctuation."""
    rng = np.random.default_rng(seed + 1000)
    long_words = list(rng.choice(_WORDS[:12], size=maxlen + 5))
    return [
        "A GREAT film, a great story!",
        "zyzzyva " + " ".join(_WORDS[:3]) + " qwerty.",
        " ".join(long_words),
        "Worst. Movie. Ever.",
        "",
    ]


_PUNCTUATION = ".!?,"


def _expect_standardized(vectorizer: Any, vocabulary: Sequence[str], name: str) -> None:
    """Fail if the vectorizer reads 'FILM' or 'film!' differently from 'film' (behaviour, not settings).

    Probes one plain lower-case word of its own vocabulary; says nothing when the layer cannot be
    probed that way (no such word, or no integer output); the later checks then speak.
    """
    __tracebackhide__ = True
    word = next((w for w in vocabulary[2:] if len(w) > 1 and w.isalpha() and w.islower()), None)
    if word is None:
        return
    variants = [word, word.upper(), word.capitalize(), *(word + c for c in _PUNCTUATION)]
    try:
        out = np.asarray(vectorizer(variants))
    except Exception:  # noqa: BLE001  (the output checks below report a failing call)
        return
    if out.ndim != 2 or out.shape[0] != len(variants) or out.dtype.kind not in "iu":
        return
    first = [int(i) for i in out[:, 0]]
    index = first[0]
    if index < 2:  # its own vocabulary word is not read as that word: not a standardisation question
        return
    cased = [v for v, i in zip(variants[1:3], first[1:3]) if i != index]
    punctuated = [v for v, i in zip(variants[3:], first[3:]) if i != index]
    if not (cased or punctuated):
        return
    examples = cased[:1] + punctuated[:1]
    read_as = and_list([f"{v!r} as index {first[variants.index(v)]}" for v in examples])
    seen = f"it reads {read_as}, not as {word!r} (index {index})"
    if cased and punctuated:
        fail(
            f"{name}: the vectorizer neither lower-cases the texts nor strips their punctuation: {seen}.",
            hint="the standardize argument decides both steps, and None turns both off; section 2's first "
            "step asks for both.",
        )
    if punctuated:
        fail(
            f"{name}: the vectorizer keeps punctuation: {seen}. Words followed by '.', '!' or '?!' in "
            f"the texts become other, rarer tokens, and the word counts change.",
            hint="it lower-cases but does not strip punctuation: look at what the standardize argument's "
            "default does, both steps of section 2's tokenizer.",
        )
    fail(
        f"{name}: the vectorizer keeps upper case: {seen}. A capitalised first word of a text becomes "
        f"another token, and the word counts change.",
        hint="it strips punctuation but does not lower-case: look at what the standardize argument's "
        "default does, both steps of section 2's tokenizer.",
    )


def check_make_vectorizer(
    make_vectorizer: Callable[..., Any],
    *,
    seed: int = 0,
    num_texts: int = 60,
    num_words: int = 12,
    maxlen: int = 6,
    visible: bool = True,
    choose: Callable[..., Any] | None = None,
    num_choice_texts: int = 2000,
) -> None:
    """``make_vectorizer(texts, num_words, maxlen)`` must return an adapted ``TextVectorization``.

    Compared with ``TextVectorization(max_tokens=num_words, output_sequence_length=maxlen)``
    adapted on the same texts: the vocabulary, and the output on unseen texts (shape, integer
    dtype, padding and truncation at the end, index 1 for unknown words). ``choose`` is the
    student's ``choose_vectorizer``, given ``num_choice_texts`` training reviews (:func:`_check_choice`).
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "make_vectorizer", visible=visible)  # the course secret, at grading
    import keras

    name = "make_vectorizer"
    texts = _corpus(seed, num_texts, 2 * maxlen)
    result = call_student(make_vectorizer, list(texts), num_words, maxlen, name=name)
    if not isinstance(result, keras.layers.TextVectorization):
        if hasattr(result, "shape"):
            fail(
                f"{name} returned an array of shape {tuple(result.shape)}; expected the adapted "
                f"keras.layers.TextVectorization layer itself.",
                hint="return the adapted layer itself, not its output.",
            )
        fail(
            f"{name} returned a {type(result).__name__}; expected a keras.layers.TextVectorization.",
            hint="return a TextVectorization layer, adapted on the texts (section 2).",
        )
    reference = models.text_vectorizer(texts, num_words, maxlen)
    want_vocab = [str(w) for w in reference.get_vocabulary()]
    try:
        got_vocab = [str(w) for w in result.get_vocabulary()]
    except Exception as exc:  # noqa: BLE001
        fail(
            f"{name}: reading the vocabulary failed ({type(exc).__name__}: {exc}).",
            hint="adapt the layer on the texts before returning it.",
        )
    if len(got_vocab) <= 2:
        fail(
            f"{name}: the vectorizer's vocabulary holds only {got_vocab}: it was not adapted.",
            hint="adapting the layer on the texts builds its vocabulary (section 2).",
        )
    _expect_standardized(result, got_vocab, name)
    if len(got_vocab) != len(want_vocab):
        hint = (
            "the vocabulary limit counts every index, including 0 (padding) and 1 (out-of-vocabulary): see the "
            "max_tokens argument's documentation."
        )
        fail(
            f"{name}: the vocabulary has {len(got_vocab)} entries; expected num_words = "
            f"{len(want_vocab)} (with '' for padding and '[UNK]').",
            hint=hint,
        )
    if got_vocab[:2] != ["", "[UNK]"]:
        fail(
            f"{name}: the vocabulary starts with {got_vocab[:2]}; expected ['', '[UNK]'] "
            f"(index 0 = padding, index 1 = out-of-vocabulary).",
            hint="keep TextVectorization's defaults for the padding and out-of-vocabulary tokens, and integer output.",
        )
    probes = _probe_texts(seed, maxlen)
    unstandardized = keras.layers.TextVectorization(
        max_tokens=num_words, standardize=None, output_sequence_length=maxlen
    )
    unstandardized.adapt(texts)
    raw_vocab = [str(w) for w in unstandardized.get_vocabulary()]
    upper = [w for w in got_vocab[2:] if w != w.lower()]
    punctuated = [w for w in got_vocab[2:] if any(c in w for c in _PUNCTUATION)]
    if upper or punctuated or (got_vocab == raw_vocab and got_vocab != want_vocab):
        found = [f"upper-case words such as {upper[0]!r}"] if upper else []
        found += [f"punctuation such as {punctuated[0]!r}"] if punctuated else []
        fail(
            f"{name}: the vocabulary holds {' and '.join(found) if found else 'the words of the raw texts'}: "
            f"the texts were not standardised.",
            hint="standardising lower-cases and strips punctuation before the words are counted (the "
            "standardize argument's default).",
        )
    if got_vocab != want_vocab:
        at = next(i for i, (g, w) in enumerate(zip(got_vocab, want_vocab)) if g != w)
        fail(
            f"{name}: the vocabulary differs from the expected one from index {at} on: got "
            f"{got_vocab[at : at + 4]}, expected {want_vocab[at : at + 4]}.",
            hint="split on whitespace (the default) and adapt on exactly the texts you were given.",
        )
    try:
        raw = result(probes)
    except Exception as exc:  # noqa: BLE001
        fail(
            f"{name}: calling the vectorizer on a list of texts failed ({type(exc).__name__}: "
            f"{exception_summary(exc)})."
        )
    arr_raw = np.asarray(raw)
    if arr_raw.dtype.kind not in "iu":
        fail(
            f"{name}: the vectorizer outputs dtype {arr_raw.dtype}; expected integer word indices.",
            hint="the output is one integer index per token: the output_mode argument decides it.",
        )
    got = as_array(raw, name=f"{name}(texts)", dtype=np.int64)
    want = np.asarray(reference(probes), dtype=np.int64)
    if got.ndim == 2 and got.shape[0] == len(probes) and got.shape[1] != maxlen:
        fail(
            f"{name}: the vectorizer's output has shape {got.shape}; expected (n, maxlen) = {(len(probes), maxlen)}.",
            hint="every text must come out padded or truncated to maxlen indices: the output_sequence_length argument.",
        )
    if got.shape != want.shape:
        fail(f"{name}: the vectorizer's output has shape {got.shape}; expected (n, maxlen) = {want.shape}.")
    if not np.array_equal(got, want):
        if np.array_equal(got, np.asarray(unstandardized(probes), dtype=np.int64)):
            fail(
                f"{name}: upper-case words and punctuation are not standardised away "
                f"('GREAT' and 'great' count as different words).",
                hint="standardising lower-cases and strips punctuation (the standardize argument's default).",
            )
        row = int(np.flatnonzero((got != want).any(axis=1))[0])
        fail(
            f"{name}: on the unseen text {probes[row]!r} the vectorizer returned {got[row].tolist()}; "
            f"expected {want[row].tolist()}.",
            hint="unknown words must become 1, short texts are padded with 0 at the end, long ones "
            "keep their first maxlen tokens.",
        )
    detail = f"vocabulary of {len(want_vocab)}, output (n, {maxlen}) int"
    if choose is not None:
        detail += "; choose_vectorizer " + _check_choice(choose, seed, num_choice_texts)
    report_pass(name, visible=visible, detail=detail)
