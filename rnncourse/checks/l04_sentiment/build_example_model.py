"""Exercise ``build_example_model``: the chapter's example model, in Keras 3, the notebook's exercise 6.

``build_example_model(embedding_matrix, num_units, dense_dropout, recurrent_dropout)`` returns the
slide's model, uncompiled, layer for layer. The reference is
:func:`rnncourse.models.build_example_model`, for the parameter count; the check compares the
layers, their sizes, activations and dropout rates with the slide's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ... import models
from .._core import activation_name, fail, report_pass
from .._keras import describe, layer_kind, layers_of, model_layers
from ._common import (
    call_builder,
    expect_loss_drops,
    expect_model,
    expect_params,
    expect_pretrained_embedding,
    expect_probability_output,
    expect_recurrent_stack,
    seeded,
    small_matrix,
    token_batch,
)

NAME = "build_example_model"


def check_build_example_model(
    build_example_model: Callable[..., Any],
    *,
    num_words: int = 40,
    embedding_dim: int = 6,
    num_units: int = 8,
    dense_dropout: float = 0.25,
    recurrent_dropout: float = 0.15,
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``build_example_model(embedding_matrix, num_units, dense_dropout, recurrent_dropout)``: the slide's model.

    Layer for layer as on the slide: a trainable GloVe-initialised Embedding, Dense(wordvec_dim,
    relu), Dropout, LSTM (return_sequences, dropout), GRU (dropout), Dense(num_units) and, after a
    Dropout, Dense(num_units // 2), both linear, and Dense(1, sigmoid).
    """
    __tracebackhide__ = True
    import keras

    name = "build_example_model"
    matrix = small_matrix(seed, num_words, embedding_dim)
    seeded(seed)
    model = call_builder(build_example_model, matrix.copy(), num_units, dense_dropout, recurrent_dropout, name=name)
    expect_model(model, name)
    expect_pretrained_embedding(model, name, matrix, trainable=True)
    lstm, gru = expect_recurrent_stack(model, name, [keras.layers.LSTM, keras.layers.GRU], num_units)
    for layer in (lstm, gru):
        if not np.isclose(float(layer.dropout), recurrent_dropout):
            fail(
                f"{name}: the {layer_kind(layer)} has dropout={float(layer.dropout):g}; the slide's is "
                f"recurrent_dropout = {recurrent_dropout:g}.",
                hint=f"pass dropout=recurrent_dropout to the {layer_kind(layer)} "
                "(the Dropout layers use dense_dropout).",
            )
    expected = [
        keras.layers.Embedding,
        keras.layers.Dense,
        keras.layers.Dropout,
        keras.layers.LSTM,
        keras.layers.GRU,
        keras.layers.Dense,
        keras.layers.Dropout,
        keras.layers.Dense,
        keras.layers.Dense,
    ]
    got_kinds = [type(layer) for layer in model_layers(model)]
    if got_kinds != expected:
        fail(
            f"{name}: the layers are {describe(model)}; the slide has "
            f"{' -> '.join(kind.__name__ for kind in expected)}.",
            hint="follow the slide's model.add calls in order: Dense2, then Dropout, then Dense3.",
        )
    dense_units = [layer.units for layer in layers_of(model, keras.layers.Dense)]
    want_units = [embedding_dim, num_units, num_units // 2, 1]
    if dense_units != want_units:
        fail(
            f"{name}: the Dense layers have {dense_units} units; expected {want_units}.",
            hint="Dense1 has wordvec_dim units (the embedding's width, embedding_matrix.shape[1]); "
            "Dense2 num_units, Dense3 num_units // 2.",
        )
    activations = [activation_name(layer) for layer in layers_of(model, keras.layers.Dense)]
    if activations[0] != "relu":
        fail(f"{name}: Dense1 uses the activation {activations[0]}; the slide's is relu.")
    if activations[1:3] != ["linear", "linear"]:
        fail(
            f"{name}: Dense2 and Dense3 use the activations {activations[1:3]}; on the slide they have none (linear).",
            hint="Dense(num_units) without an activation argument, as the slide writes it.",
        )
    rates = [float(layer.rate) for layer in layers_of(model, keras.layers.Dropout)]
    if not np.allclose(rates, dense_dropout):
        fail(f"{name}: the Dropout layers have rates {rates}; expected dense_dropout = {dense_dropout:g} for both.")
    x, y = token_batch(seed, 16, 8, num_words)
    expect_probability_output(model, x, name)
    expect_params(model, models.build_example_model(matrix, num_units, dense_dropout, recurrent_dropout), name)
    if train:
        expect_loss_drops(model, x, y, name)
    report_pass(name, visible=visible)
