"""Exercise ``fit_ngram_baseline``: a bag of word pairs, built, fitted and evaluated, the notebook's exercise 7.

``fit_ngram_baseline(train, test, epochs)`` returns ``(model, test_accuracy)``. The check passes its
own reviews (disjoint training and test sets from the course's training split; every test review
carries a word no training review has), reads the vectorizer's settings and the layers off the
returned model, and compares the returned accuracy with what the model scores on the test reviews.
It also scores the model on reviews the student never receives: a model that scores far better on
the test reviews it was given than on those was trained or tuned on the test set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import activation_name, as_float, call_student, fail, report_pass
from .._errors import exception_summary
from .._keras import layer_kind
from ._common import expect_model, seeded

NAME = "fit_ngram_baseline"


def _predict_texts(model: Any, texts: Sequence[str] | np.ndarray, name: str) -> np.ndarray:
    """The model's probabilities for raw texts, given as a (n, 1) or, failing that, a (n,) batch."""
    __tracebackhide__ = True
    import tensorflow as tf

    problem = ""
    for shape in ((-1, 1), (-1,)):
        try:
            batch = tf.reshape(tf.constant(list(texts), dtype=tf.string), shape)
            return np.asarray(model.predict(batch, verbose=0, batch_size=256), dtype=np.float64).reshape(-1)
        except Exception as exc:  # noqa: BLE001
            problem = f"{type(exc).__name__}: {exception_summary(exc)}"
    fail(
        f"the model from {name} failed on a batch of review texts: {problem}",
        hint="start with keras.Input(shape=(1,), dtype='string') followed by the TextVectorization layer.",
    )


NGRAM_MAX_TOKENS = 40_000


NGRAM_DROPOUT = 0.5


_LEAK_TOKEN = "qzxvtestonlyword"  # put into every test review of the check, never into a training one

# An honest model's accuracies on two disjoint samples of ``num_test`` unseen reviews differ by
# about sqrt(2 p (1 - p) / num_test) = 0.023 (p = 0.85, 500 reviews): 0.08 is 3.5 of those.
# A model fitted on the test reviews scores about 0.99 on them, 0.14 above its unseen score.
LEAK_GAP = 0.08


