"""What several of lesson 03's checks share: the packaged GloVe vectors, and ranking words by similarity.

``cosine_similarities``, ``most_similar``, ``analogy``, ``get_glove_vectors`` and ``filter_glove``
test on the real packaged GloVe vectors (:func:`packaged_glove`). ``cosine_similarities`` names
typical mistakes with :func:`cosine_mistake`. ``most_similar`` and ``analogy`` read and compare the
student's ranked answers (:func:`as_pairs`, :func:`compare_ranking`); when they fail, the helpers
below run the student's upstream functions on the same input and name the one to fix first
(most_similar ranks by cosine_similarities; analogy calls most_similar).
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NoReturn

import numpy as np

from .._core import as_array, as_float, call_student, fail

SIM_TOL = 1e-5  # the reference ranks in float32; a student may compute in float64


@lru_cache(maxsize=1)
def packaged_glove() -> tuple[tuple[str, ...], np.ndarray, dict[str, int]]:
    from ...glove import load_glove_matrix

    words, matrix = load_glove_matrix()
    return tuple(words), matrix, {w: i for i, w in enumerate(words)}


def cosine_mistake(got: np.ndarray, m64: np.ndarray, v64: np.ndarray, expected: np.ndarray) -> str | None:
    """The name of the typical mistake ``got`` matches (similarities of the rows of ``m64`` with ``v64``)."""
    row_norms, vec_norm = np.linalg.norm(m64, axis=1), np.linalg.norm(v64)
    dots = m64 @ v64
    variants = {
        "plain dot products (no division by the norms)": dots,
        "dot products divided by the vector's norm only": dots / vec_norm,
        "dot products divided by the rows' norms only": dots / row_norms,
        "cosine distances (1 - cosine)": 1 - expected,
        "Euclidean distances": np.linalg.norm(m64 - v64, axis=1),
        "dot products divided by the squared norms": dots / (row_norms**2 * vec_norm**2),
    }
    for label, variant in variants.items():
        if np.allclose(got, variant, rtol=1e-4, atol=1e-5):
            return label
    return None


def as_pairs(value: Any, *, name: str, topn: int) -> list[tuple[str, float]]:
    """A student's ranked answer as a list of (word, similarity), strictly."""
    __tracebackhide__ = True
    if value is None:
        fail(
            f"{name} returned None; expected a list of {topn} (word, similarity) pairs.",
            hint="did you forget to return the list?",
        )
    if isinstance(value, np.ndarray) or not isinstance(value, (list, tuple)):
        fail(
            f"{name} returned a {type(value).__name__}; expected a list of (word, similarity) pairs.",
            hint="Exercise 3 shows the format: a list of (word, similarity) pairs, most similar first.",
        )
    if len(value) != topn:
        fail(
            f"{name} returned {len(value)} pairs; expected topn = {topn}.",
            hint="keep the topn best words after leaving out the excluded ones.",
        )
    pairs = []
    for i, item in enumerate(value):
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            fail(
                f"{name}: entry {i} is a {type(item).__name__}, not a (word, similarity) pair.",
                hint="return a list of tuples (word, similarity).",
            )
        word, sim = item
        if not isinstance(word, (str, np.str_)):
            fail(
                f"{name}: entry {i} starts with a {type(word).__name__}; expected the word (a str).",
                hint="each pair starts with the word itself, looked up in words, not with its row number.",
            )
        pairs.append((str(word), as_float(sim, name=f"{name}: the similarity of entry {i}")))
    return pairs


def ranking_by(
    scores: np.ndarray,
    words: Sequence[str],
    exclude: Iterable[str],
    topn: int,
    row_of: Mapping[str, int],
    reverse: bool = False,
) -> list[str]:
    scores = np.array(scores, dtype=np.float64)
    for word in exclude:
        if word in row_of:
            scores[row_of[word]] = np.inf if reverse else -np.inf
    keys = scores if reverse else -scores
    order = _stable_smallest(keys, topn)
    return [words[i] for i in order]


