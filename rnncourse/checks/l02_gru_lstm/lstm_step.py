"""Exercise ``lstm_step``: one time step of Keras's LSTM in numpy, for one sequence (no batch axis).

``lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)``: ``x_t`` has shape
``(input_dim,)``, ``h_prev`` and ``c_prev`` ``(units,)``; the weights are in Keras's layout, the
four blocks in the order i, f, c, o. ``z = x_t @ kernel + h_prev @ recurrent_kernel + bias``,
split into four blocks; ``c_t = f * c_prev + i * tanh(z_c)`` and ``h_t = o * tanh(c_t)``, with
sigmoid gates. It returns the tuple ``(h_t, c_t)``.

The reference is ``keras.layers.LSTM`` given the same weights and initial state
(:func:`keras_lstm_run`); the numpy variants exist only to recognise typical mistakes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import (
    as_array,
    as_tuple,
    call_student,
    expect_close,
    expect_finite,
    expect_shape,
    fail,
    hidden_seed,
    report_pass,
)
from ._common import ATOL, RTOL, assumed_layout, cell_inputs, run_steps, sigmoid

NAME = "lstm_step"
LSTM_GATES = ("i", "f", "c", "o")  # Keras's order of the four blocks of an LSTM's weights


def _pair(value: Any, *, name: str, labels: tuple[str, str]) -> tuple[Any, Any]:
    """Unpack a student's ``(a, b)`` result, or fail saying what was expected."""
    __tracebackhide__ = True
    first, second = as_tuple(value, name=name, labels=labels, items="two arrays")
    return first, second


