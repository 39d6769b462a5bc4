"""Checks for lesson 03: the Embedding layer, word-vector similarity, GloVe loading, transfer learning.

References come from independent sources where one exists: ``keras.layers.Embedding`` given
the same weights and its ``count_params()``, and the tested reference functions of
:mod:`rnncourse.glove` (``cosine_similarity``, ``most_similar``, ``analogy``, ``load_glove``,
``filter_glove``) on the real packaged GloVe vectors. The numpy variants below exist only to
recognise typical mistakes and name them.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import numpy as np

from ._core import (
    activation_name,
    as_array,
    as_float,
    as_int,
    as_tuple,
    call_student,
    expect_close,
    expect_finite,
    expect_shape,
    fail,
    hidden_seed,
    report_pass,
)
from ._keras import model_layers

BYTES_PER_FLOAT32 = 4
_SIM_TOL = 1e-5  # the reference ranks in float32; a student may compute in float64


# ----------------------------------------------------------------------------- 1. costs
def keras_embedding_param_count(vocab_size: int, embedding_dim: int) -> int:
    """``count_params()`` of a built ``keras.layers.Embedding(vocab_size, embedding_dim)``."""
    import keras

    layer = keras.layers.Embedding(vocab_size, embedding_dim)
    layer.build((None,))
    return int(layer.count_params())


def check_embedding_costs(
    embedding_costs: Callable[..., Any],
    *,
    num_tokens: int = 6400,
    vocab_size: int = 100_000,
    embedding_dim: int = 300,
    visible: bool = True,
) -> None:
    """``embedding_costs(num_tokens, vocab_size, embedding_dim)`` -> (one-hot bytes, embedded bytes, parameters)."""
    __tracebackhide__ = True
    name = "embedding_costs"
    result = call_student(embedding_costs, num_tokens, vocab_size, embedding_dim, name=name)
    labels = ("one_hot_bytes", "embedded_bytes", "num_parameters")
    parts = as_tuple(result, name=name, labels=labels, items="three whole numbers")
    got = [as_int(value, name=f"{name}(...)[{i}] ({label})") for i, (value, label) in enumerate(zip(parts, labels))]
    one_hot, embedded, params = got
    want_one_hot = num_tokens * vocab_size * BYTES_PER_FLOAT32
    want_embedded = num_tokens * embedding_dim * BYTES_PER_FLOAT32
    want_params = vocab_size * embedding_dim
    keras_params = keras_embedding_param_count(vocab_size, embedding_dim)
    if keras_params != want_params:  # pragma: no cover  (Keras changed what an Embedding holds)
        fail(f"internal: Keras counts {keras_params} parameters, the formula {want_params}.")

    if (one_hot, embedded) == (want_embedded, want_one_hot):
        fail(
            f"{name}: the two memory sizes are swapped.",
            hint="the one-hot batch has vocab_size numbers per token, the embedded batch embedding_dim.",
        )
    for value, want, label, per_token in (
        (one_hot, want_one_hot, "one_hot_bytes", "vocab_size"),
        (embedded, want_embedded, "embedded_bytes", "embedding_dim"),
    ):
        if value == want:
            continue
        hints = {
            want * 2: "that is float64 (8 bytes per number); Keras computes in float32, 4 bytes.",
            want * 8: "that is bits; the question asks for bytes (8 bits each).",
            want // BYTES_PER_FLOAT32: "that is the number of values; each float32 takes 4 bytes.",
            want // num_tokens: "that is one token only; multiply by num_tokens.",
        }
        fail(
            f"{name}: {label} = {value:,}; expected num_tokens * {per_token} * 4 = {want:,}.",
            hint=hints.get(
                value, f"a float32 batch of shape (num_tokens, {per_token}) takes num_tokens * {per_token} * 4 bytes."
            ),
        )
    if params != want_params:
        hints = {
            want_params + embedding_dim: "an Embedding layer has no bias, and its input_dim is vocab_size "
            "itself (indices 0 .. vocab_size - 1): it holds only the "
            "(vocab_size, embedding_dim) matrix.",
            want_params * BYTES_PER_FLOAT32: "that is bytes; the question asks for the number of parameters.",
        }
        fail(
            f"{name}: num_parameters = {params:,}; expected {want_params:,}, the count_params() of "
            f"keras.layers.Embedding({vocab_size}, {embedding_dim}).",
            hint=hints.get(params, "one row of embedding_dim numbers per word of the vocabulary."),
        )
    report_pass(name, visible=visible, detail="matches the arithmetic and Keras's count_params()")


# ----------------------------------------------------------------------------- 2. lookup
def keras_embedding_output(indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The output of ``keras.layers.Embedding`` holding ``weights``, called on ``indices``."""
    import keras

    vocab_size, embedding_dim = weights.shape
    layer = keras.layers.Embedding(
        vocab_size, embedding_dim, embeddings_initializer=keras.initializers.Constant(weights.astype(np.float32))
    )
    return np.asarray(layer(np.asarray(indices, dtype=np.int32)), dtype=np.float64)