def _stable_smallest(keys: np.ndarray, topn: int) -> np.ndarray:
    """``np.argsort(keys, kind="stable")[:topn]`` without sorting all 400,000 keys."""
    if topn <= 0 or topn >= keys.size:
        return np.argsort(keys, kind="stable")[: max(topn, 0)]
    kth = np.partition(keys, topn - 1)[topn - 1]
    if np.isnan(kth):
        return np.argsort(keys, kind="stable")[:topn]
    candidates = np.flatnonzero(keys <= kth)  # every tie at the boundary, in index order
    return candidates[np.argsort(keys[candidates], kind="stable")][:topn]


def compare_ranking(
    got: list[tuple[str, float]],
    reference: list[tuple[str, float]],
    query: np.ndarray,
    words: Sequence[str],
    matrix: np.ndarray,
    row_of: Mapping[str, int],
    exclude: Iterable[str],
    *,
    name: str,
    what: str,
    mistakes: Mapping[str, list[str]],
    hint: str,
) -> None:
    """Fail unless ``got`` ranks words as well as ``reference`` (ties within float tolerance allowed)."""
    __tracebackhide__ = True
    exclude = set(exclude)
    got_words = [w for w, _ in got]
    ref_words = [w for w, _ in reference]
    unknown = [w for w in got_words if w not in row_of]
    if unknown:
        fail(f"{name} returned {unknown[0]!r}, which is not in the vocabulary it was given.")
    excluded = [w for w in got_words if w in exclude]
    if excluded and got_words != ref_words:
        fail(
            f"{name} returned {excluded[0]!r}, one of the words to leave out ({', '.join(sorted(exclude))}).",
            hint="leave the excluded words out before you keep the best topn, so that topn other words remain.",
        )
    if len(set(got_words)) != len(got_words):
        fail(f"{name} returned a word twice: {got_words}.", hint="each word may appear once.")
    q = np.asarray(query, dtype=np.float64)
    qn = np.linalg.norm(q)
    true_sims = {}
    for word in got_words:
        v = np.asarray(matrix[row_of[word]], dtype=np.float64)
        denom = np.linalg.norm(v) * qn
        true_sims[word] = float(v @ q / denom) if denom > 0 else 0.0
    ref_sims = [s for _, s in reference]
    same_quality = all(abs(true_sims[w] - s) <= SIM_TOL for w, s in zip(got_words, ref_sims))
    if not same_quality:
        for label, ranking in mistakes.items():
            if got_words == ranking:
                fail(f"{name} returned {got_words}: the ranking by {label}; expected {ref_words}.", hint=hint)
        fail(f"{name} returned {got_words} for {what}; expected {ref_words}.", hint=hint)
    for word, sim in got:
        if not math.isclose(sim, true_sims[word], rel_tol=1e-4, abs_tol=1e-4):
            fail(
                f"{name} reports similarity {sim:.6g} for {word!r}, but its cosine similarity with the "
                f"query is {true_sims[word]:.6g}.",
                hint="return each word with its cosine similarity to the query vector.",
            )


# Upstream functions. In the lesson most_similar ranks by the student's cosine_similarities and
# analogy calls most_similar, so a mistake upstream shows up downstream. When a downstream check
# fails, these helpers call the upstream functions on the same input; if one of them is wrong and
# explains the answer, the failure says so and names the function to fix first.
def helper_of(fn: Any, helper_name: str, given: Any) -> Callable[..., Any] | None:
    """The student's function ``helper_name``: ``given`` if passed, else the one ``fn`` can see.

    ``fn.__globals__`` is the namespace ``fn`` was defined in; in a notebook that is the
    notebook's, so the checks find the student's own functions without a change to the test cells.
    """
    if given is not None:
        return given if callable(given) else None
    namespace = getattr(fn, "__globals__", None)
    helper = namespace.get(helper_name) if isinstance(namespace, dict) else None
    return helper if callable(helper) and helper is not fn else None


def first_line(failure: BaseException) -> str:
    """The first line of a failure's message, ending as a sentence."""
    lines = str(failure).splitlines()
    line = lines[0].rstrip() if lines else type(failure).__name__
    return line if line.endswith((".", "!", "?")) else line + "."


