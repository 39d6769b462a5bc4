"""Lesson 03 checks: correct solutions (in several styles) pass, known-wrong ones fail with the right message."""

from __future__ import annotations

import collections
import itertools
import math
import re
import statistics

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnncourse import checks
from rnncourse.checks.l03_embeddings import get_glove_vectors as glove_file_checks
from rnncourse.checks.l03_embeddings import most_similar as most_similar_checks
from rnncourse.checks.l03_embeddings import transfer_gain as gain_checks
from rnncourse.checks.l03_embeddings._common import packaged_glove


# ---------------------------------------------------------------- 1. costs
def costs_ok(num_tokens, vocab_size, embedding_dim):
    return num_tokens * vocab_size * 4, num_tokens * embedding_dim * 4, vocab_size * embedding_dim


def test_embedding_costs(capsys):
    checks.check_embedding_costs(costs_ok)
    checks.check_embedding_costs(
        lambda n, v, d: [np.int64(n * v * 4), float(n * d * 4), v * d],
        num_tokens=7,
        vocab_size=50,
        embedding_dim=3,
        visible=False,
    )
    out = capsys.readouterr().out
    assert "visible checks passed; hidden tests run at grading" in out and "hidden test passed" in out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda n, v, d: (n * v * 8, n * d * 8, v * d), "that is float64"),
        (lambda n, v, d: (n * v * 32, n * d * 32, v * d), "that is bits"),
        (lambda n, v, d: (n * v, n * d, v * d), "that is the number of values"),
        (lambda n, v, d: (n * d * 4, n * v * 4, v * d), "swapped"),
        (lambda n, v, d: (n * v * 4, n * d * 4, v * d + d), "has no bias"),
        (lambda n, v, d: (n * v * 4, n * d * 4, (v + 1) * d), "input_dim is vocab_size itself"),
        (lambda n, v, d: (n * v * 4, n * d * 4, v * d * 4), "that is bytes"),
        (lambda n, v, d: (n * v * 4, n * d * 4), "expected a tuple of three"),
        (lambda n, v, d: (n * v * 4, n * d * 4, v * d / 7), "expected a whole number"),
        (lambda n, v, d: None, "returned None"),
    ],
)
def test_embedding_costs_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_embedding_costs(wrong, num_tokens=7, vocab_size=50, embedding_dim=3)


#: The hidden test's batch: 100 million tokens one-hot over 100,000 words, 40 TB that no computer allocates.
UNALLOCATABLE = {"num_tokens": 100_000_000, "vocab_size": 100_000, "embedding_dim": 8}


def costs_by_building(num_tokens, vocab_size, embedding_dim):
    """Measures instead of predicting: np.zeros reserves no memory for the visible 2.56 GB, but 40 TB fails."""
    one_hot = np.zeros((num_tokens, vocab_size), dtype="float32")
    embedded = np.zeros((num_tokens, embedding_dim), dtype="float32")
    layer = keras.layers.Embedding(vocab_size, embedding_dim)
    layer.build((None,))
    return one_hot.nbytes, embedded.nbytes, layer.count_params()


def test_embedding_costs_hidden_test_asks_about_a_batch_no_computer_allocates(capsys, fails_with):
    checks.check_embedding_costs(costs_ok, visible=False, **UNALLOCATABLE)
    assert "hidden test passed" in capsys.readouterr().out
    checks.check_embedding_costs(costs_by_building, num_tokens=7, vocab_size=50, embedding_dim=3)
    with fails_with("No computer holds a batch of 100,000,000 x 100,000 numbers"):
        checks.check_embedding_costs(costs_by_building, visible=False, **UNALLOCATABLE)


# ---------------------------------------------------------------- 2. lookup
def lookup_indexing(indices, weights):
    return weights[indices]


def lookup_one_hot(indices, weights):
    one_hot = np.eye(weights.shape[0])[indices]
    return one_hot @ weights


def lookup_tf(indices, weights):
    """Another style: TensorFlow's one-hot and matmul, float32 tensors."""
    one_hot = tf.one_hot(indices, depth=weights.shape[0], dtype=tf.float32)
    return tf.linalg.matmul(one_hot, tf.constant(weights, tf.float32))


@pytest.mark.parametrize("solution", [lookup_indexing, lookup_one_hot, lookup_tf])
def test_embedding_lookup_accepts_correct_solutions(solution, capsys):
    checks.check_embedding_lookup(solution)
    checks.check_embedding_lookup(solution, seed=7, vocab_size=6, embedding_dim=6, shapes=((2, 4), (9,)), visible=False)
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out


@pytest.mark.parametrize(
    "wrong, message, kwargs",
    [
        (lambda i, w: w.T[:, i], "an index selects a row, not a column", {}),
        (lambda i, w: w.T[i], "the transposed matrix", {"vocab_size": 6, "embedding_dim": 6}),
        (lambda i, w: w[i - 1], "shifted by one (index i read row i - 1)", {}),
        (lambda i, w: w[i + 1], "shifted by one (index i read row i + 1)", {}),
        (lambda i, w: np.eye(w.shape[0])[i], "the one-hot vectors themselves", {}),
        (lambda i, w: w[i.ravel()], "the result keeps the shape of indices", {}),
        (lambda i, w: w[i] * 2, "differ from the expected", {}),
    ],
)
def test_embedding_lookup_rejects_known_wrong(wrong, message, kwargs, fails_with):
    with fails_with(message):
        checks.check_embedding_lookup(wrong, **kwargs)


# ---------------------------------------------------------------- 3. similarity
def cosine_ok(matrix, vector):
    return matrix @ vector / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector))


def cosine_loop(matrix, vector):
    return [float(np.dot(row, vector) / (np.linalg.norm(row) * np.linalg.norm(vector))) for row in matrix]


def test_cosine_similarities(capsys):
    checks.check_cosine_similarities(cosine_ok)
    checks.check_cosine_similarities(cosine_loop, seed=3, num_rows=9, dim=4, glove_rows=500, visible=False)
    assert "visible checks passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda m, v: m @ v, "plain dot products"),
        (lambda m, v: m @ v / np.linalg.norm(v), "divided by the vector's norm only"),
        (lambda m, v: m @ v / np.linalg.norm(m, axis=1), "divided by the rows' norms only"),
        (lambda m, v: 1 - cosine_ok(m, v), "cosine distances"),
        (lambda m, v: np.linalg.norm(m - v, axis=1), "Euclidean distances"),
        (lambda m, v: cosine_ok(m, v)[:, None], "one similarity per row, in a 1-d array"),
    ],
)
def test_cosine_similarities_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_cosine_similarities(wrong)


def test_cosine_similarities_must_not_write_into_the_glove_matrix(fails_with):
    def normalise_in_place(matrix, vector):
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix @ vector / np.linalg.norm(vector)

    with fails_with("cosine_similarities changed the matrix it was given (in place)"):
        checks.check_cosine_similarities(normalise_in_place, glove_rows=50)

    def most_similar_in_place(vector, words, matrix, topn=5, exclude=()):
        return _ranked(normalise_in_place(matrix, vector), words, topn, exclude)

    # most_similar gets the real (read-only) GloVe matrix: the message names the in-place line
    # and says why the array is read-only, rather than blaming most_similar's own code.
    with fails_with("output array is read-only (at line 2 of normalise_in_place: `matrix /="):
        checks.check_most_similar(most_similar_in_place)


def _ranked(sims, words, topn, exclude):
    result = []
    for i in np.argsort(-sims):
        if words[i] not in exclude:
            result.append((words[i], float(sims[i])))
        if len(result) == topn:
            break
    return result


def most_similar_ok(vector, words, matrix, topn=5, exclude=()):
    sims = cosine_ok(matrix, vector)
    result = []
    for i in np.argsort(-sims):
        if words[i] not in exclude:
            result.append((words[i], float(sims[i])))
        if len(result) == topn:
            break
    return result


