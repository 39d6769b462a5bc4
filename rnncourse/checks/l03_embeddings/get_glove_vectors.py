"""Exercise ``get_glove_vectors``: the lines of a GloVe text file as a dict from word to float32 vector.

The exercise asks for a decision the text motivates but does not spell out: where a line's word ends
and its numbers begin, when a word may contain spaces (as some of glove.840B.300d's do, e.g. ``. . .``)
or look like a number (``1990``). The check writes a GloVe file (real 6B vectors with odd tokens, words
with spaces and numeric words; or synthetic words of another dimension, a word with spaces on the
first line) and compares the answer with the numbers it wrote, parsed by numpy.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_shape, fail, hidden_seed, report_pass
from ._common import packaged_glove

NAME = "get_glove_vectors"


def _format_number(value: float) -> str:
    return f"{float(value):.6g}"


def glove_lines(words: Sequence[str], vectors: np.ndarray) -> list[str]:
    """Lines of a GloVe text file, ``word v1 v2 ... vd`` each, ending in a newline."""
    return [word + " " + " ".join(_format_number(v) for v in vector) + "\n" for word, vector in zip(words, vectors)]


#: Real GloVe 6B words in the visible check's file: punctuation, pieces of words (GloVe's corpus
#: splits "didn't" into "did" and "n't"), curly quotes, accents, hyphens, a fraction, a backslash.
#: Every one must stay a key exactly as written. (None of the 400,000 words holds whitespace.)
_ODD_GLOVE_WORDS = (",", "n't", "'s", '"', "...", "—", "’s", "u.s.", "café", "state-of-the-art", "½", "\\")
#: Real GloVe 6B words that read as numbers: a parser that takes numbers from the right while they
#: parse would swallow them.
_NUMERIC_GLOVE_WORDS = ("1990", "2.5", "10")
#: Words with spaces, as glove.840B.300d holds a few hundred of (``. . .`` is one: stanfordnlp/GloVe#150).
#: The visible check puts them inside the file; the hidden test's file starts with one.
_SPACED_WORDS = {False: (". . .", "new york", "- - -"), True: ("los angeles", "10 000", ". . .")}
#: Numeric words of the hidden test's synthetic file.
_SYNTHETIC_NUMERIC_WORDS = ("1990", "3.5")


def _glove_file_case(seed: int, num_words: int, synthetic: bool) -> tuple[list[str], np.ndarray]:
    """The words and vectors of the check's file, in file order."""
    spaced = list(_SPACED_WORDS[synthetic])
    if synthetic:
        rng = np.random.default_rng(seed)
        base = [
            "n't",
            "'s",
            ".",
            "café",
            "state-of-the-art",
            "1990s",
            "naïve",
            "e-mail",
            "--",
            "x",
            *_SYNTHETIC_NUMERIC_WORDS,
        ]
        words = base + [f"word{i}" for i in range(max(num_words - len(base) - len(spaced), 0))]
        words.insert(len(words) // 2, spaced[1])
        words.insert(len(words) - 1, spaced[2])
        words.insert(0, spaced[0])  # the first line holds a word with spaces
        vectors = rng.normal(size=(len(words), 7)).astype(np.float32)
        vectors[1, 0], vectors[2, 1] = 1.5e-05, -2.25e-06  # written in exponent notation
        return words, vectors
    all_words, matrix, row_of = packaged_glove()
    start = 1000 + (97 * seed) % 100_000
    special = [row_of[w] for w in _ODD_GLOVE_WORDS + _NUMERIC_GLOVE_WORDS]
    rows = [r for r in range(start, start + num_words) if r not in special][: max(num_words - len(special), 0)]
    for k, r in enumerate(special):
        rows.insert(min(10 + 20 * k, len(rows)), r)
    words = [all_words[r] for r in rows]
    vectors = np.asarray(matrix[rows])
    # Words with spaces get the vectors of rows far from the file's, so no vector appears twice.
    extra = np.asarray(matrix[200_000 + (seed % 1000) : 200_000 + (seed % 1000) + len(spaced)])
    for k, (word, vector) in enumerate(zip(spaced, extra)):
        at = min(40 + 60 * k, len(words))
        words.insert(at, word)
        vectors = np.insert(vectors, at, vector, axis=0)
    return words, vectors


def _expected(words: Sequence[str], vectors: np.ndarray) -> dict[str, np.ndarray]:
    """What the file says: each word with the numbers written on its line, parsed as float32 by numpy."""
    return {w: np.asarray([_format_number(x) for x in v], dtype=np.float32) for w, v in zip(words, vectors)}


def _not_a_number(failure: BaseException) -> str | None:
    """The text a ValueError from float parsing could not read as a number, if the failure is one."""
    match = re.search(r"could not convert string to float: '([^']*)'", str(failure))
    return match.group(1) if match else None


def check_get_glove_vectors(
    get_glove_vectors: Callable[..., Any],
    *,
    seed: int = 0,
    num_words: int = 300,
    synthetic: bool = False,
    visible: bool = True,
) -> None:
    """``get_glove_vectors(lines)`` must give every word of the file with the numbers written on its line.

    The check writes a GloVe text file (real vectors with odd tokens, numeric words and words with
    spaces; or with ``synthetic=True``, synthetic words of another dimension and a word with spaces on
    the first line) in a temporary folder and passes the open file.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "get_glove_vectors", visible=visible)  # the course secret, at grading
    name = "get_glove_vectors"
    words, vectors = _glove_file_case(seed, num_words, synthetic)
    spaced = [w for w in words if " " in w]
    expected = _expected(words, vectors)
    dim = vectors.shape[1]
    with tempfile.TemporaryDirectory(prefix="rnncourse-check-") as tmp:
        path = Path(tmp) / "glove.check.txt"
        path.write_text("".join(glove_lines(words, vectors)), encoding="utf-8")
        failure = None
        with open(path, encoding="utf-8") as lines:
            try:
                result = call_student(get_glove_vectors, lines, name=name)
            except AssertionError as exc:
                failure = exc
    if failure is not None:
        # Recognised mistakes get their own message, raised outside the `except` block so the
        # student sees one message, not a chained traceback.
        text = str(failure)
        if "NameError" in text and "embeddings_index" in text:
            fail(
                f"{name} returns the name embeddings_index, which is never defined (the slides' version has this bug).",
                hint="return the dictionary your function filled.",
            )
        if "TextIOWrapper" in text:
            fail(
                f"{name} treated its argument as a file name; it receives the lines of an open file.",
                hint="the argument is already open: iterate over it, one line (a string) at a time.",
            )
        bad = _not_a_number(failure)
        pieces = {piece for word in spaced for piece in word.split(" ")}
        if bad is not None and bad in pieces and bad not in expected:
            example = next(w for w in spaced if bad in w.split(" "))
            why = (
                " That word is on the first line: a count of fields taken from the first line alone is no guide."
                if example == words[0]
                else " Taking a line's first field as its word cuts such a word apart."
            )
            fail(
                f"{name} tried to read {bad!r} as a number: it is a piece of the word {example!r}, which contains "
                f"spaces.{why}",
                hint="what do all lines of one file have in common, whatever their word? Decide from that where "
                "the word ends and the numbers begin (exercise 4a lists what you can rely on).",
            )
        if bad is not None and bad in expected:
            first = f" The first line's word, {words[0]!r}, contains spaces." if " " in words[0] else ""
            fail(
                f"{name} tried to read the word {bad!r} as a number: it counted more numbers on that line than "
                f"the file has ({dim} per line).{first}",
                hint="every line of one file holds the same number of numbers, and most words are a single "
                "field: one unusual line, the first one included, must not decide how many.",
            )
        raise failure
    if result is None:
        fail(f"{name} returned None; expected a dict from word to vector.", hint="did you forget to return the dict?")
    if not isinstance(result, Mapping):
        fail(f"{name} returned a {type(result).__name__}; expected a dict from word to vector.")
    keys = list(result.keys())
    bad_keys = [k for k in keys if not isinstance(k, str)]
    if bad_keys:
        fail(
            f"{name} has a key of type {type(bad_keys[0]).__name__} ({bad_keys[0]!r}); the keys must be the "
            "words (str)."
        )
    missing = [w for w in expected if w not in result]
    extra = [k for k in keys if k not in expected]
    if missing or extra:
        if missing == [words[0]] and not extra:
            fail(
                f"{name} skipped the first line of the file (the word {words[0]!r}).",
                hint="GloVe files have no header line (word2vec text files do); every line is a word.",
            )
        if extra and any(k.endswith(("\n", " ")) or k.startswith(" ") for k in extra):
            fail(
                f"{name} keeps spaces or newlines around the words (e.g. {extra[0]!r}).",
                hint="a line ends in a newline, and single spaces separate its fields.",
            )
        if missing and all(" " in w for w in missing):
            fail(
                f"{name} has no entry for {len(missing)} word(s) with spaces, e.g. {missing[0]!r}"
                + (f" (it has {extra[0]!r} instead)" if extra else "")
                + ". The word is everything before the numbers, spaces included.",
                hint="what do all lines of one file have in common, whatever their word? Decide from that where "
                "the word ends and the numbers begin (exercise 4a lists what you can rely on).",
            )
        odd_missing = [w for w in missing if not (w.isascii() and w.isalpha())]
        if missing and odd_missing == missing and not extra:
            fail(
                f"{name} left out {len(missing)} word(s), none of them a plain word of the letters a-z "
                f"(punctuation, numbers, accents, spaces, ...), e.g. {', '.join(repr(w) for w in missing[:4])}.",
                hint="GloVe has vectors for these tokens too: keep every line, and keep its word exactly as written.",
            )
        numeric = [w for w in missing if w in _NUMERIC_GLOVE_WORDS + _SYNTHETIC_NUMERIC_WORDS]
        if numeric:
            fail(
                f"{name} has no entry for the word {numeric[0]!r}: it took that word for one more number. A word "
                "may look like a number.",
                hint="the number of numbers per line is the same for every line of a file: let that, not the "
                "look of a field, decide where the word ends.",
            )
        detail = []
        if missing:
            detail.append(f"{len(missing)} word(s) missing, e.g. {missing[0]!r}")
        if extra:
            detail.append(f"{len(extra)} unexpected key(s), e.g. {extra[0]!r}")
        fail(
            f"{name} returned {len(keys)} words; the file has {len(expected)}: {'; '.join(detail)}.",
            hint="one entry per line: the word, then the numbers of that line.",
        )
    for word, want in expected.items():
        value = result[word]
        if not isinstance(value, np.ndarray):
            fail(
                f"{name}: the value for {word!r} is a {type(value).__name__}; expected a numpy array.",
                hint="the numbers of a line are text: convert them into a numpy array of numbers.",
            )
        if value.dtype != np.float32:
            fail(
                f"{name}: the vector for {word!r} has dtype {value.dtype}; expected float32.",
                hint="the exercise asks for float32, the dtype Keras computes in (it also takes half the memory "
                "of float64 for 400,000 words).",
            )
        arr = as_array(value, name=f"{name}[{word!r}]")
        if arr.shape[:1] == (dim + 1,):
            fail(
                f"{name}: the vector for {word!r} has {dim + 1} numbers; the file has {dim}.",
                hint="the word is not one of the numbers: the numbers are the fields after it.",
            )
        expect_shape(arr, (dim,), name=f"{name}[{word!r}]", meaning="(d,)")
        expect_close(
            arr,
            want,
            name=f"{name}[{word!r}]",
            rtol=1e-6,
            atol=1e-7,
            what="numbers",
            hint="read the numbers in the order they appear on the line.",
        )
    report_pass(
        name,
        visible=visible,
        detail=f"{len(expected)} words of dimension {dim}, {len(spaced)} of them with spaces",
    )
