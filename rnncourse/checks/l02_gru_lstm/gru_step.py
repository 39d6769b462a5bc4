"""Exercise ``gru_step``: one time step of Keras's GRU (``reset_after=True``) in numpy, for one sequence.

``gru_step(x_t, h_prev, kernel, recurrent_kernel, bias)``: ``x_t`` has shape ``(input_dim,)``,
``h_prev`` ``(units,)``; the three blocks of the weights are in the order z, r, h, and ``bias`` has
shape ``(2, 3 * units)``: ``bias[0]`` is added to ``x_t @ kernel``, ``bias[1]`` to
``h_prev @ recurrent_kernel``. The reset gate multiplies the candidate's recurrent part after the
matrix product: ``h~ = tanh(x_h + r * (h_prev @ U_h + b_rec_h))``. It returns
``h_t = z * h_prev + (1 - z) * h~``, shape ``(units,)``.

The reference is ``keras.layers.GRU`` given the same weights and initial state
(:func:`keras_gru_run`); the numpy variants exist only to recognise typical mistakes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass
from ._common import ATOL, RTOL, assumed_layout, cell_inputs, run_steps, sigmoid

NAME = "gru_step"
GRU_GATES = ("z", "r", "h")  # Keras's order of the three blocks of a GRU's weights


def keras_gru_run(
    x: np.ndarray, h0: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """Every hidden state ``(T, units)`` of ``keras.layers.GRU`` (reset_after=True) with these weights."""
    import keras

    units = kernel.shape[1] // 3
    layer = keras.layers.GRU(units, return_sequences=True)
    inputs = np.asarray(x, dtype=np.float32)[None]
    state = [np.asarray(h0, dtype=np.float32)[None]]
    layer(inputs, initial_state=state)  # builds the layer
    layer.set_weights([np.asarray(w, dtype=np.float32) for w in (kernel, recurrent_kernel, bias)])
    return np.asarray(layer(inputs, initial_state=state), dtype=np.float64)[0]


def _gru_variant(
    order: Sequence[int] = (0, 1, 2),
    gate=sigmoid,
    reset_after=True,
    recurrent_bias="inside",
    swap_z=False,
    reset_gate=True,
):
    """A numpy GRU step with one deliberate change (for recognising mistakes).

    ``recurrent_bias``: "inside" (Keras: r * (h @ U_h + b_rec_h)), "outside" (added after the reset
    product), or "none" (the second bias row ignored).
    """

    def step(x_t, h_prev, kernel, recurrent_kernel, bias):
        units = recurrent_kernel.shape[0]
        b_in, b_rec = bias[0], bias[1]
        if recurrent_bias == "none":
            b_rec = np.zeros_like(b_rec)

        def block(matrix, k):
            j = order[k]
            return matrix[..., j * units : (j + 1) * units]

        xz, xr, xh = (block(x_t @ kernel + b_in, k) for k in range(3))
        rec = h_prev @ recurrent_kernel
        z = gate(xz + block(rec, 0) + block(b_rec, 0))
        r = gate(xr + block(rec, 1) + block(b_rec, 1)) if reset_gate else 1.0
        if reset_after:
            if recurrent_bias == "outside":
                hh = np.tanh(xh + r * block(rec, 2) + block(b_rec, 2))
            else:
                hh = np.tanh(xh + r * (block(rec, 2) + block(b_rec, 2)))
        else:
            inner = (r * h_prev) @ block(recurrent_kernel, 2)
            hh = np.tanh(xh + inner + (block(b_rec, 2) if recurrent_bias != "none" else 0.0))
        if swap_z:
            return (1 - z) * h_prev + z * hh
        return z * h_prev + (1 - z) * hh

    return step


def _gru_mistakes() -> dict[str, tuple[Callable[..., Any], str]]:
    mistakes: dict[str, tuple[Callable[..., Any], str]] = {
        "swaps z and 1 - z (h_t = (1 - z) * h_prev + z * h~)": (
            _gru_variant(swap_z=True),
            "Keras gives the old state the weight z and the candidate the weight 1 - z (section 1's last GRU "
            "equation). Some papers write it the other way round; this course follows Keras.",
        ),
        "applies the reset gate before the matrix product (the reset_after=False formula)": (
            _gru_variant(reset_after=False),
            "with reset_after=True (Keras's default) the reset gate scales the candidate's recurrent term after "
            "the matrix product (bias included), not h_prev before it.",
        ),
        "applies the reset gate before the matrix product and ignores the recurrent bias": (
            _gru_variant(reset_after=False, recurrent_bias="none"),
            "with reset_after=True the reset gate scales the candidate's whole recurrent term, after the product, "
            "and that term includes the recurrent bias bias[1].",
        ),
        "adds the candidate's recurrent bias outside the reset gate": (
            _gru_variant(recurrent_bias="outside"),
            "the candidate's recurrent bias is part of the recurrent term that the reset gate scales.",
        ),
        "ignores the recurrent bias bias[1]": (
            _gru_variant(recurrent_bias="none"),
            "bias has shape (2, 3 * units): one row for the input side, one for the recurrent side "
            "(section 1's weight-layout table).",
        ),
        "uses tanh instead of sigmoid for the gates z and r": (
            _gru_variant(gate=np.tanh),
            "gates are sigmoids (recurrent_activation): values between 0 and 1.",
        ),
        "leaves out the reset gate": (
            _gru_variant(reset_gate=False),
            "the candidate's recurrent term is scaled by the reset gate r, the second block.",
        ),
    }
    for perm in itertools.permutations(range(3)):
        if perm == (0, 1, 2):
            continue
        names = ", ".join(assumed_layout(perm, GRU_GATES))
        mistakes[f"reads the three blocks in the order ({names}) instead of Keras's (z, r, h)"] = (
            _gru_variant(order=perm),
            "Keras stacks the blocks as [z | r | h]: update gate, reset gate, candidate; "
            "block k is columns k*units:(k+1)*units.",
        )
    for mistake in list(mistakes):
        mistakes[mistake] = (
            mistakes[mistake][0],
            mistakes[mistake][1] + " Section 1's GRU equations give the whole step.",
        )
    return mistakes


def check_gru_step(
    gru_step: Callable[..., Any],
    *,
    seed: int = 0,
    num_steps: int = 6,
    input_dim: int = 3,
    units: int = 4,
    visible: bool = True,
) -> None:
    """Run ``gru_step`` over a sequence and compare with ``keras.layers.GRU`` (reset_after=True)."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "gru_step", visible=visible)  # the course secret, at grading
    name = NAME
    x, h0, _, kernel, recurrent_kernel, bias = cell_inputs(seed, num_steps, input_dim, units, 3, (2, 3 * units))
    weights = (kernel, recurrent_kernel, bias)
    h = h0
    got = []
    for x_t in x:
        result = call_student(gru_step, x_t.copy(), h.copy(), *(w.copy() for w in weights), name=name)
        if isinstance(result, (tuple, list)) and len(result) == 2 and np.ndim(result[0]) == 1:
            fail(
                f"{name} returned a pair; expected one array h_t of shape (units,) = ({units},).",
                hint="a GRU has no separate cell state: return only h_t.",
            )
        h = as_array(result, name=name)
        if h.shape == (1, units):
            fail(
                f"{name} returned shape {h.shape}; expected (units,) = ({units},).",
                hint="x_t and h_prev are 1-D vectors here; do not add a batch axis.",
            )
        expect_shape(
            h,
            (units,),
            name=name,
            meaning="(units,)",
            hint="the kernel's columns hold three blocks of units side by side, one per gate "
            "(section 1's weight-layout table).",
        )
        expect_finite(h, name=name)
        got.append(h)
    got_arr = np.stack(got)
    expected = keras_gru_run(x, h0, kernel, recurrent_kernel, bias)
    if not np.allclose(got_arr, expected, rtol=RTOL, atol=ATOL):
        for mistake, (variant, hint) in _gru_mistakes().items():
            if np.allclose(got_arr, run_steps(variant, x, (h0,), weights)[:, 0], rtol=RTOL, atol=ATOL):
                fail(f"{name} {mistake}, so it does not match keras.layers.GRU.", hint=hint)
        expect_close(
            got_arr,
            expected,
            name=f"{name} (h_t over {num_steps} steps)",
            rtol=RTOL,
            atol=ATOL,
            what="hidden-state values",
            hint="go through section 1's GRU equations one line at a time: which block of the input and recurrent "
            "terms feeds which gate (Keras's order is in the weight-layout table), where the reset gate acts, and "
            "how the update gate weighs the old state against the candidate.",
        )
    report_pass(name, visible=visible, detail=f"matches keras.layers.GRU over T={num_steps}")