def most_similar_masked(vector, words, matrix, topn=5, exclude=()):
    """Another style: set excluded similarities to -inf, argpartition, a tuple of lists."""
    sims = np.asarray(tf.linalg.matvec(tf.linalg.l2_normalize(matrix, axis=1), tf.linalg.l2_normalize(vector, axis=0)))
    sims = sims.astype(np.float64)
    for word in exclude:
        sims[words.index(word)] = -np.inf
    best = np.argpartition(-sims, topn)[:topn]
    best = best[np.argsort(-sims[best])]
    return tuple([words[i], sims[i]] for i in best)


@pytest.mark.parametrize("solution", [most_similar_ok, most_similar_masked])
def test_most_similar_accepts_correct_solutions(solution, capsys):
    checks.check_most_similar(solution)
    checks.check_most_similar(solution, query="excellent", topn=8, exclude=("excellent", "good"), visible=False)
    checks.check_most_similar(solution, query=None, topn=4, seed=2, visible=False)
    out = capsys.readouterr().out
    assert "visible checks passed" in out and out.count("hidden test passed") == 2


def _most_similar_by(score, *, honour_exclude=True, ascending=False, as_rows=False, sims_fn=None):
    def most_similar(vector, words, matrix, topn=5, exclude=()):
        sims = score(matrix, vector)
        order = np.argsort(sims if ascending else -sims)
        out = [
            (i if as_rows else words[i], float(sims[i])) for i in order if not (honour_exclude and words[i] in exclude)
        ][:topn]
        if sims_fn is not None:
            out = [(w, sims_fn(s)) for w, s in out]
        return out

    return most_similar


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_most_similar_by(lambda m, v: m @ v), "the ranking by dot product"),
        (_most_similar_by(cosine_ok, ascending=True), "lowest similarity first"),
        (_most_similar_by(cosine_ok, honour_exclude=False), "one of the words to leave out"),
        (_most_similar_by(cosine_ok, as_rows=True), "not with its row number"),
        (_most_similar_by(cosine_ok, sims_fn=lambda s: 1 - s), "its cosine similarity with the query is"),
        (lambda v, w, m, topn=5, exclude=(): most_similar_ok(v, w, m, topn + 1, exclude), "expected topn = 5"),
        (
            lambda v, w, m, topn=5, exclude=(): [w for w, _ in most_similar_ok(v, w, m, topn, exclude)],
            "not a (word, similarity) pair",
        ),
        (lambda v, w, m, topn=5, exclude=(): np.zeros(topn), "expected a list of (word, similarity) pairs"),
    ],
)
def test_most_similar_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_most_similar(wrong)


def _vocab_with_a_near_tie(monkeypatch, seed, gap):
    """Make the check's random vocabulary for ``seed`` have w000 and w001 as the two nearest words,
    their cosine similarities with the check's query ``gap`` apart."""
    vector = np.random.default_rng(seed + 1).normal(size=6).astype(np.float32)  # the check's query
    q = vector.astype(np.float64) / np.linalg.norm(vector)
    side = np.random.default_rng(seed).normal(size=6)
    side -= (side @ q) * q
    side /= np.linalg.norm(side)
    random_vocab = most_similar_checks._synthetic_vocab

    def vocab(seed_, num_words, dim):
        words, matrix, row_of = random_vocab(seed_, num_words, dim)
        for row, cos in ((0, 0.99), (1, 0.99 - gap)):
            matrix[row] = 2 * (cos * q + np.sqrt(1 - cos**2) * side)
        return words, matrix, row_of

    monkeypatch.setattr(most_similar_checks, "_synthetic_vocab", vocab)
    words, matrix, _ = vocab(seed, 40, 6)
    nearest = most_similar_ok(vector.astype(np.float64), words, matrix.astype(np.float64), topn=3)
    assert [w for w, _ in nearest[:2]] == ["w000", "w001"]
    assert nearest[0][1] - nearest[1][1] == pytest.approx(gap, rel=0.1)  # float32 rows keep the gap
    assert nearest[1][1] - nearest[2][1] > 0.01


def _swap_the_two_nearest(vector, words, matrix, topn=5, exclude=()):
    result = most_similar_ok(vector, words, matrix, topn, exclude)
    result[0], result[1] = result[1], result[0]
    return result


def test_most_similar_ties_within_float_tolerance_are_accepted(monkeypatch):
    """Swapping two neighbours whose similarities agree to 1e-5 is not a mistake."""
    _vocab_with_a_near_tie(monkeypatch, seed=5, gap=4e-6)  # under 1e-5, far above float32 rounding
    checks.check_most_similar(_swap_the_two_nearest, query=None, seed=5)


def test_most_similar_swap_beyond_float_tolerance_is_a_mistake(monkeypatch, fails_with):
    _vocab_with_a_near_tie(monkeypatch, seed=5, gap=5e-5)  # five times the tolerance
    with fails_with("most_similar returned ['w001', 'w000',"):
        checks.check_most_similar(_swap_the_two_nearest, query=None, seed=5)


def analogy_ok(a, b, c, words, matrix, topn=5):
    row = {w: i for i, w in enumerate(words[:100000])}
    vector = matrix[row[a]] - matrix[row[b]] + matrix[row[c]]
    return most_similar_ok(vector, words, matrix, topn, exclude=(a, b, c))


def test_analogy(capsys):
    checks.check_analogy(analogy_ok)
    checks.check_analogy(analogy_ok, a="paris", b="france", c="italy", topn=3, expected_first="rome", visible=False)
    out = capsys.readouterr().out
    assert "king - man + woman = queen" in out and "hidden test passed" in out


def _analogy_with(sign_a=1, sign_b=-1, sign_c=1, exclude=True, score=cosine_ok):
    """``exclude``: True (the three query words), False (none), "a" (only a), "first" (the top word if a query word)."""

    def analogy(a, b, c, words, matrix, topn=5):
        row = {w: i for i, w in enumerate(words[:100000])}
        vector = sign_a * matrix[row[a]] + sign_b * matrix[row[b]] + sign_c * matrix[row[c]]
        sims = score(matrix, vector)
        ranked = list(np.argsort(-sims))
        if exclude == "first":
            ranked = ranked[1:] if words[ranked[0]] in (a, b, c) else ranked
        left_out = {True: (a, b, c), False: (), "a": (a,), "first": ()}[exclude]
        order = [i for i in ranked if words[i] not in left_out][:topn]
        return [(words[i], float(cosine_ok(matrix[i : i + 1], vector)[0])) for i in order]

    return analogy


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_analogy_with(exclude=False), "returned 'king', one of the three words of the question, as answer 1"),
        (_analogy_with(sign_a=-1, sign_b=1), "the first two words swapped"),
        (_analogy_with(sign_b=1, sign_c=-1), "the signs swapped"),
        (_analogy_with(score=lambda m, v: m @ v), "the ranking by dot product"),
    ],
)
def test_analogy_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_analogy(wrong)


HIDDEN_ANALOGIES = (
    {"a": "paris", "b": "france", "c": "italy", "topn": 3, "expected_first": "rome"},
    {"a": "walked", "b": "walk", "c": "swim", "topn": 4, "expected_first": "swam"},
)


@pytest.mark.parametrize("exclude", ["a", "first"])
def test_analogy_hidden_test_catches_a_query_word_that_is_not_first(exclude, capsys, fails_with):
    """Leaving out only a, or only a query word that comes first: king - man + woman cannot tell, the hidden
    analogies have c second."""
    partial = _analogy_with(exclude=exclude)
    checks.check_analogy(partial)
    assert "visible checks passed" in capsys.readouterr().out
    for kwargs, word in zip(HIDDEN_ANALOGIES, ("italy", "swim")):
        with fails_with(f"returned {word!r}, one of the three words of the question, as answer 2"):
            checks.check_analogy(partial, visible=False, **kwargs)


