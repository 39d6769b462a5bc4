"""Lesson 04 checks: correct solutions (in several styles) pass, known-wrong ones fail with the right message."""

from __future__ import annotations

import math
import string

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnncourse import checks, models
from rnncourse.checks.l04_sentiment.diagnose import (
    _DIAGNOSIS_KEY,
    _DIAGNOSIS_MISTAKES,
    _FORMS,
    MARGIN_RANGE,
    UNDERFIT_RANGE,
    _answer_hash,
    _clear_curves,
    _consistency_curves,
    _curves_for,
    _hidden_clear_curves,
    _in_form,
)
from rnncourse.checks.l04_sentiment.diagnose import reference as reference_diagnose

L = keras.layers


# ---------------------------------------------------------------- make_vectorizer
def vectorizer_ok(texts, num_words, maxlen):
    layer = L.TextVectorization(max_tokens=num_words, output_mode="int", output_sequence_length=maxlen)
    layer.adapt(texts)
    return layer


def vectorizer_other_style(texts, num_words, maxlen):
    """Spelled-out defaults, adapted on a tf.data pipeline in batches."""
    layer = L.TextVectorization(
        max_tokens=num_words,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        output_sequence_length=maxlen,
        pad_to_max_tokens=False,
    )
    layer.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(7))
    return layer


def _vectorizer(**overrides):
    def make(texts, num_words, maxlen):
        kwargs = {"max_tokens": num_words, "output_sequence_length": maxlen}
        kwargs.update(overrides)
        layer = L.TextVectorization(**kwargs)
        layer.adapt(texts)
        return layer

    return make


def _lower_and_strip(texts):
    return tf.strings.regex_replace(tf.strings.lower(texts), r"[^\w\s]", "")


def vectorizer_own_standardize(texts, num_words, maxlen):
    """Another style: a standardize function of one's own that lower-cases and strips punctuation."""
    layer = L.TextVectorization(max_tokens=num_words, standardize=_lower_and_strip, output_sequence_length=maxlen)
    layer.adapt(texts)
    return layer


@pytest.mark.parametrize("solution", [vectorizer_ok, vectorizer_other_style, vectorizer_own_standardize])
def test_vectorizer_accepts_correct_solutions(solution, capsys):
    checks.check_make_vectorizer(solution)
    checks.check_make_vectorizer(solution, seed=3, num_texts=80, num_words=20, maxlen=9, visible=False)
    checks.check_make_vectorizer(solution, seed=4, num_texts=40, num_words=500, maxlen=3, visible=False)
    out = capsys.readouterr().out
    assert "visible checks passed; hidden tests run at grading" in out and "hidden test passed" in out


def _not_adapted(texts, num_words, maxlen):
    return L.TextVectorization(max_tokens=num_words, output_sequence_length=maxlen)


def _adapted_on_half(texts, num_words, maxlen):
    return vectorizer_ok(texts[: len(texts) // 4], num_words, maxlen)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_vectorizer(output_sequence_length=None), "the output_sequence_length argument"),
        (lambda t, n, m: vectorizer_ok(t, n + 2, m), "the vocabulary limit counts every index"),
        (_not_adapted, "it was not adapted"),
        (_vectorizer(standardize=None), "neither lower-cases the texts nor strips their punctuation"),
        (_adapted_on_half, "vocabulary differs from the expected one"),
        (lambda t, n, m: vectorizer_ok(t, n, m)(t), "the adapted keras.layers.TextVectorization layer itself"),
        (lambda t, n, m: {"vocabulary": []}, "expected a keras.layers.TextVectorization"),
        (_vectorizer(output_sequence_length=None, output_mode="multi_hot"), "expected ['', '[UNK]']"),
    ],
)
def test_vectorizer_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message):
        checks.check_make_vectorizer(wrong)


HIDDEN_VECTORIZER_CALLS = [
    {},
    {"seed": 3, "num_texts": 80, "num_words": 20, "maxlen": 9, "visible": False},
    {"seed": 4, "num_texts": 40, "num_words": 500, "maxlen": 3, "visible": False},
]


@pytest.mark.parametrize("kwargs", HIDDEN_VECTORIZER_CALLS)
@pytest.mark.parametrize(
    "wrong, message, hint",
    [
        # Lower-cases only: the problem is punctuation, not whitespace (nor max_tokens).
        (
            _vectorizer(standardize="lower"),
            "the vectorizer keeps punctuation: it reads 'film.'",
            "does not strip punctuation",
        ),
        (_vectorizer(standardize=tf.strings.lower), "the vectorizer keeps punctuation", "does not strip punctuation"),
        (
            _vectorizer(standardize="strip_punctuation"),
            "the vectorizer keeps upper case: it reads 'FILM'",
            "does not lower-case",
        ),
        (
            _vectorizer(standardize=None),
            "neither lower-cases the texts nor strips their punctuation",
            "None turns both off",
        ),
    ],
)
def test_vectorizer_names_the_standardisation_that_is_missing(wrong, message, hint, kwargs):
    with pytest.raises(checks.CheckFailure) as failure:
        checks.check_make_vectorizer(wrong, **kwargs)
    text, _, hint_text = str(failure.value).partition("\nHint: ")
    assert message in text and hint in hint_text
    assert "whitespace" not in hint_text and "max_tokens" not in hint_text


def test_vectorizer_split_mistakes_still_get_the_split_hint(fails_with):
    with fails_with("split on whitespace (the default)"):
        checks.check_make_vectorizer(_vectorizer(split="character"))


def test_vectorizer_not_implemented_gets_feedback(fails_with):
    def not_done(texts, num_words, maxlen):
        raise NotImplementedError()

    with fails_with("not implemented yet"):
        checks.check_make_vectorizer(not_done)


def choose_held_out(texts, num_words=10_000, maxlen=300, fraction=5, in_sample=False):
    """Estimates on a fifth of the texts, with a vocabulary adapted on the rest."""
    held_out = len(texts) // fraction
    vocabulary = L.TextVectorization(max_tokens=num_words)
    vocabulary.adapt(texts if in_sample else texts[held_out:])
    indices = np.asarray(vocabulary(texts if in_sample else texts[:held_out]))
    tokens = indices[indices > 0]
    lengths = (indices > 0).sum(axis=1)
    return {
        "num_words": num_words,
        "maxlen": maxlen,
        "coverage": float(np.mean(tokens >= 2)),
        "truncated": float(np.mean(lengths > maxlen)),
    }


def choose_by_counting(texts):
    """Another style: the course's make_vectorizer for the vocabulary, Python counting, a half held out."""
    half = len(texts) // 2
    vocabulary = set(vectorizer_ok(texts[half:], 5_000, 1).get_vocabulary()[2:])
    words = [str(text).lower().translate(str.maketrans("", "", string.punctuation)).split() for text in texts[:half]]
    known = sum(word in vocabulary for review in words for word in review)
    return {
        "num_words": 5_000,
        "maxlen": 150,
        "coverage": known / sum(map(len, words)),
        "truncated": sum(len(review) > 150 for review in words) / len(words),
    }


@pytest.mark.parametrize("choose", [choose_held_out, choose_by_counting])
def test_choose_vectorizer_accepts_predictions_made_on_held_out_reviews(choose, capsys):
    checks.check_make_vectorizer(vectorizer_ok, choose=choose)
    checks.check_make_vectorizer(vectorizer_ok, choose=choose, **HIDDEN_VECTORIZER_CALLS[1], num_choice_texts=1500)
    out = capsys.readouterr().out
    assert out.count("choose_vectorizer num_words") == 2


def test_choose_vectorizer_consequences_agree_with_the_lesson_vectorizer():
    from rnncourse.checks.l04_sentiment.make_vectorizer import consequences

    texts = ["a b c d", "a b", "a e"]
    got = consequences(texts, ["a b z z z", "c"], num_words=4, maxlen=3)  # vocabulary '', [UNK], a, b
    assert got == {"coverage": pytest.approx(2 / 6), "truncated": 0.5}


@pytest.mark.parametrize(
    "choose, message",
    [
        (lambda t: choose_held_out(t, num_words=20_000, in_sample=True), "looks measured there"),
        (lambda t: {**choose_held_out(t), "coverage": 0.99}, "predicts a coverage of 0.990"),
        (lambda t: {**choose_held_out(t), "truncated": 0.9}, "of the reviews are truncated"),
        (lambda t: {**choose_held_out(t), "maxlen": 0}, "at least one token"),
        (lambda t: (10_000, 300), "expected a dict with the keys"),
        (lambda t: {**choose_held_out(t), "coverage": "high"}, "coverage"),
    ],
)
def test_choose_vectorizer_names_the_mistake(choose, message, fails_with):
    with fails_with(message):
        checks.check_make_vectorizer(vectorizer_ok, choose=choose)


