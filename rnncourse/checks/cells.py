"""Checks for lesson 02: the LSTM and GRU cells, their parameter counts, and stacking them in Keras.

The references are Keras itself: ``keras.layers.LSTM`` and ``keras.layers.GRU`` given the
same weights, ``count_params()`` of built layers, and the student's built model run on a
batch. The numpy variants below exist only to recognise typical mistakes and name them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._core import (
    CheckFailure,
    activation_name,
    as_array,
    as_int,
    as_tuple,
    call_student,
    expect_close,
    expect_finite,
    expect_shape,
    fail,
    report_pass,
)
from ._keras import model_layers

LSTM_GATES = ("i", "f", "c", "o")  # Keras's order of the four blocks of an LSTM's weights
GRU_GATES = ("z", "r", "h")  # Keras's order of the three blocks of a GRU's weights
_RTOL, _ATOL = 1e-4, 1e-5  # Keras runs in float32; the student's numpy in float64


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


# ----------------------------------------------------------------------------- inputs
def _cell_inputs(seed: int, num_steps: int, input_dim: int, units: int, blocks: int, bias_shape: tuple[int, ...]):
    """A sequence, a non-zero initial state and random weights (distinct per gate, so order matters)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(num_steps, input_dim))
    h0 = rng.uniform(-0.8, 0.8, size=units)
    c0 = rng.normal(size=units)
    kernel = rng.normal(scale=0.6, size=(input_dim, blocks * units))
    recurrent_kernel = rng.normal(scale=0.6, size=(units, blocks * units))
    bias = rng.normal(scale=0.5, size=bias_shape)
    return x, h0, c0, kernel, recurrent_kernel, bias


def _pair(value: Any, *, name: str, labels: tuple[str, str]) -> tuple[Any, Any]:
    """Unpack a student's ``(a, b)`` result, or fail saying what was expected."""
    __tracebackhide__ = True
    first, second = as_tuple(value, name=name, labels=labels, items="two arrays")
    return first, second


def _assumed_layout(order: Sequence[int], gates: Sequence[str]) -> list[str]:
    """The block layout a student assumed when reading gate j from block ``order[j]``."""
    layout = [""] * len(gates)
    for j, block in enumerate(order):
        layout[block] = gates[j]
    return layout


# ----------------------------------------------------------------------------- LSTM
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
    gate=_sigmoid,
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
    formula = "c_t = f * c_prev + i * c~ and h_t = o * tanh(c_t), with i, f, o = sigmoid(...) and c~ = tanh(...)."
    mistakes: dict[str, tuple[Callable[..., Any], str]] = {
        "returns (c_t, h_t) instead of (h_t, c_t)": (
            _lstm_variant(swap_return=True),
            "return the hidden state first: `return h_t, c_t`.",
        ),
        "uses tanh instead of sigmoid for the gates i, f, o": (
            _lstm_variant(gate=np.tanh),
            "gates are sigmoids (recurrent_activation): values between 0 and 1.",
        ),
        "forgets the output gate (h_t = tanh(c_t))": (
            _lstm_variant(output_gate=False),
            "h_t = o * tanh(c_t), where o is the fourth block.",
        ),
        "leaves out the tanh on the cell state (h_t = o * c_t)": (
            _lstm_variant(cell_tanh=False),
            "h_t = o * tanh(c_t).",
        ),
        "drops the c_prev term (c_t = i * c~)": (
            _lstm_variant(c_prev_term=False),
            "the cell state is updated additively: c_t = f * c_prev + i * c~.",
        ),
        "adds c_prev without the forget gate (c_t = c_prev + i * c~)": (
            _lstm_variant(forget_gate=False),
            "multiply c_prev by the forget gate f, the second block.",
        ),
        "ignores the bias": (_lstm_variant(use_bias=False), "add bias to the pre-activations of all four blocks."),
    }
    for perm in itertools.permutations(range(4)):
        if perm == (0, 1, 2, 3):
            continue
        names = ", ".join(_assumed_layout(perm, LSTM_GATES))
        mistakes[f"reads the four blocks in the order ({names}) instead of Keras's (i, f, c, o)"] = (
            _lstm_variant(order=perm),
            "Keras stacks the blocks as [i | f | c | o]: input gate, forget gate, candidate (tanh), "
            "output gate; block k is columns k*units:(k+1)*units.",
        )
    for mistake in list(mistakes):
        mistakes[mistake] = (mistakes[mistake][0], mistakes[mistake][1] + " In full: " + formula)
    return mistakes


