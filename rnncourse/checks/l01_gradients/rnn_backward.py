"""Exercise ``rnn_backward``: backpropagation through time for a simple RNN (tanh), by hand.

``rnn_backward(x, kernel, recurrent_kernel, bias, initial_state, upstream)`` returns a dict of
the gradients (keys ``BACKWARD_KEYS``) of ``loss = sum_t upstream_t . a_t``.

The reference is ``tf.GradientTape`` through ``keras.layers.SimpleRNN`` in float64
(:func:`tape_rnn_backward`); :func:`reference_rnn_backward` computes the same by hand and, with
``mistake=``, the typical wrong answers the check names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass
from ._common import rnn_inputs

NAME = "rnn_backward"


BACKWARD_KEYS = ("kernel", "recurrent_kernel", "bias", "initial_state")


def reference_rnn_backward(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    initial_state: np.ndarray,
    upstream: np.ndarray,
    *,
    mistake: str | None = None,
) -> dict[str, np.ndarray]:
    """BPTT for a_t = tanh(x_t @ kernel + a_{t-1} @ recurrent_kernel + bias), loss = sum_t upstream_t . a_t.

    ``mistake`` computes a typical wrong answer instead, so that a check can name it:
    ``"no_tanh_derivative"``, ``"no_flow_through_time"`` (each step sees only its own upstream
    gradient), ``"last_step_only"`` (the weight gradients are overwritten, not summed, so only
    step 1 remains), ``"untransposed"`` (the gradient to a_{t-1} uses recurrent_kernel, not its
    transpose), ``"current_state"`` (dz_t paired with a_t instead of a_{t-1}).
    """
    states, state = [], initial_state
    for x_t in x:
        state = np.tanh(x_t @ kernel + state @ recurrent_kernel + bias)
        states.append(state)
    grads = {
        "kernel": np.zeros_like(kernel),
        "recurrent_kernel": np.zeros_like(recurrent_kernel),
        "bias": np.zeros_like(bias),
    }
    from_next = np.zeros_like(initial_state)  # dL/da_t that arrives from step t+1
    for t in reversed(range(len(x))):
        d_state = upstream[t] + (0.0 if mistake == "no_flow_through_time" else from_next)
        d_pre = d_state if mistake == "no_tanh_derivative" else d_state * (1.0 - states[t] ** 2)
        previous = states[t] if mistake == "current_state" else (states[t - 1] if t > 0 else initial_state)
        step = {"kernel": np.outer(x[t], d_pre), "recurrent_kernel": np.outer(previous, d_pre), "bias": d_pre}
        for key, value in step.items():
            grads[key] = value if mistake == "last_step_only" else grads[key] + value
        from_next = d_pre @ (recurrent_kernel if mistake == "untransposed" else recurrent_kernel.T)
    grads["initial_state"] = from_next
    return grads


def tape_rnn_backward(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    initial_state: np.ndarray,
    upstream: np.ndarray,
) -> dict[str, np.ndarray]:
    """The same gradients from tf.GradientTape through keras.layers.SimpleRNN with these weights."""
    import keras
    import tensorflow as tf

    units = kernel.shape[1]
    layer = keras.layers.SimpleRNN(units, return_sequences=True, dtype="float64")
    inputs = tf.constant(np.asarray(x, dtype=np.float64)[None])
    layer(inputs, initial_state=[tf.constant(initial_state[None])])  # builds the layer
    layer.set_weights([kernel, recurrent_kernel, bias])
    start = tf.Variable(initial_state[None])
    with tf.GradientTape() as tape:
        states = layer(inputs, initial_state=[start])
        loss = tf.reduce_sum(states[0] * upstream)
    cell = layer.cell
    variables = [cell.kernel, cell.recurrent_kernel, cell.bias, start]
    found = tape.gradient(loss, variables)
    values = [np.asarray(g.numpy() if hasattr(g, "numpy") else g, dtype=np.float64) for g in found]
    values[3] = values[3][0]
    return dict(zip(BACKWARD_KEYS, values))


_BACKWARD_MISTAKES = {
    "no_tanh_derivative": (
        "the derivative of tanh is missing: the gradient went through each step as if a_t = z_t.",
        "the gradient reaching a_t passes through tanh' before it reaches z_t; the forward states give tanh'.",
    ),
    "no_flow_through_time": (
        "each step only used its own upstream gradient: nothing flowed back from later steps.",
        "the gradient reaching a_t is upstream[t] plus what comes back from step t+1 through recurrent_kernel "
        "(the total dL/da_t of the BPTT figure, not the direct term alone).",
    ),
    "last_step_only": (
        "the weight gradients hold only the first time step: they were overwritten instead of summed.",
        "the weights are shared by every step, so add each step's contribution (+=), from t = T down to 1.",
    ),
    "untransposed": (
        "the gradient sent back to a_{t-1} uses recurrent_kernel instead of its transpose.",
        "a matrix that multiplies a state on the way forward is applied transposed on the way back.",
    ),
    "current_state": (
        "recurrent_kernel's gradient pairs step t with a_t; it must pair it with the previous state a_{t-1}.",
        "recurrent_kernel multiplies the previous state in z_t: pair it with a_{t-1} "
        "(initial_state at the first step).",
    ),
}


def check_rnn_backward(
    rnn_backward: Callable[..., Any],
    *,
    seed: int = 0,
    num_steps: int = 6,
    input_dim: int = 3,
    units: int = 4,
    visible: bool = True,
) -> None:
    """``rnn_backward(...)`` must give BPTT's four gradients, as tf.GradientTape does."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "rnn_backward", visible=visible)  # the course secret, at grading
    name = NAME
    x, kernel, recurrent_kernel, bias = rnn_inputs(seed, num_steps, input_dim, units)
    rng = np.random.default_rng(seed + 1000)
    initial_state = rng.normal(scale=0.5, size=units)
    upstream = rng.normal(size=(num_steps, units))
    args = (x, kernel, recurrent_kernel, bias, initial_state, upstream)
    got = call_student(rnn_backward, *(a.copy() for a in args), name=name)
    if not isinstance(got, Mapping):
        fail(
            f"{name} returned a {type(got).__name__}; expected a dict.",
            hint=f"return {{{', '.join(repr(k) + ': ...' for k in BACKWARD_KEYS)}}}.",
        )
    missing = [key for key in BACKWARD_KEYS if key not in got]
    if missing:
        fail(f"{name}'s dict has no {', '.join(map(repr, missing))}.", hint=f"use the keys {BACKWARD_KEYS}.")
    expected = tape_rnn_backward(*args)
    arrays = {}
    for key in BACKWARD_KEYS:
        arrays[key] = as_array(got[key], name=f"{name}(...)[{key!r}]")
        expect_shape(
            arrays[key],
            expected[key].shape,
            name=f"{name}(...)[{key!r}]",
            meaning=f"the shape of {key}",
            hint="each gradient has the shape of what it is the gradient of.",
        )
        expect_finite(arrays[key], name=f"{name}(...)[{key!r}]")
    if all(np.allclose(arrays[k], expected[k], rtol=1e-5, atol=1e-8) for k in BACKWARD_KEYS):
        report_pass(name, visible=visible, detail=f"matches tf.GradientTape through SimpleRNN on T={num_steps}")
        return
    for mistake, (message, hint) in _BACKWARD_MISTAKES.items():
        variant = reference_rnn_backward(*args, mistake=mistake)
        if all(np.allclose(arrays[k], variant[k], rtol=1e-5, atol=1e-8) for k in BACKWARD_KEYS):
            fail(f"{name}: {message}", hint=hint)
    wrong = [k for k in BACKWARD_KEYS if not np.allclose(arrays[k], expected[k], rtol=1e-5, atol=1e-8)]
    expect_close(
        arrays[wrong[0]],
        expected[wrong[0]],
        name=f"{name}(...)[{wrong[0]!r}]",
        rtol=1e-5,
        atol=1e-8,
        what="gradient",
        hint="compare with gradients.numerical_gradient on a tiny example; "
        f"the gradients that differ: {', '.join(wrong)}.",
    )