# ---------------------------------------------------------------- build_lstm_classifier
def lstm_functional(num_words, embedding_dim, num_units, num_layers):
    """Another style: the functional API."""
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = L.Embedding(num_words, embedding_dim)(inputs)
    for index in range(num_layers):
        x = L.LSTM(num_units, return_sequences=index < num_layers - 1)(x)
    return keras.Model(inputs, L.Dense(1, activation="sigmoid")(x))


def _lstm(
    *,
    layer=L.LSTM,
    return_sequences="auto",
    head=("sigmoid", 1),
    embedding=True,
    embedding_dim_delta=0,
    units_delta=0,
    extra_dense=False,
    frozen=False,
    name=None,
):
    def build(num_words, embedding_dim, num_units, num_layers):
        layers = [keras.Input(shape=(None,), dtype="int32")]
        if embedding:
            layers.append(L.Embedding(num_words, embedding_dim + embedding_dim_delta))
        else:
            layers = [keras.Input(shape=(None, 1))]
        for index in range(num_layers):
            rs = index < num_layers - 1 if return_sequences == "auto" else return_sequences
            layers.append(layer(num_units + units_delta, return_sequences=rs))
        if extra_dense:
            layers.append(L.Dense(4, activation="relu"))
        layers.append(L.Dense(head[1], activation=head[0], name=name))
        model = keras.Sequential(layers)
        if frozen:
            for lyr in model.layers:
                lyr.trainable = False
        return model

    return build


@pytest.mark.parametrize("solution", [models.build_lstm_classifier, lstm_functional])
def test_lstm_classifier_accepts_correct_solutions(solution, capsys):
    checks.check_build_lstm_classifier(solution)
    checks.check_build_lstm_classifier(solution, **LSTM_HIDDEN)
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out


LSTM_HIDDEN = {
    "num_words": 30,
    "embedding_dim": 5,
    "num_units": 4,
    "layer_counts": (3,),
    "lengths": (1, 40),
    "seed": 2,
    "visible": False,
    "train": False,
}


def _lstm_first_layer_only(num_words, embedding_dim, num_units, num_layers):
    """return_sequences on the first layer only: right for one and two layers, wrong for a middle layer."""
    layers = [keras.Input(shape=(None,), dtype="int32"), L.Embedding(num_words, embedding_dim)]
    layers += [L.LSTM(num_units, return_sequences=index == 0 and num_layers > 1) for index in range(num_layers)]
    return keras.Sequential([*layers, L.Dense(1, activation="sigmoid")])


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_lstm_first_layer_only, "must hand on its whole sequence of states"),
    ],
)
def test_lstm_classifier_hidden_test_catches_what_the_visible_one_cannot(wrong, message, capsys, fails_with):
    checks.check_build_lstm_classifier(wrong)
    assert "visible checks passed" in capsys.readouterr().out
    with fails_with(message):
        checks.check_build_lstm_classifier(wrong, **LSTM_HIDDEN)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_lstm(return_sequences=False), "must hand on its whole sequence of states"),
        (_lstm(return_sequences=True), "has return_sequences=True"),
        (_lstm(head=("softmax", 1)), "softmax over one unit always outputs exactly 1.0"),
        (_lstm(head=("softmax", 2)), "expected (batch, 1) = (16, 1)"),
        (_lstm(head=("relu", 1)), "activation is relu; expected sigmoid"),
        (_lstm(layer=L.GRU), "is a GRU; expected LSTM"),
        (_lstm(layer=L.SimpleRNN), "is a SimpleRNN; expected LSTM"),
        (_lstm(embedding=False), "has no Embedding layer"),
        (_lstm(embedding_dim_delta=1), "output_dim=9; expected embedding_dim = 8"),
        (_lstm(units_delta=2), "has 8 units; expected num_units = 6"),
        (_lstm(extra_dense=True), "parameters; the specified model has"),
        (_lstm(frozen=True), "no trainable weights"),
        (_lstm(name="output layer"), "contains a space"),
        (lambda *a: "model", "expected a keras.Model"),
    ],
)
def test_lstm_classifier_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message):
        checks.check_build_lstm_classifier(wrong)


def test_embedding_sized_by_the_wrong_argument_fails(fails_with):
    def swapped(num_words, embedding_dim, num_units, num_layers):
        return models.build_lstm_classifier(num_words + 1, embedding_dim, num_units, num_layers)

    with fails_with("input_dim=51; expected num_words = 50"):
        checks.check_build_lstm_classifier(swapped)


# ---------------------------------------------------------------- build_dropout_classifier
def dropout_functional(num_words, embedding_dim, num_units, dropout_rate):
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = L.Embedding(num_words, embedding_dim)(inputs)
    x = L.LSTM(num_units, recurrent_dropout=dropout_rate, dropout=dropout_rate)(x)
    x = L.Dropout(rate=dropout_rate)(x)
    return keras.Model(inputs, L.Dense(1, activation="sigmoid")(x))


def _dropout(dropout=True, recurrent=True, layer=True, layer_rate=None):
    def build(num_words, embedding_dim, num_units, dropout_rate):
        layers = [
            keras.Input(shape=(None,), dtype="int32"),
            L.Embedding(num_words, embedding_dim),
            L.LSTM(
                num_units,
                dropout=dropout_rate if dropout else 0.0,
                recurrent_dropout=dropout_rate if recurrent else 0.0,
            ),
        ]
        if layer:
            layers.append(L.Dropout(dropout_rate if layer_rate is None else layer_rate))
        layers.append(L.Dense(1, activation="sigmoid"))
        return keras.Sequential(layers)

    return build


def dropout_at_work_ok(dropout_rate):
    return {
        "inference_repeatable": True,
        "training_repeatable": False,
        "zeroed_share": dropout_rate,
        "kept_scale": 1 / (1 - dropout_rate),
    }


def dropout_at_work_numpy(dropout_rate):
    """Another style: numpy types, the scale written as a ratio of shares."""
    keep = np.float32(1 - dropout_rate)
    return {
        "kept_scale": np.float64(1.0) / keep,
        "zeroed_share": np.float64(dropout_rate),
        "training_repeatable": np.bool_(False),
        "inference_repeatable": np.bool_(True),
    }


HIDDEN_DROPOUT = {"num_words": 35, "embedding_dim": 4, "num_units": 7, "dropout_rate": 0.45, "seed": 3}


@pytest.mark.parametrize(
    "solution, prediction",
    [(models.build_dropout_classifier, dropout_at_work_ok), (dropout_functional, dropout_at_work_numpy)],
)
def test_dropout_classifier_accepts_correct_solutions(solution, prediction, capsys):
    checks.check_build_dropout_classifier(solution, prediction)
    checks.check_build_dropout_classifier(solution, prediction, visible=False, train=False, **HIDDEN_DROPOUT)
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out
    assert "kept entries x1.429, as predicted" in out


def test_dropout_measurement_passes_the_reference_for_many_seeds_and_rates(capsys):
    """The zeroed share is measured on 200,000 ones: far inside the tolerance for any seed and rate."""
    for seed in range(30):
        rate = (0.1, 0.3, 0.45, 0.6, 0.8)[seed % 5]
        checks.check_build_dropout_classifier(
            models.build_dropout_classifier,
            dropout_at_work_ok,
            num_words=20,
            embedding_dim=3,
            num_units=2,
            dropout_rate=rate,
            seed=seed,
            visible=False,
            train=False,
        )
    assert capsys.readouterr().out.count("hidden test passed") == 30


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_dropout(recurrent=False), "recurrent_dropout=0; expected dropout_rate = 0.3"),
        (_dropout(dropout=False), "has dropout=0; expected dropout_rate = 0.3"),
        (_dropout(layer=False), "no Dropout layer after the LSTM"),
        (_dropout(layer_rate=0.5), "rate=0.5; expected dropout_rate = 0.3"),
        (lambda n, e, u, r: models.build_lstm_classifier(n, e, u, 2), "2 recurrent layer(s); expected 1"),
    ],
)
def test_dropout_classifier_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message):
        checks.check_build_dropout_classifier(wrong, dropout_at_work_ok)


