"""Exercise ``make_vectorizer``: an adapted ``TextVectorization``, the notebook's exercise 1.

``make_vectorizer(texts, num_words, maxlen)`` returns a ``keras.layers.TextVectorization`` adapted
on ``texts``. The reference is :func:`rnncourse.models.text_vectorizer`, adapted on the same texts:
the check compares the vocabulary, and the output on texts the vectorizer has not seen (with
unknown words, capitals and punctuation), and names a vectorizer that does not standardise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ... import models
from .._core import as_array, call_student, fail, hidden_seed, report_pass
from .._errors import exception_summary
from ._common import and_list

NAME = "make_vectorizer"


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
            hint="keep the default standardize='lower_and_strip_punctuation' (leave standardize out); "
            "standardize=None turns both steps off.",
        )
    if punctuated:
        fail(
            f"{name}: the vectorizer keeps punctuation: {seen}. Words followed by '.', '!' or '?!' in "
            f"the texts become other, rarer tokens, and the word counts change.",
            hint="it lower-cases but does not strip punctuation (as standardize='lower' does): keep the "
            "default standardize='lower_and_strip_punctuation', which does both (leave standardize out).",
        )
    fail(
        f"{name}: the vectorizer keeps upper case: {seen}. A capitalised first word of a text becomes "
        f"another token, and the word counts change.",
        hint="it strips punctuation but does not lower-case (as standardize='strip_punctuation' does): keep "
        "the default standardize='lower_and_strip_punctuation', which does both (leave standardize out).",
    )


def check_make_vectorizer(
    make_vectorizer: Callable[..., Any],
    *,
    seed: int = 0,
    num_texts: int = 60,
    num_words: int = 12,
    maxlen: int = 6,
    visible: bool = True,
) -> None:
    """``make_vectorizer(texts, num_words, maxlen)`` must return an adapted ``TextVectorization``.

    Compared with ``TextVectorization(max_tokens=num_words, output_sequence_length=maxlen)``
    adapted on the same texts: the vocabulary, and the output on unseen texts (shape, integer
    dtype, padding and truncation at the end, index 1 for unknown words).
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
                hint="return the layer (after vectorizer.adapt(texts)), not its output.",
            )
        fail(
            f"{name} returned a {type(result).__name__}; expected a keras.layers.TextVectorization.",
            hint="build keras.layers.TextVectorization(...), call .adapt(texts), return it.",
        )
    reference = models.text_vectorizer(texts, num_words, maxlen)
    want_vocab = [str(w) for w in reference.get_vocabulary()]
    try:
        got_vocab = [str(w) for w in result.get_vocabulary()]
    except Exception as exc:  # noqa: BLE001
        fail(
            f"{name}: reading the vocabulary failed ({type(exc).__name__}: {exc}).",
            hint="call vectorizer.adapt(texts) before returning it.",
        )
    if len(got_vocab) <= 2:
        fail(
            f"{name}: the vectorizer's vocabulary holds only {got_vocab}: it was not adapted.",
            hint="call vectorizer.adapt(texts) to build the vocabulary from the texts.",
        )
    _expect_standardized(result, got_vocab, name)
    if len(got_vocab) != len(want_vocab):
        hint = (
            "max_tokens counts every index, including 0 (padding) and 1 (out-of-vocabulary): pass max_tokens=num_words."
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
            hint="keep TextVectorization's defaults for the padding and OOV tokens (output_mode='int').",
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
            hint="keep the default standardize='lower_and_strip_punctuation' (leave standardize out).",
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
            hint="use output_mode='int' (the default).",
        )
    got = as_array(raw, name=f"{name}(texts)", dtype=np.int64)
    want = np.asarray(reference(probes), dtype=np.int64)
    if got.ndim == 2 and got.shape[0] == len(probes) and got.shape[1] != maxlen:
        fail(
            f"{name}: the vectorizer's output has shape {got.shape}; expected (n, maxlen) = {(len(probes), maxlen)}.",
            hint="pass output_sequence_length=maxlen so every text is padded or truncated to maxlen.",
        )
    if got.shape != want.shape:
        fail(f"{name}: the vectorizer's output has shape {got.shape}; expected (n, maxlen) = {want.shape}.")
    if not np.array_equal(got, want):
        if np.array_equal(got, np.asarray(unstandardized(probes), dtype=np.int64)):
            fail(
                f"{name}: upper-case words and punctuation are not standardised away "
                f"('GREAT' and 'great' count as different words).",
                hint="keep the default standardize='lower_and_strip_punctuation'.",
            )
        row = int(np.flatnonzero((got != want).any(axis=1))[0])
        fail(
            f"{name}: on the unseen text {probes[row]!r} the vectorizer returned {got[row].tolist()}; "
            f"expected {want[row].tolist()}.",
            hint="unknown words must become 1, short texts are padded with 0 at the end, long ones "
            "keep their first maxlen tokens.",
        )
    report_pass(name, visible=visible, detail=f"vocabulary of {len(want_vocab)}, output (n, {maxlen}) int")
