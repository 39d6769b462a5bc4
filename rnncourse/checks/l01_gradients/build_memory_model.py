"""Exercise ``build_memory_model``: a Keras model that can remember over a long lag.

``build_memory_model(seq_len, num_features, num_units)`` returns a model: an Input of shape
``(seq_len, num_features)``, one gated recurrent layer (LSTM or GRU) of ``num_units`` units, and
``Dense(1, activation='sigmoid')``. The check builds it and runs it on a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import activation_name, call_student, fail, report_pass
from .._errors import exception_summary

NAME = "build_memory_model"


def check_build_memory_model(
    build_memory_model: Callable[..., Any],
    *,
    seq_len: int = 30,
    num_features: int = 2,
    num_units: int = 16,
    visible: bool = True,
    quiet: bool = False,
) -> None:
    """The long-lag model: Input, one gated recurrent layer (LSTM or GRU), a sigmoid unit.

    ``quiet=True`` prints nothing on success: a cell that is about to train the student's model
    calls it first, so that a wrong model stops there with this check's message instead of a
    Keras error from inside ``fit``.
    """
    __tracebackhide__ = True
    import keras

    name = NAME
    model = call_student(build_memory_model, seq_len, num_features, num_units, name=name)
    if not isinstance(model, keras.Model):
        fail(
            f"{name} returned a {type(model).__name__}; expected a keras.Model.",
            hint="return keras.Sequential([...]) or a functional keras.Model.",
        )
    recurrent = [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]
    gated = [layer for layer in recurrent if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))]
    if not recurrent:
        fail(f"{name} built a model without a recurrent layer.", hint="use keras.layers.LSTM(num_units).")
    if not gated:
        kinds = ", ".join(type(layer).__name__ for layer in recurrent)
        fail(
            f"{name} uses {kinds}; this task needs a gated cell.",
            hint="a SimpleRNN's gradient vanishes over the lag: use keras.layers.LSTM (or GRU).",
        )
    if gated[0].units != num_units:
        fail(f"the {type(gated[0]).__name__} layer has {gated[0].units} units; expected num_units = {num_units}.")
    problem = ""
    try:
        out = model(np.zeros((3, seq_len, num_features), dtype=np.float32))
    except Exception as exc:  # noqa: BLE001
        problem = f"{type(exc).__name__}: {exception_summary(exc)}"
    if problem:  # raised outside the except block: one message, no chained traceback
        fail(
            f"the model failed on a batch of shape (3, {seq_len}, {num_features}): {problem}",
            hint="start with keras.Input(shape=(seq_len, num_features)).",
        )
    shape = tuple(np.shape(out))
    if len(shape) == 3:
        fail(
            f"the model's output has shape {shape}: one output per time step.",
            hint="keep return_sequences=False on the last recurrent layer.",
        )
    if shape != (3, 1):
        fail(
            f"the model's output has shape {shape}; expected (batch, 1) = (3, 1).",
            hint="end with keras.layers.Dense(1, activation='sigmoid').",
        )
    last = model.layers[-1]
    activation = activation_name(last)
    if activation != "sigmoid":
        fail(
            f"the last layer's activation is {activation or 'missing'}; expected sigmoid.",
            hint="a binary label needs Dense(1, activation='sigmoid').",
        )
    if not quiet:
        report_pass(name, visible=visible)
