"""Checks for lesson 01: vanishing and exploding gradients."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ._core import (
    activation_name,
    as_array,
    call_student,
    expect_close,
    expect_finite,
    expect_shape,
    fail,
    hidden_seed,
    report_pass,
)


def _rnn_inputs(seed: int, num_steps: int, input_dim: int, units: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(num_steps, input_dim))
    kernel = rng.normal(scale=0.5, size=(input_dim, units))
    recurrent_kernel = rng.normal(scale=0.5, size=(units, units))
    bias = rng.normal(scale=0.1, size=(units,))
    return x, kernel, recurrent_kernel, bias


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
    name = "rnn_forward"
    x, kernel, recurrent_kernel, bias = _rnn_inputs(seed, num_steps, input_dim, units)
    got = as_array(
        call_student(rnn_forward, x.copy(), kernel.copy(), recurrent_kernel.copy(), bias.copy(), name=name), name=name
    )
    if got.shape == (units,):
        fail(
            f"{name} returned shape {got.shape}, only the last state; expected (T, units) = {(num_steps, units)}.",
            hint="collect every a_t in a list and return np.stack(states).",
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
                    hint="a_t = tanh(x_t @ kernel + a_{t-1} @ recurrent_kernel + bias), with a_0 = 0.",
                )
        expect_close(
            got,
            expected,
            name=name,
            rtol=1e-4,
            atol=1e-5,
            hint="a_t = tanh(x_t @ kernel + a_{t-1} @ recurrent_kernel + bias), with a_0 = 0; "
            "feed each new state into the next step.",
            what="states",
        )
    report_pass(name, visible=visible, detail=f"matches keras.layers.SimpleRNN on T={num_steps}")


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
        "multiply the gradient reaching a_t by tanh'(z_t) = 1 - a_t**2 before anything else.",
    ),
    "no_flow_through_time": (
        "each step only used its own upstream gradient: nothing flowed back from later steps.",
        "the gradient reaching a_t is upstream[t] plus what comes back from step t+1 (d_pre @ recurrent_kernel.T).",
    ),
    "last_step_only": (
        "the weight gradients hold only the first time step: they were overwritten instead of summed.",
        "the weights are shared by every step, so add each step's contribution (+=), from t = T down to 1.",
    ),
    "untransposed": (
        "the gradient sent back to a_{t-1} uses recurrent_kernel instead of its transpose.",
        "a_{t-1} @ recurrent_kernel goes forward, so d_pre @ recurrent_kernel.T goes back.",
    ),
    "current_state": (
        "recurrent_kernel's gradient pairs step t with a_t; it must pair it with the previous state a_{t-1}.",
        "z_t = x_t @ kernel + a_{t-1} @ recurrent_kernel + bias: use a_{t-1} (initial_state at the first step).",
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
    name = "rnn_backward"
    x, kernel, recurrent_kernel, bias = _rnn_inputs(seed, num_steps, input_dim, units)
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


def check_scale_to_spectral_radius(
    scale_to_spectral_radius: Callable[..., Any],
    *,
    seed: int = 0,
    num_units: int = 6,
    targets: tuple[float, ...] = (0.9, 1.1),
    visible: bool = True,
) -> None:
    """``scale_to_spectral_radius(W, rho)`` must return ``W`` times a positive number, with radius rho."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "scale_to_spectral_radius", visible=visible)  # the course secret, at grading
    name = "scale_to_spectral_radius"
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(num_units, num_units))
    for target in targets:
        got = as_array(call_student(scale_to_spectral_radius, matrix.copy(), target, name=name), name=name)
        expect_shape(got, matrix.shape, name=name, meaning="the shape of W")
        expect_finite(got, name=name)
        radius = float(np.max(np.abs(np.linalg.eigvals(got))))
        if not np.isclose(radius, target, rtol=1e-6, atol=1e-9):
            norm = float(np.linalg.norm(got, 2))
            hint = (
                (
                    "you scaled by the largest singular value (the spectral norm); the spectral "
                    "radius is the largest |eigenvalue|: np.max(np.abs(np.linalg.eigvals(W)))."
                )
                if np.isclose(norm, target, rtol=1e-6)
                else "divide W by its spectral radius, then multiply by rho."
            )
            fail(
                f"{name}(W, {target}) returned a matrix of spectral radius {radius:.6g}; expected {target}.", hint=hint
            )
        factor = float(np.sum(got * matrix) / np.sum(matrix * matrix))
        if factor <= 0 or not np.allclose(got, factor * matrix, rtol=1e-6, atol=1e-9):
            fail(
                f"{name} changed the direction of W, not only its scale.",
                hint="return W multiplied by one positive number.",
            )
    report_pass(name, visible=visible)


