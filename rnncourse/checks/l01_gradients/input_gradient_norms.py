"""Exercise ``input_gradient_norms``: how strongly a model's output depends on each input step.

``input_gradient_norms(model, x)``: ``x`` has shape ``(T, num_features)``; it returns the norm of the
gradient of the sum of the model's outputs with respect to each input step, shape ``(T,)``.

The reference is ``rnncourse.gradients.input_gradient_norms``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import CheckFailure, as_array, call_student, expect_close, expect_shape, fail, hidden_seed, report_pass

NAME = "input_gradient_norms"


def check_input_gradient_norms(
    input_gradient_norms: Callable[..., Any],
    *,
    seed: int = 0,
    num_steps: int = 15,
    num_features: int = 2,
    visible: bool = True,
) -> None:
    """``input_gradient_norms(model, x)`` must give the gradient norm at each of the T input steps."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "input_gradient_norms", visible=visible)  # the course secret, at grading
    import keras

    from ...gradients import input_gradient_norms as reference

    name = NAME
    keras.utils.set_random_seed(seed)
    # Three outputs, so that summing them (what the lesson asks) differs from averaging them.
    num_outputs = 3
    model = keras.Sequential(
        [keras.Input((num_steps, num_features)), keras.layers.SimpleRNN(4), keras.layers.Dense(num_outputs)]
    )
    x = np.random.default_rng(seed).normal(size=(num_steps, num_features)).astype(np.float32)
    try:
        result, failure = call_student(input_gradient_norms, model, x.copy(), name=name), None
    except CheckFailure as exc:
        result, failure = None, str(exc)
    # Raised outside the `except` block, so the student sees one message, not a chain.
    message = (failure or "").split("\nHint:")[0]
    if "'NoneType'" in message:  # the usual cause: tape.gradient returned None for an unwatched input
        fail(
            f"{message}. The gradient was None: a tape only records what it watches, and the input "
            "tensor is not a Variable, so tape.gradient had nothing to differentiate with respect to it.",
            hint="the exercise's second bullet: tell the tape, inside the with block and before the model "
            "runs, which tensor to follow.",
        )
    if failure is not None:
        raise CheckFailure(failure)
    got = as_array(result, name=name)
    expected = reference(model, x)
    if got.shape in {(1, num_steps), (num_steps, 1)}:
        fail(
            f"{name} returned shape {got.shape}; expected (T,) = ({num_steps},).",
            hint="drop the batch axis: take grad[0] before the norm.",
        )
    if got.shape == (num_steps, num_features):
        fail(
            f"{name} returned shape {got.shape}, the raw gradient; expected (T,) = ({num_steps},).",
            hint="take one norm per time step, over the feature axis.",
        )
    expect_shape(got, (num_steps,), name=name, meaning="(T,)", hint="one norm per input time step.")
    if np.allclose(got, expected[::-1], rtol=1e-4, atol=1e-7) and not np.allclose(got, expected, rtol=1e-4):
        fail(
            f"{name} returned the norms in reverse order.",
            hint="entry t must belong to input step t (t = 0 is the first input).",
        )
    if np.allclose(got, expected / num_outputs, rtol=1e-3, atol=1e-9):
        fail(
            f"{name} returned the norms of the gradient of the mean output, {num_outputs} times too small "
            f"for this model with {num_outputs} outputs.",
            hint="differentiate the sum of the outputs, not their mean.",
        )
    expect_close(
        got,
        expected,
        name=name,
        rtol=1e-3,
        atol=1e-7,
        what="norms",
        hint="watch the input tensor, sum the model's output, then take the gradient with "
        "respect to the input and its norm over the features at each step.",
    )
    report_pass(name, visible=visible)