def _run_steps(
    step: Callable[..., Any], x: np.ndarray, state: tuple[np.ndarray, ...], weights: tuple[np.ndarray, ...]
) -> np.ndarray:
    """Run a numpy step function over x; returns the stacked outputs, shape (T, len(state), units)."""
    outs = []
    with np.errstate(all="ignore"):
        for x_t in x:
            result = step(x_t, *state, *weights)
            state = tuple(np.asarray(r, dtype=np.float64) for r in (result if isinstance(result, tuple) else (result,)))
            outs.append(np.stack(state))
    return np.stack(outs)


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
    name = "lstm_step"
    x, h0, c0, kernel, recurrent_kernel, bias = _cell_inputs(seed, num_steps, input_dim, units, 4, (4 * units,))
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
                hint="x_t @ kernel has 4 * units entries: split it into four blocks of units.",
            )
            expect_finite(arr, name=f"{name} ({label})")
        got.append(np.stack([h, c]))
    got_arr = np.stack(got)  # (T, 2, units)
    seq, _, c_last = keras_lstm_run(x, h0, c0, kernel, recurrent_kernel, bias)
    ok_h = np.allclose(got_arr[:, 0], seq, rtol=_RTOL, atol=_ATOL)
    ok_c = np.allclose(got_arr[-1, 1], c_last, rtol=_RTOL, atol=_ATOL)
    if not (ok_h and ok_c):
        for mistake, (variant, hint) in _lstm_mistakes().items():
            if np.allclose(got_arr, _run_steps(variant, x, (h0, c0), weights), rtol=_RTOL, atol=_ATOL):
                fail(f"{name} {mistake}, so it does not match keras.layers.LSTM.", hint=hint)
        hint = (
            "z = x_t @ kernel + h_prev @ recurrent_kernel + bias, split into [i | f | c | o]; "
            "c_t = f * c_prev + i * tanh(z_c); h_t = o * tanh(c_t), with sigmoid gates."
        )
        if not ok_h:
            expect_close(
                got_arr[:, 0],
                seq,
                name=f"{name} (h_t over {num_steps} steps)",
                rtol=_RTOL,
                atol=_ATOL,
                hint=hint,
                what="hidden-state values",
            )
        expect_close(
            got_arr[-1, 1],
            c_last,
            name=f"{name} (the last c_t)",
            rtol=_RTOL,
            atol=_ATOL,
            hint=hint,
            what="cell-state values",
        )
    report_pass(name, visible=visible, detail=f"matches keras.layers.LSTM over T={num_steps}")