def reference_jacobian_norms(recurrent_kernel: np.ndarray, num_steps: int) -> np.ndarray:
    """Spectral norms of the powers W^1 ... W^num_steps (the linear Jacobian products)."""
    matrix = np.asarray(recurrent_kernel, dtype=np.float64)
    product = np.eye(matrix.shape[0])
    norms = []
    for _ in range(num_steps):
        product = product @ matrix
        norms.append(np.linalg.norm(product, 2))
    return np.asarray(norms)


def check_jacobian_norms(
    jacobian_norms: Callable[..., Any], *, seed: int = 0, num_units: int = 5, num_steps: int = 12, visible: bool = True
) -> None:
    """``jacobian_norms(W, T)`` must return the spectral norms of W^1, ..., W^T, shape (T,)."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "jacobian_norms", visible=visible)  # the course secret, at grading
    name = "jacobian_norms"
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(num_units, num_units)) / np.sqrt(num_units)
    got = as_array(call_student(jacobian_norms, matrix.copy(), num_steps, name=name), name=name)
    expected = reference_jacobian_norms(matrix, num_steps)
    if got.shape == (num_steps + 1,):
        fail(
            f"{name} returned {num_steps + 1} norms; expected (T,) = ({num_steps},).",
            hint="start at t = 1 (the product of one Jacobian, W itself), not at the identity.",
        )
    expect_shape(got, (num_steps,), name=name, meaning="(T,)", hint="return one norm per step t = 1..T.")
    expect_finite(got, name=name)
    if not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
        fro = []
        product = np.eye(num_units)
        for _ in range(num_steps):
            product = product @ matrix
            fro.append(np.linalg.norm(product))
        shifted = np.concatenate([[1.0], expected[:-1]])  # ||W^0|| = ||I|| = 1, then ||W^1|| ... ||W^(T-1)||
        if np.allclose(got, shifted, rtol=1e-6, atol=1e-9):
            fail(
                f"{name} is off by one step: entry 0 is ||W^0|| = ||I|| = 1, so entry t-1 holds ||W^(t-1)||.",
                hint="multiply by W before recording the first norm: entry t-1 is ||W^t|| for t = 1..T.",
            )
        if np.allclose(got, fro, rtol=1e-6):
            fail(
                f"{name} returned Frobenius norms.",
                hint="use the spectral norm (largest singular value): np.linalg.norm(P, 2).",
            )
        if np.allclose(got, np.linalg.norm(matrix, 2) ** np.arange(1, num_steps + 1), rtol=1e-6):
            fail(
                f"{name} returned ||W||^t, the norm raised to a power.",
                hint="take the norm of the matrix product W^t, not the power of the norm: they "
                "differ when W is not normal (W @ W.T != W.T @ W).",
            )
        expect_close(
            got,
            expected,
            name=name,
            rtol=1e-6,
            atol=1e-9,
            what="norms",
            hint="multiply the Jacobians step by step (product = product @ W) and record "
            "np.linalg.norm(product, 2) after each step.",
        )
    report_pass(name, visible=visible)


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

    from ..gradients import input_gradient_norms as reference

    name = "input_gradient_norms"
    keras.utils.set_random_seed(seed)
    # Three outputs, so that summing them (what the lesson asks) differs from averaging them.
    num_outputs = 3
    model = keras.Sequential(
        [keras.Input((num_steps, num_features)), keras.layers.SimpleRNN(4), keras.layers.Dense(num_outputs)]
    )
    x = np.random.default_rng(seed).normal(size=(num_steps, num_features)).astype(np.float32)
    got = as_array(call_student(input_gradient_norms, model, x.copy(), name=name), name=name)
    expected = reference(model, x)
    if got.shape in {(1, num_steps), (num_steps, 1)}:
        fail(
            f"{name} returned shape {got.shape}; expected (T,) = ({num_steps},).",
            hint="drop the batch axis: take grad[0] before the norm.",
        )
    if got.shape == (num_steps, num_features):
        fail(
            f"{name} returned shape {got.shape}, the raw gradient; expected (T,) = ({num_steps},).",
            hint="take the norm over the feature axis: np.linalg.norm(grad[0], axis=-1).",
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
            hint="differentiate the sum of the outputs (tf.reduce_sum), not their mean (tf.reduce_mean).",
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


def check_clip_by_norm(
    clip_by_norm: Callable[..., Any],
    *,
    seed: int = 0,
    size: int = 6,
    edge_cases: bool = False,
    visible: bool = True,
) -> None:
    """Compare ``clip_by_norm(gradient, max_norm)`` with ``tf.clip_by_norm``.

    ``edge_cases=True`` (the hidden test) adds a gradient whose norm equals ``max_norm`` and a
    zero gradient: both must come back unchanged, the zero one without a division by zero.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "clip_by_norm", visible=visible)  # the course secret, at grading
    import tensorflow as tf

    name = "clip_by_norm"
    rng = np.random.default_rng(seed)
    grad = rng.normal(size=size) * 3.0
    norm = float(np.linalg.norm(grad))
    cases = [
        (grad, norm / 4, "a gradient longer than max_norm"),
        (grad, norm * 2, "a gradient shorter than max_norm"),
    ]
    if edge_cases:
        cases += [
            (grad, norm, "a gradient whose norm equals max_norm"),
            (np.zeros(size), 1.0, "a zero gradient"),
        ]
    for gradient, max_norm, case in cases:
        with np.errstate(divide="ignore", invalid="ignore"):  # a 0/0 shows up as NaN, named below
            got = as_array(call_student(clip_by_norm, gradient.copy(), max_norm, name=name), name=name)
        expected = tf.clip_by_norm(tf.constant(gradient), max_norm).numpy()
        expect_shape(got, gradient.shape, name=name, meaning="the gradient's shape")
        if not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
            if case == "a zero gradient" and not np.all(np.isfinite(got)):
                fail(
                    f"{name} returned NaN for {case}: it divided by the norm 0.",
                    hint="a gradient with norm <= max_norm comes back unchanged; divide only when you rescale.",
                )
            if np.allclose(got, np.clip(gradient, -max_norm, max_norm)):
                fail(
                    f"{name} clipped each entry separately, which is clipping by value.",
                    hint="rescale the whole vector: g * max_norm / ||g|| when ||g|| > max_norm.",
                )
            if case != "a gradient longer than max_norm":
                fail(
                    f"{name} changed {case}; it must come back unchanged.",
                    hint="only rescale when the norm exceeds max_norm.",
                )
            expect_close(
                got,
                expected,
                name=name,
                rtol=1e-6,
                atol=1e-9,
                hint="g * max_norm / ||g|| when ||g|| > max_norm, otherwise g; the direction must not change.",
            )
    report_pass(name, visible=visible, detail="matches tf.clip_by_norm")


