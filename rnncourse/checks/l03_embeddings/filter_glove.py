"""Exercise ``filter_glove``: the embedding matrix of a vocabulary from the GloVe vectors, and its coverage.

Row ``i`` holds the GloVe vector of the word with index ``i``. The rows GloVe has no vector for
(padding, ``[UNK]``, words GloVe lacks, indices no word owns) are the student's decision: zeros, or
small random vectors. The check verifies the consequences of either choice: every GloVe row in
place (by index, not by the dictionary's order), the other rows finite, never a copy of a GloVe
vector, and no louder than the real vectors (section 5's max pooling would pick a loud made-up
vector). Before that, ``glove_coverage(vocabulary_dict, glove_dict)`` predicts the share of real
words (index 2 and up) that get a GloVe vector; the reference is ``rnncourse.glove.filter_glove``,
and typical slips are named (percent, the reserved entries counted, GloVe's size as denominator).
The hidden test adds indices no word owns, so a matrix of ``len(vocabulary_dict)`` rows fails there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, as_float, call_student, expect_finite, expect_shape, fail, hidden_seed, report_pass
from ._common import packaged_glove

NAME = "filter_glove"
RESERVED = ("[PAD]", "[UNK]")


def _vocab_case(seed: int, synthetic: bool, gaps: bool = False):
    """A word -> index dict (0 = [PAD], 1 = [UNK]), a GloVe dict, and its dimension.

    With ``gaps``, some indices belong to no word (a vocabulary cut after it was numbered): their
    rows exist but no word fills them.
    """
    rng = np.random.default_rng(seed)
    made_up = ["zxqvbnm", "blorptastic", "filmzorz", "qqqwertyq", "xxmovieyy"]
    if synthetic:
        dim = 8
        known = [f"tok{i}" for i in range(23)]
        glove_dict = {w: rng.normal(size=dim).astype(np.float32) for w in known + [f"other{i}" for i in range(10)]}
    else:
        dim = 50
        words, matrix, row_of = packaged_glove()
        known = [
            "movie", "film", "great", "terrible", "plot", "actor", "actress", "boring", "excellent", "awful",
            "story", "director", "script", "music", "scene", "funny", "worst", "best", "love", "hate", "n't",
            "'s", "characters", "ending", "wonderful", "waste", "horror", "comedy", "oscar", "cast",
        ]  # fmt: skip
        distractors = ["king", "queen", "frog", "paris", "the", "of", "guitar", "economy"]
        glove_dict = {w: np.asarray(matrix[row_of[w]]) for w in known + distractors}
    vocab_words = known + made_up
    order = rng.permutation(len(vocab_words))
    index_of = {"[PAD]": 0, "[UNK]": 1}
    free = np.arange(2, 2 + len(vocab_words) + (6 if gaps else 0))
    if gaps:  # six indices stay unused, one of them beyond every word's, so the largest index is a word's
        free = np.sort(rng.choice(free[:-1], size=len(vocab_words) - 1, replace=False))
        free = np.append(free, 2 + len(vocab_words) + 5)
    for slot, i in enumerate(order):
        index_of[vocab_words[i]] = int(free[slot])
    # Inserted in another order than the indices: row i is the word whose *index* is i, and a
    # dictionary's order says nothing about that.
    entries = list(index_of)
    vocabulary = {entries[i]: index_of[entries[i]] for i in rng.permutation(len(entries))}
    return vocabulary, glove_dict, dim


def _check_coverage(glove_coverage: Callable[..., Any], vocabulary: dict, glove_dict: dict, want: float) -> None:
    __tracebackhide__ = True
    name = "glove_coverage"
    got = as_float(call_student(glove_coverage, dict(vocabulary), dict(glove_dict), name=name), name=name)
    if abs(got - want) <= 1e-9:
        return
    real = [w for w, i in vocabulary.items() if i != 0 and w not in RESERVED]
    found = sum(w in glove_dict for w in real)
    slips = {
        "a percentage": (100 * want, "return a share between 0 and 1; the lesson formats it as a percentage itself."),
        "the share of words WITHOUT a GloVe vector": (1 - want, "coverage counts the words that get a vector."),
        "counted the reserved entries [PAD] and [UNK] as words": (
            found / len(vocabulary),
            "index 0 (padding) and index 1 ([UNK]) stand for no word: count the real words, index 2 and up.",
        ),
        "divided by the number of GloVe words, not by the vocabulary's": (
            found / len(glove_dict),
            "coverage is a share of the vocabulary: of its real words, how many does GloVe have?",
        ),
        "the number of words found, not a share": (float(found), "divide by the number of real words."),
    }
    for what, (value, hint) in slips.items():
        if abs(got - value) <= 1e-9:
            fail(f"{name} returned {got:.6g}: {what}; expected {want:.6g} ({found} of {len(real)} real words).",
                 hint=hint)  # fmt: skip
    fail(
        f"{name} returned {got:.6g}; expected {want:.6g}: {found} of the vocabulary's {len(real)} real words "
        "(index 2 and up) are in glove_dict.",
        hint="count the words of the vocabulary, index 2 and up, that glove_dict has, and divide by how many "
        "such words there are.",
    )


def check_filter_glove(
    filter_glove: Callable[..., Any],
    glove_coverage: Callable[..., Any],
    *,
    seed: int = 0,
    synthetic: bool = False,
    gaps: bool = False,
    visible: bool = True,
) -> None:
    """``glove_coverage(vocabulary_dict, glove_dict)`` and ``filter_glove(vocabulary_dict, glove_dict, wordvec_dim)``.

    The coverage against ``rnncourse.glove.filter_glove``'s; the matrix's GloVe rows against the
    same reference, and its other rows (the student's decision) against what any choice must keep.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "filter_glove", visible=visible)  # the course secret, at grading
    from ...glove import filter_glove as reference

    name = "filter_glove"
    vocabulary, glove_dict, dim = _vocab_case(seed, synthetic, gaps)
    expected, coverage = reference(vocabulary, glove_dict, dim)
    _check_coverage(glove_coverage, vocabulary, glove_dict, coverage)
    result = call_student(filter_glove, dict(vocabulary), dict(glove_dict), dim, name=name)
    if isinstance(result, tuple) and len(result) == 2:
        fail(
            f"{name} returned a tuple of two things; expected only the embedding matrix.",
            hint="the coverage is glove_coverage's job; filter_glove returns the matrix alone.",
        )
    got = as_array(result, name=name)
    rows = expected.shape[0]
    known_rows = np.array(sorted(i for w, i in vocabulary.items() if w in glove_dict and w not in RESERVED))
    if got.ndim == 2 and got.shape[1] == dim and got.shape[0] in (len(known_rows), len(known_rows) + 2):
        fail(
            f"{name} returned {got.shape[0]} rows: the words GloVe lacks were left out; expected (largest index + 1, "
            f"wordvec_dim) = {expected.shape}.",
            hint="the reviews are already written as indices: every later word would move up a row. Every index "
            "keeps its row; what a row without a GloVe vector holds is your decision.",
        )
    if got.shape == (rows + 1, dim):
        fail(
            f"{name} returned shape {got.shape}: one row too many; expected (largest index + 1, wordvec_dim) "
            f"= {expected.shape}.",
            hint="the slides' row count fits a Keras Tokenizer, whose indices start at 1. Here index 0 "
            "(padding) is already in the vocabulary: how many rows does the largest index need?",
        )
    if got.ndim == 2 and got.shape[1] == dim and got.shape[0] < rows and got.shape[0] == len(vocabulary):
        fail(
            f"{name} returned {got.shape[0]} rows, one per entry of the vocabulary; expected (largest index + 1, "
            f"wordvec_dim) = {expected.shape}: the largest index is {rows - 1}, and some indices belong to no word.",
            hint="the number of rows follows from the largest index, not from how many words there are.",
        )
    if got.shape == (rows - 1, dim):
        fail(
            f"{name} returned shape {got.shape}: one row too few; expected (largest index + 1, wordvec_dim) "
            f"= {expected.shape}.",
            hint="row i belongs to index i, so the largest index needs its own row.",
        )
    expect_shape(
        got,
        expected.shape,
        name=name,
        meaning="(largest index + 1, wordvec_dim)",
        hint="one row per index, including row 0 (padding).",
    )
    if not isinstance(result, np.ndarray):
        fail(
            f"{name} returned a {type(result).__name__}; expected a numpy array of dtype float32.",
            hint="the exercise asks for a numpy array of float32, one row per index.",
        )
    if result.dtype != np.float32:
        fail(
            f"{name} returned dtype {result.dtype}; expected float32.",
            hint="numpy's constructors make float64 unless told otherwise: twice the memory, and Keras "
            "computes in float32 anyway. Look for their dtype argument.",
        )
    expect_finite(got, name=name)

    def same(a: np.ndarray, b: np.ndarray) -> bool:
        return bool(np.allclose(a, b, rtol=1e-6, atol=1e-7))

    if not same(got[known_rows], expected[known_rows]):
        by_order = np.zeros_like(expected)
        for row, word in enumerate(vocabulary):
            if word in glove_dict and row < rows:
                by_order[row] = glove_dict[word]
        if same(got[known_rows], by_order[known_rows]):
            fail(
                f"{name} filled the rows in the dictionary's order (its first word in row 0, and so on), not by "
                "each word's index.",
                hint="a dictionary's order is not its indices: the vector of the word with index i goes into row i.",
            )
        for step in (-1, 1):
            moved = known_rows + step
            if moved.min() >= 0 and moved.max() < rows and same(got[moved], expected[known_rows]):
                fail(
                    f"{name} put each vector one row {'before' if step < 0 else 'after'} its word's index.",
                    hint="the vector of the word with index i goes into row i, the row its index names.",
                )
        word_of = {i: w for w, i in vocabulary.items()}
        bad = next(int(i) for i in known_rows if not same(got[i], expected[i]))
        fail(
            f"{name}: row {bad} should hold the GloVe vector of {word_of[bad]!r} (index {bad}); it does not.",
            hint="row i holds the GloVe vector of the word with index i, whenever glove_dict has that word.",
        )
    other = np.setdiff1d(np.arange(rows), known_rows)
    word_of = {i: w for w, i in vocabulary.items()}
    what = {i: repr(word_of[i]) if i in word_of else "no word" for i in other}
    glove_rows = np.stack([np.asarray(v, dtype=np.float64) for v in glove_dict.values()])
    for i in other:
        if np.any(got[i] != 0) and np.any(np.all(np.isclose(glove_rows, got[i], rtol=1e-6, atol=1e-7), axis=1)):
            fail(
                f"{name}: row {i} ({what[i]}) holds a GloVe vector, but glove_dict has no vector for that index's "
                "word.",
                hint="a row without a GloVe vector must not pretend to be one: zeros, or a small vector of its own.",
            )
    loud = float(np.median(np.linalg.norm(got[known_rows], axis=1)))
    norms = np.linalg.norm(got[other], axis=1)
    if np.any(norms >= loud):
        i = int(other[np.argmax(norms)])
        fail(
            f"{name}: row {i} ({what[i]}) has no GloVe vector, and its length {norms.max():.3g} is not below the "
            f"median length {loud:.3g} of the real GloVe rows.",
            hint="a made-up vector louder than real ones would win the strongest-response pooling of section 5; "
            "a fresh Embedding's vectors are small (its default initializer).",
        )
    zero = int(np.sum(norms == 0))
    choice = "zeros" if zero == len(other) else "small random" if zero == 0 else f"{zero} zero rows, others small"
    report_pass(
        name,
        visible=visible,
        detail=f"coverage {coverage:.3f}; rows without a GloVe vector: {choice}",
    )
