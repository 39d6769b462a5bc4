"""Exercise ``lstm_step_backward``: the backward pass of one LSTM step, by hand.

``lstm_step_backward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, dh_t, dc_t)`` returns
a dict of the gradients (keys ``BACKWARD_KEYS``) of ``L = dh_t . h_t + dc_t . c_t``, where
``(h_t, c_t)`` is ``lstm_step``'s result. ``dh_t`` is everything the loss sends to the hidden
state, ``dc_t`` what arrives along the cell state from step t+1.

The reference is ``tf.GradientTape`` through ``keras.layers.LSTM`` in float64
(:func:`tape_lstm_backward`). :func:`reference_lstm_step_backward` computes the same by hand
and, with ``mistake=``, the typical wrong answers the check names. The hidden test also chains
the student's step backward over several steps (backpropagation through time through an LSTM)
and compares the totals with the tape over the whole sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass
from ._common import cell_inputs, sigmoid

NAME = "lstm_step_backward"
BACKWARD_KEYS = ("kernel", "recurrent_kernel", "bias", "h_prev", "c_prev")
RTOL, ATOL = 1e-5, 1e-8  # both sides in float64


def reference_lstm_step_backward(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    dh_t: np.ndarray,
    dc_t: np.ndarray,
    *,
    mistake: str | None = None,
) -> dict[str, np.ndarray]:
    """The gradients of ``dh_t . h_t + dc_t . c_t`` for one LSTM step (Keras's layout, i f c o).

    ``mistake`` computes a typical wrong answer instead (the keys of ``_MISTAKES``).
    """
    units = recurrent_kernel.shape[0]
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i, f = sigmoid(z[:units]), sigmoid(z[units : 2 * units])
    candidate, o = np.tanh(z[2 * units : 3 * units]), sigmoid(z[3 * units :])
    c_t = f * c_prev + i * candidate
    squashed = np.tanh(c_t)
    through_h = dh_t * o if mistake == "no_tanh_c_derivative" else dh_t * o * (1.0 - squashed**2)
    d_cell = through_h + (0.0 if mistake == "cell_path_dropped" else dc_t)  # everything reaching c_t
    d_i, d_candidate = d_cell * candidate, d_cell * i
    d_f = d_cell * (c_t if mistake == "c_pairing_swapped" else c_prev)
    d_o = dh_t * squashed

    def through_gate(d_gate: np.ndarray, gate: np.ndarray) -> np.ndarray:
        return d_gate if mistake == "no_sigmoid_derivative" else d_gate * gate * (1.0 - gate)

    d_z = np.concatenate(
        [
            through_gate(d_i, i),
            through_gate(d_f, f),
            d_candidate if mistake == "no_candidate_derivative" else d_candidate * (1.0 - candidate**2),
            through_gate(d_o, o),
        ]
    )
    d_c_prev = d_cell if mistake == "c_prev_without_forget" else d_cell * f
    return {
        "kernel": np.outer(x_t, d_z),
        "recurrent_kernel": np.outer(h_prev, d_z),
        "bias": d_z,
        "h_prev": d_z @ recurrent_kernel.T,
        "c_prev": np.zeros_like(c_prev) if mistake == "no_c_prev_gradient" else d_c_prev,
    }


def lstm_forward_states(
    x: np.ndarray, h0: np.ndarray, c0: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Every ``h_t`` and ``c_t`` of an LSTM run over x, the initial state first (lists of T + 1)."""
    units = recurrent_kernel.shape[0]
    hs, cs = [h0], [c0]
    for x_t in x:
        z = x_t @ kernel + hs[-1] @ recurrent_kernel + bias
        i, f = sigmoid(z[:units]), sigmoid(z[units : 2 * units])
        candidate, o = np.tanh(z[2 * units : 3 * units]), sigmoid(z[3 * units :])
        cs.append(f * cs[-1] + i * candidate)
        hs.append(o * np.tanh(cs[-1]))
    return hs, cs


def tape_lstm_backward(
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    dh: np.ndarray,
    dc_last: np.ndarray,
) -> dict[str, np.ndarray]:
    """tf.GradientTape through keras.layers.LSTM (float64) of ``sum_t dh[t] . h_t + dc_last . c_T``.

    The keys are those of ``BACKWARD_KEYS``; ``h_prev`` and ``c_prev`` are the gradients with
    respect to the initial state ``(h0, c0)``.
    """
    import keras
    import tensorflow as tf

    units = recurrent_kernel.shape[0]
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True, dtype="float64")
    inputs = tf.constant(np.asarray(x, dtype=np.float64)[None])
    layer(inputs, initial_state=[tf.constant(h0[None]), tf.constant(c0[None])])  # builds the layer
    layer.set_weights([kernel, recurrent_kernel, bias])
    h_start, c_start = tf.Variable(h0[None]), tf.Variable(c0[None])
    with tf.GradientTape() as tape:
        all_h, _, c_last = layer(inputs, initial_state=[h_start, c_start])
        loss = tf.reduce_sum(all_h[0] * dh) + tf.reduce_sum(c_last[0] * dc_last)
    cell = layer.cell
    found = tape.gradient(loss, [cell.kernel, cell.recurrent_kernel, cell.bias, h_start, c_start])
    values = [np.asarray(g.numpy() if hasattr(g, "numpy") else g, dtype=np.float64) for g in found]
    values[3], values[4] = values[3][0], values[4][0]
    return dict(zip(BACKWARD_KEYS, values))


