"""Exercise ``get_glove_vectors``: the lines of a GloVe text file as a dict from word to float32 vector.

The check writes a GloVe file (real vectors with odd tokens, or synthetic words of another
dimension) and compares the answer with what ``rnncourse.glove.load_glove`` reads from that file.
"""

from __future__ import annotations

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


def _glove_file_case(seed: int, num_words: int, synthetic: bool):
    if synthetic:
        rng = np.random.default_rng(seed)
        base = ["n't", "'s", ".", "café", "state-of-the-art", "1990s", "naïve", "e-mail", "--", "x"]
        words = base + [f"word{i}" for i in range(max(num_words - len(base), 0))]
        vectors = rng.normal(size=(len(words), 7)).astype(np.float32)
        vectors[0, 0], vectors[1, 1] = 1.5e-05, -2.25e-06  # written in exponent notation
        return words, vectors
    all_words, matrix, row_of = packaged_glove()
    start = 1000 + 97 * seed
    rows = list(range(start, start + num_words))
    odd = [row_of[w] for w in _ODD_GLOVE_WORDS]
    if num_words >= 2 * len(odd):
        # Real GloVe words that are punctuation or hold odd characters, spread through the file.
        rows = [r for r in rows if r not in odd][: num_words - len(odd)]
        for k, r in enumerate(odd):
            rows.insert(10 + 25 * k, r)
    return [all_words[r] for r in rows], np.asarray(matrix[rows])


def check_get_glove_vectors(
    get_glove_vectors: Callable[..., Any],
    *,
    seed: int = 0,
    num_words: int = 300,
    synthetic: bool = False,
    visible: bool = True,
) -> None:
    """``get_glove_vectors(lines)`` must give what ``rnncourse.glove.load_glove`` reads from the same file.

    The check writes a GloVe text file (real vectors, or odd synthetic words of another
    dimension with ``synthetic=True``) in a temporary folder and passes the open file.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "get_glove_vectors", visible=visible)  # the course secret, at grading
    from ...glove import load_glove

    name = "get_glove_vectors"
    words, vectors = _glove_file_case(seed, num_words, synthetic)
    with tempfile.TemporaryDirectory(prefix="rnncourse-check-") as tmp:
        path = Path(tmp) / "glove.check.txt"
        path.write_text("".join(glove_lines(words, vectors)), encoding="utf-8")
        expected = load_glove(path)
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
                hint="return the dictionary you filled: glove_vector_dict.",
            )
        if "TextIOWrapper" in text:
            fail(
                f"{name} treated its argument as a file name; it receives the lines of an open file.",
                hint="do not open anything: iterate over the argument (`for line in lines:`).",
            )
        raise failure
    if result is None:
        fail(f"{name} returned None; expected a dict from word to vector.", hint="end with `return glove_vector_dict`.")
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
        odd_missing = [w for w in missing if not (w.isascii() and w.isalpha())]
        if missing and odd_missing == missing and not extra:
            fail(
                f"{name} left out {len(missing)} word(s), none of them a plain word of the letters a-z "
                f"(punctuation, numbers, accents, ...), e.g. {', '.join(repr(w) for w in missing[:4])}.",
                hint="GloVe has vectors for these tokens too: keep every line, and take its first field, "
                "exactly as written, as the word.",
            )
        if extra and any(k.endswith(("\n", " ")) or k.startswith(" ") for k in extra):
            fail(
                f"{name} keeps spaces or newlines in the words (e.g. {extra[0]!r}).",
                hint="split each line at spaces: the first field is the word.",
            )
        detail = []
        if missing:
            detail.append(f"{len(missing)} word(s) missing, e.g. {missing[0]!r}")
        if extra:
            detail.append(f"{len(extra)} unexpected key(s), e.g. {extra[0]!r}")
        fail(
            f"{name} returned {len(keys)} words; the file has {len(expected)}: {'; '.join(detail)}.",
            hint="one entry per line: the first field is the word, the rest are its numbers.",
        )
    dim = vectors.shape[1]
    for word, want in expected.items():
        value = result[word]
        if not isinstance(value, np.ndarray):
            fail(
                f"{name}: the value for {word!r} is a {type(value).__name__}; expected a numpy array.",
                hint="convert the numbers: np.asarray(values[1:], dtype='float32').",
            )
        if value.dtype != np.float32:
            fail(
                f"{name}: the vector for {word!r} has dtype {value.dtype}; expected float32.",
                hint="np.asarray(values[1:], dtype='float32'): the strings must become float32 numbers "
                "(float32 also halves the memory of float64 for 400,000 words).",
            )
        arr = as_array(value, name=f"{name}[{word!r}]")
        if arr.shape == (dim + 1,):
            fail(
                f"{name}: the vector for {word!r} has {dim + 1} numbers; the file has {dim}.",
                hint="the first field of a line is the word; the numbers are the fields after it.",
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
        name, visible=visible, detail=f"{len(expected)} words of dimension {dim}, matches rnncourse.glove.load_glove"
    )