# ---------------------------------------------------------------- 3b. a wrong cosine_similarities upstream
# In the lesson, most_similar calls the student's cosine_similarities and analogy calls most_similar,
# all defined in the notebook's namespace. exec() builds such a namespace.
NOTEBOOK = """
import numpy as np


def cosine_similarities(matrix, vector):
    return {cosine}


def most_similar(vector, words, matrix, topn=5, exclude=()):
    sims = cosine_similarities(matrix, vector)
    result = []
    for row in np.argsort({order}):
        if words[row] in exclude:
            continue
        result.append((words[row], float(sims[row])))
        if len(result) == topn:
            break
    return result


def analogy(a, b, c, words, matrix, topn=5):
    vector = matrix[words.index(a)] - matrix[words.index(b)] + matrix[words.index(c)]
    return most_similar(vector, words, matrix, topn=topn, exclude=(a, b, c))
"""
COSINE = "matrix @ vector / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector))"


def _notebook(cosine=COSINE, order="-sims"):
    namespace = {}
    exec(NOTEBOOK.format(cosine=cosine, order=order), namespace)
    return namespace


def test_notebook_namespace_with_right_functions_passes(capsys):
    notebook = _notebook()
    checks.check_cosine_similarities(notebook["cosine_similarities"])
    checks.check_most_similar(notebook["most_similar"])
    checks.check_most_similar(notebook["most_similar"], query=None, topn=4, seed=2, visible=False)
    checks.check_analogy(notebook["analogy"])
    out = capsys.readouterr().out
    assert out.count("visible checks passed") == 3 and "hidden test passed" in out


@pytest.mark.parametrize(
    "cosine, message",
    [
        ("matrix @ vector", "That is exactly the ranking by your cosine_similarities, which is wrong"),
        ("1 - " + COSINE, "it returns cosine distances (1 - cosine) there. Fix cosine_similarities first."),
        # The right ranking with the wrong numbers: only the reported similarities are off.
        ("matrix @ vector / np.linalg.norm(matrix, axis=1)", "it returns dot products divided by the rows' norms"),
        # most_similar crashes on the (n, 1) similarities.
        (f"({COSINE})[:, None]", "If most_similar uses it, fix cosine_similarities first."),
    ],
)
def test_most_similar_points_to_a_wrong_cosine_similarities(cosine, message, fails_with):
    notebook = _notebook(cosine=cosine)
    with fails_with(message):
        checks.check_most_similar(notebook["most_similar"])
    with fails_with("ix cosine_similarities first"):
        checks.check_most_similar(notebook["most_similar"], query=None, topn=4, seed=2, visible=False)


@pytest.mark.parametrize(
    "cosine, message",
    [
        ("matrix @ vector", "That is exactly the ranking by your cosine_similarities, which is wrong"),
        ("matrix @ vector / np.linalg.norm(matrix, axis=1)", "Fix cosine_similarities first."),
        (f"({COSINE})[:, None]", "If analogy uses it, fix cosine_similarities first."),
    ],
)
def test_analogy_points_to_a_wrong_cosine_similarities(cosine, message, fails_with):
    with fails_with(message):
        checks.check_analogy(_notebook(cosine=cosine)["analogy"])


def test_analogy_points_to_a_wrong_most_similar(fails_with):
    notebook = _notebook(order="sims")  # most_similar ranks the least similar words first
    with fails_with("That is exactly what your most_similar returns for the vector king - man + woman"):
        checks.check_analogy(notebook["analogy"])
    with fails_with("Fix most_similar first."):
        checks.check_analogy(notebook["analogy"], a="paris", b="france", c="italy", topn=3, visible=False)


def test_upstream_functions_can_be_passed_by_keyword(fails_with):
    def dots(matrix, vector):
        return matrix @ vector

    def ranks_by_dots(vector, words, matrix, topn=5, exclude=()):
        sims = dots(matrix, vector)
        order = [i for i in np.argsort(-sims) if words[i] not in exclude][:topn]
        return [(words[i], float(sims[i])) for i in order]

    with fails_with("the ranking by dot product"):  # this module defines no cosine_similarities to find
        checks.check_most_similar(ranks_by_dots)
    with fails_with("Fix cosine_similarities first."):
        checks.check_most_similar(ranks_by_dots, cosine_similarities=dots)
    checks.check_most_similar(most_similar_ok, cosine_similarities=dots)  # a right answer is never blamed


def test_a_wrong_cosine_similarities_that_does_not_explain_the_answer_is_a_note(fails_with):
    """most_similar computes its own (wrong) ranking; the notebook's cosine_similarities is wrong as well."""
    notebook = _notebook(cosine="matrix @ vector")
    exec(
        "def most_similar(vector, words, matrix, topn=5, exclude=()):\n"
        "    sims = matrix @ vector / (np.linalg.norm(matrix, axis=1) * np.linalg.norm(vector))\n"
        "    order = [i for i in np.argsort(sims) if words[i] not in exclude][:topn]\n"
        "    return [(words[i], float(sims[i])) for i in order]\n",
        notebook,
    )
    with fails_with("lowest similarity first (ascending order)"):
        checks.check_most_similar(notebook["most_similar"])
    with fails_with("Your cosine_similarities is wrong too: called with the matrix and the vector of 'frog'"):
        checks.check_most_similar(notebook["most_similar"])


# ---------------------------------------------------------------- 4. GloVe files
def get_glove_vectors_ok(lines):
    rows = [line.rstrip("\n").split(" ") for line in lines]
    dim = min(len(row) for row in rows) - 1
    return {" ".join(row[:-dim]): np.asarray(row[-dim:], dtype="float32") for row in rows}


def get_glove_vectors_most_common(lines):
    """Another style: the most common field count, rsplit from the right, np.array of Python floats."""
    lines = list(lines)
    dim = collections.Counter(len(line.split()) for line in lines).most_common(1)[0][0] - 1
    result = {}
    for line in lines:
        (*word,) = line.rstrip("\n").rsplit(" ", dim)
        result[word[0]] = np.array([float(x) for x in word[1:]], dtype=np.float32)
    return result


def get_glove_vectors_median(lines):
    """Another style: np.median of the field counts, np.fromstring on the numbers' part of each line."""
    lines = [line.rstrip("\n") for line in lines]
    dim = int(np.median([line.count(" ") for line in lines]))
    glove_vector_dict = {}
    for line in lines:
        parts = line.split(" ")
        glove_vector_dict[" ".join(parts[:-dim])] = np.fromstring(" ".join(parts[-dim:]), dtype="float32", sep=" ")
    return glove_vector_dict


@pytest.mark.parametrize(
    "solution",
    [get_glove_vectors_ok, get_glove_vectors_most_common, get_glove_vectors_median],
)
def test_get_glove_vectors_accepts_correct_solutions(solution, capsys):
    checks.check_get_glove_vectors(solution)
    checks.check_get_glove_vectors(solution, seed=3, num_words=40, synthetic=True, visible=False)
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out


def test_the_visible_glove_file_holds_odd_numeric_and_spaced_words():
    """The exercise text promises it: punctuation, n't, curly quotes, accents, numbers, words with spaces."""
    words, vectors = glove_file_checks._glove_file_case(0, 300, synthetic=False)
    spaced = [w for w in words if " " in w]
    assert len(words) == len(set(words)) == 303 and vectors.shape == (303, 50) and len(spaced) == 3
    assert " " not in words[0]  # the visible file starts with a plain word; the hidden one does not
    assert set(glove_file_checks._ODD_GLOVE_WORDS + glove_file_checks._NUMERIC_GLOVE_WORDS) <= set(words)
    all_words, matrix, row_of = packaged_glove()
    assert all(np.array_equal(vectors[i], matrix[row_of[w]]) for i, w in enumerate(words) if w not in spaced)
    assert len({v.tobytes() for v in vectors}) == len(words)  # no vector twice
    # What makes line.split() right for GloVe 6B itself: no word holds whitespace of any kind.
    assert not [w for w in all_words if w.split() != [w]]
    hidden, _ = glove_file_checks._glove_file_case(5, 40, synthetic=True)
    assert " " in hidden[0] and {"1990", "3.5"} <= set(hidden)