def _predicting(**changes):
    return lambda rate: {**dropout_at_work_ok(rate), **{k: v(rate) if callable(v) else v for k, v in changes.items()}}


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_predicting(inference_repeatable=False), "predicts inference_repeatable=False; your model"),
        (_predicting(training_repeatable=True), "predicts training_repeatable=True; your model"),
        (_predicting(zeroed_share=lambda r: 1 - r), "the share dropout keeps"),
        (_predicting(zeroed_share=lambda r: r / 2), "predicts zeroed_share=0.15"),
        (_predicting(kept_scale=1.0), "the original paper's dropout made up for it at prediction time"),
        (_predicting(kept_scale=lambda r: 1 - r), "that is the keep probability"),
        (_predicting(kept_scale=lambda r: 1 + r), "predicts kept_scale=1.3"),
        (_predicting(zeroed_share="30%"), "zeroed_share"),
        (_predicting(inference_repeatable="yes"), "expected True or False"),
        (lambda rate: [rate, 1 / (1 - rate)], "expected a dict with the keys"),
        (lambda rate: {"zeroed_share": rate}, "expected a dict with the keys"),
    ],
)
def test_dropout_prediction_rejects_known_wrong(wrong, message, fails_with):
    with fails_with(message):
        checks.check_build_dropout_classifier(models.build_dropout_classifier, wrong)


def test_dropout_prediction_of_the_visible_rate_fails_the_hidden_test(capsys, fails_with):
    """Numbers copied from the visible check's rate pass it, and fail the hidden test's other rate."""

    def memorised(rate):
        return {**dropout_at_work_ok(0.3)}

    checks.check_build_dropout_classifier(models.build_dropout_classifier, memorised, train=False)
    assert "visible checks passed" in capsys.readouterr().out
    with fails_with("dropout_at_work(0.45) predicts zeroed_share=0.3"):
        checks.check_build_dropout_classifier(
            models.build_dropout_classifier, memorised, visible=False, train=False, **HIDDEN_DROPOUT
        )


def test_dropout_prediction_is_compared_with_the_students_own_layer(fails_with):
    """The measurement is of the student's Dropout layer: a layer of its own that keeps values unscaled is seen."""

    class Unscaled(L.Dropout):
        def call(self, inputs, training=False):
            if not training:
                return inputs
            return inputs * keras.ops.cast(keras.random.uniform(keras.ops.shape(inputs)) >= self.rate, inputs.dtype)

    def build(num_words, embedding_dim, num_units, dropout_rate):
        return keras.Sequential(
            [
                keras.Input(shape=(None,), dtype="int32"),
                L.Embedding(num_words, embedding_dim),
                L.LSTM(num_units, dropout=dropout_rate, recurrent_dropout=dropout_rate),
                Unscaled(dropout_rate),
                L.Dense(1, activation="sigmoid"),
            ]
        )

    with fails_with("were multiplied by 1"):
        checks.check_build_dropout_classifier(build, dropout_at_work_ok, train=False)


# ---------------------------------------------------------------- best_epoch
def best_epoch_ok(history):
    return int(np.argmin(history["val_loss"])) + 1


def best_epoch_loop(history):
    best, best_loss = 1, float("inf")
    for epoch, loss in enumerate(history["val_loss"], start=1):
        if loss < best_loss:
            best, best_loss = epoch, loss
    return np.int64(best)


def best_epoch_min_key(history):
    """Another style: min over the epochs, keyed by their loss (min keeps the first of equal keys)."""
    losses = history["val_loss"]
    return min(range(1, len(losses) + 1), key=lambda epoch: losses[epoch - 1])


@pytest.mark.parametrize("solution", [best_epoch_ok, best_epoch_loop, best_epoch_min_key])
def test_best_epoch_accepts_correct_solutions(solution, capsys):
    checks.check_best_epoch(solution)
    checks.check_best_epoch(solution, seed=9, visible=False)
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda h: int(np.argmin(h["val_loss"])), "epochs are counted from 1"),
        (lambda h: int(np.argmin(h["loss"])) + 1, "where the *training* loss is lowest"),
        (lambda h: int(np.argmax(h["val_loss"])) + 1, "where the validation loss is highest"),
        (lambda h: float(np.min(h["val_loss"])), "expected a whole number"),
        (lambda h: None, "returned None"),
    ],
)
def test_best_epoch_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message):
        checks.check_best_epoch(wrong)


def _last_of_tied_minima(history):
    losses = np.asarray(history["val_loss"])
    return int(len(losses) - np.argmin(losses[::-1]))


def _loop_with_less_or_equal(history):
    best, best_loss = 1, float("inf")
    for epoch, loss in enumerate(history["val_loss"], start=1):
        if loss <= best_loss:
            best, best_loss = epoch, loss
    return best


@pytest.mark.parametrize("wrong", [_last_of_tied_minima, _loop_with_less_or_equal])
@pytest.mark.parametrize("seed", [0, 9])
def test_best_epoch_on_a_tie_is_the_first_minimum(wrong, seed, fails_with):
    with fails_with("returned 4 for val_loss = [0.550, 0.410, 0.470, 0.410, 0.440, 0.520]: epochs 2 and 4 tie"):
        checks.check_best_epoch(wrong, seed=seed, visible=seed == 0)
    with fails_with("expected the first of them, epoch 2.\nHint: on a tie, return the first epoch"):
        checks.check_best_epoch(wrong, seed=seed, visible=seed == 0)


# ---------------------------------------------------------------- diagnose
diagnose_ok = reference_diagnose  # the notebook's solution is this rule, written the same way


def rule_ok():
    return {"underfit_above": 0.6, "overfit_margin": 0.1}


def rule_other():
    """Another defensible decision: a stricter line for underfitting, a smaller margin (numpy floats)."""
    return {"overfit_margin": np.float64(0.05), "underfit_above": np.float32(0.55)}


def diagnose_other(history):
    """Another style, following rule_other: numpy, the minimum found with np.argmin, answers in another case."""
    rule = rule_other()
    val = np.asarray(history["val_loss"], dtype=float)
    best = val[np.argmin(val)]
    if np.asarray(history["loss"])[-1] > rule["underfit_above"]:
        return "Underfitting"
    return " OVERFITTING " if val[-1] / best > 1 + rule["overfit_margin"] else "Good Fit"


def diagnose_asarray(history):
    """Another style: both curves as arrays, one expression per case, the rule read from diagnosis_rule."""
    rule = rule_ok()
    loss = np.asarray(history["loss"])
    val = np.asarray(history["val_loss"])
    underfit = bool(loss[-1] > rule["underfit_above"])
    overfit = bool(val[-1] > (1 + rule["overfit_margin"]) * val.min())
    return "underfitting" if underfit else ("overfitting" if overfit else "good fit")


def diagnose_get_loop(history):
    """Another style: history.get, a loop for the minimum, a numpy string as the answer."""
    val = history.get("val_loss", [])
    lowest = float("inf")
    for value in val:
        lowest = min(lowest, float(value))
    if float(history.get("loss")[-1]) > 0.6:
        return np.str_("underfitting")
    if float(val[-1]) > 1.1 * lowest:
        return np.str_("overfitting")
    return np.str_("good  fit")


def diagnose_at_least(history):
    """`>=` instead of `>`: curve K ends its training loss exactly at the rule's 0.6, which is not above it."""
    loss, val = history["loss"], history["val_loss"]
    if loss[-1] >= 0.6:
        return "underfitting"
    return "overfitting" if val[-1] >= 1.1 * min(val) else "good fit"


@pytest.mark.parametrize(
    "solution, rule",
    [
        (reference_diagnose, rule_ok),
        (diagnose_other, rule_other),
        (diagnose_asarray, rule_ok),
        (diagnose_get_loop, rule_ok),
    ],
)
def test_diagnose_accepts_correct_solutions(solution, rule, capsys):
    checks.check_diagnose(solution, rule)
    checks.check_diagnose(solution, rule, visible=False)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("\u2714 diagnose: visible checks passed; hidden tests run at grading (")
    assert out[1].startswith("\u2714 diagnose: hidden test passed (")


