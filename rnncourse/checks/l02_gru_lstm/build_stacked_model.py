"""Exercise ``build_stacked_model``: the slide's stack of a GRU and an LSTM, for two tasks.

``build_stacked_model(seq_len, num_features, per_step)`` returns an uncompiled model
``keras.Input(shape=(seq_len, num_features))`` -> ``GRU(128)`` -> ``LSTM(64)`` ->
``Dense(1, activation="sigmoid")``. The layers are given; the decision is each recurrent layer's
``return_sequences``: with ``per_step=False`` the model gives one probability per sequence,
``(batch, 1)`` (the slide's model), with ``per_step=True`` one per time step,
``(batch, seq_len, 1)``. Layer names, if any, must be valid ones such as ``"gru_layer"``.

The reference is the student's built model itself, inspected and run on a small batch; a wrong
``return_sequences`` is explained by what it does to the shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...config import quiet_retracing
from .._core import CheckFailure, activation_name, call_student, fail, report_pass
from .._keras import model_layers

NAME = "build_stacked_model"
GRU_UNITS, LSTM_UNITS = 128, 64  # the slide's stack


def check_build_stacked_model(
    build_stacked_model: Callable[..., Any], *, seq_len: int = 20, num_features: int = 8, visible: bool = True
) -> None:
    """Both tasks: one probability per sequence (``per_step=False``), then one per step (``per_step=True``)."""
    __tracebackhide__ = True
    for per_step in (False, True):
        _check_one(build_stacked_model, seq_len=seq_len, num_features=num_features, per_step=per_step)
    detail = "GRU(128) -> LSTM(64) -> Dense(1), one probability per sequence and one per step"
    report_pass(NAME, visible=visible, detail=detail)


def _check_one(build_stacked_model: Callable[..., Any], *, seq_len: int, num_features: int, per_step: bool) -> None:
    """Inspect the model built for one task (layer types and order, units, return_sequences), and
    run it with ``predict`` on a small batch to check every output shape and that its names work."""
    __tracebackhide__ = True
    import keras

    name = f"{NAME}(..., per_step={per_step})"
    task = "one probability per time step" if per_step else "one probability per sequence"
    sequence_hint = (
        "the LSTM after the GRU reads a sequence: it needs the GRU's state at every time step, "
        "(batch, seq_len, 128), not only the last one, (batch, 128)."
    )
    build_error = None
    try:
        model = call_student(build_stacked_model, seq_len, num_features, per_step, name=NAME)
    except CheckFailure as exc:
        build_error = str(exc)
    # Failures are raised outside the `except` blocks: the student sees one message, not a chain.
    if build_error is not None:
        if "expected ndim=3, found ndim=2" in build_error:
            fail(
                f"{name} failed while building: the LSTM received a 2-D input (batch, features) instead of a sequence.",
                hint=sequence_hint,
            )
        raise CheckFailure(build_error)
    if not isinstance(model, keras.Model):
        fail(
            f"{name} returned a {type(model).__name__}; expected a keras.Model.",
            hint="return the Keras model you built.",
        )
    layers = model_layers(model)
    kinds = [type(layer).__name__ for layer in layers]
    recurrent = [layer for layer in layers if isinstance(layer, keras.layers.RNN)]
    recurrent_kinds = [type(layer).__name__ for layer in recurrent]
    if recurrent_kinds == ["LSTM", "GRU"]:
        fail(
            f"{name} puts the LSTM before the GRU (layers: {', '.join(kinds)}).",
            hint="the GRU of 128 units reads the input sequence; the LSTM of 64 units reads the GRU's sequence.",
        )
    if recurrent_kinds != ["GRU", "LSTM"]:
        fail(
            f"{name} has the recurrent layers [{', '.join(recurrent_kinds)}]; expected [GRU, LSTM].",
            hint="exactly one GRU layer followed by one LSTM layer, as the exercise lists them.",
        )
    if kinds != ["GRU", "LSTM", "Dense"]:
        fail(
            f"{name} has the layers [{', '.join(kinds)}]; expected [GRU, LSTM, Dense] after the Input.",
            hint="the exercise lists the layers: the input, the GRU, the LSTM and the output layer, nothing else.",
        )
    gru, lstm, dense = layers
    if gru.units != GRU_UNITS or lstm.units != LSTM_UNITS:
        fail(f"the GRU has {gru.units} units and the LSTM {lstm.units}; expected {GRU_UNITS} and {LSTM_UNITS}.")
    if not gru.return_sequences:
        fail("the GRU has return_sequences=False.", hint=sequence_hint)
    if lstm.return_sequences != per_step:
        if per_step:
            fail(
                f"{name}: the LSTM has return_sequences=False, so the model gives one probability per sequence, "
                f"(batch, 1); the task asks for {task}, (batch, seq_len, 1).",
                hint="Dense acts on the last axis of whatever it receives: which layer decides whether a "
                "time axis is left for it?",
            )
        fail(
            f"{name}: the LSTM has return_sequences=True, so the model gives one probability per time step, "
            f"(batch, seq_len, 1); the task asks for {task}, (batch, 1).",
            hint="for one prediction per sequence, the last recurrent layer hands on only its last state.",
        )
    activation = activation_name(dense)
    if dense.units != 1 or activation != "sigmoid":
        fail(
            f"the last layer is Dense({dense.units}, activation={activation!r}); "
            "expected Dense(1, activation='sigmoid')."
        )
    batch = np.zeros((3, seq_len, num_features), dtype=np.float32)
    predict_error = None
    try:
        with quiet_retracing():  # a new predict function per model: expected, not the student's doing
            out = model.predict(batch, verbose=0)
    except Exception as exc:  # noqa: BLE001  (any error becomes feedback)
        predict_error = (type(exc).__name__, " ".join(str(exc).split()))
    if predict_error is not None:
        if "scope name" in predict_error[1]:
            names = ", ".join(repr(layer.name) for layer in layers)
            fail(
                f"model.predict failed because a layer name is not a valid scope name (names: {names}).",
                hint="Keras 3 turns layer names into TensorFlow name scopes: use letters, digits and "
                "underscores (gru_layer, say), no spaces.",
            )
        fail(
            f"model.predict on a batch of shape {batch.shape} raised {predict_error[0]}.",
            hint="start with an Input whose shape comes from the function's two arguments.",
        )
    shapes = []
    current = batch
    for layer in layers:
        current = layer(current)
        shapes.append(tuple(int(d) for d in np.shape(current)))
    time_axis = (seq_len,) if per_step else ()  # what the LSTM hands on: every step, or only the last
    want: list[tuple[int, ...]] = [(3, seq_len, GRU_UNITS), (3, *time_axis, LSTM_UNITS), (3, *time_axis, 1)]
    for layer, got_shape, want_shape in zip(layers, shapes, want):
        if got_shape != want_shape:
            fail(f"the {type(layer).__name__} layer outputs shape {got_shape} on a batch of 3; expected {want_shape}.")
    if tuple(np.shape(out)) != want[-1]:
        fail(f"{name}: the model's output has shape {tuple(np.shape(out))}; expected {want[-1]} ({task}).")