_MISTAKES = {
    "no_sigmoid_derivative": (
        "the sigmoid's derivative is missing: the gradients of the gates i, f and o went through as if gate = z.",
        "a gate is sigmoid(z), so the gradient reaching its pre-activation is multiplied by the sigmoid's "
        "derivative, which the gate's own value gives you.",
    ),
    "no_candidate_derivative": (
        "the candidate's tanh derivative is missing.",
        "the candidate c~ is tanh of its block: its gradient passes through tanh' (written with c~ itself).",
    ),
    "no_tanh_c_derivative": (
        "the gradient from h_t to c_t skips the derivative of tanh(c_t).",
        "h_t = o * tanh(c_t): the path from h_t to c_t passes through the output gate and tanh'.",
    ),
    "cell_path_dropped": (
        "the gradient arriving along the cell state, dc_t, is dropped: only the path through h_t reaches c_t.",
        "c_t feeds both h_t and c_{t+1}: the gradient reaching c_t is the sum of the two paths.",
    ),
    "c_pairing_swapped": (
        "the forget gate's gradient uses the new cell state c_t; it multiplies the old one, c_prev.",
        "in c_t = f * c_prev + i * c~, which factor does f multiply?",
    ),
    "c_prev_without_forget": (
        "the gradient sent back to c_prev leaves out the forget gate.",
        "c_prev reaches c_t only through f * c_prev: that product is the direct path section 1 talks about.",
    ),
    "no_c_prev_gradient": (
        "the gradient with respect to c_prev is zero: the direct path along the cell state is missing.",
        "c_prev enters c_t = f * c_prev + ...: what is ∂c_t/∂c_prev?",
    ),
}


def _backward_inputs(seed: int, num_steps: int, input_dim: int, units: int) -> tuple[np.ndarray, ...]:
    x, h0, c0, kernel, recurrent_kernel, bias = cell_inputs(seed, num_steps, input_dim, units, 4, (4 * units,))
    rng = np.random.default_rng(seed + 2000)
    dh = rng.normal(size=(num_steps, units))  # what the loss sends to each h_t
    dc_last = rng.normal(size=units)  # what arrives along the cell state after the last step
    return x, h0, c0, kernel, recurrent_kernel, bias, dh, dc_last


