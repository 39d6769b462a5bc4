"""Exercise ``analogy``: "b is to a as c is to ?", answered with the words nearest to ``a - b + c``.

How to combine the three vectors and which words may be an answer are the student's decisions; the
check verifies their consequences. The reference is ``rnncourse.glove.analogy`` on the packaged
GloVe vectors (king - man + woman = queen), which leaves the three query words out: each of them
lies close to the point, and no question is answered by one of its own words. The visible analogy
has only ``a`` among its nearest words; the hidden ones (paris - france + italy, walked - walk +
swim) have ``c`` second, so an answer that drops only the first word, or only ``a``, fails there.

When the answer is wrong, the student's ``cosine_similarities`` and ``most_similar`` run on
the same vector, and the failure names the one that explains the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .._core import call_student, fail, report_pass
from ._common import (
    as_pairs,
    compare_ranking,
    fail_upstream_cosine,
    first_line,
    helper_of,
    packaged_glove,
    quietly,
    raise_with_note,
    ranking_by,
)

NAME = "analogy"


def _most_similar_problem(
    most_similar: Callable[..., Any],
    vector: np.ndarray,
    words: Sequence[str],
    matrix: np.ndarray,
    row_of: Mapping[str, int],
    *,
    topn: int,
    exclude: tuple[str, ...],
    query_name: str,
) -> tuple[str, list[tuple[str, float]] | None] | None:
    """What is wrong with the student's ``most_similar`` on the packaged vectors, and its answer.

    ``None`` when it gives the reference answer there.
    """
    from ...glove import most_similar as reference

    ref = reference(vector, None, topn=topn, exclude=exclude)
    try:
        raw = quietly(most_similar, vector.copy(), list(words), matrix, topn=topn, exclude=exclude, name="most_similar")
        out = as_pairs(raw, name="most_similar", topn=topn)
    except AssertionError as exc:
        return first_line(exc), None
    try:
        compare_ranking(
            out, ref, vector, words, matrix, row_of, exclude, name="most_similar", what=query_name, mistakes={}, hint=""
        )
    except AssertionError as exc:
        return first_line(exc), out
    return None


def _same_answer(got: list[tuple[str, float]] | None, other: list[tuple[str, float]] | None) -> bool:
    if got is None or other is None or [w for w, _ in got] != [w for w, _ in other]:
        return False
    return all(math.isclose(s, t, rel_tol=1e-4, abs_tol=1e-4) for (_, s), (_, t) in zip(got, other))


def check_analogy(
    analogy: Callable[..., Any],
    *,
    a: str = "king",
    b: str = "man",
    c: str = "woman",
    topn: int = 5,
    expected_first: str | None = "queen",
    visible: bool = True,
    most_similar: Callable[..., Any] | None = None,
    cosine_similarities: Callable[..., Any] | None = None,
) -> None:
    """``analogy(a, b, c, words, matrix, topn)``: the words nearest to a - b + c, query words left out.

    When it fails, the student's ``cosine_similarities`` and ``most_similar`` (passed, or else the
    ones defined beside ``analogy``, i.e. in the notebook) are run on the vector a - b + c: if one
    of them is wrong and explains the answer, the failure says which one to fix first.
    """
    __tracebackhide__ = True
    from ...glove import analogy as reference

    name = "analogy"
    words, matrix, row_of = packaged_glove()
    ref = reference(a, b, c, topn=topn)
    va, vb, vc = (np.asarray(matrix[row_of[w]], dtype=np.float64) for w in (a, b, c))
    target = va - vb + vc
    query_words = (a, b, c)
    got: list[tuple[str, float]] | None = None
    failure = None
    try:
        got = as_pairs(call_student(analogy, a, b, c, list(words), matrix, topn=topn, name=name), name=name, topn=topn)
        m64 = np.asarray(matrix, dtype=np.float64)
        norms = np.linalg.norm(m64, axis=1)

        def by_cosine(query: np.ndarray, exclude: Iterable[str]) -> list[str]:
            return ranking_by(m64 @ query / (norms * np.linalg.norm(query)), words, exclude, topn, row_of)

        mistakes = {
            f"{a} - {b} + {c} without leaving out the query words": by_cosine(target, ()),
            f"{b} - {a} + {c} (the first two words swapped)": by_cosine(vb - va + vc, query_words),
            f"{a} + {b} - {c} (the signs swapped)": by_cosine(va + vb - vc, query_words),
            "dot product (not divided by the norms)": ranking_by(m64 @ target, words, query_words, topn, row_of),
        }
        ref_words = [w for w, _ in ref]
        asked = [w for w, _ in got if w in query_words and w not in ref_words]
        if asked:
            place = [w for w, _ in got].index(asked[0]) + 1
            fail(
                f"{name}({a!r}, {b!r}, {c!r}) returned {asked[0]!r}, one of the three words of the question, as "
                f"answer {place}; expected {ref_words}.",
                hint="a word of the question lies close to the point the three vectors give, wherever it ranks; "
                "can it be an answer to the question? Print the nearest words with nothing left out (section 3).",
            )
        compare_ranking(
            got,
            ref,
            target,
            words,
            matrix,
            row_of,
            query_words,
            name=name,
            what=f"{a} - {b} + {c}",
            mistakes=mistakes,
            hint="the question is answered by the point that goes from the first word as the second goes to "
            "the third (section 1's royal example), and words are ranked by their cosine with that point.",
        )
    except AssertionError as exc:
        failure = exc
    if failure is not None:
        # Outside the `except` block, so the student sees one message, not a chained traceback.
        # The vector as the student's analogy builds it: from the float32 rows of the matrix.
        vector = np.asarray(matrix[row_of[a]] - matrix[row_of[b]] + matrix[row_of[c]])
        query_name = f"the vector {a} - {b} + {c}"
        note = fail_upstream_cosine(
            failure,
            got,
            helper_of(analogy, "cosine_similarities", cosine_similarities),
            name=name,
            matrix=matrix,
            query=vector,
            query_name=query_name,
            words=words,
            row_of=row_of,
            excludes=(query_words, ()),
            topn=topn,
        )
        helper = helper_of(analogy, "most_similar", most_similar)
        problem = None
        if helper is not None:
            problem = _most_similar_problem(
                helper, vector, words, matrix, row_of, topn=topn, exclude=query_words, query_name=query_name
            )
        if problem is not None:
            why, answer = problem
            hint = (
                f"{name} can only be as right as the most_similar it calls. Make most_similar pass its own "
                "check first (the test cell after it says what is wrong), then run this check again."
            )
            also = f"\n{note}" if note else ""  # cosine_similarities is wrong too, but does not explain it
            if got is None and answer is None:
                fail(
                    f"{first_line(failure)}\nYour most_similar fails on the same input too: called with "
                    f"{query_name} and exclude={query_words}, {why} If {name} uses it, fix most_similar first." + also,
                    hint=hint,
                )
            if _same_answer(got, answer):
                fail(
                    f"{first_line(failure)}\nThat is exactly what your most_similar returns for {query_name} "
                    f"with exclude={query_words}, and most_similar is wrong there: {why} Fix most_similar first."
                    + also,
                    hint=hint,
                )
            note = (
                f"Your most_similar is wrong too: called with {query_name} and exclude={query_words}, {why} "
                f"If {name} uses it, fix most_similar first." + also
            )
        raise_with_note(failure, note)
    assert got is not None  # set whenever no failure was caught
    if expected_first is not None and got[0][0] != expected_first:  # pragma: no cover  (reference disagrees)
        fail(f"{name}({a!r}, {b!r}, {c!r}) returned {got[0][0]!r} first; expected {expected_first!r}.")
    report_pass(name, visible=visible, detail=f"{a} - {b} + {c} = {got[0][0]}, matches rnncourse.glove.analogy")
