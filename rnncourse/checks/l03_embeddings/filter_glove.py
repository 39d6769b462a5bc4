"""Exercise ``filter_glove``: the embedding matrix of a vocabulary from the GloVe vectors.

Row ``i`` holds the GloVe vector of the word with index ``i``, and zeros where GloVe has no such
word (and for index 0, padding). The reference is ``rnncourse.glove.filter_glove``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass
from ._common import packaged_glove

NAME = "filter_glove"


def _vocab_case(seed: int, synthetic: bool):
    """A word -> index dict (0 = [PAD], 1 = [UNK]), a GloVe dict, and its dimension."""
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
            "movie",
            "film",
            "great",
            "terrible",
            "plot",
            "actor",
            "actress",
            "boring",
            "excellent",
            "awful",
            "story",
            "director",
            "script",
            "music",
            "scene",
            "funny",
            "worst",
            "best",
            "love",
            "hate",
            "n't",
            "'s",
            "characters",
            "ending",
            "wonderful",
            "waste",
            "horror",
            "comedy",
            "oscar",
            "cast",
        ]
        distractors = ["king", "queen", "frog", "paris", "the", "of", "guitar", "economy"]
        glove_dict = {w: np.asarray(matrix[row_of[w]]) for w in known + distractors}
    vocab_words = known + made_up
    order = rng.permutation(len(vocab_words))
    index_of = {"[PAD]": 0, "[UNK]": 1}
    for offset, i in enumerate(order):
        index_of[vocab_words[i]] = offset + 2
    # Inserted in another order than the indices: row i is the word whose *index* is i, and a
    # dictionary's order says nothing about that.
    entries = list(index_of)
    vocabulary = {entries[i]: index_of[entries[i]] for i in rng.permutation(len(entries))}
    return vocabulary, glove_dict, dim


def check_filter_glove(
    filter_glove: Callable[..., Any], *, seed: int = 0, synthetic: bool = False, visible: bool = True
) -> None:
    """``filter_glove(vocabulary_dict, glove_dict, wordvec_dim)`` against ``rnncourse.glove.filter_glove``."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "filter_glove", visible=visible)  # the course secret, at grading
    from ...glove import filter_glove as reference

    name = "filter_glove"
    vocabulary, glove_dict, dim = _vocab_case(seed, synthetic)
    expected, _ = reference(vocabulary, glove_dict, dim)
    result = call_student(filter_glove, dict(vocabulary), dict(glove_dict), dim, name=name)
    if isinstance(result, tuple) and len(result) == 2:
        fail(
            f"{name} returned a tuple of two things; expected only the embedding matrix.",
            hint="return embedding_matrix (the coverage is computed in the notebook).",
        )
    got = as_array(result, name=name)
    rows = expected.shape[0]
    if got.shape == (rows + 1, dim):
        fail(
            f"{name} returned shape {got.shape}: one row too many; expected (largest index + 1, wordvec_dim) "
            f"= {expected.shape}.",
            hint="the slides' row count fits a Keras Tokenizer, whose indices start at 1. Here index 0 "
            "(padding) is already in the vocabulary: how many rows does the largest index need?",
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
    if not np.allclose(got, expected, rtol=1e-6, atol=1e-7):
        by_order = np.zeros_like(expected)
        for row, word in enumerate(vocabulary):
            if word in glove_dict and row < rows:
                by_order[row] = glove_dict[word]
        if np.allclose(got, by_order, rtol=1e-6, atol=1e-7):
            fail(
                f"{name} filled the rows in the dictionary's order (its first word in row 0, and so on), not by "
                "each word's index.",
                hint="a dictionary's order is not its indices: the vector of the word with index i goes into row i.",
            )
        known_rows = np.array([i for w, i in vocabulary.items() if w in glove_dict])
        for step in (-1, 1):
            moved = known_rows + step
            if (
                moved.min() >= 0
                and moved.max() < rows
                and np.allclose(got[moved], expected[known_rows], rtol=1e-6, atol=1e-7)
            ):
                fail(
                    f"{name} put each vector one row {'before' if step < 0 else 'after'} its word's index.",
                    hint="the vector of the word with index i goes into row i, the row its index names.",
                )
        if np.allclose(got[known_rows], expected[known_rows], rtol=1e-6, atol=1e-7):
            bad = [w for w, i in vocabulary.items() if w not in glove_dict and np.any(got[i] != 0)]
            where = f"row {vocabulary[bad[0]]} ({bad[0]!r})" if bad else "an unused row"
            fail(
                f"{name}: the rows of words that glove_dict does not have must be zero; {where} is not.",
                hint="start from a matrix of zeros and fill only the rows of words found in glove_dict.",
            )
        expect_close(
            got,
            expected,
            name=name,
            rtol=1e-6,
            atol=1e-7,
            what="matrix entries",
            hint="row i holds the GloVe vector of the word with index i, and zeros when glove_dict has no such word.",
        )
    report_pass(name, visible=visible, detail="matches rnncourse.glove.filter_glove")