def keras_lstm_run(
    x: np.ndarray, h0: np.ndarray, c0: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``keras.layers.LSTM`` with the given weights and initial state on one sequence.

    Returns every hidden state ``(T, units)``, the last hidden state and the last cell state
    (``return_sequences=True, return_state=True``), as float64.
    """
    import keras

    units = kernel.shape[1] // 4
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True)
    inputs = np.asarray(x, dtype=np.float32)[None]
    state = [np.asarray(h0, dtype=np.float32)[None], np.asarray(c0, dtype=np.float32)[None]]
    layer(inputs, initial_state=state)  # builds the layer
    layer.set_weights([np.asarray(w, dtype=np.float32) for w in (kernel, recurrent_kernel, bias)])
    seq, h_last, c_last = layer(inputs, initial_state=state)
    return (
        np.asarray(seq, dtype=np.float64)[0],
        np.asarray(h_last, dtype=np.float64)[0],
        np.asarray(c_last, dtype=np.float64)[0],
    )


def _lstm_variant(
    order: Sequence[int] = (0, 1, 2, 3),
    gate=sigmoid,
    output_gate=True,
    cell_tanh=True,
    c_prev_term=True,
    forget_gate=True,
    use_bias=True,
    swap_return=False,
):
    """A numpy LSTM step with one deliberate change (for recognising mistakes)."""

    def step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        units = recurrent_kernel.shape[0]
        z = x_t @ kernel + h_prev @ recurrent_kernel + (bias if use_bias else 0.0)
        blocks = [z[k * units : (k + 1) * units] for k in order]
        i, f, g, o = gate(blocks[0]), gate(blocks[1]), np.tanh(blocks[2]), gate(blocks[3])
        keep = (f if forget_gate else 1.0) * c_prev if c_prev_term else 0.0
        c = keep + i * g
        h = (o if output_gate else 1.0) * (np.tanh(c) if cell_tanh else c)
        return (c, h) if swap_return else (h, c)

    return step


def _lstm_mistakes() -> dict[str, tuple[Callable[..., Any], str]]:
    mistakes: dict[str, tuple[Callable[..., Any], str]] = {
        "returns (c_t, h_t) instead of (h_t, c_t)": (
            _lstm_variant(swap_return=True),
            "return the hidden state first, then the cell state.",
        ),
        "uses tanh instead of sigmoid for the gates i, f, o": (
            _lstm_variant(gate=np.tanh),
            "gates are sigmoids (recurrent_activation): values between 0 and 1.",
        ),
        "forgets the output gate (h_t = tanh(c_t))": (
            _lstm_variant(output_gate=False),
            "the hidden state is the squashed cell state let through by a gate: which block is that gate?",
        ),
        "leaves out the tanh on the cell state (h_t = o * c_t)": (
            _lstm_variant(cell_tanh=False),
            "section 1's last equation squashes the cell state before the output gate scales it.",
        ),
        "drops the c_prev term (c_t = i * c~)": (
            _lstm_variant(c_prev_term=False),
            "the new cell state keeps a gated part of the old one: where does c_prev enter section 1's equation?",
        ),
        "adds c_prev without the forget gate (c_t = c_prev + i * c~)": (
            _lstm_variant(forget_gate=False),
            "the old cell state passes through the forget gate f, the second block.",
        ),
        "ignores the bias": (_lstm_variant(use_bias=False), "add bias to the pre-activations of all four blocks."),
    }
    for perm in itertools.permutations(range(4)):
        if perm == (0, 1, 2, 3):
            continue
        names = ", ".join(assumed_layout(perm, LSTM_GATES))
        mistakes[f"reads the four blocks in the order ({names}) instead of Keras's (i, f, c, o)"] = (
            _lstm_variant(order=perm),
            "Keras stacks the blocks as [i | f | c | o]: input gate, forget gate, candidate (tanh), "
            "output gate; block k is columns k*units:(k+1)*units.",
        )
    for mistake in list(mistakes):
        mistakes[mistake] = (
            mistakes[mistake][0],
            mistakes[mistake][1] + " Section 1's LSTM equations give the whole step.",
        )
    return mistakes


def check_lstm_step(
    lstm_step: Callable[..., Any],
    *,
    seed: int = 0,
    num_steps: int = 6,
    input_dim: int = 3,
    units: int = 4,
    visible: bool = True,
) -> None:
    """Run ``lstm_step`` over a sequence and compare with ``keras.layers.LSTM`` with the same weights."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "lstm_step", visible=visible)  # the course secret, at grading
    name = NAME
    x, h0, c0, kernel, recurrent_kernel, bias = cell_inputs(seed, num_steps, input_dim, units, 4, (4 * units,))
    weights = (kernel, recurrent_kernel, bias)
    h, c = h0, c0
    got = []
    for x_t in x:
        result = call_student(lstm_step, x_t.copy(), h.copy(), c.copy(), *(w.copy() for w in weights), name=name)
        h_raw, c_raw = _pair(result, name=name, labels=("h_t", "c_t"))
        h = as_array(h_raw, name=f"{name} (h_t)")
        c = as_array(c_raw, name=f"{name} (c_t)")
        for arr, label in ((h, "h_t"), (c, "c_t")):
            if arr.shape == (1, units):
                fail(
                    f"{name} returned {label} of shape {arr.shape}; expected (units,) = ({units},).",
                    hint="x_t, h_prev and c_prev are 1-D vectors here; do not add a batch axis.",
                )
            expect_shape(
                arr,
                (units,),
                name=f"{name} ({label})",
                meaning="(units,)",
                hint="the kernel's columns hold four blocks of units side by side, one per gate "
                "(section 1's weight-layout table).",
            )
            expect_finite(arr, name=f"{name} ({label})")
        got.append(np.stack([h, c]))
    got_arr = np.stack(got)  # (T, 2, units)
    seq, _, c_last = keras_lstm_run(x, h0, c0, kernel, recurrent_kernel, bias)
    ok_h = np.allclose(got_arr[:, 0], seq, rtol=RTOL, atol=ATOL)
    ok_c = np.allclose(got_arr[-1, 1], c_last, rtol=RTOL, atol=ATOL)
    if not (ok_h and ok_c):
        for mistake, (variant, hint) in _lstm_mistakes().items():
            if np.allclose(got_arr, run_steps(variant, x, (h0, c0), weights), rtol=RTOL, atol=ATOL):
                fail(f"{name} {mistake}, so it does not match keras.layers.LSTM.", hint=hint)
        hint = (
            "go through section 1's LSTM equations one line at a time: which block of the pre-activations "
            "feeds which gate (Keras's order is in the weight-layout table), which activation each uses, and "
            "how the new cell state combines the old one with the candidate."
        )
        if not ok_h:
            expect_close(
                got_arr[:, 0],
                seq,
                name=f"{name} (h_t over {num_steps} steps)",
                rtol=RTOL,
                atol=ATOL,
                hint=hint,
                what="hidden-state values",
            )
        expect_close(
            got_arr[-1, 1],
            c_last,
            name=f"{name} (the last c_t)",
            rtol=RTOL,
            atol=ATOL,
            hint=hint,
            what="cell-state values",
        )
    report_pass(name, visible=visible, detail=f"matches keras.layers.LSTM over T={num_steps}")