def quietly(fn: Callable[..., Any], *args: Any, name: str, **kwargs: Any) -> Any:
    """``call_student`` with the student's prints swallowed (a diagnosis, not the check itself)."""
    __tracebackhide__ = True
    with contextlib.redirect_stdout(io.StringIO()):
        return call_student(fn, *args, name=name, **kwargs)


def cosine_problem(
    cosine_similarities: Callable[..., Any], matrix: np.ndarray, vector: np.ndarray
) -> tuple[str, np.ndarray | None] | None:
    """What is wrong with the student's ``cosine_similarities`` on (matrix, vector), and its values.

    ``None`` when it returns the right similarities there.
    """
    from ...glove import cosine_similarity as reference

    given = matrix if not matrix.flags.writeable else matrix.copy()
    try:
        raw = quietly(cosine_similarities, given, np.array(vector, copy=True), name="cosine_similarities")
        got = as_array(raw, name="cosine_similarities")
    except AssertionError as exc:
        return f"fails on it ({first_line(exc)})", None
    n = matrix.shape[0]
    if got.shape != (n,):
        return f"returns shape {got.shape} there instead of ({n},)", None
    m64, v64 = np.asarray(matrix, dtype=np.float64), np.asarray(vector, dtype=np.float64)
    expected = np.asarray(reference(m64, v64), dtype=np.float64)
    if np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        return None
    label = cosine_mistake(got, m64, v64, expected)
    return (f"returns {label} there" if label else "returns values there that are not cosine similarities"), got


def ranks_by(
    got: list[tuple[str, float]] | None,
    sims: np.ndarray | None,
    words: Sequence[str],
    row_of: Mapping[str, int],
    exclude: Iterable[str],
    topn: int,
) -> bool:
    """Whether ``got`` is what ranking by ``sims`` gives: the same words, with those similarities."""
    if got is None or sims is None:
        return False
    if [w for w, _ in got] != ranking_by(sims, words, exclude, topn, row_of):
        return False
    return all(math.isclose(s, float(sims[row_of[w]]), rel_tol=1e-4, abs_tol=1e-4) for w, s in got)


def fail_upstream_cosine(
    failure: AssertionError,
    got: list[tuple[str, float]] | None,
    cosine_similarities: Callable[..., Any] | None,
    *,
    name: str,
    matrix: np.ndarray,
    query: np.ndarray,
    query_name: str,
    words: Sequence[str],
    row_of: Mapping[str, int],
    excludes: Sequence[Iterable[str]],
    topn: int,
) -> str:
    """Fail naming cosine_similarities if it is wrong on this input and explains ``got``.

    Returns a note to add to the original failure when cosine_similarities is wrong but does not
    explain the answer, and ``""`` when it is right (or unknown).
    """
    __tracebackhide__ = True
    problem = None if cosine_similarities is None else cosine_problem(cosine_similarities, matrix, query)
    if problem is None:
        return ""
    why, sims = problem
    hint = (
        f"{name} can only be as right as the similarities it ranks. Make cosine_similarities pass its own "
        "check (the test cell after it says what is wrong), then run this check again."
    )
    if got is None:
        fail(
            f"{first_line(failure)}\nYour cosine_similarities is wrong on the same input too: called with the "
            f"matrix and {query_name}, it {why}. If {name} uses it, fix cosine_similarities first.",
            hint=hint,
        )
    if any(ranks_by(got, sims, words, row_of, exclude, topn) for exclude in excludes):
        fail(
            f"{first_line(failure)}\nThat is exactly the ranking by your cosine_similarities, which is wrong: "
            f"called with the matrix and {query_name}, it {why}. Fix cosine_similarities first.",
            hint=hint,
        )
    return (
        f"Your cosine_similarities is wrong too: called with the matrix and {query_name}, it {why}. If {name} "
        "uses it, fix cosine_similarities first."
    )


def raise_with_note(failure: AssertionError, note: str) -> NoReturn:
    """Raise ``failure``, with ``note`` (if any) added before its hint."""
    __tracebackhide__ = True
    if not note:
        raise failure
    message, _, hint = str(failure).partition("\nHint: ")
    fail(f"{message}\n{note}", hint=hint or None)