def _keep_words_if(keep):
    def get_glove_vectors(lines):
        return {w: v for w, v in get_glove_vectors_ok(lines).items() if keep(w)}

    return get_glove_vectors


@pytest.mark.parametrize(
    "wrong, example",
    [
        (_keep_words_if(str.isascii), "'café'"),
        (_keep_words_if(str.isalpha), "','"),
        (_keep_words_if(lambda w: re.fullmatch(r"[\w ]+", w)), '"n\'t"'),
    ],
)
def test_get_glove_vectors_must_keep_odd_words_in_the_visible_check(wrong, example, fails_with):
    with fails_with("none of them a plain word of the letters a-z"):
        checks.check_get_glove_vectors(wrong)
    with fails_with(example):
        checks.check_get_glove_vectors(wrong)


def _slides_get_glove_vectors(lines):
    """The slides' last line, after a parser that is right."""
    glove_vector_dict = get_glove_vectors_ok(lines)  # noqa: F841  (filled, then not returned)
    return embeddings_index  # noqa: F821  (the slides' bug, on purpose)


def _slides_fixed(lines):
    """The slides' parser with its return fixed: the first field is the word."""
    glove_vector_dict = {}
    for line in lines:
        values = line.split()
        glove_vector_dict[values[0]] = np.asarray(values[1:], dtype="float32")
    return glove_vector_dict


def _skips_lines_that_fail(lines):
    glove_vector_dict = {}
    for line in lines:
        values = line.split()
        try:
            glove_vector_dict[values[0]] = np.asarray(values[1:], dtype="float32")
        except ValueError:
            continue
    return glove_vector_dict


def _reads_as_float(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numbers_from_the_right(lines):
    """Takes fields from the right while they read as numbers: a numeric word goes with them."""
    glove_vector_dict = {}
    for line in lines:
        fields = line.split()
        k = len(fields)
        while k > 0 and _reads_as_float(fields[k - 1]):
            k -= 1
        glove_vector_dict[" ".join(fields[:k])] = np.asarray(fields[k:], dtype="float32")
    return glove_vector_dict


def _joined_without_spaces(lines):
    return {w.replace(" ", ""): v for w, v in get_glove_vectors_ok(lines).items()}


def _dimension_of_the_longest_line(lines):
    rows = [line.split() for line in lines]
    dim = max(len(row) for row in rows) - 1
    return {" ".join(row[:-dim]): np.asarray(row[-dim:], dtype="float32") for row in rows}


def _opens_its_argument(filename):
    with open(filename, encoding="utf-8") as f:
        return get_glove_vectors_ok(f)


def _skip_header(lines):
    return get_glove_vectors_ok(list(lines)[1:])


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_slides_get_glove_vectors, "returns the name embeddings_index, which is never defined"),
        (_slides_fixed, "tried to read '.' as a number: it is a piece of the word '. . .', which contains spaces"),
        (_skips_lines_that_fail, "has no entry for 3 word(s) with spaces, e.g. '. . .'"),
        (_numbers_from_the_right, "has no entry for the word '1990': it took that word for one more number"),
        (_joined_without_spaces, "(it has 'newyork' instead)"),
        (_dimension_of_the_longest_line, "it counted more numbers on that line than the file has (50 per line)"),
        (_opens_its_argument, "treated its argument as a file name"),
        (_skip_header, "GloVe files have no header line"),
        (
            lambda lines: {w: v.astype("float64") for w, v in get_glove_vectors_ok(lines).items()},
            "has dtype float64; expected float32",
        ),
        (lambda lines: {w: v.tolist() for w, v in get_glove_vectors_ok(lines).items()}, "is a list; expected a numpy"),
        (
            lambda lines: {w: np.append(np.float32(0), v) for w, v in get_glove_vectors_ok(lines).items()},
            "the numbers are the fields after it",
        ),
        (lambda lines: list(get_glove_vectors_ok(lines)), "expected a dict"),
        (
            lambda lines: {line.split(" ", 1)[0] + " ": np.zeros(50, "float32") for line in lines},
            "keeps spaces or newlines",
        ),
    ],
)
def test_get_glove_vectors_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_get_glove_vectors(wrong)


def _dimension_of_the_first_line(lines):
    rows = [line.split() for line in lines]
    dim = len(rows[0]) - 1
    return {" ".join(row[:-dim]): np.asarray(row[-dim:], dtype="float32") for row in rows}


def test_get_glove_vectors_hidden_test_puts_a_word_with_spaces_on_the_first_line(capsys, fails_with):
    """The prompt says any line may hold one, the first included: the visible file's first word has no space."""
    checks.check_get_glove_vectors(_dimension_of_the_first_line)
    assert "visible checks passed" in capsys.readouterr().out
    with fails_with("That word is on the first line"):
        checks.check_get_glove_vectors(
            _dimension_of_the_first_line, seed=3, num_words=40, synthetic=True, visible=False
        )


def filter_glove_ok(vocabulary_dict, glove_dict, wordvec_dim=50):
    matrix = np.zeros((max(vocabulary_dict.values()) + 1, wordvec_dim), dtype="float32")
    for word, i in vocabulary_dict.items():
        vector = glove_dict.get(word)
        if vector is not None:
            matrix[i] = vector
    return matrix


def filter_glove_random(vocabulary_dict, glove_dict, wordvec_dim=50):
    """The other decision: small random vectors (a fresh Embedding's range) where GloVe has none."""
    rows = max(vocabulary_dict.values()) + 1
    matrix = np.random.default_rng(1).uniform(-0.05, 0.05, size=(rows, wordvec_dim)).astype(np.float32)
    matrix[0] = 0.0  # padding stays zero
    for word in vocabulary_dict:
        if word in glove_dict:
            matrix[vocabulary_dict[word], :] = np.asarray(glove_dict[word])
    return matrix


def coverage_ok(vocabulary_dict, glove_dict):
    real = [word for word, index in vocabulary_dict.items() if index >= 2]
    return sum(word in glove_dict for word in real) / len(real)


def coverage_by_sets(vocabulary_dict, glove_dict):
    """Another style: set arithmetic, the reserved entries removed by name."""
    real = set(vocabulary_dict) - {"[PAD]", "[UNK]"}
    return len(real & set(glove_dict)) / len(real)


HIDDEN_FILTER_GLOVE = ({"seed": 4, "synthetic": True, "gaps": True}, {"seed": 9, "gaps": True})


@pytest.mark.parametrize(
    "solution, coverage", [(filter_glove_ok, coverage_ok), (filter_glove_random, coverage_by_sets)]
)
def test_filter_glove_accepts_correct_solutions(solution, coverage, capsys):
    checks.check_filter_glove(solution, coverage)
    for kwargs in HIDDEN_FILTER_GLOVE:
        checks.check_filter_glove(solution, coverage, visible=False, **kwargs)
    out = capsys.readouterr().out
    assert "visible checks passed" in out and out.count("hidden test passed") == 2
    assert ("rows without a GloVe vector: zeros" in out) is (solution is filter_glove_ok)


