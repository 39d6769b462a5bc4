"""Exercise ``build_conv_lstm``: Conv1D and MaxPooling1D before an LSTM on GloVe, the notebook's exercise 5.

``build_conv_lstm(embedding_matrix, filters, kernel_size, pool_size, num_units)`` returns an
uncompiled model: Input -> a trainable Embedding initialised with ``embedding_matrix`` ->
Conv1D(relu) -> MaxPooling1D -> LSTM -> Dense(1, sigmoid). The reference is
:func:`rnncourse.models.build_conv_lstm`, for the parameter count; the check also verifies that a
sequence of ``T`` steps reaches the LSTM with ``(T - kernel_size + 1) // pool_size`` steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ... import models
from .._core import activation_name, fail, report_pass
from .._keras import describe, layers_of, model_layers
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

NAME = "build_conv_lstm"


def check_build_conv_lstm(
    build_conv_lstm: Callable[..., Any],
    *,
    num_words: int = 40,
    embedding_dim: int = 6,
    filters: int = 4,
    kernel_size: int = 3,
    pool_size: int = 2,
    num_units: int = 5,
    seq_len: int = 16,
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``build_conv_lstm(embedding_matrix, filters, kernel_size, pool_size, num_units)``."""
    __tracebackhide__ = True
    import keras

    name = "build_conv_lstm"
    matrix = small_matrix(seed, num_words, embedding_dim)
    seeded(seed)
    model = call_builder(build_conv_lstm, matrix.copy(), filters, kernel_size, pool_size, num_units, name=name)
    expect_model(model, name)
    expect_pretrained_embedding(model, name, matrix, trainable=True)
    convs = layers_of(model, keras.layers.Conv1D)
    pools = layers_of(model, keras.layers.MaxPooling1D)
    if not convs:
        fail(
            f"{name}: the model has no Conv1D layer (layers: {describe(model)}).",
            hint="after the embedding: keras.layers.Conv1D(filters, kernel_size, activation='relu').",
        )
    if not pools:
        fail(
            f"{name}: the model has no MaxPooling1D layer (layers: {describe(model)}).",
            hint="after the convolution: keras.layers.MaxPooling1D(pool_size); it is what shortens "
            "the sequence the LSTM has to read.",
        )
    conv, pool = convs[0], pools[0]
    if conv.filters != filters or tuple(conv.kernel_size) != (kernel_size,):
        fail(
            f"{name}: the Conv1D has filters={conv.filters}, kernel_size={tuple(conv.kernel_size)}; "
            f"expected filters={filters}, kernel_size=({kernel_size},)."
        )
    conv_activation = activation_name(conv)
    if conv_activation != "relu":
        if conv_activation in ("", "linear"):
            hint = (
                "Conv1D's default is activation=None, which is linear: pass activation='relu', "
                "keras.layers.Conv1D(filters, kernel_size, activation='relu'). The relu makes each filter a "
                "phrase detector that outputs 0 where its phrase is absent, before the max pooling keeps "
                "its strongest response."
            )
        else:
            hint = "keras.layers.Conv1D(filters, kernel_size, activation='relu'), as in the exercise text."
        fail(f"{name}: the Conv1D's activation is {conv_activation or 'missing'}; expected relu.", hint=hint)
    if tuple(pool.pool_size) != (pool_size,):
        fail(f"{name}: the MaxPooling1D has pool_size={tuple(pool.pool_size)}; expected ({pool_size},).")
    (lstm,) = expect_recurrent_stack(model, name, [keras.layers.LSTM], num_units)
    order = [model_layers(model).index(layer) for layer in (conv, pool, lstm)]
    if order != sorted(order):
        fail(
            f"{name}: the layers are in the order {describe(model)}; expected Embedding -> Conv1D "
            f"-> MaxPooling1D -> LSTM -> Dense.",
            hint="convolve and pool the word vectors first; the LSTM then reads the shorter sequence.",
        )
    x, y = token_batch(seed, 16, seq_len, num_words)
    expect_probability_output(model, x, name)
    steps_in = seq_len - kernel_size + 1
    inputs = list(getattr(model, "inputs", None) or [])
    reach = keras.Model(inputs[0], pool.output) if len(inputs) == 1 else None
    if reach is not None:
        pooled = np.asarray(reach(x))
        want_steps = steps_in // pool_size
        if pooled.shape[1] != want_steps:
            fail(
                f"{name}: the pooled sequence has {pooled.shape[1]} steps for an input of {seq_len}; "
                f"expected ({seq_len} - {kernel_size} + 1) // {pool_size} = {want_steps}.",
                hint="use the Conv1D's default padding='valid' and MaxPooling1D(pool_size).",
            )
    expect_params(model, models.build_conv_lstm(matrix, filters, kernel_size, pool_size, num_units), name)
    if train:
        expect_loss_drops(model, x, y, name)
    report_pass(name, visible=visible, detail=f"{seq_len} steps -> {steps_in // pool_size} after pooling")