def _lookup_inputs(seed: int, vocab_size: int, embedding_dim: int, shape: tuple[int, ...]):
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(vocab_size, embedding_dim))
    # Every index but the last one, so shifting by +1 gives wrong values, not an IndexError;
    # index 0 (padding) always occurs, so shifting by -1 reads the last row.
    indices = rng.integers(0, max(vocab_size - 1, 1), size=shape)
    indices.flat[0] = 0
    return indices, weights


def check_embedding_lookup(
    embedding_lookup: Callable[..., Any],
    *,
    seed: int = 0,
    vocab_size: int = 10,
    embedding_dim: int = 4,
    shapes: Sequence[tuple[int, ...]] = ((3, 5), (6,)),
    visible: bool = True,
) -> None:
    """Compare ``embedding_lookup(indices, weights)`` with ``keras.layers.Embedding`` holding ``weights``."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "embedding_lookup", visible=visible)  # the course secret, at grading
    name = "embedding_lookup"
    for k, shape in enumerate(shapes):
        indices, weights = _lookup_inputs(seed + k, vocab_size, embedding_dim, tuple(shape))
        got = as_array(call_student(embedding_lookup, indices.copy(), weights.copy(), name=name), name=name)
        want_shape = indices.shape + (embedding_dim,)
        meaning = "indices.shape + (embedding_dim,)"
        if got.shape == (embedding_dim,) + indices.shape and embedding_dim != indices.shape[0]:
            fail(
                f"{name} returned shape {got.shape}; expected {meaning} = {want_shape}.",
                hint="each row of weights is one word's vector: weights has shape (vocab_size, "
                "embedding_dim), so select rows (weights[indices]), not columns.",
            )
        if got.shape == indices.shape + (vocab_size,) and vocab_size != embedding_dim:
            fail(
                f"{name} returned shape {got.shape}: the one-hot vectors themselves; expected {meaning} "
                f"= {want_shape}.",
                hint="multiply the one-hot vectors by weights: one_hot @ weights.",
            )
        if got.shape == (indices.size, embedding_dim) and indices.ndim > 1:
            fail(
                f"{name} returned shape {got.shape}; expected {meaning} = {want_shape}.",
                hint="keep the shape of indices: reshape the result to indices.shape + (embedding_dim,).",
            )
        expect_shape(
            got, want_shape, name=name, meaning=meaning, hint="one vector of length embedding_dim for every index."
        )
        expect_finite(got, name=name)
        expected = keras_embedding_output(indices, weights)
        if not np.allclose(got, expected, rtol=1e-5, atol=1e-6):
            variants = {
                "the rows of weights shifted by one (index i read row i - 1)": weights[indices - 1],
                "the rows of weights shifted by one (index i read row i + 1)": weights[
                    np.minimum(indices + 1, vocab_size - 1)
                ],
            }
            if vocab_size == embedding_dim:
                variants["the transposed matrix (columns of weights instead of rows)"] = weights.T[indices]
            for label, variant in variants.items():
                if np.allclose(got, variant, rtol=1e-5, atol=1e-6):
                    fail(
                        f"{name} matches a lookup with {label}, not keras.layers.Embedding.",
                        hint="index i selects row i of weights (index 0 is row 0): weights[indices], or "
                        "one_hot(indices, vocab_size) @ weights.",
                    )
            expect_close(
                got,
                expected,
                name=name,
                rtol=1e-5,
                atol=1e-6,
                what="vector entries",
                hint="index i selects row i of weights: weights[indices], or one_hot(indices, vocab_size) @ weights.",
            )
    report_pass(name, visible=visible, detail="matches keras.layers.Embedding with the same weights")


# ----------------------------------------------------------------------------- 3. similarity
@lru_cache(maxsize=1)
def _glove_rows() -> tuple[tuple[str, ...], np.ndarray, dict[str, int]]:
    from ..glove import load_glove_matrix

    words, matrix = load_glove_matrix()
    return tuple(words), matrix, {w: i for i, w in enumerate(words)}


def _cosine_mistake(got: np.ndarray, m64: np.ndarray, v64: np.ndarray, expected: np.ndarray) -> str | None:
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


def check_cosine_similarities(
    cosine_similarities: Callable[..., Any],
    *,
    seed: int = 0,
    num_rows: int = 6,
    dim: int = 5,
    glove_rows: int = 0,
    visible: bool = True,
) -> None:
    """``cosine_similarities(matrix, vector)``: the cosine of every row with the vector, shape (n,).

    ``glove_rows > 0`` also runs it on the first ``glove_rows`` real (read-only) GloVe vectors.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "cosine_similarities", visible=visible)  # the course secret, at grading
    from ..glove import cosine_similarity as reference

    name = "cosine_similarities"
    rng = np.random.default_rng(seed)
    cases = [(rng.normal(size=(num_rows, dim)) * rng.uniform(0.5, 3.0, size=(num_rows, 1)), rng.normal(size=dim) * 2.5)]
    if glove_rows:
        words, matrix, row_of = _glove_rows()
        cases.append((matrix[:glove_rows], matrix[row_of["king"]]))
    for matrix, vector in cases:
        given = matrix if not matrix.flags.writeable else matrix.copy()
        got = as_array(call_student(cosine_similarities, given, vector.copy(), name=name), name=name)
        n = matrix.shape[0]
        if got.shape in {(n, 1), (1, n)}:
            fail(
                f"{name} returned shape {got.shape}; expected (n,) = ({n},).",
                hint="return a 1-d array: one similarity per row (use .ravel() or keep the vector 1-d).",
            )
        expect_shape(got, (n,), name=name, meaning="(n,)", hint="one similarity per row of the matrix.")
        expect_finite(got, name=name)
        m64, v64 = np.asarray(matrix, dtype=np.float64), np.asarray(vector, dtype=np.float64)
        expected = np.asarray(reference(m64, v64), dtype=np.float64)
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
            label = _cosine_mistake(got, m64, v64, expected)
            if label is not None:
                fail(
                    f"{name} returned {label}, not cosine similarities.",
                    hint="cos(u, v) = (u . v) / (||u|| ||v||): divide each row's dot product by the "
                    "row's norm and by the vector's norm.",
                )
            expect_close(
                got,
                expected,
                name=name,
                rtol=1e-4,
                atol=1e-5,
                what="similarities",
                hint="matrix @ vector / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector)).",
            )
    report_pass(name, visible=visible, detail="matches rnncourse.glove.cosine_similarity")


