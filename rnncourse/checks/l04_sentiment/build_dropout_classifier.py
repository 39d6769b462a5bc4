"""Exercise ``build_dropout_classifier``: dropout in three places, the notebook's exercise 4.

``build_dropout_classifier(num_words, embedding_dim, num_units, dropout_rate)`` returns an
uncompiled model: Input -> Embedding -> LSTM with ``dropout`` and ``recurrent_dropout`` ->
Dropout -> Dense(1, sigmoid). The reference is :func:`rnncourse.models.build_dropout_classifier`,
for the parameter count; the check inspects the dropout settings and verifies the behaviour:
repeatable predictions with ``training=False``, other outputs with ``training=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ... import models
from .._core import fail, report_pass
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


def check_build_dropout_classifier(
    build_dropout_classifier: Callable[..., Any],
    *,
    num_words: int = 50,
    embedding_dim: int = 8,
    num_units: int = 6,
    dropout_rate: float = 0.3,
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``build_dropout_classifier(...)``: LSTM dropout and recurrent_dropout, then a Dropout layer."""
    __tracebackhide__ = True
    import keras

    name = "build_dropout_classifier"
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
    first, second = run_model(model, x, name), run_model(model, x, name)
    if not np.allclose(first, second):
        fail(
            f"{name}: two predictions of the same batch differ although training=False.",
            hint="Keras's Dropout layers and the LSTM's dropout arguments are active only while training; "
            "a dropout of your own must be too.",
        )
    if np.allclose(run_model(model, x, name, training=True), first, atol=1e-7):
        fail(f"{name}: with training=True the output equals the inference output: no dropout is active.")
    expect_params(model, models.build_dropout_classifier(num_words, embedding_dim, num_units, dropout_rate), name)
    if train:
        expect_loss_drops(model, x, y, name)
    report_pass(name, visible=visible, detail=f"dropout={dropout_rate:g} in three places")