def test_filter_glove_hidden_test_passes_the_reference_under_many_secrets(capsys):
    """The hidden test draws its vocabulary from the course secret: the reference must pass every draw."""
    from rnncourse.checks import _core

    try:
        for draw in range(30):
            _core.set_course_secret(f"secret-{draw}")
            for kwargs in HIDDEN_FILTER_GLOVE:
                checks.check_filter_glove(filter_glove_ok, coverage_ok, visible=False, **kwargs)
    finally:
        _core.set_course_secret(None)
    assert capsys.readouterr().out.count("hidden test passed") == 60


def _filter_glove_slides(vocabulary_dict, glove_dict, wordvec_dim=50):
    matrix = np.zeros((len(vocabulary_dict) + 1, wordvec_dim))
    for word, i in vocabulary_dict.items():
        vector = glove_dict.get(word)
        if vector is not None:
            matrix[i] = vector
    return matrix


def _filter_glove_len(vocabulary_dict, glove_dict, wordvec_dim=50):
    """len(vocabulary) rows: right while the indices are contiguous (the visible check), wrong with gaps."""
    matrix = np.zeros((len(vocabulary_dict), wordvec_dim), np.float32)
    for word in vocabulary_dict:
        if word in glove_dict:
            matrix[vocabulary_dict[word], :] = np.asarray(glove_dict[word])
    return matrix


def _filter_glove_shift(step):
    def filter_glove(vocabulary_dict, glove_dict, wordvec_dim=50):
        matrix = np.zeros((len(vocabulary_dict), wordvec_dim), np.float32)
        for word, i in vocabulary_dict.items():
            if word in glove_dict and 0 <= i + step < len(matrix):
                matrix[i + step] = glove_dict[word]
        return matrix

    return filter_glove


def _filter_glove_dictionary_order(vocabulary_dict, glove_dict, wordvec_dim=50):
    matrix = np.zeros((max(vocabulary_dict.values()) + 1, wordvec_dim), np.float32)
    for row, word in enumerate(vocabulary_dict):
        if word in glove_dict:
            matrix[row] = glove_dict[word]
    return matrix


def _filter_glove_loud_random(vocabulary_dict, glove_dict, wordvec_dim=50):
    """Random rows from a standard normal: longer than most real GloVe vectors."""
    matrix = np.random.default_rng(0).normal(size=(len(vocabulary_dict), wordvec_dim)).astype("float32")
    for word, i in vocabulary_dict.items():
        if word in glove_dict:
            matrix[i] = glove_dict[word]
    return matrix


def _filter_glove_dropped(vocabulary_dict, glove_dict, wordvec_dim=50):
    """The third option the prompt rules out: leave the words GloVe lacks out."""
    kept = [w for w in sorted(vocabulary_dict, key=vocabulary_dict.get) if w in glove_dict]
    return np.stack([glove_dict[w] for w in kept]).astype(np.float32)


def _filter_glove_borrowed(vocabulary_dict, glove_dict, wordvec_dim=50):
    """A missing word gets some GloVe word's vector (the first of glove_dict): it pretends to be that word."""
    matrix = np.tile(np.asarray(next(iter(glove_dict.values())), np.float32), (max(vocabulary_dict.values()) + 1, 1))
    for word, i in vocabulary_dict.items():
        if word in glove_dict:
            matrix[i] = glove_dict[word]
    return matrix


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_filter_glove_slides, "one row too many"),
        (lambda v, g, d=50: filter_glove_ok(v, g, d).astype("float64"), "expected float32"),
        (_filter_glove_shift(-1), "one row before its word's index"),
        (_filter_glove_shift(+1), "one row after its word's index"),
        (_filter_glove_loud_random, "is not below the median length"),
        (_filter_glove_borrowed, "holds a GloVe vector, but glove_dict has no vector"),
        (_filter_glove_dropped, "the words GloVe lacks were left out"),
        (lambda v, g, d=50: (filter_glove_ok(v, g, d), 0.9), "expected only the embedding matrix"),
        (lambda v, g, d=50: filter_glove_ok(v, g, d).tolist(), "expected a numpy array of dtype float32"),
        (lambda v, g, d=50: filter_glove_ok(v, g, d)[:-1], "one row too few"),
        (_filter_glove_dictionary_order, "filled the rows in the dictionary's order"),
    ],
)
def test_filter_glove_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_filter_glove(wrong, coverage_ok)


def test_filter_glove_hidden_test_has_indices_no_word_owns(capsys, fails_with):
    """len(vocabulary_dict) rows passes the visible check (contiguous indices) and fails the hidden test."""
    checks.check_filter_glove(_filter_glove_len, coverage_ok)
    assert "visible checks passed" in capsys.readouterr().out
    for kwargs in HIDDEN_FILTER_GLOVE:
        with fails_with("filter_glove raised IndexError"):  # a word's index beyond the rows it made
            checks.check_filter_glove(_filter_glove_len, coverage_ok, visible=False, **kwargs)


def test_filter_glove_names_a_row_count_taken_from_the_number_of_words(fails_with):
    def guarded(vocabulary_dict, glove_dict, wordvec_dim=50):
        matrix = np.zeros((len(vocabulary_dict), wordvec_dim), np.float32)
        for word, i in vocabulary_dict.items():
            if word in glove_dict and i < len(matrix):
                matrix[i] = glove_dict[word]
        return matrix

    with fails_with("one per entry of the vocabulary"):
        checks.check_filter_glove(guarded, coverage_ok, visible=False, **HIDDEN_FILTER_GLOVE[1])


def _real_words(vocabulary_dict):
    return [w for w, i in vocabulary_dict.items() if i >= 2]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda v, g: 100 * coverage_ok(v, g), "a percentage"),
        (lambda v, g: 1 - coverage_ok(v, g), "the share of words WITHOUT a GloVe vector"),
        (lambda v, g: sum(w in g for w in v) / len(v), "counted the reserved entries"),
        (lambda v, g: sum(w in g for w in v) / len(g), "divided by the number of GloVe words"),
        (lambda v, g: sum(w in g for w in _real_words(v)), "the number of words found, not a share"),
        (lambda v, g: len(g) / len(v), "expected 0.857143: 30 of the vocabulary's 35 real words"),
    ],
)
def test_glove_coverage_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_filter_glove(filter_glove_ok, wrong)