def _as_pairs(value: Any, *, name: str, topn: int) -> list[tuple[str, float]]:
    """A student's ranked answer as a list of (word, similarity), strictly."""
    __tracebackhide__ = True
    if value is None:
        fail(
            f"{name} returned None; expected a list of {topn} (word, similarity) pairs.",
            hint="did you forget the `return` statement?",
        )
    if isinstance(value, np.ndarray) or not isinstance(value, (list, tuple)):
        fail(
            f"{name} returned a {type(value).__name__}; expected a list of (word, similarity) pairs.",
            hint="return e.g. [('queen', 0.86), ('prince', 0.76), ...].",
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
                hint="look the word up: words[row], not the row number.",
            )
        pairs.append((str(word), as_float(sim, name=f"{name}: the similarity of entry {i}")))
    return pairs


def _ranking_by(
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
    order = np.argsort(scores if reverse else -scores, kind="stable")[:topn]
    return [words[i] for i in order]


def _compare_ranking(
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
            hint="skip the excluded words (set their similarity to -inf before ranking, or drop them "
            "from the ranked list).",
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
    same_quality = all(abs(true_sims[w] - s) <= _SIM_TOL for w, s in zip(got_words, ref_sims))
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
def _helper_of(fn: Any, helper_name: str, given: Any) -> Callable[..., Any] | None:
    """The student's function ``helper_name``: ``given`` if passed, else the one ``fn`` can see.

    ``fn.__globals__`` is the namespace ``fn`` was defined in; in a notebook that is the
    notebook's, so the checks find the student's own functions without a change to the test cells.
    """
    if given is not None:
        return given if callable(given) else None
    namespace = getattr(fn, "__globals__", None)
    helper = namespace.get(helper_name) if isinstance(namespace, dict) else None
    return helper if callable(helper) and helper is not fn else None


def _first_line(failure: BaseException) -> str:
    """The first line of a failure's message, ending as a sentence."""
    lines = str(failure).splitlines()
    line = lines[0].rstrip() if lines else type(failure).__name__
    return line if line.endswith((".", "!", "?")) else line + "."


def _quietly(fn: Callable[..., Any], *args: Any, name: str, **kwargs: Any) -> Any:
    """``call_student`` with the student's prints swallowed (a diagnosis, not the check itself)."""
    __tracebackhide__ = True
    with contextlib.redirect_stdout(io.StringIO()):
        return call_student(fn, *args, name=name, **kwargs)


def _cosine_problem(
    cosine_similarities: Callable[..., Any], matrix: np.ndarray, vector: np.ndarray
) -> tuple[str, np.ndarray | None] | None:
    """What is wrong with the student's ``cosine_similarities`` on (matrix, vector), and its values.

    ``None`` when it returns the right similarities there.
    """
    from ..glove import cosine_similarity as reference

    given = matrix if not matrix.flags.writeable else matrix.copy()
    try:
        raw = _quietly(cosine_similarities, given, np.array(vector, copy=True), name="cosine_similarities")
        got = as_array(raw, name="cosine_similarities")
    except AssertionError as exc:
        return f"fails on it ({_first_line(exc)})", None
    n = matrix.shape[0]
    if got.shape != (n,):
        return f"returns shape {got.shape} there instead of ({n},)", None
    m64, v64 = np.asarray(matrix, dtype=np.float64), np.asarray(vector, dtype=np.float64)
    expected = np.asarray(reference(m64, v64), dtype=np.float64)
    if np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        return None
    label = _cosine_mistake(got, m64, v64, expected)
    return (f"returns {label} there" if label else "returns values there that are not cosine similarities"), got


def _ranks_by(
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
    if [w for w, _ in got] != _ranking_by(sims, words, exclude, topn, row_of):
        return False
    return all(math.isclose(s, float(sims[row_of[w]]), rel_tol=1e-4, abs_tol=1e-4) for w, s in got)


def _fail_upstream_cosine(
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
    problem = None if cosine_similarities is None else _cosine_problem(cosine_similarities, matrix, query)
    if problem is None:
        return ""
    why, sims = problem
    hint = (
        f"{name} can only be as right as the similarities it ranks. Make cosine_similarities pass its own "
        "check (the test cell after it says what is wrong), then run this check again."
    )
    if got is None:
        fail(
            f"{_first_line(failure)}\nYour cosine_similarities is wrong on the same input too: called with the "
            f"matrix and {query_name}, it {why}. If {name} uses it, fix cosine_similarities first.",
            hint=hint,
        )
    if any(_ranks_by(got, sims, words, row_of, exclude, topn) for exclude in excludes):
        fail(
            f"{_first_line(failure)}\nThat is exactly the ranking by your cosine_similarities, which is wrong: "
            f"called with the matrix and {query_name}, it {why}. Fix cosine_similarities first.",
            hint=hint,
        )
    return (
        f"Your cosine_similarities is wrong too: called with the matrix and {query_name}, it {why}. If {name} "
        "uses it, fix cosine_similarities first."
    )


def _raise_with_note(failure: AssertionError, note: str) -> NoReturn:
    """Raise ``failure``, with ``note`` (if any) added before its hint."""
    __tracebackhide__ = True
    if not note:
        raise failure
    message, _, hint = str(failure).partition("\nHint: ")
    fail(f"{message}\n{note}", hint=hint or None)


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
    from ..glove import most_similar as reference

    name = "most_similar"
    if query is None:
        words, matrix, row_of = _synthetic_vocab(seed, 40, 6)
        vector = np.random.default_rng(seed + 1).normal(size=6).astype(np.float32)
        exclude = tuple(exclude or (words[3],))
        glove_arg: Mapping[str, np.ndarray] | None = dict(zip(words, matrix))
        what = "a random vector"
    else:
        words, matrix, row_of = _glove_rows()
        vector = matrix[row_of[query]].copy()
        exclude = tuple(exclude if exclude is not None else (query,))
        glove_arg = None
        what = f"the vector of {query!r}"
    ref = reference(vector, glove_arg, topn=topn, exclude=exclude)
    got: list[tuple[str, float]] | None = None
    failure = None
    try:
        got = _as_pairs(
            call_student(most_similar, vector.copy(), list(words), matrix, topn=topn, exclude=exclude, name=name),
            name=name,
            topn=topn,
        )
        m64 = np.asarray(matrix, dtype=np.float64)
        dots = m64 @ np.asarray(vector, dtype=np.float64)
        cos = dots / (np.linalg.norm(m64, axis=1) * np.linalg.norm(vector))
        mistakes = {
            "dot product (not divided by the norms)": _ranking_by(dots, words, exclude, topn, row_of),
            "lowest similarity first (ascending order)": _ranking_by(cos, words, exclude, topn, row_of, reverse=True),
            "cosine similarity without leaving out the excluded words": _ranking_by(cos, words, (), topn, row_of),
        }
        _compare_ranking(
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
            "words, and keep the topn largest, most similar first (np.argsort(-sims)).",
        )
    except AssertionError as exc:
        failure = exc
    if failure is not None:
        # Outside the `except` block, so the student sees one message, not a chained traceback.
        note = _fail_upstream_cosine(
            failure,
            got,
            _helper_of(most_similar, "cosine_similarities", cosine_similarities),
            name=name,
            matrix=matrix,
            query=vector,
            query_name=what,
            words=words,
            row_of=row_of,
            excludes=(exclude, ()),
            topn=topn,
        )
        _raise_with_note(failure, note)
    report_pass(name, visible=visible, detail="matches rnncourse.glove.most_similar")


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
    from ..glove import most_similar as reference

    ref = reference(vector, None, topn=topn, exclude=exclude)
    try:
        raw = _quietly(
            most_similar, vector.copy(), list(words), matrix, topn=topn, exclude=exclude, name="most_similar"
        )
        out = _as_pairs(raw, name="most_similar", topn=topn)
    except AssertionError as exc:
        return _first_line(exc), None
    try:
        _compare_ranking(
            out, ref, vector, words, matrix, row_of, exclude, name="most_similar", what=query_name, mistakes={}, hint=""
        )
    except AssertionError as exc:
        return _first_line(exc), out
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
    from ..glove import analogy as reference

    name = "analogy"
    words, matrix, row_of = _glove_rows()
    ref = reference(a, b, c, topn=topn)
    va, vb, vc = (np.asarray(matrix[row_of[w]], dtype=np.float64) for w in (a, b, c))
    target = va - vb + vc
    query_words = (a, b, c)
    got: list[tuple[str, float]] | None = None
    failure = None
    try:
        got = _as_pairs(call_student(analogy, a, b, c, list(words), matrix, topn=topn, name=name), name=name, topn=topn)
        m64 = np.asarray(matrix, dtype=np.float64)
        norms = np.linalg.norm(m64, axis=1)

        def by_cosine(query: np.ndarray, exclude: Iterable[str]) -> list[str]:
            return _ranking_by(m64 @ query / (norms * np.linalg.norm(query)), words, exclude, topn, row_of)

        mistakes = {
            f"{a} - {b} + {c} without leaving out the query words": by_cosine(target, ()),
            f"{b} - {a} + {c} (the first two words swapped)": by_cosine(vb - va + vc, query_words),
            f"{a} + {b} - {c} (the signs swapped)": by_cosine(va + vb - vc, query_words),
            "dot product (not divided by the norms)": _ranking_by(m64 @ target, words, query_words, topn, row_of),
        }
        if [w for w, _ in got][:1] == [a] and [w for w, _ in ref][:1] != [a]:
            fail(
                f"{name}({a!r}, {b!r}, {c!r}) returned {a!r} first.",
                hint="a query word is itself close to the vector a - b + c; leave the three query words out of "
                "the answer (exclude=(a, b, c)).",
            )
        _compare_ranking(
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
            hint="build the vector a - b + c from the three rows of the matrix and rank all "
            "words by cosine similarity with it, leaving out the three query words.",
        )
    except AssertionError as exc:
        failure = exc
    if failure is not None:
        # Outside the `except` block, so the student sees one message, not a chained traceback.
        # The vector as the student's analogy builds it: from the float32 rows of the matrix.
        vector = np.asarray(matrix[row_of[a]] - matrix[row_of[b]] + matrix[row_of[c]])
        query_name = f"the vector {a} - {b} + {c}"
        note = _fail_upstream_cosine(
            failure,
            got,
            _helper_of(analogy, "cosine_similarities", cosine_similarities),
            name=name,
            matrix=matrix,
            query=vector,
            query_name=query_name,
            words=words,
            row_of=row_of,
            excludes=(query_words, ()),
            topn=topn,
        )
        helper = _helper_of(analogy, "most_similar", most_similar)
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
                    f"{_first_line(failure)}\nYour most_similar fails on the same input too: called with "
                    f"{query_name} and exclude={query_words}, {why} If {name} uses it, fix most_similar first." + also,
                    hint=hint,
                )
            if _same_answer(got, answer):
                fail(
                    f"{_first_line(failure)}\nThat is exactly what your most_similar returns for {query_name} "
                    f"with exclude={query_words}, and most_similar is wrong there: {why} Fix most_similar first."
                    + also,
                    hint=hint,
                )
            note = (
                f"Your most_similar is wrong too: called with {query_name} and exclude={query_words}, {why} "
                f"If {name} uses it, fix most_similar first." + also
            )
        _raise_with_note(failure, note)
    assert got is not None  # set whenever no failure was caught
    if expected_first is not None and got[0][0] != expected_first:  # pragma: no cover  (reference disagrees)
        fail(f"{name}({a!r}, {b!r}, {c!r}) returned {got[0][0]!r} first; expected {expected_first!r}.")
    report_pass(name, visible=visible, detail=f"{a} - {b} + {c} = {got[0][0]}, matches rnncourse.glove.analogy")


# ----------------------------------------------------------------------------- 4. GloVe files
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
    all_words, matrix, row_of = _glove_rows()
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
    from ..glove import load_glove

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
        words, matrix, row_of = _glove_rows()
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
    vocabulary = {"[PAD]": 0, "[UNK]": 1}
    for offset, i in enumerate(order):
        vocabulary[vocab_words[i]] = offset + 2
    return vocabulary, glove_dict, dim


def check_filter_glove(
    filter_glove: Callable[..., Any], *, seed: int = 0, synthetic: bool = False, visible: bool = True
) -> None:
    """``filter_glove(vocabulary_dict, glove_dict, wordvec_dim)`` against ``rnncourse.glove.filter_glove``."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "filter_glove", visible=visible)  # the course secret, at grading
    from ..glove import filter_glove as reference

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
            hint="the slides' len(vocabulary_dict) + 1 fits a Keras Tokenizer, whose indices start at 1. "
            "Here index 0 (padding) is already in the vocabulary, so the largest index is "
            "len(vocabulary_dict) - 1: use max(vocabulary_dict.values()) + 1 rows.",
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
            hint="build the matrix with np.zeros((rows, wordvec_dim), dtype='float32').",
        )
    if result.dtype != np.float32:
        fail(
            f"{name} returned dtype {result.dtype}; expected float32.",
            hint="np.zeros((rows, wordvec_dim), dtype='float32'): np.zeros makes float64 by default, twice "
            "the memory, and Keras computes in float32 anyway.",
        )
    expect_finite(got, name=name)
    if not np.allclose(got, expected, rtol=1e-6, atol=1e-7):
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
                    hint="the vector of the word with index i goes into row i: embedding_matrix[i] = vector.",
                )
        if np.allclose(got[known_rows], expected[known_rows], rtol=1e-6, atol=1e-7):
            bad = [w for w, i in vocabulary.items() if w not in glove_dict and np.any(got[i] != 0)]
            where = f"row {vocabulary[bad[0]]} ({bad[0]!r})" if bad else "an unused row"
            fail(
                f"{name}: the rows of words that glove_dict does not have must be zero; {where} is not.",
                hint="start from np.zeros(...) and fill only the rows of words found in glove_dict.",
            )
        expect_close(
            got,
            expected,
            name=name,
            rtol=1e-6,
            atol=1e-7,
            what="matrix entries",
            hint="row i must hold glove_dict[word] for the word with index i, and zeros when "
            "glove_dict has no such word.",
        )
    report_pass(name, visible=visible, detail="matches rnncourse.glove.filter_glove")


# ----------------------------------------------------------------------------- 5. the classifier
def _check_one_classifier(
    build_classifier: Callable[..., Any],
    *,
    num_words: int,
    maxlen: int,
    embedding_dim: int,
    num_units: int,
    matrix: np.ndarray | None,
    trainable: bool,
) -> None:
    __tracebackhide__ = True
    import keras

    name = "build_classifier"
    how = f"embedding_matrix={'None' if matrix is None else 'a matrix'}, trainable={trainable}"
    model = call_student(
        build_classifier,
        num_words,
        maxlen,
        embedding_dim,
        embedding_matrix=None if matrix is None else matrix.copy(),
        trainable=trainable,
        num_units=num_units,
        name=name,
    )
    if not isinstance(model, keras.Model):
        fail(
            f"{name} returned a {type(model).__name__}; expected a keras.Model.",
            hint="return keras.Sequential([...]) or a functional keras.Model.",
        )
    if not model.built or not getattr(model, "inputs", None):
        fail(
            f"{name}({how}) returned a model that is not built: Keras does not know its input shape.",
            hint="Keras 3 ignores Embedding(input_length=...) (it only warns); start the model with "
            "keras.Input(shape=(maxlen,)).",
        )
    try:
        out = model(np.zeros((3, maxlen), dtype=np.int32))
    except Exception as exc:  # noqa: BLE001
        first = str(exc).splitlines()[0] if str(exc) else ""
        fail(
            f"the model failed on a batch of word indices of shape (3, {maxlen}): {type(exc).__name__}: {first}",
            hint="start with keras.Input(shape=(maxlen,)) and an Embedding(num_words, embedding_dim).",
        )
    layers = model_layers(model, flatten=True)
    embeddings = [layer for layer in layers if isinstance(layer, keras.layers.Embedding)]
    if len(embeddings) != 1:
        fail(
            f"{name} built a model with {len(embeddings)} Embedding layers; expected exactly one.",
            hint="keras.layers.Embedding(num_words, embedding_dim, ...) right after the Input.",
        )
    emb = embeddings[0]
    if (emb.input_dim, emb.output_dim) != (num_words, embedding_dim):
        fail(
            f"the Embedding layer is Embedding({emb.input_dim}, {emb.output_dim}); expected "
            f"Embedding(num_words, embedding_dim) = Embedding({num_words}, {embedding_dim})."
        )
    weights = as_array(emb.embeddings, name="the Embedding layer's weights")
    if matrix is not None:
        if not np.allclose(weights, matrix, rtol=1e-6, atol=1e-6):
            fail(
                f"{name}({how}): the Embedding layer's initial weights are not embedding_matrix.",
                hint="pass embeddings_initializer=keras.initializers.Constant(embedding_matrix).",
            )
    elif np.all(weights == 0):
        fail(
            f"{name}({how}): the Embedding layer starts at all zeros.",
            hint="with embedding_matrix=None keep Keras's default random initialiser.",
        )
    if bool(emb.trainable) is not trainable:
        fail(
            f"{name}({how}) built an Embedding layer with trainable={bool(emb.trainable)}.",
            hint="pass trainable=trainable to keras.layers.Embedding: False keeps the GloVe vectors frozen.",
        )
    embedding_params = num_words * embedding_dim
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    if not trainable and non_trainable < embedding_params:
        fail(
            f"{name}({how}): the model has only {non_trainable} non-trainable parameters; the frozen "
            f"embedding alone has {embedding_params}.",
            hint="pass trainable=False to the Embedding layer.",
        )
    if any(isinstance(layer, keras.layers.GlobalAveragePooling1D) for layer in layers):
        fail(
            f"{name} uses GlobalAveragePooling1D; this exercise uses GlobalMaxPooling1D.",
            hint="max pooling keeps each detector's strongest word in the review; see the exercise text.",
        )
    pools = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.GlobalMaxPooling1D)]
    if not pools:
        fail(
            f"{name} has no GlobalMaxPooling1D layer.",
            hint="after the per-word Dense layer, keras.layers.GlobalMaxPooling1D() turns (batch, maxlen, "
            "num_units) into (batch, num_units).",
        )
    per_word = [
        layer
        for layer in layers[: pools[0]]
        if not isinstance(layer, keras.layers.Embedding)
        and layer.weights
        and tuple(layer.output.shape)[1:] == (maxlen, num_units)
    ]
    if not per_word:
        fail(
            f"{name}: no layer with num_units={num_units} outputs is applied to every word before the pooling.",
            hint="keras.layers.Dense(num_units, activation='relu') after the Embedding acts on each word "
            "vector: its output has shape (batch, maxlen, num_units).",
        )
    if activation_name(per_word[0]) != "relu":
        fail(
            f"the per-word layer uses activation {activation_name(per_word[0]) or 'none'}; expected relu.",
            hint="keras.layers.Dense(num_units, activation='relu').",
        )
    shape = tuple(np.shape(out))
    if shape != (3, 1):
        fail(
            f"the model's output has shape {shape}; expected (batch, 1) = (3, 1).",
            hint="end with keras.layers.Dense(1, activation='sigmoid').",
        )
    if activation_name(layers[-1]) != "sigmoid":
        fail(
            f"the last layer's activation is {activation_name(layers[-1]) or 'missing'}; expected sigmoid.",
            hint="a positive/negative label needs Dense(1, activation='sigmoid').",
        )


def check_classifier(
    build_classifier: Callable[..., Any],
    *,
    num_words: int = 40,
    maxlen: int = 12,
    embedding_dim: int = 6,
    num_units: int = 4,
    seed: int = 0,
    visible: bool = True,
) -> None:
    """``build_classifier(num_words, maxlen, embedding_dim, embedding_matrix, trainable, num_units)``.

    Builds the three variants of the lesson (from scratch, frozen GloVe, fine-tuned GloVe) and
    inspects each: the Embedding's size, initial weights and trainable flag, the per-word
    relu layer, the max pooling, and a (batch, 1) sigmoid output.
    """
    __tracebackhide__ = True
    matrix = np.random.default_rng(seed).normal(size=(num_words, embedding_dim)).astype(np.float32)
    matrix[0] = 0.0
    for emb_matrix, trainable in ((None, True), (matrix, False), (matrix, True)):
        _check_one_classifier(
            build_classifier,
            num_words=num_words,
            maxlen=maxlen,
            embedding_dim=embedding_dim,
            num_units=num_units,
            matrix=emb_matrix,
            trainable=trainable,
        )
    report_pass("build_classifier", visible=visible, detail="from scratch, frozen and fine-tuned variants")


TRANSFER_KEYS = ("scratch", "glove_frozen", "glove_finetuned")


# ----------------------------------------------------------------------------- 6. the gain over seeds
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


def _reference_transfer_gain(
    runs: Sequence[Mapping[str, Any]], variant: str, baseline: str = "scratch"
) -> tuple[float, float]:
    """The exercise's answer: the mean of the per-seed gains ``run[variant] - run[baseline]`` and its standard error.

    The standard error of the mean is ``std(gains, ddof=1) / sqrt(n)`` for ``n >= 2`` seeds.
    """
    gains = np.array([run[variant] - run[baseline] for run in runs], dtype=float)
    return float(gains.mean()), float(gains.std(ddof=1) / np.sqrt(len(gains)))


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

    Visible: three seeds, each GloVe variant against the default baseline and one call with
    ``baseline="glove_frozen"``. Hidden: 2, 4 and 6 seeds with extra keys, numpy floats and a tuple.
    """
    if visible:
        runs = [dict(run) for run in _VISIBLE_RUNS]
        return [
            _GainCase(runs, "glove_frozen"),
            _GainCase(runs, "glove_finetuned"),
            _GainCase(runs, "glove_finetuned", "glove_frozen"),
        ]
    return [
        _GainCase(_random_runs(21, 2, numpy_floats=False), "glove_finetuned"),
        _GainCase(tuple(_random_runs(12, 4, numpy_floats=True)), "glove_frozen", "scratch"),
        _GainCase(_random_runs(13, 6, numpy_floats=True), "glove_finetuned", "glove_frozen"),
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
    mean, se = _reference_transfer_gain(runs, variant, baseline)
    out: dict[str, tuple[tuple[float, float], dict[str, str]]] = {"swapped": ((se, mean), {})}
    if baseline != "scratch":
        out["baseline"] = (_reference_transfer_gain(runs, variant, "scratch"), {"baseline": baseline})
    for other in TRANSFER_KEYS:
        if other not in (variant, baseline):
            out[f"variant:{other}"] = (_reference_transfer_gain(runs, other, baseline), {"other": other})
    return out


def _transfer_gain_mistake_answers(case: _GainCase) -> dict[str, tuple[float, float]]:
    """Every answer a single known mistake gives on ``case`` (for the tests: they must differ)."""
    mean, se = _reference_transfer_gain(case.runs, case.variant, case.effective_baseline)
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
        "compute the gains first, gains = [run[variant] - run[baseline] for run in runs], and then the "
        "standard error of their mean, std(gains, ddof=1) / sqrt(n).",
    ),
    "ddof0": (
        "The standard error uses the population standard deviation (ddof=0, which divides by n); the "
        "standard deviation estimated from n seeds divides by n - 1 (ddof=1).",
        "np.std(gains, ddof=1) or statistics.stdev(gains): np.std and array.std() default to ddof=0.",
    ),
    "std": (
        "The second number is the standard deviation of the gains, not the standard error of their mean: it "
        "says how much one seed's gain scatters, not how precisely the mean over n seeds is known.",
        "divide it by the square root of the number of seeds: std(gains, ddof=1) / sqrt(n).",
    ),
    "over_n": (
        "The standard error divides the standard deviation by n instead of by sqrt(n): the variance of a mean "
        "of n values is variance / n, so its standard deviation is std / sqrt(n).",
        "std(gains, ddof=1) / np.sqrt(len(gains)).",
    ),
    "variance": (
        "The standard error uses the variance of the gains where their standard deviation belongs: a variance "
        "is in squared units of accuracy.",
        "std(gains, ddof=1) / sqrt(n), which is also sqrt(var(gains, ddof=1) / n).",
    ),
    "squared_se": (
        "The second number is the square of the standard error (the variance of the gains divided by n): "
        "its square root is missing.",
        "sqrt(var(gains, ddof=1) / n), which is std(gains, ddof=1) / sqrt(n).",
    ),
    "sign": (
        "The mean gain has the wrong sign: it is baseline minus variant. The gain of variant over baseline is "
        "run[variant] - run[baseline], positive when the variant is the better model.",
        "gains = [run[variant] - run[baseline] for run in runs].",
    ),
    "percent": (
        "The numbers are in percent (×100); return them as fractions, in the units of the accuracies in runs "
        "(0.70, not 70).",
        "drop the * 100: a gain of 0.03 is 3 percentage points, and its standard error is in the same units.",
    ),
    "swapped": (
        "The two numbers are in the wrong order.",
        "return mean_gain, standard_error (the mean first).",
    ),
    "baseline": (
        "It returned the gain over 'scratch', not over baseline={baseline!r}: the baseline argument is not used.",
        "subtract run[baseline], not run['scratch']: 'scratch' is only the default of the baseline parameter.",
    ),
    "variant": (
        "It returned the gain of {other!r}, not of variant={variant!r}: the variant argument is not used.",
        "use run[variant], the key the caller passes.",
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
    mean, se = _reference_transfer_gain(runs, variant, baseline)
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
    mean, se = _reference_transfer_gain(case.runs, case.variant, case.effective_baseline)
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
            header + note,
            hint="gains = [run[variant] - run[baseline] for run in runs], one per seed; return their mean and "
            "std(gains, ddof=1) / sqrt(len(gains)), as fractions of accuracy. Use only the keys variant and "
            "baseline: the dicts may hold others.",
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
    fail(f"{header} {' '.join(messages)}", hint=" ".join(hints))


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


def _as_gain_pair(result: Any, *, name: str) -> tuple[float, float]:
    """The student's ``(mean_gain, standard_error)`` as two floats, or a failure saying what was expected."""
    __tracebackhide__ = True
    mean_gain, standard_error = as_tuple(result, name=name, labels=("mean_gain", "standard_error"), items="two numbers")
    return (
        as_float(mean_gain, name=f"{name}(...)[0] (mean_gain)"),
        as_float(standard_error, name=f"{name}(...)[1] (standard_error)"),
    )


def check_transfer_gain(transfer_gain: Callable[..., Any], *, visible: bool = True) -> None:
    """``transfer_gain(runs, variant, baseline="scratch")`` -> ``(mean_gain, standard_error)`` over seeds.

    ``runs`` holds one dict of test accuracies per seed; the runs are paired by seed, so the gain is
    taken per seed, ``runs[s][variant] - runs[s][baseline]``, and the answer is the gains' mean and
    its standard error ``std(gains, ddof=1) / sqrt(n)``. The visible check uses three seeds (each
    GloVe variant, and ``baseline="glove_frozen"``); the hidden one 2, 4 and 6 seeds with extra keys
    in the dicts, numpy floats and a tuple of runs. Each call gets a deep copy, which must come back
    unchanged. A wrong answer is compared with the known mistakes on the same input (the unpaired
    standard error, ddof=0, no sqrt(n), ...), and the one it matches is named.
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
                hint="leave runs as it is (the notebook uses it again): build the gains in a new list, "
                "gains = [run[variant] - run[baseline] for run in runs], and do not pop, sort or assign "
                "into runs or its dicts.",
            )
        got = _as_gain_pair(result, name=name)
        if not _gain_right(got, _reference_transfer_gain(case.runs, case.variant, case.effective_baseline)):
            _fail_transfer_gain(got, case, name=name)
    report_pass(name, visible=visible, detail="mean gain and its standard error, paired by seed")


__all__ = [
    "check_embedding_costs",
    "check_embedding_lookup",
    "check_cosine_similarities",
    "check_most_similar",
    "check_analogy",
    "check_get_glove_vectors",
    "check_filter_glove",
    "check_classifier",
    "check_transfer_gain",
    "glove_lines",
    "keras_embedding_output",
    "keras_embedding_param_count",
]