# ----------------------------------------------------------------------------- GRU
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
    gate=_sigmoid,
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
    formula = (
        "z, r = sigmoid(x_t @ W + b_in + h_prev @ U + b_rec) for their blocks; "
        "h~ = tanh(x_t @ W_h + b_in_h + r * (h_prev @ U_h + b_rec_h)); h_t = z * h_prev + (1 - z) * h~."
    )
    mistakes: dict[str, tuple[Callable[..., Any], str]] = {
        "swaps z and 1 - z (h_t = (1 - z) * h_prev + z * h~)": (
            _gru_variant(swap_z=True),
            "Keras keeps the old state with weight z: h_t = z * h_prev + (1 - z) * h~. (Some papers write it "
            "the other way round; this course follows Keras.)",
        ),
        "applies the reset gate before the matrix product (the reset_after=False formula)": (
            _gru_variant(reset_after=False),
            "with reset_after=True (Keras's default) the reset gate multiplies the product: "
            "r * (h_prev @ U_h + b_rec_h), not (r * h_prev) @ U_h.",
        ),
        "applies the reset gate before the matrix product and ignores the recurrent bias": (
            _gru_variant(reset_after=False, recurrent_bias="none"),
            "with reset_after=True the reset gate multiplies (h_prev @ U_h + b_rec_h), and bias[1] is used.",
        ),
        "adds the candidate's recurrent bias outside the reset gate": (
            _gru_variant(recurrent_bias="outside"),
            "the recurrent bias of the candidate goes inside the product: r * (h_prev @ U_h + b_rec_h).",
        ),
        "ignores the recurrent bias bias[1]": (
            _gru_variant(recurrent_bias="none"),
            "bias has shape (2, 3 * units): bias[0] is added to x_t @ kernel, bias[1] to h_prev @ recurrent_kernel.",
        ),
        "uses tanh instead of sigmoid for the gates z and r": (
            _gru_variant(gate=np.tanh),
            "gates are sigmoids (recurrent_activation): values between 0 and 1.",
        ),
        "leaves out the reset gate": (
            _gru_variant(reset_gate=False),
            "the candidate uses r * (h_prev @ U_h + b_rec_h), with r the second block.",
        ),
    }
    for perm in itertools.permutations(range(3)):
        if perm == (0, 1, 2):
            continue
        names = ", ".join(_assumed_layout(perm, GRU_GATES))
        mistakes[f"reads the three blocks in the order ({names}) instead of Keras's (z, r, h)"] = (
            _gru_variant(order=perm),
            "Keras stacks the blocks as [z | r | h]: update gate, reset gate, candidate; "
            "block k is columns k*units:(k+1)*units.",
        )
    for mistake in list(mistakes):
        mistakes[mistake] = (mistakes[mistake][0], mistakes[mistake][1] + " In full: " + formula)
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
    name = "gru_step"
    x, h0, _, kernel, recurrent_kernel, bias = _cell_inputs(seed, num_steps, input_dim, units, 3, (2, 3 * units))
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
            hint="x_t @ kernel has 3 * units entries: split it into three blocks of units.",
        )
        expect_finite(h, name=name)
        got.append(h)
    got_arr = np.stack(got)
    expected = keras_gru_run(x, h0, kernel, recurrent_kernel, bias)
    if not np.allclose(got_arr, expected, rtol=_RTOL, atol=_ATOL):
        for mistake, (variant, hint) in _gru_mistakes().items():
            if np.allclose(got_arr, _run_steps(variant, x, (h0,), weights)[:, 0], rtol=_RTOL, atol=_ATOL):
                fail(f"{name} {mistake}, so it does not match keras.layers.GRU.", hint=hint)
        expect_close(
            got_arr,
            expected,
            name=f"{name} (h_t over {num_steps} steps)",
            rtol=_RTOL,
            atol=_ATOL,
            what="hidden-state values",
            hint="split x_t @ kernel + bias[0] and h_prev @ recurrent_kernel + bias[1] into "
            "[z | r | h] blocks; h~ = tanh(x_h + r * rec_h); h_t = z * h_prev + (1 - z) * h~.",
        )
    report_pass(name, visible=visible, detail=f"matches keras.layers.GRU over T={num_steps}")


# ----------------------------------------------------------------------------- parameter counts
def keras_param_count(kind: str, input_dim: int, units: int) -> int:
    """``count_params()`` of a built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` layer (default arguments)."""
    import keras

    layer = getattr(keras.layers, kind)(units)
    layer.build((None, None, input_dim))
    return int(layer.count_params())


