"""Exercise ``fit_ngram_baseline``: a bag of word pairs, built, fitted and evaluated, the notebook's exercise 7.

``fit_ngram_baseline(train, test, epochs)`` returns ``(model, test_accuracy)``. The check passes its
own reviews (disjoint training and test sets from the course's training split; every test review
carries a word no training review has), reads the vectorizer's settings and the layers off the
returned model, and compares the returned accuracy with what the model scores on the test reviews.
It also scores the model on reviews the student never receives: a model that scores far better on
the test reviews it was given than on those was trained or tuned on the test set. The settings
(n-gram lengths, weighting, vocabulary size, dropout, optimiser) are the student's to choose: the
check verifies their consequences (a bag, word pairs, the accuracy on unseen reviews), not the
values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import CheckFailure, activation_name, as_float, call_student, fail, report_pass
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
        hint="the model reads raw review strings, one per row: its Input takes strings, and the "
        "TextVectorization layer comes first.",
    )


#: The output modes that make a bag: one entry per vocabulary item, however long the review.
BAG_MODES = ("multi_hot", "count", "tf_idf")


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
    shout: bool = False,
    visible: bool = True,
) -> None:
    """``fit_ngram_baseline(train, test, epochs)`` builds, trains and evaluates the bag-of-bigrams model.

    The settings are the student's decisions (what the bag counts, how entries are weighted, the
    vocabulary size, the regularisation, the optimiser); the check verifies their consequences.
    It passes its own reviews (disjoint training and test sets from the course's training
    split), then reads the returned model: a ``TextVectorization`` whose output is a bag
    (:data:`BAG_MODES`) that counts word pairs, adapted on the training texts only (every test
    review carries a word no training review has: if the vocabulary holds it, the vectorizer saw
    the test set), and a ``Dense(1, sigmoid)`` at the end. ``shout=True`` (the hidden test) writes
    the test reviews in capitals: a bag that does not standardise them is named. The model must not score more than
    :data:`LEAK_GAP` better on the test reviews than on as many reviews the student never gets
    (trained on the test set). The returned accuracy must be what the returned model scores on the
    test reviews, and at least ``min_accuracy``.
    """
    __tracebackhide__ = True
    import keras

    name = "fit_ngram_baseline"
    train, test, unseen = _ngram_data(seed, num_train, num_test)
    plain_test = test[0]
    if shout:  # the test reviews in capitals, as some reviewers write: the same words to a standardising bag
        test, unseen = (
            (np.array([text.upper() for text in texts], dtype=object), labels) for texts, labels in (test, unseen)
        )
    seeded(seed)
    problem = ""
    try:
        returned = call_student(fit_ngram_baseline, train, test, epochs, name=name)
    except CheckFailure as exc:
        text = str(exc)
        if "must be a floating point tensor" not in text or "Dropout" not in text:
            raise
        problem = text.partition("\nHint: ")[0]
    if problem:  # raised outside the except block: one message, no chained traceback
        fail(
            f"{problem}\nThe vectorizer hands Dropout integers: the 'int', 'count' and 'multi_hot' output modes give "
            f"int64 values, and dropout scales the values it keeps (by 1 / (1 - rate)), which needs floats.",
            hint="choose a weighting whose values are floats (section 7 describes one), or drop out where the values "
            "are already floats, or no dropout: each is a decision to justify.",
        )
    if not isinstance(returned, tuple) or len(returned) != 2:
        fail(
            f"{name} returned a {type(returned).__name__}; expected a pair (model, test_accuracy).",
            hint="the function returns two things: the trained model and its test accuracy.",
        )
    model, accuracy = returned
    expect_model(model, name)
    vectorizers = [layer for layer in model.layers if isinstance(layer, keras.layers.TextVectorization)]
    if len(vectorizers) != 1:
        fail(
            f"{name}'s model has {len(vectorizers)} TextVectorization layers; expected one, as its first layer.",
            hint="the vectorizer is part of the model, right after its string Input, so the model reads raw text.",
        )
    settings = vectorizers[0].get_config()
    ngrams = settings.get("ngrams")
    counted = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else tuple(ngrams or ())
    mode = settings.get("output_mode")
    if mode not in BAG_MODES:
        fail(
            f"{name}'s vectorizer has output_mode {mode!r}: it turns a review into a sequence of word "
            f"indices, not a bag. The Dense layer then reads the index at each position as a magnitude "
            f"(word 900 'is more' than word 9), and a review's words count only where they stand.",
            hint="a bag has one entry per vocabulary item, however long the review: see the output modes of "
            "TextVectorization's documentation, and section 7's text on how an entry is weighted.",
        )
    if 2 not in counted:
        fail(
            f"the vectorizer's ngrams setting is {ngrams!r}: the bag holds no word pairs, so it cannot see "
            f"'not good' as different from 'good'.",
            hint="section 7's baseline counts neighbouring pairs too; TextVectorization's ngrams argument "
            "sets the lengths it counts.",
        )
    if _LEAK_TOKEN in set(vectorizers[0].get_vocabulary()):
        fail(
            f"{name} adapted its vectorizer on the test reviews too: its vocabulary holds a word that only the "
            "test reviews contain.",
            hint="adapt on the training texts only; the test set must not shape the model in any way.",
        )
    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense) or last.units != 1 or activation_name(last) != "sigmoid":
        fail(
            f"{name}'s model ends in {layer_kind(last)}; expected one unit with a sigmoid (a logistic regression).",
            hint="one probability of 'positive' per review, as every classifier of this lesson ends.",
        )
    claimed = as_float(accuracy, name=f"{name}'s test accuracy")
    probabilities = _predict_texts(model, test[0], name)
    measured = float(np.mean((probabilities > 0.5) == (test[1] == 1)))
    never_seen = float(np.mean((_predict_texts(model, unseen[0], name) > 0.5) == (unseen[1] == 1)))
    if measured - never_seen > LEAK_GAP:
        fail(
            f"{name}'s model scores {measured:.3f} on the test reviews it was given but {never_seen:.3f} on "
            f"{num_test} reviews it never saw: it was trained or tuned on the test set.",
            hint="fit on the training reviews only; the test reviews are for one final measurement, after every "
            "choice is made.",
        )
    if abs(claimed - measured) > 0.01:
        fail(
            f"{name} returned an accuracy of {claimed:.3f}, but the returned model scores {measured:.3f} on the "
            "test reviews.",
            hint="return the accuracy the trained model reaches on the test reviews, as evaluating it on them reports.",
        )
    if measured < min_accuracy and shout:
        plain = float(np.mean((_predict_texts(model, plain_test, name) > 0.5) == (test[1] == 1)))
        if plain >= min_accuracy:
            fail(
                f"{name}'s model scores {measured:.3f} on test reviews written in capitals but {plain:.3f} on the "
                f"same reviews in their own case: it reads 'GREAT!' and 'great' as different words.",
                hint="the vectorizer's standardisation decides which spellings are one word; look at its "
                "standardize argument (section 2 used the default).",
            )
    if measured < min_accuracy:
        fail(
            f"{name}'s model scores {measured:.3f} on the check's test reviews after {epochs} epochs; expected at "
            f"least {min_accuracy}.",
            hint="fit on the training texts for the given number of epochs with the binary cross-entropy; if it still "
            "learns too little, reconsider your choices: the weighting of the entries, the vocabulary size, "
            "the regularisation, the learning rate and the batch size.",
        )
    report_pass(name, visible=visible, detail=f"test accuracy {measured:.3f} on the check's {num_test} reviews")