@pytest.mark.parametrize("under", [0.50, 0.53, 0.6, 0.644])
@pytest.mark.parametrize("margin", [0.027, 0.1, 0.21])
def test_diagnose_accepts_every_rule_the_clear_curves_allow(under, margin, capsys):
    def rule():
        return {"underfit_above": under, "overfit_margin": margin}

    def diagnose(history):
        return reference_diagnose(history, under, margin)

    checks.check_diagnose(diagnose, rule)
    checks.check_diagnose(diagnose, rule, visible=False)
    assert "hidden test passed" in capsys.readouterr().out


def _diagnose_with(under, over, *, overfit_first=False, names=("underfitting", "overfitting", "good fit")):
    """A diagnose made of an underfitting and an overfitting test on (loss, val) as lists (rule_ok's numbers)."""

    def diagnose(history):
        loss, val = list(history["loss"]), list(history["val_loss"])
        tests = [(over, names[1]), (under, names[0])] if overfit_first else [(under, names[0]), (over, names[1])]
        for test, label in tests:
            if test(loss, val):
                return label
        return names[2]

    return diagnose


def _train_high(loss, val):
    return loss[-1] > 0.6


def _val_up(loss, val):
    return val[-1] > 1.1 * min(val)


FIRST = "It looks as if you compare the last validation loss with the first one"
PREVIOUS = "It looks as if you compare the last validation loss with the epoch before it"
LAST_STEP = "It looks as if you call a curve overfitting as soon as its validation loss rose at the last epoch"
NO_MARGIN = "It looks as if you call a curve overfitting as soon as its last validation loss is not the lowest"
ABSOLUTE = "It looks as if you use overfit_margin as an absolute amount of loss"
ORDER = "It looks as if you check for overfitting before underfitting"
VAL_UNDER = "It looks as if you use the validation loss to decide underfitting"
LN2 = "It looks as if you compare the training loss with ln 2 = 0.693 instead of your underfit_above"
AT_LEAST = "It looks as if you call a training loss exactly at your underfit_above underfitting"
LOWEST_LOSS = "It looks as if you read the lowest training loss instead of the last one"
RENAMED = "tells the three cases apart but names them wrongly"

KNOWN_WRONG_DIAGNOSES = [
    pytest.param(_diagnose_with(_train_high, lambda loss, val: val[-1] > 1.1 * val[0]), FIRST, id="first"),
    pytest.param(_diagnose_with(_train_high, lambda loss, val: val[-1] > val[0]), FIRST, id="first-no-margin"),
    pytest.param(_diagnose_with(_train_high, lambda loss, val: val[-1] > 1.1 * val[-2]), PREVIOUS, id="previous"),
    pytest.param(_diagnose_with(_train_high, lambda loss, val: val[-1] > val[-2]), LAST_STEP, id="previous-no-margin"),
    pytest.param(_diagnose_with(_train_high, lambda loss, val: val[-1] > min(val)), NO_MARGIN, id="no-margin"),
    pytest.param(
        _diagnose_with(_train_high, lambda loss, val: int(np.argmin(val)) != len(val) - 1),
        NO_MARGIN,
        id="argmin-not-last",
    ),
    pytest.param(_diagnose_with(_train_high, lambda loss, val: val[-1] - min(val) > 0.1), ABSOLUTE, id="plus-0.1"),
    pytest.param(_diagnose_with(_train_high, _val_up, overfit_first=True), ORDER, id="overfitting-first"),
    pytest.param(_diagnose_with(lambda loss, val: val[-1] > 0.6, _val_up), VAL_UNDER, id="val-for-underfitting"),
    pytest.param(
        _diagnose_with(lambda loss, val: loss[-1] > 0.6 and val[-1] > 0.6, _val_up), VAL_UNDER, id="both-high"
    ),
    pytest.param(_diagnose_with(lambda loss, val: loss[-1] > 0.693, _val_up), LN2, id="ln2"),
    pytest.param(_diagnose_with(lambda loss, val: loss[-1] > math.log(2), _val_up), LN2, id="math.log(2)"),
    pytest.param(diagnose_at_least, AT_LEAST, id="at-least-0.6"),
    pytest.param(_diagnose_with(lambda loss, val: min(loss) > 0.6, _val_up), LOWEST_LOSS, id="lowest-training-loss"),
    pytest.param(lambda h: "overfitting", "It returned 'overfitting' for all", id="always-overfitting"),
    pytest.param(lambda h: "Good fit", "It returned 'good fit' for all", id="always-good-fit"),
    pytest.param(
        _diagnose_with(_train_high, _val_up, names=("overfitting", "underfitting", "good fit")),
        RENAMED + ": it returns 'underfitting' where 'overfitting' is right and 'overfitting' where "
        "'underfitting' is right.",
        id="swapped-labels",
    ),
    pytest.param(
        _diagnose_with(_train_high, lambda loss, val: not _val_up(loss, val)),
        RENAMED + ": it returns 'good fit' where 'overfitting' is right and 'overfitting' where 'good fit' is right.",
        id="inverted-overfitting-test",
    ),
]


@pytest.mark.parametrize("wrong, message", KNOWN_WRONG_DIAGNOSES)
@pytest.mark.parametrize("visible", [True, False])
def test_diagnose_rejects_known_wrong_solutions(wrong, message, visible, fails_with):
    with fails_with(message):
        checks.check_diagnose(wrong, rule_ok, visible=visible)


def _rule_of(under, margin):
    def rule():
        return {"underfit_above": under, "overfit_margin": margin}

    return rule


@pytest.mark.parametrize("under, margin", [(0.55, 0.05), (0.64, 0.2)])
def test_diagnose_slips_fail_at_any_declared_rule(under, margin, fails_with):
    """The issue's slips stay closed whatever numbers the student declares: `>=` and the lowest training loss."""

    def at_least(history):
        loss, val = history["loss"], history["val_loss"]
        return "underfitting" if loss[-1] >= under else reference_diagnose({"loss": [0.0], "val_loss": val}, 1, margin)

    def lowest(history):
        loss, val = history["loss"], history["val_loss"]
        return "underfitting" if min(loss) > under else reference_diagnose({"loss": [0.0], "val_loss": val}, 1, margin)

    with fails_with("for curve K (") as failure:
        checks.check_diagnose(at_least, _rule_of(under, margin))
    assert AT_LEAST in str(failure.value)
    with fails_with(LOWEST_LOSS):
        checks.check_diagnose(lowest, _rule_of(under, margin))


def test_diagnose_must_follow_its_own_rule(fails_with):
    """Declaring one rule and applying another (here 0.6 and 10 % against 0.55 and 5 %) fails on the built curves."""
    with fails_with("expected 'underfitting' (by your rule: underfit_above = 0.55, overfit_margin = 0.05)."):
        checks.check_diagnose(reference_diagnose, _rule_of(0.55, 0.05))
    with fails_with("for curve N ("):
        checks.check_diagnose(reference_diagnose, _rule_of(0.55, 0.05))


@pytest.mark.parametrize(
    "rule, message",
    [
        (_rule_of(0.6, 10), "gives overfit_margin = 10: a rise of 1000 % above"),
        (_rule_of(0.6, 0), "gives overfit_margin = 0: then any rise"),
        (_rule_of(0.7, 0.1), "gives underfit_above = 0.7: a model that answers 0.5 for every review"),
        (_rule_of(math.log(2), 0.1), "gives underfit_above = 0.693147"),
        (_rule_of(0.45, 0.1), "curve M (loss = [0.690,"),
        (_rule_of(0.45, 0.1), "would be 'underfitting'; it shows 'good fit': the model learned"),
        (_rule_of(0.65, 0.1), "curve I (loss = [0.700,"),
        (_rule_of(0.65, 0.1), "Your underfit_above decides this.\nHint: put the line between"),
        (_rule_of(0.6, 0.25), "curve D (loss = [0.660,"),
        (_rule_of(0.6, 0.02), "curve G (loss = [0.640,"),
        (_rule_of(0.6, 0.02), "Your overfit_margin decides this.\nHint: the margin separates noise"),
        (lambda: {"underfit_above": 0.6}, "diagnosis_rule() returned ['underfit_above']; expected a dict with the"),
        (lambda: (0.6, 0.1), "diagnosis_rule() returned tuple; expected a dict"),
        (lambda: {"underfit_above": "0.6", "overfit_margin": 0.1}, "diagnosis_rule: underfit_above"),
    ],
)
def test_diagnosis_rule_is_held_to_what_the_clear_curves_show(rule, message, fails_with):
    with fails_with(message):
        checks.check_diagnose(reference_diagnose, rule)