def _ngram_data(seed: int, num_train: int, num_test: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Disjoint, label-balanced training, test and unseen reviews from the course's training split.

    The student's function gets the first two; the unseen ones (as many as the test reviews, with
    the same marker word) stay with the check. Texts come as numpy arrays of Python strings
    (dtype object), as the lesson passes them.
    """
    from ...data import load_imdb_reviews

    texts, labels = load_imdb_reviews("train")
    rng = np.random.default_rng(seed)
    rows = [rng.permutation(np.flatnonzero(labels == label)) for label in (0, 1)]
    half_train, half_test = num_train // 2, num_test // 2
    train_rows = rng.permutation(np.concatenate([r[:half_train] for r in rows]))
    test_rows = rng.permutation(np.concatenate([r[half_train : half_train + half_test] for r in rows]))
    unseen_rows = rng.permutation(
        np.concatenate([r[half_train + half_test : half_train + 2 * half_test] for r in rows])
    )
    train = (np.array([texts[i] for i in train_rows], dtype=object), labels[train_rows])
    test, unseen = (
        (np.array([f"{texts[i]} {_LEAK_TOKEN}" for i in part], dtype=object), labels[part])
        for part in (test_rows, unseen_rows)
    )
    return train, test, unseen


def check_fit_ngram_baseline(
    fit_ngram_baseline: Callable[..., Any],
    *,
    seed: int = 0,
    num_train: int = 2000,
    num_test: int = 500,
    epochs: int = 3,
    min_accuracy: float = 0.75,
    visible: bool = True,
) -> None:
    """``fit_ngram_baseline(train, test, epochs)`` builds, trains and evaluates the bag-of-bigrams model.

    The check passes its own reviews (disjoint training and test sets from the course's training
    split), then reads the returned model: a ``TextVectorization`` with unigrams and bigrams,
    tf-idf output and at most 40,000 entries, adapted on the training texts only (every test
    review carries a word no training review has: if the vocabulary holds it, the vectorizer saw
    the test set), ``Dropout(0.5)`` and ``Dense(1, sigmoid)``. The model must not score more than
    :data:`LEAK_GAP` better on the test reviews than on as many reviews the student never gets
    (trained on the test set). The returned accuracy must be what the returned model scores on the
    test reviews, and at least ``min_accuracy``.
    """
    __tracebackhide__ = True
    import keras

    name = "fit_ngram_baseline"
    train, test, unseen = _ngram_data(seed, num_train, num_test)
    seeded(seed)
    returned = call_student(fit_ngram_baseline, train, test, epochs, name=name)
    if not isinstance(returned, tuple) or len(returned) != 2:
        fail(
            f"{name} returned a {type(returned).__name__}; expected a pair (model, test_accuracy).",
            hint="end with `return model, accuracy`.",
        )
    model, accuracy = returned
    expect_model(model, name)
    vectorizers = [layer for layer in model.layers if isinstance(layer, keras.layers.TextVectorization)]
    if len(vectorizers) != 1:
        fail(
            f"{name}'s model has {len(vectorizers)} TextVectorization layers; expected one, as its first layer.",
            hint="keras.Sequential([keras.Input(shape=(1,), dtype='string'), vectorizer, ...]).",
        )
    settings = vectorizers[0].get_config()
    ngrams = settings.get("ngrams")
    counted = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else tuple(ngrams or ())
    if counted != (1, 2):
        fail(
            f"the vectorizer's ngrams setting is {ngrams!r}; the baseline counts single words and word pairs.",
            hint="TextVectorization(..., ngrams=2) counts unigrams and bigrams.",
        )
    if settings.get("output_mode") != "tf_idf":
        fail(
            f"the vectorizer's output_mode is {settings.get('output_mode')!r}; expected 'tf_idf'.",
            hint="output_mode='tf_idf' gives one weighted count per vocabulary entry (a bag), not a sequence.",
        )
    if settings.get("max_tokens") != NGRAM_MAX_TOKENS:
        fail(f"the vectorizer's max_tokens is {settings.get('max_tokens')}; expected {NGRAM_MAX_TOKENS:,}.")
    if _LEAK_TOKEN in set(vectorizers[0].get_vocabulary()):
        fail(
            f"{name} adapted its vectorizer on the test reviews too: its vocabulary holds a word that only the "
            "test reviews contain.",
            hint="adapt on the training texts only; the test set must not shape the model in any way.",
        )
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    if [round(float(layer.rate), 6) for layer in dropouts] != [NGRAM_DROPOUT]:
        fail(
            f"{name}'s model has dropout rates {[float(layer.rate) for layer in dropouts]}; expected one "
            f"Dropout({NGRAM_DROPOUT}) after the vectorizer.",
        )
    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense) or last.units != 1 or activation_name(last) != "sigmoid":
        fail(
            f"{name}'s model ends in {layer_kind(last)}; expected Dense(1, activation='sigmoid').",
            hint="one probability of 'positive' per review.",
        )
    claimed = as_float(accuracy, name=f"{name}'s test accuracy")
    probabilities = _predict_texts(model, test[0], name)
    measured = float(np.mean((probabilities > 0.5) == (test[1] == 1)))
    never_seen = float(np.mean((_predict_texts(model, unseen[0], name) > 0.5) == (unseen[1] == 1)))
    if measured - never_seen > LEAK_GAP:
        fail(
            f"{name}'s model scores {measured:.3f} on the test reviews it was given but {never_seen:.3f} on "
            f"{num_test} reviews it never saw: it was trained or tuned on the test set.",
            hint="fit on `train` only; the test reviews are for one final measurement, after every choice is made.",
        )
    if abs(claimed - measured) > 0.01:
        fail(
            f"{name} returned an accuracy of {claimed:.3f}, but the returned model scores {measured:.3f} on the "
            "test reviews.",
            hint="return model.evaluate(test texts, test labels)'s accuracy, after training.",
        )
    if measured < min_accuracy:
        fail(
            f"{name}'s model scores {measured:.3f} on the check's test reviews after {epochs} epochs; expected at "
            f"least {min_accuracy}.",
            hint="fit on the training texts for `epochs` epochs (Adam, binary cross-entropy).",
        )
    report_pass(name, visible=visible, detail=f"test accuracy {measured:.3f} on the check's {num_test} reviews")
