"""Exercise ``most_similar``: the ``topn`` words whose vectors are most cosine-similar to a vector.

The reference is ``rnncourse.glove.most_similar`` on the real packaged GloVe vectors (or, with
``query=None``, a small random vocabulary). When the answer is wrong, the student's
``cosine_similarities`` runs on the same input, and the failure names it if it explains the answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .._core import call_student, report_pass
from ._common import (
    as_pairs,
    compare_ranking,
    fail_upstream_cosine,
    helper_of,
    packaged_glove,
    raise_with_note,
    ranking_by,
)

NAME = "most_similar"


def _synthetic_vocab(seed: int, num_words: int, dim: int):
    rng = np.random.default_rng(seed)
    words = [f"w{i:03d}" for i in range(num_words)]
    matrix = (rng.normal(size=(num_words, dim)) * rng.uniform(0.3, 3.0, size=(num_words, 1))).astype(np.float32)
    return words, matrix, {w: i for i, w in enumerate(words)}


def check_most_similar(
    most_similar: Callable[..., Any],
    *,
    query: str | None = "frog",
    topn: int = 5,
    exclude: Sequence[str] | None = None,
    seed: int = 0,
    visible: bool = True,
    cosine_similarities: Callable[..., Any] | None = None,
) -> None:
    """``most_similar(vector, words, matrix, topn, exclude)``: the topn most cosine-similar words.

    With ``query`` a GloVe word, runs on the real packaged vectors (``exclude`` defaults to the
    query word). With ``query=None``, runs on a small random vocabulary and a random vector.

    When it fails, the student's ``cosine_similarities`` (passed, or else the one defined beside
    ``most_similar``, i.e. in the notebook) is run on the same input: if it is wrong and explains
    the answer, the failure says to fix cosine_similarities first.
    """
    __tracebackhide__ = True
    from ...glove import most_similar as reference

    name = "most_similar"
    if query is None:
        words, matrix, row_of = _synthetic_vocab(seed, 40, 6)
        vector = np.random.default_rng(seed + 1).normal(size=6).astype(np.float32)
        exclude = tuple(exclude or (words[3],))
        glove_arg: Mapping[str, np.ndarray] | None = dict(zip(words, matrix))
        what = "a random vector"
    else:
        words, matrix, row_of = packaged_glove()
        vector = matrix[row_of[query]].copy()
        exclude = tuple(exclude if exclude is not None else (query,))
        glove_arg = None
        what = f"the vector of {query!r}"
    ref = reference(vector, glove_arg, topn=topn, exclude=exclude)
    got: list[tuple[str, float]] | None = None
    failure = None
    try:
        got = as_pairs(
            call_student(most_similar, vector.copy(), list(words), matrix, topn=topn, exclude=exclude, name=name),
            name=name,
            topn=topn,
        )
        m64 = np.asarray(matrix, dtype=np.float64)
        dots = m64 @ np.asarray(vector, dtype=np.float64)
        cos = dots / (np.linalg.norm(m64, axis=1) * np.linalg.norm(vector))
        mistakes = {
            "dot product (not divided by the norms)": ranking_by(dots, words, exclude, topn, row_of),
            "lowest similarity first (ascending order)": ranking_by(cos, words, exclude, topn, row_of, reverse=True),
            "cosine similarity without leaving out the excluded words": ranking_by(cos, words, (), topn, row_of),
        }
        compare_ranking(
            got,
            ref,
            vector,
            words,
            matrix,
            row_of,
            exclude,
            name=name,
            what=what,
            mistakes=mistakes,
            hint="compute the cosine similarity of every row with the vector, leave out the excluded "
            "words, and keep the topn largest, most similar first (numpy can sort indices by value).",
        )
    except AssertionError as exc:
        failure = exc
    if failure is not None:
        # Outside the `except` block, so the student sees one message, not a chained traceback.
        note = fail_upstream_cosine(
            failure,
            got,
            helper_of(most_similar, "cosine_similarities", cosine_similarities),
            name=name,
            matrix=matrix,
            query=vector,
            query_name=what,
            words=words,
            row_of=row_of,
            excludes=(exclude, ()),
            topn=topn,
        )
        raise_with_note(failure, note)
    report_pass(name, visible=visible, detail="matches rnncourse.glove.most_similar")