def test_diagnosis_rule_not_implemented_is_a_sentence(fails_with):
    def diagnosis_rule():
        raise NotImplementedError()

    with fails_with("diagnosis_rule is not implemented yet"):
        checks.check_diagnose(reference_diagnose, diagnosis_rule)


def _windowed_minimum(history):
    """The minimum of the last five epochs only: right on the short visible curves, wrong on long hidden ones."""
    loss, val = history["loss"], list(history["val_loss"])
    if loss[-1] > 0.6:
        return "underfitting"
    return "overfitting" if val[-1] > 1.1 * min(val[-5:]) else "good fit"


def test_diagnose_hidden_curves_catch_what_the_visible_curves_miss(capsys, fails_with):
    checks.check_diagnose(_windowed_minimum, rule_ok)
    assert "visible checks passed" in capsys.readouterr().out
    with fails_with("for hidden curve "):
        checks.check_diagnose(_windowed_minimum, rule_ok, visible=False)


def test_diagnose_names_the_curve_and_what_was_expected(fails_with):
    # The ln 2 mistake first shows on curve B (training loss 0.662).
    wrong = _diagnose_with(lambda loss, val: loss[-1] > 0.693, _val_up)
    with fails_with(
        "diagnose returned 'good fit' for curve B (loss = [0.693, 0.690, 0.686, 0.682, 0.677, 0.672, 0.667, 0.662], "
        "val_loss = [0.693, 0.691, 0.688, 0.684, 0.680, 0.676, 0.671, 0.667]; last training loss 0.662, "
        "last validation loss at its minimum); expected 'underfitting'. " + LN2
    ):
        checks.check_diagnose(wrong, rule_ok)
    # An unrecognised mistake (a threshold of 0.25) gets the generic message, which does not give the rule.
    wrong = _diagnose_with(lambda loss, val: loss[-1] > 0.25, _val_up)
    with fails_with("diagnose returned 'underfitting' for curve C (loss = [0.620,"):
        checks.check_diagnose(wrong, rule_ok)
    with fails_with("curves are diagnosed wrongly.)\nHint: compare your function's answer with your own two numbers"):
        checks.check_diagnose(wrong, rule_ok)


def test_diagnose_shortens_long_curves_in_the_feedback(fails_with):
    """Hidden curves run to 15 epochs; the feedback shows the first and last four values of a long one."""

    def wrong_on_long_curves(history):
        right = reference_diagnose(history)
        if len(history["loss"]) <= 10:
            return right
        return "good fit" if right == "underfitting" else "underfitting"

    with fails_with("for hidden curve "):
        checks.check_diagnose(wrong_on_long_curves, rule_ok, visible=False)
    with fails_with(", ..., "):
        checks.check_diagnose(wrong_on_long_curves, rule_ok, visible=False)
    checks.check_diagnose(wrong_on_long_curves, rule_ok)  # the visible curves are short


def _sorts_in_place(history):
    history["val_loss"].sort()
    return diagnose_ok(history)


def _pops_a_key(history):
    loss = history.pop("loss")
    return "underfitting" if loss[-1] > 0.6 else diagnose_ok({"loss": loss, "val_loss": history["val_loss"]})


def _replaces_by_array(history):
    history["val_loss"] = np.asarray(history["val_loss"])
    return diagnose_ok(history)


def _sorts_its_array(history):
    """np.asarray makes no copy of an array: sorting the result sorts the caller's data (lists are safe)."""
    val = np.asarray(history["val_loss"])
    val.sort()
    return diagnose_ok({"loss": history["loss"], "val_loss": history["val_loss"]})


def _appends(history):
    history["loss"].append(history["loss"][-1])
    return diagnose_ok(history)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_sorts_in_place, "diagnose changed the history it was given: it reordered history['val_loss'] in place"),
        (_pops_a_key, "diagnose changed the history it was given: it removed the key 'loss' (on curve A)"),
        (_replaces_by_array, "it replaced history['val_loss'] by a ndarray (on curve A)"),
        (_appends, "history['loss'] now holds 9 values instead of 8 (on curve A)"),
        (_sorts_its_array, "it reordered history['val_loss'] in place (sorted or reversed it) (on curve F)."),
    ],
)
def test_diagnose_rejects_solutions_that_change_the_history(wrong, message, fails_with):
    with fails_with(message):
        checks.check_diagnose(wrong, rule_ok)


def _index_of_min(history):
    val = history["val_loss"]
    lowest = val[val.index(min(val))]
    return "underfitting" if history["loss"][-1] > 0.6 else ("overfitting" if val[-1] > 1.1 * lowest else "good fit")


@pytest.mark.parametrize(
    "wrong, message",
    [
        (
            lambda h: None,
            "diagnose returned None for curve A; expected one of 'overfitting', 'underfitting' or 'good fit'",
        ),
        (
            lambda h: 1,
            "diagnose returned an int for curve A; expected one of 'overfitting', 'underfitting' or 'good fit'",
        ),
        (lambda h: ["overfitting"], "returned a list for curve A; expected one of"),
        (
            lambda h: "overfit",
            "returned 'overfit' for curve A; expected one of 'overfitting', 'underfitting' or "
            "'good fit'.\nHint: did you mean 'overfitting'?",
        ),
        (lambda h: "good_fit", "Hint: did you mean 'good fit'?"),
        (lambda h: "fine", "returned 'fine' for curve A; expected one of"),
        (lambda h: h["accuracy"][99], "diagnose raised IndexError"),
        (
            _index_of_min,
            "object has no attribute 'index' (at line 3 of _index_of_min: `lowest = val[val.index(min(val))]`). "
            "This was on curve F, whose 'loss' and 'val_loss' are numpy arrays.",
        ),
    ],
)
def test_diagnose_rejects_malformed_answers(wrong, message, fails_with):
    with fails_with(message):
        checks.check_diagnose(wrong, rule_ok)


def test_diagnose_not_implemented_is_a_sentence(fails_with):
    def diagnose(history):
        raise NotImplementedError()

    with fails_with("diagnose is not implemented yet"):
        checks.check_diagnose(diagnose, rule_ok)


def test_diagnosis_examples_show_what_the_key_says():
    examples = checks.diagnosis_examples()
    a, b, c = (examples[k] for k in "ABC")
    # A: validation loss turns up while training loss keeps falling.
    assert np.argmin(a["val_loss"]) + 1 < len(a["val_loss"]) - 2 and np.all(np.diff(a["loss"]) < 0)
    # B: both stay near ln 2.
    assert min(b["loss"]) > 0.6 and min(b["val_loss"]) > 0.6
    # C: both fall and end close together.
    assert abs(c["loss"][-1] - c["val_loss"][-1]) < 0.05 and c["val_loss"][-1] < 0.4


def test_diagnosis_examples_are_diagnosed_as_the_key_says():
    examples = checks.diagnosis_examples()
    for letter, history in examples.items():
        assert _answer_hash(letter, reference_diagnose(history)) == _DIAGNOSIS_KEY[letter]
    assert sorted(reference_diagnose(h) for h in examples.values()) == sorted(checks.DIAGNOSIS_CHOICES)


def test_clear_curves_pin_the_allowed_numbers():
    """The ranges are exactly what the visible clear curves allow, and the hidden clear ones stay outside them."""
    low, high = UNDERFIT_RANGE
    m_low, m_high = MARGIN_RANGE
    clear = _clear_curves()
    assert all(c.why for c in clear) and {c.expected for c in clear} == set(checks.DIAGNOSIS_CHOICES)

    def allowed(under, margin):
        return all(reference_diagnose(c.history, under, margin) == c.expected for c in clear)

    assert allowed(low, 0.1) and not allowed(low - 0.005, 0.1)
    assert allowed(high - 1e-6, 0.1) and not allowed(high, 0.1)
    assert allowed(0.6, m_low) and not allowed(0.6, m_low - 0.001)
    assert allowed(0.6, m_high) and not allowed(0.6, m_high + 0.001)
    hidden = _hidden_clear_curves()
    assert len({c.label for c in hidden}) == len(hidden)
    assert {len(c.history["loss"]) for c in hidden} == set(range(3, 16))
    assert {c.form for c in hidden} == set(_FORMS)
    assert {c.expected for c in hidden} == set(checks.DIAGNOSIS_CHOICES)
    for curve in hidden:
        loss, val = curve.history["loss"], curve.history["val_loss"]
        assert len(loss) == len(val) >= 3
        assert loss[-1] <= 0.49 or loss[-1] >= 0.65, curve.label
        assert abs(loss[-1] / 0.693 - 1) > 0.03 or loss[-1] < 0.6, curve.label  # the ln 2 mistake stays named
        if loss[-1] <= 0.49:
            rise = val[-1] / min(val)
            assert rise <= 1.025 or rise >= 1.22, curve.label
        for under in (low, 0.6, high - 1e-6):
            for margin in (m_low, 0.1, m_high):
                for form in _FORMS:  # float32 rounding does not move a curve across a threshold
                    assert reference_diagnose(_in_form(curve.history, form), under, margin) == curve.expected


