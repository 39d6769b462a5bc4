"""Exercise ``rnn_forward``: the forward pass of a simple RNN (tanh), in numpy, for one sequence.

``rnn_forward(x, kernel, recurrent_kernel, bias)``: ``x`` has shape ``(T, input_dim)``; it returns
every state ``a_t = tanh(x_t @ kernel + a_{t-1} @ recurrent_kernel + bias)``, with ``a_0 = 0``,
shape ``(T, units)``.

The reference is ``keras.layers.SimpleRNN`` given the same weights (:func:`keras_simple_rnn_states`);
the numpy variants exist only to recognise typical mistakes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass
from ._common import rnn_inputs

NAME = "rnn_forward"


def _numpy_rnn(x, kernel, recurrent_kernel, bias, activation=np.tanh, transpose=False):
    units = kernel.shape[1]
    state = np.zeros(units)
    states = []
    rec = recurrent_kernel.T if transpose else recurrent_kernel
    for x_t in x:
        state = activation(x_t @ kernel + state @ rec + bias)
        states.append(state)
    return np.stack(states)


def keras_simple_rnn_states(
    x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """Every state of ``keras.layers.SimpleRNN`` (tanh) with the given weights, shape (T, units)."""
    import keras

    units = kernel.shape[1]
    layer = keras.layers.SimpleRNN(units, return_sequences=True)
    out = layer(np.asarray(x, dtype=np.float32)[None])  # builds the layer
    layer.set_weights([kernel.astype(np.float32), recurrent_kernel.astype(np.float32), bias.astype(np.float32)])
    out = layer(np.asarray(x, dtype=np.float32)[None])
    return np.asarray(out, dtype=np.float64)[0]


def check_rnn_forward(
    rnn_forward: Callable[..., Any],
    *,
    seed: int = 0,
    num_steps: int = 7,
    input_dim: int = 4,
    units: int = 3,
    visible: bool = True,
) -> None:
    """Compare ``rnn_forward(x, kernel, recurrent_kernel, bias)`` with Keras's SimpleRNN."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "rnn_forward", visible=visible)  # the course secret, at grading
    name = NAME
    x, kernel, recurrent_kernel, bias = rnn_inputs(seed, num_steps, input_dim, units)
    got = as_array(
        call_student(rnn_forward, x.copy(), kernel.copy(), recurrent_kernel.copy(), bias.copy(), name=name), name=name
    )
    if got.shape == (units,):
        fail(
            f"{name} returned shape {got.shape}, only the last state; expected (T, units) = {(num_steps, units)}.",
            hint="return every state, one row per time step, not only the last one.",
        )
    if got.shape == (num_steps + 1, units):
        fail(
            f"{name} returned shape {got.shape}; expected (T, units) = {(num_steps, units)}.",
            hint="do not include the initial state a_0 = 0: return one state per input step.",
        )
    expect_shape(
        got,
        (num_steps, units),
        name=name,
        meaning="(T, units)",
        hint="return one state per time step, each of length units.",
    )
    expect_finite(got, name=name)
    expected = keras_simple_rnn_states(x, kernel, recurrent_kernel, bias)
    if not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
        variants = {
            "without the tanh": _numpy_rnn(x, kernel, recurrent_kernel, bias, activation=lambda z: z),
            "with a ReLU instead of tanh": _numpy_rnn(
                x, kernel, recurrent_kernel, bias, activation=lambda z: np.maximum(z, 0)
            ),
            "with recurrent_kernel transposed": _numpy_rnn(x, kernel, recurrent_kernel, bias, transpose=True),
            "without the bias": _numpy_rnn(x, kernel, recurrent_kernel, np.zeros_like(bias)),
        }
        for label, variant in variants.items():
            if np.allclose(got, variant, rtol=1e-4, atol=1e-5):
                fail(
                    f"{name} matches a simple RNN {label}, not Keras's SimpleRNN.",
                    hint="follow the update equation of section 1 term by term, starting from a_0 = 0.",
                )
        expect_close(
            got,
            expected,
            name=name,
            rtol=1e-4,
            atol=1e-5,
            hint="follow the update equation of section 1 term by term, starting from a_0 = 0, and feed each "
            "new state into the next step.",
            what="states",
        )
    report_pass(name, visible=visible, detail=f"matches keras.layers.SimpleRNN on T={num_steps}")
