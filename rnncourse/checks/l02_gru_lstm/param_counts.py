"""Exercise ``param_counts``: the number of trainable parameters of Keras's recurrent layers.

Three formulas ``f(input_dim, units)`` returning an ``int``, for a layer with default
arguments: ``simple_rnn_params`` for ``keras.layers.SimpleRNN(units)``, ``lstm_params`` for
``keras.layers.LSTM(units)`` and ``gru_params`` for ``keras.layers.GRU(units)``
(``reset_after=True``), derived from the weight shapes, without building a layer.

The reference is ``count_params()`` of built Keras layers (:func:`keras_param_count`). One more
size is far too large for any layer to be built (:data:`UNBUILDABLE`): only a formula answers it,
so an answer that builds a layer and asks ``count_params()`` fails there, as the text forbids.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._core import CheckFailure, as_int, call_each, call_student, fail, report_pass
from .._errors import exception_summary

NAME = "param_counts"


def keras_param_count(kind: str, input_dim: int, units: int) -> int:
    """``count_params()`` of a built Keras ``SimpleRNN``, ``LSTM`` or ``GRU`` layer (default arguments)."""
    import keras

    layer = getattr(keras.layers, kind)(units)
    layer.build((None, None, input_dim))
    return int(layer.count_params())


# (input_dim, units) of the size no layer can be built at: even a SimpleRNN's kernel would hold
# 1e12 float32 weights (4 TB), an allocation the operating system refuses at once. The visible
# check and the hidden test use different ones.
UNBUILDABLE = {True: (10_000_000, 100_000), False: (20_000_000, 60_000)}
_BLOCKS = {"SimpleRNN": (1, 1), "LSTM": (4, 1), "GRU": (3, 2)}  # (blocks, bias vectors per block)


def formula_param_count(kind: str, input_dim: int, units: int) -> int:
    """The count by formula: ``blocks * units * (input_dim + units + biases)`` (tests check it against Keras)."""
    blocks, biases = _BLOCKS[kind]
    return blocks * units * (input_dim + units + biases)


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
        answering = call_each(fn, [((input_dim, units), {}) for input_dim, units in sizes])  # one request
        got = [as_int(call_student(answering, input_dim, units, name=name), name=name) for input_dim, units in sizes]
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
    input_dim, units = UNBUILDABLE[visible]
    for kind, (name, fn) in functions.items():
        try:
            answer = fn(input_dim, units)
        except CheckFailure:  # the grader's call itself failed (time limit, kernel gone): its own message
            raise
        except Exception as exc:  # noqa: BLE001  (building such a layer fails: say why)
            problem = f"{type(exc).__name__}: {exception_summary(exc)}"
        else:
            problem = ""
        if problem:  # raised outside the except block: one message, no chained traceback
            fail(
                f"{name}(input_dim={input_dim:,}, units={units:,}) failed ({problem[:160]}). No layer that size can "
                "be built, but its parameter count is a formula of input_dim and units.",
                hint="derive the count from the weight shapes in section 1's table instead of building a layer.",
            )
        answer_count = as_int(answer, name=name)
        want = formula_param_count(kind, input_dim, units)
        if answer_count != want:
            fail(
                f"{name}(input_dim={input_dim:,}, units={units:,}) returned {answer_count:,}; expected {want:,}. Your "
                "formula matched Keras on small sizes: does it use a float or a fixed-size integer that rounds?",
                hint="return a Python int computed with integer arithmetic.",
            )
    report_pass(
        "parameter counts",
        visible=visible,
        detail=f"match count_params() for {len(sizes)} sizes, and the formula for one no layer could be built at",
    )