@pytest.mark.parametrize("under, margin", [(0.5, 0.0267), (0.6, 0.1), (0.55, 0.05), (0.644, 0.21)])
@pytest.mark.parametrize("visible", [True, False])
def test_diagnosis_mistakes_are_told_apart(under, margin, visible):
    """Every named mistake gets some curve wrong, and no two mistakes get the same answers, at any allowed rule."""
    curves = _curves_for(under, margin, visible=visible)
    seen = {}
    for index, (rules, _, _) in enumerate(_DIAGNOSIS_MISTAKES):
        for rule in rules:
            said = tuple(rule(c.history["loss"], c.history["val_loss"], under, margin) for c in curves)
            assert said != tuple(c.expected for c in curves), (index, "never wrong")
            assert seen.setdefault(said, index) == index, (index, seen[said], "give the same answers")


def test_consistency_curves_sit_at_the_rule():
    """Curve K ends exactly at underfit_above (as Python floats); the others keep clear of either number."""
    for under, margin in [(0.5, 0.0267), (0.6, 0.1), (0.644, 0.21)]:
        for variant in (0, 1):
            built = _consistency_curves(under, margin, variant=variant)
            assert [c.label.split()[-1] for c in built] == list("KNOPQRS")
            for curve in built:
                loss, val = curve.history["loss"], curve.history["val_loss"]
                assert len(loss) == len(val) >= 3 and min(loss) > 0 and min(val) > 0
                if curve.label.endswith("K"):
                    assert loss[-1] == under and curve.form == "lists" and curve.expected == "good fit"
                    continue
                assert abs(loss[-1] / under - 1) > 0.02, curve.label
                if loss[-1] < under:
                    assert abs(val[-1] / ((1 + margin) * min(val)) - 1) > 0.003, curve.label
            assert {c.expected for c in built} == set(checks.DIAGNOSIS_CHOICES)


def test_diagnose_replaces_the_dict_exercise():
    assert "check_diagnose" in checks.__all__ and "check_diagnoses" not in checks.__all__
    assert not hasattr(checks, "check_diagnoses") and not hasattr(checks, "_reference_diagnose")
    assert "diagnosis_examples" in checks.__all__ and "DIAGNOSIS_CHOICES" in checks.__all__


# ---------------------------------------------------------------- build_conv_lstm
def conv_functional(embedding_matrix, filters, kernel_size, pool_size, num_units):
    """Another style: functional API, weights= instead of an initializer."""
    inputs = keras.Input(shape=(None,), dtype="int32")
    x = L.Embedding(*embedding_matrix.shape, weights=[embedding_matrix])(inputs)
    x = L.Conv1D(filters=filters, kernel_size=kernel_size, activation="relu")(x)
    x = L.MaxPooling1D(pool_size=pool_size)(x)
    x = L.LSTM(num_units)(x)
    return keras.Model(inputs, L.Dense(1, activation="sigmoid")(x))


def _conv(order=("conv", "pool"), glove=True, trainable=True, padding="valid", activation="relu", slide_keyword=False):
    def build(matrix, filters, kernel_size, pool_size, num_units):
        init = keras.initializers.Constant(matrix) if glove else "uniform"
        parts = {
            "conv": lambda: (
                L.Conv1D(num_filters=filters, kernel_size=kernel_size)
                if slide_keyword
                else L.Conv1D(filters, kernel_size, activation=activation, padding=padding)
            ),
            "pool": lambda: L.MaxPooling1D(pool_size),
        }
        layers = [
            keras.Input(shape=(None,), dtype="int32"),
            L.Embedding(*matrix.shape, embeddings_initializer=init, trainable=trainable),
        ]
        layers += [parts[p]() for p in order]
        layers += [L.LSTM(num_units), L.Dense(1, activation="sigmoid")]
        return keras.Sequential(layers)

    return build


@pytest.mark.parametrize("solution", [models.build_conv_lstm, conv_functional])
def test_conv_lstm_accepts_correct_solutions(solution, capsys):
    checks.check_build_conv_lstm(solution)
    checks.check_build_conv_lstm(
        solution,
        num_words=25,
        embedding_dim=3,
        filters=6,
        kernel_size=5,
        pool_size=3,
        num_units=4,
        seq_len=23,
        seed=5,
        visible=False,
    )
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_conv(slide_keyword=True), "the slides' keyword num_filters does not exist"),
        (_conv(order=("conv",)), "no MaxPooling1D layer"),
        (_conv(order=("pool",)), "no Conv1D layer"),
        (_conv(order=("pool", "conv")), "expected Embedding -> Conv1D -> MaxPooling1D -> LSTM -> Dense"),
        (_conv(glove=False), "initial weights are not embedding_matrix"),
        (_conv(trainable=False), "trainable=False"),
        (_conv(padding="same"), "the pooled sequence has 8 steps"),
        (_conv(activation=None), "activation is linear; expected relu"),
        (_conv(activation=None), "Hint: Conv1D has no activation unless you give it one, so it is linear"),
        (_conv(activation="tanh"), "activation is tanh; expected relu.\nHint: the exercise text asks for ReLU"),
    ],
)
def test_conv_lstm_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message):
        checks.check_build_conv_lstm(wrong)