_PARAM_MISTAKES: dict[str, dict[str, tuple[Callable[[int, int], int], str]]] = {
    "SimpleRNN": {
        "leaves out the bias": (lambda i, u: u * (i + u), "add units biases."),
        "leaves out the recurrent kernel": (
            lambda i, u: u * (i + 1),
            "the recurrent kernel maps the state to itself: units * units weights.",
        ),
    },
    "LSTM": {
        "counts only 3 blocks": (
            lambda i, u: 3 * u * (i + u + 1),
            "an LSTM has four blocks: input, forget and output gates, and the candidate.",
        ),
        "leaves out the biases": (lambda i, u: 4 * u * (i + u), "each of the four blocks has units biases."),
        "leaves out the recurrent kernel": (
            lambda i, u: 4 * u * (i + 1),
            "each block also has a (units, units) recurrent matrix.",
        ),
        "counts two bias vectors per block, like the GRU": (
            lambda i, u: 4 * u * (i + u + 2),
            "Keras's LSTM has one bias of shape (4 * units,).",
        ),
    },
    "GRU": {
        "counts one bias vector (the reset_after=False layout)": (
            lambda i, u: 3 * u * (i + u + 1),
            "with reset_after=True (Keras's default) the bias has shape (2, 3 * units): an input bias and a "
            "recurrent bias.",
        ),
        "counts 4 blocks, like an LSTM": (
            lambda i, u: 4 * u * (i + u + 2),
            "a GRU has three blocks: update gate, reset gate, candidate.",
        ),
        "counts 4 blocks with one bias, like an LSTM": (
            lambda i, u: 4 * u * (i + u + 1),
            "a GRU has three blocks, and two bias vectors.",
        ),
        "leaves out the biases": (lambda i, u: 3 * u * (i + u), "add the bias of shape (2, 3 * units)."),
        "leaves out the recurrent kernel": (
            lambda i, u: 3 * u * (i + 2),
            "each block also has a (units, units) recurrent matrix.",
        ),
    },
}


def check_param_counts(
    simple_rnn_params: Callable[..., Any],
    lstm_params: Callable[..., Any],
    gru_params: Callable[..., Any],
    *,
    sizes: Sequence[tuple[int, int]] = ((3, 5), (1, 16), (12, 2)),
    visible: bool = True,
) -> None:
    """Compare the three formula functions ``f(input_dim, units)`` with ``count_params()`` of Keras layers."""
    __tracebackhide__ = True
    functions = {
        "SimpleRNN": ("simple_rnn_params", simple_rnn_params),
        "LSTM": ("lstm_params", lstm_params),
        "GRU": ("gru_params", gru_params),
    }
    for kind, (name, fn) in functions.items():
        got = [as_int(call_student(fn, input_dim, units, name=name), name=name) for input_dim, units in sizes]
        expected = [keras_param_count(kind, input_dim, units) for input_dim, units in sizes]
        if got == expected:
            continue
        for mistake, (formula, hint) in _PARAM_MISTAKES[kind].items():
            if got == [formula(i, u) for i, u in sizes]:
                fail(
                    f"{name} {mistake}: for input_dim={sizes[0][0]}, units={sizes[0][1]} it returned {got[0]}; "
                    f"keras.layers.{kind}(units={sizes[0][1]}).count_params() is {expected[0]}.",
                    hint=hint,
                )
        for (input_dim, units), g, e in zip(sizes, got, expected):
            if g != e:
                swapped = [as_int(call_student(fn, u, i, name=name), name=name) for i, u in sizes]
                if swapped == expected and sizes[0][0] != sizes[0][1]:
                    fail(
                        f"{name}(input_dim={input_dim}, units={units}) returned {g}; expected {e}.",
                        hint="you swapped the roles of input_dim and units: the kernel is (input_dim, blocks * "
                        "units), the recurrent kernel (units, blocks * units).",
                    )
                fail(
                    f"{name}(input_dim={input_dim}, units={units}) returned {g}; "
                    f"keras.layers.{kind}(units={units}).count_params() on input_dim={input_dim} is {e}.",
                    hint="count kernel + recurrent kernel + bias, for every block of the cell.",
                )
    report_pass("parameter counts", visible=visible, detail=f"match count_params() for {len(sizes)} sizes")


# ----------------------------------------------------------------------------- stacked model
GRU_UNITS, LSTM_UNITS = 128, 64  # the slide's stack


