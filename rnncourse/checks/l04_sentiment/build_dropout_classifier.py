"""Exercise ``build_dropout_classifier``: predict what dropout does, then put it in three places.

``dropout_at_work(dropout_rate)`` predicts what the model's dropout does, as a dict: whether two
predictions (``training=False``) of the same batch agree, whether two training-mode calls agree,
the share of the final state a training call sets to zero, and the factor by which it multiplies the
entries it keeps. The check measures all four on the student's own model: two calls each way, and
its Dropout layer after the LSTM applied in training mode to 200,000 ones (seeded; the share's
standard deviation is at most 0.0012, the tolerance 0.01). Typical slips are named: the keep
probability instead of the rate, no rescaling (the original paper's convention, which rescales at
inference instead), scaling by the keep probability.

``build_dropout_classifier(num_words, embedding_dim, num_units, dropout_rate)`` returns an
uncompiled model: Input -> Embedding -> LSTM with ``dropout`` and ``recurrent_dropout`` ->
Dropout -> Dense(1, sigmoid). The reference is :func:`rnncourse.models.build_dropout_classifier`,
for the parameter count; the check inspects the dropout settings. The hidden test uses another
rate, so neither the prediction nor the model may hold the visible one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ... import models
from .._core import as_float, call_student, fail, report_pass
from .._keras import describe, model_layers
from ._common import (
    call_builder,
    expect_embedding,
    expect_loss_drops,
    expect_model,
    expect_params,
    expect_probability_output,
    expect_recurrent_stack,
    run_model,
    seeded,
    token_batch,
)

NAME = "build_dropout_classifier"
KEYS = ("inference_repeatable", "training_repeatable", "zeroed_share", "kept_scale")
MEASURED_ENTRIES = (1000, 200)  # ones fed to the Dropout layer: the zeroed share's sd is <= 0.5 / sqrt(200,000)
SHARE_TOLERANCE = 0.01


def _as_bool(value: Any, *, name: str) -> bool:
    __tracebackhide__ = True
    if type(value) in (bool, np.bool_):
        return bool(value)
    fail(f"{name} is {type(value).__name__} {value!r:.40}; expected True or False.",
         hint="answer the question with a bool.")  # fmt: skip


def _prediction(dropout_at_work: Callable[..., Any], rate: float) -> dict[str, Any]:
    __tracebackhide__ = True
    name = "dropout_at_work"
    got = call_student(dropout_at_work, rate, name=name)
    if not isinstance(got, dict) or set(got) != set(KEYS):
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        fail(
            f"{name}({rate:g}) returned {keys}; expected a dict with the keys {', '.join(KEYS)}.",
            hint="one entry per question of the exercise, under the names it gives.",
        )
    return {
        "inference_repeatable": _as_bool(got["inference_repeatable"], name=f"{name}: inference_repeatable"),
        "training_repeatable": _as_bool(got["training_repeatable"], name=f"{name}: training_repeatable"),
        "zeroed_share": as_float(got["zeroed_share"], name=f"{name}: zeroed_share"),
        "kept_scale": as_float(got["kept_scale"], name=f"{name}: kept_scale"),
    }


def _check_prediction(predicted: dict[str, Any], measured: dict[str, Any], rate: float) -> None:
    __tracebackhide__ = True
    name = "dropout_at_work"
    for key, when in (("inference_repeatable", "training=False"), ("training_repeatable", "training=True")):
        if predicted[key] != measured[key]:
            fail(
                f"{name}({rate:g}) predicts {key}={predicted[key]}; your model, called twice on the same batch with "
                f"{when}, gave {'the same' if measured[key] else 'different'} outputs.",
                hint="the Remedies say when dropout acts: while training, or at prediction time?",
            )
    share, scale = predicted["zeroed_share"], predicted["kept_scale"]
    got_share, got_scale = measured["zeroed_share"], measured["kept_scale"]
    if abs(share - got_share) > SHARE_TOLERANCE:
        if abs(share - (1 - rate)) <= SHARE_TOLERANCE and abs(1 - 2 * rate) > 2 * SHARE_TOLERANCE:
            fail(
                f"{name}({rate:g}) predicts zeroed_share={share:g}, the share dropout keeps; your model's Dropout "
                f"layer zeroed {got_share:.3f} of 200,000 ones in a training call.",
                hint="is a Keras dropout rate the share it drops or the share it keeps? (The old TensorFlow 1 "
                "argument keep_prob meant the other one.)",
            )
        fail(
            f"{name}({rate:g}) predicts zeroed_share={share:g}; your model's Dropout layer zeroed {got_share:.3f} of "
            "200,000 ones in a training call.",
            hint="the rate says what share of the entries a training step drops.",
        )
    if not np.isclose(scale, got_scale, rtol=1e-4):
        slips = {
            1.0: "that would leave the kept entries as they are; the sum of the layer's output would then shrink "
            "during training, and the original paper's dropout made up for it at prediction time instead",
            1 - rate: "that is the keep probability: multiplying by it would shrink the kept entries further",
        }
        why = next((text for value, text in slips.items() if np.isclose(scale, value, rtol=1e-4)), "")
        fail(
            f"{name}({rate:g}) predicts kept_scale={scale:g}; the entries your model's Dropout layer kept in a "
            f"training call were multiplied by {got_scale:.6g}" + (f": {why}." if why else "."),
            hint="Keras keeps each entry's expected value the same in training and at prediction time: what must "
            "the kept entries be multiplied by, if a share of them is zeroed?",
        )


def _measure(model: Any, dropout_layer: Any, x: np.ndarray, name: str) -> dict[str, Any]:
    __tracebackhide__ = True
    first, second = run_model(model, x, name), run_model(model, x, name)
    trained = [run_model(model, x, name, training=True) for _ in range(2)]
    ones = np.ones(MEASURED_ENTRIES, dtype=np.float32)
    out = np.asarray(dropout_layer(ones, training=True), dtype=np.float64)
    kept = out[out != 0]
    return {
        "inference_repeatable": bool(np.allclose(first, second)),
        "training_repeatable": bool(np.allclose(trained[0], trained[1], atol=1e-7)),
        "zeroed_share": float(np.mean(out == 0)),
        "kept_scale": float(kept.mean()) if kept.size else 0.0,
        "inference_equals_training": bool(np.allclose(trained[0], first, atol=1e-7)),
    }


def check_build_dropout_classifier(
    build_dropout_classifier: Callable[..., Any],
    dropout_at_work: Callable[..., Any],
    *,
    num_words: int = 50,
    embedding_dim: int = 8,
    num_units: int = 6,
    dropout_rate: float = 0.3,
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``dropout_at_work(rate)`` against measurements of ``build_dropout_classifier(...)``'s model, and its dropout."""
    __tracebackhide__ = True
    import keras

    name = "build_dropout_classifier"
    predicted = _prediction(dropout_at_work, dropout_rate)
    seeded(seed)
    model = call_builder(build_dropout_classifier, num_words, embedding_dim, num_units, dropout_rate, name=name)
    expect_model(model, name)
    x, y = token_batch(seed, 16, 8, num_words)
    expect_embedding(model, name, num_words, embedding_dim)
    (lstm,) = expect_recurrent_stack(model, name, [keras.layers.LSTM], num_units)
    for attribute in ("dropout", "recurrent_dropout"):
        value = float(getattr(lstm, attribute))
        if not np.isclose(value, dropout_rate):
            what = (
                "drops the LSTM's inputs"
                if attribute == "dropout"
                else "drops entries of the LSTM's state at every step"
            )
            fail(
                f"{name}: the LSTM has {attribute}={value:g}; expected dropout_rate = {dropout_rate:g} (it {what}).",
                hint="an LSTM takes two dropout arguments, one for its inputs and one for its state "
                "(section 4, Remedies).",
            )
    body = model_layers(model)
    after = [layer for layer in body[body.index(lstm) + 1 :] if isinstance(layer, keras.layers.Dropout)]
    if not after:
        fail(
            f"{name}: there is no Dropout layer after the LSTM (layers: {describe(model)}).",
            hint="the final state needs dropout too: a Dropout layer between the LSTM and the output.",
        )
    if not np.isclose(float(after[0].rate), dropout_rate):
        fail(f"{name}: the Dropout layer has rate={after[0].rate:g}; expected dropout_rate = {dropout_rate:g}.")
    expect_probability_output(model, x, name)
    seeded(seed)
    measured = _measure(model, after[0], x, name)
    if not measured["inference_repeatable"]:
        fail(
            f"{name}: two predictions of the same batch differ although training=False.",
            hint="Keras's Dropout layers and the LSTM's dropout arguments are active only while training; "
            "a dropout of your own must be too.",
        )
    if measured["inference_equals_training"]:
        fail(f"{name}: with training=True the output equals the inference output: no dropout is active.")
    _check_prediction(predicted, measured, dropout_rate)
    expect_params(model, models.build_dropout_classifier(num_words, embedding_dim, num_units, dropout_rate), name)
    if train:
        expect_loss_drops(model, x, y, name)
    report_pass(
        name,
        visible=visible,
        detail=f"dropout={dropout_rate:g} in three places; zeroed {measured['zeroed_share']:.2f}, kept entries "
        f"x{measured['kept_scale']:.4g}, as predicted",
    )