def sizes_ok(seq_len, num_words, embedding_dim, filters, kernel_size, pool_size, num_units):
    conv_steps = seq_len - kernel_size + 1
    lstm = 4 * num_units * (filters + num_units + 1)
    params = num_words * embedding_dim + filters * (kernel_size * embedding_dim + 1) + lstm + num_units + 1
    return {"conv_steps": conv_steps, "lstm_steps": conv_steps // pool_size, "parameters": params}


def sizes_layer_by_layer(seq_len, num_words, embedding_dim, filters, kernel_size, pool_size, num_units):
    """Another style: a loop over the layers, numpy integers, floor division by math.floor."""
    steps, width, total = seq_len, embedding_dim, np.int64(num_words) * embedding_dim
    steps, total, width = steps - (kernel_size - 1), total + (kernel_size * width + 1) * filters, filters
    conv_steps = steps
    steps = math.floor(steps / pool_size)
    for _gate in range(4):
        total += num_units * width + num_units * num_units + num_units
    total += num_units + 1
    return {"parameters": total, "lstm_steps": np.int64(steps), "conv_steps": conv_steps}


def sizes_by_building(seq_len, num_words, embedding_dim, filters, kernel_size, pool_size, num_units):
    """Asks Keras instead of predicting: fails on the vocabulary no Embedding can be built for."""
    model = models.build_conv_lstm(
        np.zeros((num_words, embedding_dim), np.float32), filters, kernel_size, pool_size, num_units
    )
    return {
        "conv_steps": seq_len - kernel_size + 1,
        "lstm_steps": (seq_len - kernel_size + 1) // pool_size,
        "parameters": model.count_params(),
    }


def _sizes_with(key, change):
    def sizes(*args):
        out = sizes_ok(*args)
        out[key] = change(dict(zip(("T", "V", "d", "f", "k", "p", "u"), args)), out[key])
        return out

    return sizes


CONV_HIDDEN = {
    "num_words": 25,
    "embedding_dim": 3,
    "filters": 6,
    "kernel_size": 5,
    "pool_size": 3,
    "num_units": 4,
    "seq_len": 23,
    "seed": 5,
    "visible": False,
    "train": False,
}


@pytest.mark.parametrize("sizes", [sizes_ok, sizes_layer_by_layer])
def test_conv_lstm_sizes_accepts_correct_predictions(sizes, capsys):
    checks.check_build_conv_lstm(models.build_conv_lstm, sizes=sizes, train=False)
    checks.check_build_conv_lstm(conv_functional, sizes=sizes, **CONV_HIDDEN)
    out = capsys.readouterr().out
    assert "predictions match" in out and "hidden test passed" in out


def test_conv_lstm_sizes_reference_agrees_with_keras():
    from rnncourse.checks.l04_sentiment.build_conv_lstm import reference_sizes

    for args in [
        (16, 40, 6, 4, 3, 2, 5),
        (23, 25, 3, 6, 5, 3, 4),
        (97, 1_000, 50, 64, 5, 4, 32),
        (9, 7, 2, 3, 3, 7, 2),
    ]:
        seq_len, num_words, dim, filters, kernel, pool, units = args
        model = models.build_conv_lstm(np.zeros((num_words, dim), np.float32), filters, kernel, pool, units)
        pooled = keras.Model(model.inputs[0], model.layers[2].output)(np.ones((1, seq_len), np.int32))
        want = reference_sizes(*args)
        assert (want["lstm_steps"], want["parameters"]) == (pooled.shape[1], model.count_params()), args


@pytest.mark.parametrize(
    "sizes, message",
    [
        (_sizes_with("conv_steps", lambda g, v: g["T"]), "one convolution output per token"),
        (_sizes_with("conv_steps", lambda g, v: v - 1), "one too few"),
        (_sizes_with("lstm_steps", lambda g, v: -(-(g["T"] - g["k"] + 1) // g["p"])), "rounded up"),
        (_sizes_with("lstm_steps", lambda g, v: g["T"] // g["p"]), "seq_len pooled"),
        (_sizes_with("parameters", lambda g, v: v - g["V"] * g["d"]), "except the embedding's"),
        (_sizes_with("parameters", lambda g, v: v - g["f"]), "the convolution without its biases"),
        (_sizes_with("parameters", lambda g, v: v - g["f"] * g["k"] * (g["d"] - 1)), "a filter of kernel_size weights"),
        (
            _sizes_with("parameters", lambda g, v: v - 4 * g["u"] * (g["f"] - g["d"])),
            "an LSTM that reads the word vectors",
        ),
        (_sizes_with("parameters", lambda g, v: v - g["u"] * (g["f"] + g["u"] + 1)), "an LSTM with three blocks"),
        (
            _sizes_with("parameters", lambda g, v: v + g["f"] * (g["k"] * g["d"] + 1) * (g["T"] - g["k"])),
            "weights grow with the review",
        ),
        (_sizes_with("parameters", lambda g, v: v + 1), "predicts parameters = "),
        (sizes_by_building, "num_words=400,000,000,000"),
        (lambda *args: [1, 2, 3], "expected a dict with the keys"),
        (lambda *args: {**sizes_ok(*args), "lstm_steps": 2.5}, "lstm_steps"),
    ],
)
@pytest.mark.parametrize("visible", [True, False])
def test_conv_lstm_sizes_names_the_mistake(sizes, message, visible, fails_with):
    kwargs = {"visible": True, "train": False} if visible else CONV_HIDDEN
    if sizes is sizes_by_building and not visible:
        message = "num_words=700,000,000,000"
    with fails_with(message):
        checks.check_build_conv_lstm(models.build_conv_lstm, sizes=sizes, **kwargs)


def test_conv_lstm_sizes_are_compared_with_the_students_own_model(fails_with):
    """A model with padding='same' and the matching prediction: the model fails first, on its pooled length."""
    with fails_with("the pooled sequence has 8 steps"):
        checks.check_build_conv_lstm(_conv(padding="same"), sizes=sizes_ok, train=False)


# ---------------------------------------------------------------- build_example_model
def _example(
    lstm_rs=True,
    gru_rs=False,
    head="sigmoid",
    trainable=True,
    gru_dropout=True,
    name="GRU",
    half=True,
    dense1="embedding",
    linear=True,
    swap_dropouts=False,
    dropout_after_dense3=False,
):
    def build(matrix, num_units, dense_dropout, recurrent_dropout):
        inner, outer = (recurrent_dropout, dense_dropout) if not swap_dropouts else (dense_dropout, recurrent_dropout)
        head_layers = [L.Dense(num_units, activation=None if linear else "relu", name="Dense2")]
        dense3 = L.Dense(num_units // 2 if half else num_units, activation=None if linear else "relu", name="Dense3")
        head_layers += [dense3, L.Dropout(outer)] if dropout_after_dense3 else [L.Dropout(outer), dense3]
        return keras.Sequential(
            [
                keras.Input(shape=(None,), dtype="int32"),
                L.Embedding(
                    *matrix.shape, embeddings_initializer=keras.initializers.Constant(matrix), trainable=trainable
                ),
                L.Dense(matrix.shape[1] if dense1 == "embedding" else num_units, activation="relu", name="Dense1"),
                L.Dropout(outer),
                L.LSTM(num_units, return_sequences=lstm_rs, dropout=inner, name="LSTM"),
                L.GRU(num_units, return_sequences=gru_rs, dropout=inner if gru_dropout else 0.0, name=name),
                *head_layers,
                L.Dense(1, activation=head, name="Output"),
            ]
        )

    return build


def test_example_model_accepts_correct_solutions(capsys):
    checks.check_build_example_model(models.build_example_model)
    checks.check_build_example_model(
        _example(),
        num_words=33,
        embedding_dim=5,
        num_units=12,
        dense_dropout=0.4,
        recurrent_dropout=0.1,
        seed=4,
        visible=False,
    )
    out = capsys.readouterr().out
    assert "visible checks passed" in out and "hidden test passed" in out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_example(lstm_rs=False), "must hand on its whole sequence of states"),
        (_example(gru_rs=True), "the last recurrent layer (GRU) has return_sequences=True"),
        (_example(head="softmax"), "softmax over one unit always outputs exactly 1.0"),
        (_example(trainable=False), "keeps GloVe fine-tuned (trainable=True)"),
        (_example(gru_dropout=False), "the GRU has dropout=0"),
        (_example(swap_dropouts=True), "the slide's is recurrent_dropout = 0.15"),
        (_example(name="GRU layer"), "contains a space"),
        (_example(half=False), "the Dense layers have [6, 8, 8, 1] units; expected [6, 8, 4, 1]"),
        (_example(dense1="units"), "Dense1 is as wide as the word vectors"),
        (_example(linear=False), "on the slide they have none (linear)"),
        (_example(dropout_after_dense3=True), "the slide has Embedding -> Dense -> Dropout"),
        (lambda m, u, d, r: models.build_conv_lstm(m, 4, 3, 2, u), "expected 2 (LSTM -> GRU)"),
    ],
)
def test_example_model_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message):
        checks.check_build_example_model(wrong)


def example_params_ok(num_words, wordvec_dim, num_units):
    def dense(inputs, units):
        return inputs * units + units

    return {
        "Embedding": num_words * wordvec_dim,
        "Dense1": dense(wordvec_dim, wordvec_dim),
        "LSTM": 4 * dense(wordvec_dim + num_units, num_units),
        "GRU": 3 * (dense(2 * num_units, num_units) + num_units),
        "Dense2": dense(num_units, num_units),
        "Dense3": dense(num_units, num_units // 2),
        "Output": dense(num_units // 2, 1),
    }


def example_params_table(num_words, wordvec_dim, num_units):
    """Another style: (inputs, units, blocks, biases) per layer, numpy integers, the keys in another order."""
    table = {
        "Output": (num_units // 2, 1, 1, 1),
        "GRU": (num_units + num_units, num_units, 3, 2),
        "LSTM": (wordvec_dim + num_units, num_units, 4, 1),
        "Dense3": (num_units, num_units // 2, 1, 1),
        "Dense2": (num_units, num_units, 1, 1),
        "Dense1": (wordvec_dim, wordvec_dim, 1, 1),
    }
    out = {
        name: np.int64(blocks * units * (inputs + biases)) for name, (inputs, units, blocks, biases) in table.items()
    }
    return {**out, "Embedding": np.int64(num_words) * wordvec_dim}


def example_params_by_building(num_words, wordvec_dim, num_units):
    model = models.build_example_model(np.zeros((num_words, wordvec_dim), np.float32), num_units)
    return {layer.name: layer.count_params() for layer in model.layers if layer.weights}


def _example_params_with(key, change):
    def params(v, d, u):
        out = example_params_ok(v, d, u)
        out[key] = change(v, d, u, out[key])
        return out

    return params


EXAMPLE_HIDDEN = {
    "num_words": 33,
    "embedding_dim": 5,
    "num_units": 12,
    "dense_dropout": 0.4,
    "recurrent_dropout": 0.1,
    "seed": 4,
    "visible": False,
    "train": False,
}


@pytest.mark.parametrize("params", [example_params_ok, example_params_table])
def test_example_model_params_accepts_correct_predictions(params, capsys):
    checks.check_build_example_model(models.build_example_model, params=params, train=False)
    checks.check_build_example_model(models.build_example_model, params=params, **EXAMPLE_HIDDEN)
    out = capsys.readouterr().out
    assert out.count("predictions match") == 2 and "hidden test passed" in out


def test_example_model_params_reference_agrees_with_keras():
    from rnncourse.checks.l04_sentiment.build_example_model import PARAM_LAYERS, reference_params

    for sizes in [(40, 6, 8), (33, 5, 12), (500, 50, 64), (7, 3, 5)]:
        model = models.build_example_model(np.zeros(sizes[:2], np.float32), sizes[2])
        got = {layer.name: layer.count_params() for layer in model.layers if layer.weights}
        assert list(got) == list(PARAM_LAYERS) and got == reference_params(*sizes), sizes


@pytest.mark.parametrize(
    "params, message",
    [
        (_example_params_with("GRU", lambda v, d, u, r: 3 * u * (2 * u + 1)), "one bias vector per block"),
        (_example_params_with("GRU", lambda v, d, u, r: 3 * u * (d + u + 2)), "a GRU that reads the word vectors"),
        (_example_params_with("LSTM", lambda v, d, u, r: 3 * u * (d + u + 1)), "an LSTM with three blocks"),
        (_example_params_with("Embedding", lambda v, d, u, r: 0), "a frozen embedding"),
        (_example_params_with("Dense1", lambda v, d, u, r: v * d + d), "Dense1 as if it read the vocabulary"),
        (_example_params_with("Dense3", lambda v, d, u, r: r + 1), "parameters for Dense3"),
        (example_params_by_building, "No Embedding can be built for a vocabulary this large"),
        (lambda v, d, u: {**example_params_ok(v, d, u), "Dropout": 0}, "expected a dict with the keys"),
    ],
)
@pytest.mark.parametrize("visible", [True, False])
def test_example_model_params_names_the_mistake(params, message, visible, fails_with):
    kwargs = {"train": False} if visible else EXAMPLE_HIDDEN
    with fails_with(message):
        checks.check_build_example_model(models.build_example_model, params=params, **kwargs)


def test_train_false_checks_the_architecture_only(fails_with):
    """Hidden tests pass train=False: the architecture is checked, the training steps are skipped."""
    frozen = _lstm(frozen=True)
    checks.check_build_lstm_classifier(frozen, layer_counts=(2,), visible=False, train=False)
    with fails_with("no trainable weights"):
        checks.check_build_lstm_classifier(frozen, layer_counts=(2,), visible=False)
    with fails_with("must hand on its whole sequence of states"):
        checks.check_build_lstm_classifier(_lstm(return_sequences=False), visible=False, train=False)
    with fails_with("recurrent_dropout=0"):
        checks.check_build_dropout_classifier(_dropout(recurrent=False), dropout_at_work_ok, visible=False, train=False)
    with fails_with("no MaxPooling1D layer"):
        checks.check_build_conv_lstm(_conv(order=("conv",)), visible=False, train=False)
    with fails_with("must hand on its whole sequence of states"):
        checks.check_build_example_model(_example(lstm_rs=False), visible=False, train=False)


# ---------------------------------------------------------------- fit_ngram_baseline
def _ngram(
    *,
    ngrams=2,
    output_mode="tf_idf",
    max_tokens=40_000,
    rate=0.5,
    head="sigmoid",
    leak=False,
    report="test",
    untrained=False,
    shape=(1,),
    fit_on="train",
    standardize="lower_and_strip_punctuation",
    sequence_length=None,
    learning_rate=1e-3,
    batch_size=32,
):
    def fit(train, test, epochs):
        (train_texts, train_labels), (test_texts, test_labels) = train, test
        fitted = {
            "train": (train_texts, train_labels),
            "test": (test_texts, test_labels),
            "both": (np.concatenate([train_texts, test_texts]), np.concatenate([train_labels, test_labels])),
        }[fit_on]
        vectorizer = L.TextVectorization(
            max_tokens=max_tokens,
            ngrams=ngrams,
            output_mode=output_mode,
            standardize=standardize,
            output_sequence_length=sequence_length,
        )
        vectorizer.adapt(np.concatenate([train_texts, test_texts]) if leak else train_texts)
        layers = [keras.Input(shape=shape, dtype="string"), vectorizer]
        layers += [L.Dropout(rate)] if rate else []
        model = keras.Sequential([*layers, L.Dense(1, activation=head)])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
        if not untrained:
            model.fit(*fitted, epochs=epochs, batch_size=batch_size, verbose=0)
        scored = (train_texts, train_labels) if report == "train" else (test_texts, test_labels)
        return model, model.evaluate(*scored, verbose=0)[1]

    return fit


def ngram_multi_hot_functional(train, test, epochs):
    """Other decisions, another style: presence of words, pairs and triples, no dropout, the functional API."""
    (train_texts, train_labels), (test_texts, test_labels) = train, test
    vectorizer = L.TextVectorization(max_tokens=10_000, ngrams=(1, 2, 3), output_mode="multi_hot")
    models.adapt_in_batches(vectorizer, train_texts)
    inputs = keras.Input(shape=(1,), dtype="string")
    outputs = L.Dense(1, activation="sigmoid")(vectorizer(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(train_texts, train_labels, epochs=epochs, batch_size=64, verbose=0)
    probabilities = model.predict(test_texts, verbose=0).ravel()
    return model, float(np.mean((probabilities > 0.5) == (test_labels == 1)))


@pytest.mark.slow  # three real fits on 1,500 and 1,200 reviews, about 20 s
def test_ngram_baseline_grades_the_returned_model(capsys):
    checks.check_fit_ngram_baseline(_ngram())
    checks.check_fit_ngram_baseline(
        _ngram(shape=()), seed=1, num_train=1200, shout=True, visible=False
    )  # another input style
    checks.check_fit_ngram_baseline(ngram_multi_hot_functional, num_train=1500)  # other choices pass too
    out = capsys.readouterr().out
    assert out.count("visible checks passed") == 2 and "hidden test passed" in out


@pytest.mark.slow  # two real fits on 2,000 and 2,500 reviews
@pytest.mark.parametrize("fit_on", ["test", "both"])
def test_ngram_baseline_fails_a_model_fitted_on_the_test_reviews(fit_on, fails_with):
    """The vectorizer is adapted on the training texts only, so only the scores can tell."""
    with fails_with("on the test reviews it was given but"):
        checks.check_fit_ngram_baseline(_ngram(fit_on=fit_on))


@pytest.mark.slow  # one real fit on 1,200 reviews
def test_ngram_baseline_hidden_test_names_a_bag_that_does_not_standardise(fails_with):
    """The hidden test writes the test reviews in capitals; the visible one does not, so it passes there."""
    unstandardised = _ngram(standardize=None)
    checks.check_fit_ngram_baseline(unstandardised, num_train=1200)
    with fails_with("reads 'GREAT!' and 'great' as different words"):
        checks.check_fit_ngram_baseline(unstandardised, seed=1, num_train=1200, shout=True, visible=False)


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_ngram(leak=True), "adapted its vectorizer on the test reviews too"),
        (_ngram(ngrams=None), "the bag holds no word pairs"),
        (_ngram(output_mode="int", sequence_length=50, rate=0), "not a bag"),
        (_ngram(output_mode="int", sequence_length=50), "The vectorizer hands Dropout integers"),
        (_ngram(output_mode="count"), "The vectorizer hands Dropout integers"),
        (_ngram(head="softmax"), "expected one unit with a sigmoid"),
        (_ngram(report="train"), "but the returned model scores"),
        (_ngram(untrained=True), "expected at least 0.75"),
        (lambda train, test, epochs: _ngram()(train, test, epochs)[0], "expected a pair (model, test_accuracy)"),
    ],
)
def test_ngram_baseline_names_the_mistake(wrong, message, fails_with):
    with fails_with(message):
        checks.check_fit_ngram_baseline(wrong, num_train=400, num_test=200, epochs=1)