# ---------------------------------------------------------------- 5. the classifier
def build_classifier_ok(num_words, maxlen, embedding_dim, embedding_matrix=None, trainable=True, num_units=32):
    initializer = "uniform" if embedding_matrix is None else keras.initializers.Constant(embedding_matrix)
    return keras.Sequential(
        [
            keras.Input(shape=(maxlen,), dtype="int32"),
            keras.layers.Embedding(num_words, embedding_dim, embeddings_initializer=initializer, trainable=trainable),
            keras.layers.Dense(num_units, activation="relu"),
            keras.layers.GlobalMaxPooling1D(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def build_classifier_functional(num_words, maxlen, embedding_dim, embedding_matrix=None, trainable=True, num_units=32):
    """Another style: the functional API, weights=[matrix], Conv1D(kernel_size=1) as the per-word layer."""
    inputs = keras.Input(shape=(maxlen,))
    weights = None if embedding_matrix is None else [embedding_matrix]
    x = keras.layers.Embedding(num_words, embedding_dim, weights=weights, trainable=trainable)(inputs)
    x = keras.layers.Conv1D(num_units, 1, activation="relu")(x)
    x = keras.layers.GlobalMaxPool1D()(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def classifier_parameters_ok(num_words, maxlen, embedding_dim, num_units, trainable):
    embedding = num_words * embedding_dim
    rest = embedding_dim * num_units + num_units + num_units + 1
    return (embedding + rest, 0) if trainable else (rest, embedding)


def classifier_parameters_by_layer(num_words, maxlen, embedding_dim, num_units, trainable):
    """Another style: a list of (weights, trainable) per layer, summed; a list, not a tuple."""
    layers = [
        (num_words * embedding_dim, trainable),  # Embedding
        (embedding_dim * num_units + num_units, True),  # per-word Dense
        (0, True),  # GlobalMaxPooling1D
        (num_units * 1 + 1, True),  # output Dense
    ]
    return [sum(n for n, t in layers if t), sum(n for n, t in layers if not t)]


@pytest.mark.parametrize(
    "solution, parameters",
    [
        (build_classifier_ok, classifier_parameters_ok),
        (build_classifier_functional, classifier_parameters_by_layer),
    ],
)
def test_classifier_accepts_correct_solutions(solution, parameters, capsys):
    checks.check_build_classifier(solution, parameters)
    checks.check_build_classifier(
        solution, parameters, num_words=31, maxlen=9, embedding_dim=5, num_units=3, seed=2, visible=False
    )
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out


def test_classifier_prediction_reference_matches_keras():
    """The check's arithmetic is what Keras counts, for both settings of trainable and several sizes."""
    from rnncourse.checks.l03_embeddings import build_classifier as classifier_checks

    for sizes in ((40, 12, 6, 4), (31, 9, 5, 3), (7, 1, 2, 9)):
        for trainable in (True, False):
            model = build_classifier_ok(*sizes[:3], None, trainable, sizes[3])
            counted = tuple(
                sum(int(np.prod(w.shape)) for w in ws) for ws in (model.trainable_weights, model.non_trainable_weights)
            )
            assert classifier_checks.expected_counts(*sizes, trainable) == counted


def _classifier(
    *,
    ignore_trainable=False,
    ignore_matrix=False,
    pooling=keras.layers.GlobalMaxPooling1D,
    input_length=False,
    last="sigmoid",
    dense_after_pool=False,
    per_word_activation="relu",
    extra_dense=False,
):
    def build(num_words, maxlen, embedding_dim, embedding_matrix=None, trainable=True, num_units=32):
        kwargs = {}
        if embedding_matrix is not None and not ignore_matrix:
            kwargs["embeddings_initializer"] = keras.initializers.Constant(embedding_matrix)
        if not ignore_trainable:
            kwargs["trainable"] = trainable
        if input_length:
            kwargs["input_length"] = maxlen
        layers = [] if input_length else [keras.Input(shape=(maxlen,))]
        layers.append(keras.layers.Embedding(num_words, embedding_dim, **kwargs))
        dense = keras.layers.Dense(num_units, activation=per_word_activation)
        layers += [pooling(), dense] if dense_after_pool else [dense, pooling()]
        if extra_dense:
            layers.append(keras.layers.Dense(num_units, activation="relu"))
        layers.append(keras.layers.Dense(1, activation=last))
        return keras.Sequential(layers)

    return build


def _lstm_classifier(num_words, maxlen, embedding_dim, embedding_matrix=None, trainable=True, num_units=32):
    """Reads the words in order: an LSTM instead of detectors and a maximum."""
    init = "uniform" if embedding_matrix is None else keras.initializers.Constant(embedding_matrix)
    return keras.Sequential(
        [
            keras.Input(shape=(maxlen,)),
            keras.layers.Embedding(num_words, embedding_dim, embeddings_initializer=init, trainable=trainable),
            keras.layers.LSTM(num_units),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


@pytest.mark.filterwarnings("ignore:Argument `input_length` is deprecated", "ignore:You are using a softmax")
@pytest.mark.parametrize(
    "wrong, message",
    [
        (_classifier(ignore_trainable=True), "built an Embedding layer with trainable=True"),
        (_classifier(ignore_matrix=True), "initial weights are not embedding_matrix"),
        (_classifier(pooling=keras.layers.GlobalAveragePooling1D), "an average over the positions does"),
        (_classifier(pooling=keras.layers.Flatten), "changed when the words of a review were reversed"),
        (_lstm_classifier, "changed when the words of a review were reversed"),
        (_classifier(input_length=True), "Keras 3 ignores the Embedding's input_length"),
        (_classifier(last="softmax"), "expected sigmoid"),
        (_classifier(dense_after_pool=True), "is applied to every word before the pooling"),
        (_classifier(per_word_activation="tanh"), "activation tanh; expected relu"),
        (_classifier(extra_dense=True), "the model described has 273 and 0"),
        (lambda *a, **k: "model", "expected a keras.Model"),
    ],
)
def test_classifier_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_build_classifier(wrong, classifier_parameters_ok)


def _prediction(trainable_part, frozen_part=None):
    """A wrong prediction: (trainable, non-trainable) from two formulas of (n, L, d, u)."""

    def classifier_parameters(n, L, d, u, trainable):
        if frozen_part is not None:
            return frozen_part(n, L, d, u, trainable)
        embedding, rest = trainable_part(n, L, d, u)
        return (embedding + rest, 0) if trainable else (rest, embedding)

    return classifier_parameters


def _builds_a_model_to_count(n, L, d, u, trainable):
    model = build_classifier_ok(n, L, d, None, trainable, u)
    return (
        sum(int(np.prod(w.shape)) for w in model.trainable_weights),
        sum(int(np.prod(w.shape)) for w in model.non_trainable_weights),
    )


def _float32_arithmetic(n, L, d, u, trainable):
    return classifier_parameters_ok(np.float32(n), L, np.float32(d), np.float32(u), trainable)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            _prediction(lambda n, L, d, u: (n * d, L * (d * u + u) + u + 1)),
            "counts the word detectors' weights once per position (maxlen times)",
        ),
        (
            _prediction(lambda n, L, d, u: (n * d, d * u + u + L * u + 1)),
            "gives the output layer one weight per position and detector",
        ),
        (_prediction(lambda n, L, d, u: (L * d, d * u + u + u + 1)), "counts the embedding as maxlen x embedding_dim"),
        (_prediction(lambda n, L, d, u: (n * d, d * u + u)), "leaves out the biases"),
        (
            _prediction(None, lambda n, L, d, u, t: classifier_parameters_ok(n, L, d, u, True)),
            "counts the frozen embedding as trainable",
        ),
        (
            _prediction(None, lambda n, L, d, u, t: (classifier_parameters_ok(n, L, d, u, t)[0], 0)),
            "leaves the frozen embedding out",
        ),
        (
            _prediction(None, lambda n, L, d, u, t: classifier_parameters_ok(n, L, d, u, t)[::-1]),
            "returns (non-trainable, trainable), the wrong order",
        ),
        (_builds_a_model_to_count, "No model that size can be built"),
        (_float32_arithmetic, "does it use a float or a fixed-size integer that rounds?"),
        (lambda n, L, d, u, t: n * d, "expected a tuple of two whole numbers"),
        (lambda n, L, d, u, t: (1.5, 0), "the trainable count"),
    ],
)
def test_classifier_prediction_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_build_classifier(build_classifier_ok, wrong)


# ---------------------------------------------------------------- 6. the transfer gain over seeds
def _words(mean, se):
    """The course's words, written out here as a student would (the check has its own)."""
    if mean > 2 * se:
        return "ahead"
    return "behind" if mean < -2 * se else "ties"


def transfer_gain_ok(runs, variant, baseline="scratch"):
    gains = np.array([run[variant] - run[baseline] for run in runs], dtype=float)
    mean, se = float(gains.mean()), float(gains.std(ddof=1) / np.sqrt(len(gains)))
    return mean, se, _words(mean, se)


def transfer_gain_statistics(runs, variant, baseline="scratch"):
    gains = [run[variant] - run[baseline] for run in runs]
    mean, se = statistics.mean(gains), statistics.stdev(gains) / math.sqrt(len(gains))
    return mean, se, "Ahead " if abs(mean) > 2 * se and mean > 0 else ("Behind" if abs(mean) > 2 * se else "TIES")


def transfer_gain_per_key(runs, variant, baseline="scratch"):
    accuracies = {key: np.array([run[key] for run in runs]) for key in (variant, baseline)}
    gains = accuracies[variant] - accuracies[baseline]
    se = np.std(gains, ddof=1) / np.sqrt(gains.size)
    return [gains.mean(), se, np.str_(_words(gains.mean(), se))]


def transfer_gain_float32(runs, variant, baseline="scratch"):
    """As a tf.constant of Python floats would compute it: in float32."""
    ours = np.array([run[variant] for run in runs], dtype=np.float32)
    theirs = np.array([run[baseline] for run in runs], dtype=np.float32)
    gains = ours - theirs
    se = gains.std(ddof=1) / np.float32(np.sqrt(gains.size))
    return gains.mean(), se, _words(gains.mean(), se)


def test_transfer_gain_reference_passes_visible_and_hidden(capsys):
    checks.check_transfer_gain(gain_checks.reference_report)
    checks.check_transfer_gain(gain_checks.reference_report, visible=False)
    out = capsys.readouterr().out
    assert "\u2714 transfer_gain: visible checks passed; hidden tests run at grading (" in out
    assert "\u2714 transfer_gain: hidden test passed (" in out


@pytest.mark.parametrize(
    "solution", [transfer_gain_ok, transfer_gain_statistics, transfer_gain_per_key, transfer_gain_float32]
)
def test_transfer_gain_accepts_correct_solutions(solution, capsys):
    checks.check_transfer_gain(solution)
    checks.check_transfer_gain(solution, visible=False)
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out


def test_transfer_gain_is_never_asked_about_fewer_than_two_seeds(capsys):
    sizes = []

    def recording(runs, variant, baseline="scratch"):
        sizes.append(len(runs))
        if len(runs) < 2:
            raise ValueError("a standard error needs at least two seeds")
        return transfer_gain_ok(runs, variant, baseline)

    checks.check_transfer_gain(recording)
    checks.check_transfer_gain(recording, visible=False)
    assert sizes == [3, 3, 3, 3, 2, 4, 6, 3, 5]


def test_transfer_gain_hidden_cases_hold_extra_keys_numpy_floats_and_a_tuple():
    cases = gain_checks._transfer_gain_cases(visible=False)
    assert any(isinstance(case.runs, tuple) for case in cases)
    assert any(type(case.runs[0]["scratch"]) is np.float64 for case in cases)
    assert all(set(run) > set(gain_checks.TRANSFER_KEYS) for case in cases for run in case.runs)


@pytest.mark.parametrize("visible", [True, False])
def test_transfer_gain_cases_tell_the_known_mistakes_apart(visible):
    """Every known mistake gives its own answer, far beyond the check's tolerance, on every input."""
    for case in gain_checks._transfer_gain_cases(visible):
        right = gain_checks.reference(case.runs, case.variant, case.effective_baseline)
        answers = {"right": right, **gain_checks._transfer_gain_mistake_answers(case)}
        assert len(answers) >= 10
        for key, answer in answers.items():  # far beyond the float32 allowance of the right answer
            gap = max(abs(answer[0] - right[0]), abs(answer[1] - right[1]))
            assert key == "right" or gap > 100 * gain_checks._GAIN_ATOL, (len(case.runs), key, gap)
        for (key1, one), (key2, other) in itertools.combinations(answers.items(), 2):
            if len(case.runs) == 2 and {key1, key2} == {"ddof0", "over_n"}:
                continue  # std * sqrt(1/2) / sqrt(2) = std / 2 on two seeds: the message names both
            for a, b in zip(one, other):  # a known mistake is matched to 1e-9: the gaps are far wider
                if a != b:
                    assert abs(a - b) > 1e-4 * max(abs(a), abs(b)), (len(case.runs), key1, key2, a, b)
            assert one != other, (len(case.runs), key1, key2)


def _gains(runs, variant, baseline):
    return np.array([run[variant] - run[baseline] for run in runs], dtype=float)


def _gain_with(se_of, *, sign=1.0, scale=1.0):
    """The right mean gain, with the standard error ``se_of(gains)`` (or a sign flipped, or in percent)."""

    def transfer_gain(runs, variant, baseline="scratch"):
        gains = sign * _gains(runs, variant, baseline)
        mean, se = scale * gains.mean(), scale * se_of(gains)
        return mean, se, _words(mean, se)  # the words follow the student's own numbers

    return transfer_gain


def _se(gains):
    return gains.std(ddof=1) / np.sqrt(gains.size)


def _unpaired(runs, variant, baseline="scratch"):
    ours = np.array([run[variant] for run in runs])
    theirs = np.array([run[baseline] for run in runs])
    n = len(runs)
    se_ours, se_theirs = ours.std(ddof=1) / np.sqrt(n), theirs.std(ddof=1) / np.sqrt(n)
    mean, se = ours.mean() - theirs.mean(), np.sqrt(se_ours**2 + se_theirs**2)
    return mean, se, _words(mean, se)


def _hard_coded_baseline(runs, variant, baseline="scratch"):
    return transfer_gain_ok(runs, variant, "scratch")


def _hard_coded_variant(runs, variant, baseline="scratch"):
    return transfer_gain_ok(runs, "glove_finetuned", baseline)


def _swapped(runs, variant, baseline="scratch"):
    mean, se, words = transfer_gain_ok(runs, variant, baseline)
    return se, mean, words


def _subtracts_in_place(runs, variant, baseline="scratch"):
    for run in runs:
        run[variant] -= run[baseline]
    gains = np.array([run[variant] for run in runs])
    return gains.mean(), _se(gains), _words(gains.mean(), _se(gains))


def _sorts_in_place(runs, variant, baseline="scratch"):
    runs.sort(key=lambda run: run[variant])  # the numbers stay right, the notebook's runs do not
    return transfer_gain_ok(runs, variant, baseline)


def _pops_the_baseline(runs, variant, baseline="scratch"):
    gains = np.array([run[variant] - run.pop(baseline) for run in runs])
    return gains.mean(), _se(gains), _words(gains.mean(), _se(gains))


UNPAIRED = "the standard error is too big: sqrt(se_variant² + se_baseline²) treats the two variants' runs"
DDOF0 = "The standard error uses the population standard deviation (ddof=0"
STD_NOT_SE = "is the standard deviation of the gains, not the standard error of their mean"
OVER_N = "divides the standard deviation by n instead of by sqrt(n)"
VARIANCE = "uses the variance of the gains where their standard deviation belongs"
SQUARED_SE = "is the square of the standard error"
SIGN = "The mean gain has the wrong sign: it is baseline minus variant."
PERCENT = "The numbers are in percent (×100)"


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_unpaired, UNPAIRED),
        (_unpaired, "seed s gives both the same shuffling and the same initial weights"),
        (_gain_with(lambda g: g.std() / np.sqrt(g.size)), DDOF0),
        (_gain_with(lambda g: g.std(ddof=1)), STD_NOT_SE),
        (_gain_with(lambda g: g.std(ddof=1) / g.size), OVER_N),
        (_gain_with(lambda g: g.var(ddof=1) / np.sqrt(g.size)), VARIANCE),
        (_gain_with(lambda g: g.var(ddof=1) / g.size), SQUARED_SE),
        (_gain_with(_se, sign=-1.0), SIGN),
        (_gain_with(_se, scale=100.0), PERCENT),
        (_gain_with(lambda g: g.std(ddof=1), scale=100.0), f"{PERCENT}"),
        (_swapped, "The two numbers are in the wrong order."),
        (_hard_coded_baseline, "It returned the gain over 'scratch', not over baseline='glove_frozen'"),
        (_hard_coded_variant, "It returned the gain of 'glove_finetuned', not of variant='glove_frozen'"),
        (_gain_with(lambda g: g.std(ddof=1) / np.sqrt(g.size - 1)), "The mean gain is right; the standard error"),
        (_gain_with(_se, scale=0.5), "transfer_gain(runs, 'glove_finetuned') on 3 seeds returned (0.0237, 0.0023); "),
        (
            lambda runs, variant, baseline="scratch": (float(np.median(_gains(runs, variant, baseline))), 0.01, "ties"),
            "expected (mean_gain, standard_error) = (0.0473, 0.0047).",
        ),
        (lambda runs, variant, baseline="scratch": np.array(transfer_gain_ok(runs, variant, baseline)), "a ndarray"),
        (lambda runs, variant, baseline="scratch": transfer_gain_ok(runs, variant, baseline)[0], "returned a float;"),
        (lambda runs, variant, baseline="scratch": (*transfer_gain_ok(runs, variant, baseline), 0), "of length 4"),
        (lambda runs, variant, baseline="scratch": None, "returned None"),
        (lambda runs, variant, baseline="scratch": (0.01, "0.004", "ties"), "[1] (standard_error) returned a str"),
        (lambda runs, variant, baseline="scratch": transfer_gain_ok(runs, variant, baseline)[:2], "of length 2"),
        (lambda runs, variant, baseline: (0.01, 0.004), "missing 1 required positional argument: 'baseline'"),
        (_subtracts_in_place, "changed the runs it was given: runs[0]['glove_finetuned'] was 0.736 and is now 0.046"),
        (_sorts_in_place, "changed the runs it was given: runs[0]['scratch'] was 0.69 and is now 0.652"),
        (_pops_the_baseline, "changed the runs it was given: runs[0] lost its key 'scratch'"),
    ],
)
def test_transfer_gain_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_transfer_gain(wrong)