def check_clip_by_value(
    clip_by_value: Callable[..., Any],
    *,
    seed: int = 0,
    size: int = 8,
    clip_min: float = -0.5,
    clip_max: float = 1.0,
    visible: bool = True,
) -> None:
    """Compare ``clip_by_value(gradient, clip_min, clip_max)`` with ``tf.clip_by_value``."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "clip_by_value", visible=visible)  # the course secret, at grading
    import tensorflow as tf

    name = "clip_by_value"
    if not clip_min < clip_max:
        raise ValueError(f"clip_min must be below clip_max; got {clip_min} and {clip_max}")
    rng = np.random.default_rng(seed)
    grad = rng.normal(size=size) * 2.0
    got = as_array(call_student(clip_by_value, grad.copy(), clip_min, clip_max, name=name), name=name)
    expected = tf.clip_by_value(tf.constant(grad), clip_min, clip_max).numpy()
    expect_shape(got, grad.shape, name=name, meaning="the gradient's shape")
    if not np.allclose(got, expected):
        if np.allclose(got, np.clip(grad, clip_max, clip_min)):
            fail(f"{name} swapped clip_min and clip_max.", hint="values below clip_min become clip_min.")
        if np.allclose(got, np.clip(grad, -clip_max, clip_max)) or np.allclose(got, np.clip(grad, clip_min, -clip_min)):
            fail(
                f"{name} clipped into a symmetric range, but [clip_min, clip_max] = [{clip_min}, {clip_max}].",
                hint="use clip_min as the lower bound and clip_max as the upper bound, as given.",
            )
        expect_close(
            got,
            expected,
            name=name,
            hint="every entry below clip_min becomes clip_min, every entry above clip_max becomes clip_max.",
        )
    report_pass(name, visible=visible, detail="matches tf.clip_by_value")


def check_memory_model(
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

    name = "build_memory_model"
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
        problem = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
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


MEMORY_LEARNING_RATE = 0.01  # the exercise's Adam learning rate
MEMORY_CLIPNORM = 1.0  # the exercise's clipnorm
MEMORY_BATCH_SIZE = 32


def _loss_name(loss: Any) -> str:
    """'binary_crossentropy' for the string, the function or the class instance."""
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return {"BinaryCrossentropy": "binary_crossentropy"}.get(name, name)


def check_memory_training(
    train_memory_model: Callable[..., Any],
    *,
    seed: int = 0,
    seq_len: int = 20,
    num_units: int = 8,
    num_train: int = 640,
    epochs: int = 8,
    cell: str = "LSTM",
    min_accuracy: float = 0.8,
    visible: bool = True,
) -> None:
    """Train a fresh gated model with ``train_memory_model(model, x, y, epochs)`` and grade the result.

    The check builds the model and the data itself (a long-lag task of ``seq_len`` steps), calls
    the student's function, then reads what it did from the model: that it was compiled with
    Adam(learning_rate=0.01, clipnorm=1.0) and binary cross-entropy, trained for ``epochs``
    epochs in batches of 32, and that it reaches ``min_accuracy`` on a test set the student's
    code never saw. Nothing the student types can stand in for the accuracy.
    """
    __tracebackhide__ = True
    import keras

    from ..gradients import make_long_lag_task

    name = "train_memory_model"
    x, y = make_long_lag_task(num_train, seq_len, seed=seed)
    x_test, y_test = make_long_lag_task(500, seq_len, seed=seed + 1000)
    keras.utils.set_random_seed(seed)
    layer = {"LSTM": keras.layers.LSTM, "GRU": keras.layers.GRU}[cell]
    model = keras.Sequential(
        [keras.Input(shape=(seq_len, 2)), layer(num_units), keras.layers.Dense(1, activation="sigmoid")]
    )
    initial = [w.copy() for w in model.get_weights()]
    returned = call_student(train_memory_model, model, x, y, epochs, name=name)
    if returned is None:
        fail(f"{name} returned None.", hint="end with `return model` after model.fit(...).")
    if returned is not model:
        fail(
            f"{name} returned a {type(returned).__name__}, not the model it was given.",
            hint="compile and fit the model passed in, then return that same model.",
        )
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not getattr(model, "compiled", False):
        fail(f"{name} did not compile the model.", hint="call model.compile(optimizer=..., loss=..., metrics=...).")
    if not isinstance(optimizer, keras.optimizers.Adam):
        fail(
            f"{name} compiled with {type(optimizer).__name__}; the exercise asks for Adam.",
            hint=f"keras.optimizers.Adam(learning_rate={MEMORY_LEARNING_RATE}, clipnorm={MEMORY_CLIPNORM}).",
        )
    learning_rate = float(np.asarray(optimizer.learning_rate))
    if not np.isclose(learning_rate, MEMORY_LEARNING_RATE):
        fail(
            f"{name} used Adam's learning rate {learning_rate:g}; the exercise asks for {MEMORY_LEARNING_RATE}.",
            hint=f"keras.optimizers.Adam(learning_rate={MEMORY_LEARNING_RATE}, clipnorm={MEMORY_CLIPNORM}).",
        )
    if optimizer.clipnorm is None or not np.isclose(float(optimizer.clipnorm), MEMORY_CLIPNORM):
        fail(
            f"{name} compiled Adam with clipnorm={optimizer.clipnorm}; the exercise asks for {MEMORY_CLIPNORM}.",
            hint="pass clipnorm=1.0 to the optimizer: it clips each weight's gradient (section 4).",
        )
    loss = _loss_name(getattr(model, "loss", None))
    if loss != "binary_crossentropy":
        fail(
            f"{name} compiled with the loss {loss!r}; a 0/1 label with a sigmoid output needs binary cross-entropy.",
            hint='loss="binary_crossentropy".',
        )
    history = getattr(model, "history", None)
    trained_epochs = len(getattr(history, "epoch", []) or [])
    if trained_epochs == 0 or all(np.array_equal(a, b) for a, b in zip(initial, model.get_weights())):
        fail(f"{name} did not train the model: its weights are unchanged.", hint="call model.fit(x, y, ...).")
    if trained_epochs != epochs:
        fail(
            f"{name} trained for {trained_epochs} epochs; it was asked for epochs = {epochs}.",
            hint="pass epochs=epochs to model.fit, and call fit once.",
        )
    params = getattr(history, "params", None)
    steps = params.get("steps") if isinstance(params, dict) else None
    expected_steps = -(-num_train // MEMORY_BATCH_SIZE)
    if steps is not None and steps != expected_steps:
        fail(
            f"{name} took {steps} steps per epoch on {num_train} sequences; batches of "
            f"{MEMORY_BATCH_SIZE} give {expected_steps}.",
            hint=f"pass batch_size={MEMORY_BATCH_SIZE} to model.fit.",
        )
    probabilities = np.asarray(model.predict(x_test, verbose=0), dtype=np.float64).reshape(-1)
    accuracy = float(np.mean((probabilities > 0.5) == (y_test == 1)))
    if accuracy < min_accuracy:
        fail(
            f"{name}: the trained {cell} scored {accuracy:.3f} on the check's own test set; expected at "
            f"least {min_accuracy}.",
            hint="fit on (x, y) as given, with no validation split and no other changes to the data.",
        )
    report_pass(name, visible=visible, detail=f"the check's {cell} reached {accuracy:.3f} on unseen sequences")