def check_stacked_model(
    build_stacked_model: Callable[..., Any], *, seq_len: int = 20, num_features: int = 8, visible: bool = True
) -> None:
    """The slide's stack: Input -> GRU(128, return_sequences=True) -> LSTM(64) -> Dense(1, sigmoid).

    Inspects the built model (layer types and order, units, return_sequences) and runs it with
    ``predict`` on a small batch to check every output shape, and that its layer names work.
    """
    __tracebackhide__ = True
    import keras

    name = "build_stacked_model"
    sequence_hint = (
        "set return_sequences=True on the GRU: the LSTM after it needs one vector per time step, "
        "shape (batch, seq_len, 128), not only the GRU's last state."
    )
    build_error = None
    try:
        model = call_student(build_stacked_model, seq_len, num_features, name=name)
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
            f"{name} returned a {type(model).__name__}; expected a keras.Model.", hint="return keras.Sequential([...])."
        )
    layers = model_layers(model)
    kinds = [type(layer).__name__ for layer in layers]
    recurrent = [layer for layer in layers if isinstance(layer, keras.layers.RNN)]
    recurrent_kinds = [type(layer).__name__ for layer in recurrent]
    if recurrent_kinds == ["LSTM", "GRU"]:
        fail(
            f"{name} puts the LSTM before the GRU (layers: {', '.join(kinds)}).",
            hint="the GRU(128) reads the input sequence; the LSTM(64) reads the GRU's sequence.",
        )
    if recurrent_kinds != ["GRU", "LSTM"]:
        fail(
            f"{name} has the recurrent layers [{', '.join(recurrent_kinds)}]; expected [GRU, LSTM].",
            hint="exactly one keras.layers.GRU followed by one keras.layers.LSTM.",
        )
    if kinds != ["GRU", "LSTM", "Dense"]:
        fail(
            f"{name} has the layers [{', '.join(kinds)}]; expected [GRU, LSTM, Dense] after the Input.",
            hint="keras.Input, GRU, LSTM, Dense(1, activation='sigmoid'): nothing else.",
        )
    gru, lstm, dense = layers
    if gru.units != GRU_UNITS or lstm.units != LSTM_UNITS:
        fail(f"the GRU has {gru.units} units and the LSTM {lstm.units}; expected {GRU_UNITS} and {LSTM_UNITS}.")
    if not gru.return_sequences:
        fail("the GRU has return_sequences=False.", hint=sequence_hint)
    if lstm.return_sequences:
        fail(
            "the LSTM has return_sequences=True, so the model would output one vector per time step.",
            hint="keep the default return_sequences=False on the last recurrent layer.",
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
        out = model.predict(batch, verbose=0)
    except Exception as exc:  # noqa: BLE001  (any error becomes feedback)
        predict_error = (type(exc).__name__, " ".join(str(exc).split()))
    if predict_error is not None:
        if "scope name" in predict_error[1]:
            names = ", ".join(repr(layer.name) for layer in layers)
            fail(
                f"model.predict failed because a layer name is not a valid scope name (names: {names}).",
                hint="Keras 3 turns layer names into TensorFlow name scopes: use letters, digits and "
                "underscores, e.g. name='gru_layer', no spaces.",
            )
        fail(
            f"model.predict on a batch of shape {batch.shape} raised {predict_error[0]}.",
            hint="start with keras.Input(shape=(seq_len, num_features)), from the function's two arguments.",
        )
    shapes = []
    current = batch
    for layer in layers:
        current = layer(current)
        shapes.append(tuple(int(d) for d in np.shape(current)))
    want = [(3, seq_len, GRU_UNITS), (3, LSTM_UNITS), (3, 1)]
    for layer, got_shape, want_shape in zip(layers, shapes, want):
        if got_shape != want_shape:
            fail(f"the {type(layer).__name__} layer outputs shape {got_shape} on a batch of 3; expected {want_shape}.")
    if tuple(np.shape(out)) != (3, 1):
        fail(f"the model's output has shape {tuple(np.shape(out))}; expected (batch, 1) = (3, 1).")
    report_pass(name, visible=visible, detail="GRU(128) -> LSTM(64) -> Dense(1)")