def test_transfer_gain_unpaired_is_named_with_its_consequence_in_words(fails_with):
    """Deciding not to pair: the feedback says the words it would give (a tie) against the paired gain's (ahead)."""
    with fails_with(
        "transfer_gain(runs, 'glove_finetuned') on 3 seeds returned (0.0473, 0.0240); expected (mean_gain, "
        "standard_error) = (0.0473, 0.0047)."
    ) as failure:
        checks.check_transfer_gain(_unpaired)
    assert UNPAIRED in str(failure.value)
    assert (
        str(failure.value)
        .split("\nHint:")[0]
        .endswith("With those numbers the words would be 'ties'; the paired gain says 'ahead'.")
    )


def _numbers_with(words_of):
    """The right numbers with the words ``words_of(mean, se)``."""

    def transfer_gain(runs, variant, baseline="scratch"):
        mean, se, _ = transfer_gain_ok(runs, variant, baseline)
        return mean, se, words_of(mean, se)

    return transfer_gain


@pytest.mark.parametrize(
    "wrong, message",
    [
        pytest.param(
            _numbers_with(lambda m, s: "ahead" if m > s else ("behind" if m < -s else "ties")),
            "transfer_gain(runs, 'glove_frozen') returned 'ahead'; expected 'ties': the mean gain (+0.0113) is only "
            "1.5 standard errors (0.0075) from zero: the course's rule calls that a tie.\nHint: a gain within two",
            id="one-standard-error",
        ),
        pytest.param(
            _numbers_with(lambda m, s: "ahead" if m > 0 else "behind"),
            "returned 'ahead'; expected 'ties': the mean gain (+0.0113) is only 1.5 standard errors",
            id="sign-alone",
        ),
        pytest.param(
            _numbers_with(lambda m, s: "ties"),
            "transfer_gain(runs, 'glove_finetuned') returned 'ties'; expected 'ahead': the mean gain (+0.0473) is "
            "10.1 standard errors (0.0047) from zero, well beyond two",
            id="always-ties",
        ),
        pytest.param(
            _numbers_with(lambda m, s: {"ahead": "behind", "behind": "ahead"}.get(_words(m, s), "ties")),
            "returned 'behind'; expected 'ahead': the mean gain (+0.0473) is on the other side of zero.\nHint: the "
            "words describe the variant against the baseline",
            id="reversed",
        ),
        pytest.param(
            _numbers_with(lambda m, s: f"ahead by {m:.3f} ± {s:.3f}"),
            "returned the words 'ahead by 0.047 ± 0.005'; expected one of 'ahead', 'behind' or 'ties'",
            id="a-sentence",
        ),
        pytest.param(_numbers_with(lambda m, s: m > 2 * s), "returned bool as its words", id="a-bool"),
    ],
)
def test_transfer_gain_words_follow_the_numbers(wrong, message, fails_with):
    with fails_with(message):
        checks.check_transfer_gain(wrong)
    with fails_with("transfer_gain(runs, "):
        checks.check_transfer_gain(wrong, visible=False)


