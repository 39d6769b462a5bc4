"""Exercise ``build_memory_model``: a Keras model for the long-lag task, its layers chosen by the student.

``build_memory_model(seq_len, num_features, num_units)`` returns a model that reads a sequence of
shape ``(seq_len, num_features)``, carries what it needs in a recurrent state of ``num_units``
units, and gives one probability per sequence: that the first bit was +1. The exercise names the
task, not the layers: the student chooses the recurrent layer, what it returns, and the output.
The check runs the model and explains the consequence of each wrong choice: one prediction per
step (``return_sequences=True``), a cell without gates, an output that is not a probability.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import activation_name, call_student, fail, report_pass
from .._errors import exception_summary

NAME = "build_memory_model"

_GATES_HINT = "section 5's last remedy, and the recurrent layers Keras offers besides SimpleRNN."
_PROBABILITY_HINT = (
    "a probability lies in (0, 1): look for the activation that maps any real number there (the output "
    "layer's activation argument)."
)


def _recurrent_layers(model: Any) -> list[Any]:
    """Every recurrent layer of ``model``, nested models and ``Bidirectional`` wrappers opened."""
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            found.extend(_recurrent_layers(layer))
        elif isinstance(layer, keras.layers.Bidirectional):
            found.extend([layer.forward_layer, layer.backward_layer])
        elif isinstance(layer, keras.layers.RNN):
            found.append(layer)
    return found


def _is_gated(layer: Any) -> bool:
    import keras

    cell = getattr(layer, "cell", None)
    cells = getattr(cell, "cells", [cell])  # a StackedRNNCells holds several
    return bool(cells) and all(isinstance(c, (keras.layers.LSTMCell, keras.layers.GRUCell)) for c in cells)


def check_build_memory_model(
    build_memory_model: Callable[..., Any],
    *,
    seq_len: int = 30,
    num_features: int = 2,
    num_units: int = 16,
    seed: int = 0,
    visible: bool = True,
    quiet: bool = False,
) -> None:
    """A model that can learn the long-lag task: one probability per sequence, from a gated recurrent state.

    The check runs the model on a batch of task-like sequences (``seed`` draws them) and reads
    what it returns: the shape (one prediction per sequence, not per step) and the values
    (probabilities, and not all the same). Then it names the recurrent layer the model uses: a
    SimpleRNN has nothing that can learn to keep the first bit, a gated cell (LSTM, GRU) has.

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
            hint="return a Keras model (Sequential or functional) built from your layers.",
        )
    batch = 8
    rng = np.random.default_rng(seed)
    x = np.zeros((batch, seq_len, num_features), dtype=np.float32)
    x[:, :, 0] = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(batch, seq_len))
    x[:, 0, -1] = 1.0  # the marker of step 0, as in the task (in the last feature when there are more)
    problem = ""
    try:
        out = np.asarray(model(x), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001
        problem = f"{type(exc).__name__}: {exception_summary(exc)}"
    if problem:  # raised outside the except block: one message, no chained traceback
        fail(
            f"the model failed on a batch of shape ({batch}, {seq_len}, {num_features}): {problem}",
            hint="the model must accept sequences of seq_len steps with num_features features each "
            "(the shape argument of its Input).",
        )
    shape = tuple(out.shape)
    if len(shape) == 3 and shape[:2] == (batch, seq_len):
        fail(
            f"the model's output has shape {shape}: one prediction per time step. The recurrent layer hands on "
            f"its state at every step, and the Dense layer after it predicts from each of them; the task has one "
            f"label per sequence, to be given after the last step.",
            hint="the recurrent layer's return_sequences argument decides whether it returns every state or the last.",
        )
    if len(shape) != 2 or shape[0] != batch:
        fail(
            f"the model's output has shape {shape}; expected one prediction per sequence, (batch, 1) = ({batch}, 1).",
            hint="the recurrent layer's return_sequences argument, and the number of units of the output layer.",
        )
    if shape[1] != 1:
        fail(
            f"the model gives {shape[1]} numbers per sequence; the task asks for one: the probability that the "
            "first bit was +1 (the probability of -1 is one minus it).",
            hint="the number of units of the output layer.",
        )
    recurrent = _recurrent_layers(model)
    if not recurrent:
        kinds = ", ".join(sorted({type(layer).__name__ for layer in model.layers})) or "no layers"
        fail(
            f"{name} built a model without a recurrent layer (it has {kinds}). Such a model reads all "
            f"{seq_len} steps at once, which sidesteps what this exercise is about: carrying the first bit "
            "forward in a state, step by step.",
            hint=_GATES_HINT,
        )
    if not any(_is_gated(layer) for layer in recurrent):
        kinds = ", ".join(sorted({type(layer).__name__ for layer in recurrent}))
        fail(
            f"{name} uses {kinds}, a cell without gates: its state is squashed through tanh and multiplied by "
            f"W_a at each of the {seq_len} steps, so the gradient from the label back to step 0 is a product of "
            f"{seq_len} Jacobians (sections 2 and 3), and nothing in the cell can learn to keep the first bit. "
            "The exercise asks for a cell whose gates can.",
            hint=_GATES_HINT,
        )
    for layer in recurrent:
        units = getattr(layer, "units", None) or getattr(getattr(layer, "cell", None), "units", None)
        if units is not None and units != num_units:
            fail(
                f"the {type(layer).__name__} layer has {units} units; the exercise passes num_units = {num_units}, "
                "so that the experiment below compares models with states of the same size.",
                hint="use the function's arguments for every size, not numbers of your own.",
            )
    last = model.layers[-1]
    activation = activation_name(last)
    if np.any(~np.isfinite(out)) or np.any(out < 0) or np.any(out > 1):
        outside = out[~np.isfinite(out) | (out < 0) | (out > 1)]
        why = (
            "without an output activation the last layer gives a logit, any real number"
            if activation in ("", "linear")
            else f"the output activation, {activation}, does not map into (0, 1)"
        )
        fail(f"the model's outputs include {outside[0]:.3g}: not a probability; {why}.", hint=_PROBABILITY_HINT)
    if np.allclose(out, 1.0, rtol=0, atol=1e-5):
        fail(
            f"the model's output is 1 for every sequence (activation {activation or 'unknown'}): a softmax "
            "over a single unit divides it by itself, so the model could never say that the first bit was -1.",
            hint="softmax spreads one unit of probability over several classes' units; one unit needs another "
            + _PROBABILITY_HINT,
        )
    if not isinstance(last, keras.layers.Dense):
        fail(
            f"the model ends in a {type(last).__name__} layer; the lesson's later cells read the logit of the last "
            "Dense layer (gradients.logit_model), so the output activation belongs to that Dense layer.",
            hint="the activation argument of the output Dense layer.",
        )
    if activation != "sigmoid":
        fail(
            f"the output layer's activation is {activation or 'missing'}: its values need not lie in (0, 1) "
            "(they happened to on this batch), so they are not a probability.",
            hint=_PROBABILITY_HINT,
        )
    if not quiet:
        gated = next(layer for layer in recurrent if _is_gated(layer))
        report_pass(name, visible=visible, detail=f"{type(gated).__name__} of {num_units} units, one probability out")