def _chain(
    step_backward: Callable[..., Any],
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
    dh: np.ndarray,
    dc_last: np.ndarray,
    convert: Callable[[Any, int], dict[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Backpropagation through time with a one-step backward function, from t = T down to 1."""
    hs, cs = lstm_forward_states(x, h0, c0, *weights)
    totals = {key: np.zeros_like(weight) for key, weight in zip(BACKWARD_KEYS[:3], weights)}
    dh_next, dc_next = np.zeros_like(h0), dc_last
    for t in reversed(range(len(x))):
        args = (x[t], hs[t], cs[t], *weights, dh[t] + dh_next, dc_next)
        got = convert(step_backward(*(np.array(a, copy=True) for a in args)), t)
        for key in totals:
            totals[key] = totals[key] + got[key]
        dh_next, dc_next = got["h_prev"], got["c_prev"]
    return {**totals, "h_prev": dh_next, "c_prev": dc_next}


def check_lstm_step_backward(
    lstm_step_backward: Callable[..., Any],
    *,
    seed: int = 0,
    num_steps: int = 1,
    input_dim: int = 3,
    units: int = 4,
    visible: bool = True,
) -> None:
    """``lstm_step_backward`` must give the five gradients tf.GradientTape gives through keras.layers.LSTM.

    With ``num_steps > 1`` the check chains the student's function from the last step back to
    the first, each step receiving the ``h_prev`` and ``c_prev`` gradients of the step after it.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, NAME, visible=visible)  # the course secret, at grading
    name = NAME
    x, h0, c0, kernel, recurrent_kernel, bias, dh, dc_last = _backward_inputs(seed, num_steps, input_dim, units)
    weights = (kernel, recurrent_kernel, bias)
    shapes = {"kernel": kernel.shape, "recurrent_kernel": recurrent_kernel.shape, "bias": bias.shape}
    shapes.update({"h_prev": (units,), "c_prev": (units,)})
    where = "" if num_steps == 1 else " (chained over {T} steps, at step t={t})"

    def convert(got: Any, t: int) -> dict[str, np.ndarray]:
        label = where.format(T=num_steps, t=t + 1)
        if not isinstance(got, Mapping):
            fail(
                f"{name} returned a {type(got).__name__}{label}; expected a dict.",
                hint="return a dict with one gradient per key: "
                "'kernel', 'recurrent_kernel', 'bias', 'h_prev', 'c_prev'.",
            )
        missing = [key for key in BACKWARD_KEYS if key not in got]
        if missing:
            fail(f"{name}'s dict has no {', '.join(map(repr, missing))}{label}.", hint=f"use the keys {BACKWARD_KEYS}.")
        arrays = {}
        for key in BACKWARD_KEYS:
            arrays[key] = as_array(got[key], name=f"{name}(...)[{key!r}]")
            expect_shape(
                arrays[key],
                shapes[key],
                name=f"{name}(...)[{key!r}]",
                meaning=f"the shape of {key}",
                hint="each gradient has the shape of what it is the gradient of; this is one sequence, no batch axis.",
            )
            expect_finite(arrays[key], name=f"{name}(...)[{key!r}]")
        return arrays

    def student_step(*args: Any) -> Any:
        return call_student(lstm_step_backward, *args, name=name)

    got = _chain(student_step, x, h0, c0, weights, dh, dc_last, convert)
    expected = tape_lstm_backward(x, h0, c0, kernel, recurrent_kernel, bias, dh, dc_last)
    if all(np.allclose(got[k], expected[k], rtol=RTOL, atol=ATOL) for k in BACKWARD_KEYS):
        steps = "one step" if num_steps == 1 else f"{num_steps} steps chained"
        report_pass(name, visible=visible, detail=f"matches tf.GradientTape through keras.layers.LSTM, {steps}")
        return
    for mistake, (message, hint) in _MISTAKES.items():

        def variant(*args: Any, mistake: str = mistake) -> dict[str, np.ndarray]:
            return reference_lstm_step_backward(*args, mistake=mistake)

        wrong = _chain(variant, x, h0, c0, weights, dh, dc_last, lambda value, t: value)
        if all(np.allclose(got[k], wrong[k], rtol=RTOL, atol=ATOL) for k in BACKWARD_KEYS):
            fail(f"{name}: {message}", hint=hint)
    differ = [k for k in BACKWARD_KEYS if not np.allclose(got[k], expected[k], rtol=RTOL, atol=ATOL)]
    chained = "" if num_steps == 1 else f" summed over {num_steps} chained steps"
    expect_close(
        got[differ[0]],
        expected[differ[0]],
        name=f"{name}(...)[{differ[0]!r}]{chained} (the gradients that differ: {', '.join(differ)})",
        rtol=RTOL,
        atol=ATOL,
        what="gradient",
        hint="run the gradient check below the exercise on each key, and walk back through section 1's six "
        "equations from h_t and c_t to the pre-activations.",
    )