def test_transfer_gain_cases_hold_every_verdict_far_from_the_rule():
    """Visible and hidden runs hold all three words, each at least 20 % away from two standard errors."""
    seen = set()
    for visible in (True, False):
        for case in gain_checks._transfer_gain_cases(visible):
            mean, se = gain_checks.reference(case.runs, case.variant, case.effective_baseline)
            assert abs(abs(mean) / se / 2 - 1) > 0.2, (visible, case.variant)
            seen.add((visible, gain_checks.words_for(mean, se)))
    assert seen == {(visible, words) for visible in (True, False) for words in gain_checks.VERDICTS}


def test_transfer_gain_names_both_mistakes_of_a_reversed_population_std(fails_with):
    with fails_with(SIGN) as failure:
        checks.check_transfer_gain(_gain_with(lambda g: g.std() / np.sqrt(g.size), sign=-1.0))
    assert DDOF0 in str(failure.value)


def test_transfer_gain_names_both_mistakes_of_a_percent_population_std(fails_with):
    with fails_with(f"{PERCENT}; return them as fractions") as failure:
        checks.check_transfer_gain(_gain_with(lambda g: g.std() / np.sqrt(g.size), scale=100.0))
    assert DDOF0 in str(failure.value)


def test_transfer_gain_mutation_leaves_the_check_s_own_runs_alone(fails_with):
    before = [dict(run) for run in gain_checks._VISIBLE_RUNS]
    with fails_with("changed the runs it was given"):
        checks.check_transfer_gain(_subtracts_in_place)
    assert [dict(run) for run in gain_checks._VISIBLE_RUNS] == before
    checks.check_transfer_gain(transfer_gain_ok)


def _by_position(runs, variant, baseline="scratch"):
    """Reads the accuracies by their position in the dict: right only when the dicts hold the three keys in order."""
    columns = np.array([list(run.values()) for run in runs], dtype=float)
    order = gain_checks.TRANSFER_KEYS
    gains = columns[:, order.index(variant)] - columns[:, order.index(baseline)]
    return gains.mean(), _se(gains), _words(gains.mean(), _se(gains))


def _copies_with_list_copy(runs, variant, baseline="scratch"):
    runs = runs.copy()  # a tuple has no .copy()
    return transfer_gain_ok(runs, variant, baseline)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_by_position, "transfer_gain(runs, 'glove_finetuned') on 2 seeds returned ("),
        (_copies_with_list_copy, "transfer_gain raised AttributeError: 'tuple' object has no attribute 'copy'"),
        # On two seeds ddof=0 and dividing by n give the same number: the message names both.
        (
            _gain_with(lambda g: g.std() / np.sqrt(g.size)),
            f"2 known mistakes give this standard error. Either: {DDOF0}",
        ),
        (_gain_with(lambda g: g.std(ddof=1) / g.size), OVER_N),
        (_unpaired, UNPAIRED),
    ],
)
def test_transfer_gain_hidden_rejects_what_the_visible_check_lets_through_or_names(wrong, message, fails_with):
    if wrong in (_by_position, _copies_with_list_copy):
        checks.check_transfer_gain(wrong)  # the visible check cannot see these
    with fails_with(message):
        checks.check_transfer_gain(wrong, visible=False)
