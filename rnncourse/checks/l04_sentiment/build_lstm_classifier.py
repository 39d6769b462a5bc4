"""Exercise ``build_lstm_classifier``: an Embedding and stacked LSTMs, the notebook's exercise 2.

``build_lstm_classifier(num_words, embedding_dim, num_units, num_layers)`` returns an uncompiled
model: Input -> Embedding -> ``num_layers`` LSTMs (all but the last with ``return_sequences=True``)
-> Dense(1, sigmoid). The reference is :func:`rnncourse.models.build_lstm_classifier`, for the
parameter count; the check builds the model with one and two layers on tiny sizes, inspects it and
trains it for a few steps. Which layers return their sequences is the student's decision, from what
stacking needs; the hidden test adds a middle layer (three) and sequences of one step and of more
steps than the visible check sends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ... import models
from .._core import report_pass
from ._common import (
    call_builder,
    expect_embedding,
    expect_loss_drops,
    expect_model,
    expect_params,
    expect_probability_output,
    expect_recurrent_stack,
    seeded,
    token_batch,
)

NAME = "build_lstm_classifier"


def check_build_lstm_classifier(
    build_lstm_classifier: Callable[..., Any],
    *,
    num_words: int = 50,
    embedding_dim: int = 8,
    num_units: int = 6,
    layer_counts: Sequence[int] = (1, 2),
    lengths: Sequence[int] = (8,),
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``build_lstm_classifier(num_words, embedding_dim, num_units, num_layers)``: Embedding, LSTMs, sigmoid.

    ``train=False`` skips the training steps (the slow part), e.g. in a hidden test that only
    varies the sizes after the visible test has checked that the model trains. The same holds
    for the other model checks. ``lengths`` are the sequence lengths the model must read (the
    hidden test: one step, and longer than any the visible check sends).
    """
    __tracebackhide__ = True
    import keras

    name = "build_lstm_classifier"
    for count, num_layers in enumerate(layer_counts):
        seeded(seed)
        model = call_builder(build_lstm_classifier, num_words, embedding_dim, num_units, num_layers, name=name)
        expect_model(model, name)
        label = f"{name}(..., num_layers={num_layers})"
        expect_embedding(model, label, num_words, embedding_dim)
        expect_recurrent_stack(model, label, [keras.layers.LSTM] * num_layers, num_units)
        for steps in lengths:
            x, y = token_batch(seed, 16 if steps > 1 else 3, steps, num_words)
            expect_probability_output(model, x, label)
        expect_params(model, models.build_lstm_classifier(num_words, embedding_dim, num_units, num_layers), label)
        if train and count == len(layer_counts) - 1:  # training is the slow part: once per check
            expect_loss_drops(model, x, y, label)
    report_pass(name, visible=visible, detail=f"num_layers in {tuple(layer_counts)}, lengths {tuple(lengths)}")
