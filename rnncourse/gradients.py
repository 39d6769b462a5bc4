"""Measuring gradients through time: the helpers lessons 01, 02 and 04 share.

Notebooks import these instead of copying code between lessons. Lesson 01 asks the
student to write their own :func:`input_gradient_norms`; the checks compare it with the
reference here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import quiet_retracing


def input_gradient_norms(model: Any, x: Any) -> np.ndarray:
    """Norm of d(sum of the model's output)/d(x_t) for every time step t.

    Parameters
    ----------
    model:
        A Keras model (or any callable on a ``(1, T, features)`` tensor).
    x:
        One sequence, shape ``(T, features)`` or ``(1, T, features)``.

    Returns
    -------
    np.ndarray
        Shape ``(T,)``, float64: entry t is the Euclidean norm of the gradient of the
        summed output with respect to the input at step t. Small values at early steps
        mean early inputs barely influence the output: the vanishing gradient.
    """
    import tensorflow as tf

    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[0] != 1:
        raise ValueError(f"x must have shape (T, features) or (1, T, features); got {x.shape}")
    inputs = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        output = tf.reduce_sum(model(inputs))
    grad = tape.gradient(output, inputs)
    if grad is None:
        raise ValueError("the model's output does not depend on its input, so there is no gradient")
    return np.linalg.norm(grad.numpy()[0].astype(np.float64), axis=-1)


def logit_model(model: Any) -> Any:
    """The same model up to its logit: the last Dense layer without its activation.

    A trained binary classifier's sigmoid is saturated (its derivative is near 0), which makes
    every input gradient tiny; the logit's gradient says how much each input moves the decision.
    The new model shares every layer but the last with ``model``; the last is a linear copy.
    """
    import keras

    head = model.layers[-1]
    if not isinstance(head, keras.layers.Dense):
        raise ValueError(f"logit_model needs a model ending in a Dense layer; this one ends in {type(head).__name__}")
    linear_head = keras.layers.Dense(head.units, name=f"{head.name}_logit")
    logit = linear_head(model.layers[-2].output)
    linear_head.set_weights(head.get_weights())
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs  # a one-input model takes a tensor
    return keras.Model(inputs, logit)


def flip_effects(model: Any, x: Any, *, feature: int = 0) -> np.ndarray:
    """Mean ``|model(x flipped at step t) - model(x)|`` over the sequences, for every step t.

    ``x`` has shape ``(num_sequences, T, features)``; "flipped at step t" negates
    ``x[:, t, feature]``. Where :func:`input_gradient_norms` measures the local slope, this
    measures what a whole ±1 change does, which is what the long-lag task's bits are.
    Returns shape ``(T,)``.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (num_sequences, T, features); got {x.shape}")
    if not 0 <= feature < x.shape[2]:
        raise ValueError(f"feature must be between 0 and {x.shape[2] - 1}; got {feature}")
    num_sequences, num_steps = x.shape[:2]
    flipped = np.repeat(x[None], num_steps, axis=0)  # (T, n, T, features): copy t flips step t
    flipped[np.arange(num_steps), :, np.arange(num_steps), feature] *= -1
    base = np.asarray(model(x), dtype=np.float64).reshape(num_sequences, -1)
    moved = np.asarray(model(flipped.reshape(-1, *x.shape[1:])), dtype=np.float64)
    moved = moved.reshape(num_steps, num_sequences, -1)
    return np.abs(moved - base[None]).sum(axis=-1).mean(axis=1)


def forget_bias_initializer(
    forget_bias: float | str = 1.0, *, max_lag: int | None = None, seed: int = 0, close_input: bool = True
) -> Any:
    """A ``bias_initializer`` for ``keras.layers.LSTM(..., unit_forget_bias=False)``.

    Keras stores an LSTM's bias as four blocks ``[input, forget, candidate, output]``. With a
    number, the forget block starts at that value and the rest at 0; ``unit_forget_bias=True``
    (Keras's default) is the same as ``forget_bias=1.0``. With ``"chrono"`` (Tallec and Ollivier,
    2018, *Can recurrent neural networks warp time?*), each unit's forget bias is
    ``log(u)`` with ``u`` uniform in ``[1, max_lag - 1]`` and its input bias the negative of it,
    so the units start with memory time scales spread up to about ``max_lag`` steps. With
    ``close_input=False`` the input bias stays 0 and only the forget gate starts open (lesson 01's
    lag sweep uses it to tell the two halves of chrono apart).
    """
    if forget_bias == "chrono":
        if max_lag is None or max_lag < 3:
            raise ValueError(f"the chrono initializer needs max_lag >= 3 (the longest lag to remember); got {max_lag}")
    elif isinstance(forget_bias, str) or not np.isfinite(forget_bias):
        raise ValueError(f"forget_bias must be a number or 'chrono'; got {forget_bias!r}")

    def initializer(shape: Any, dtype: Any = None) -> np.ndarray:
        (size,) = tuple(shape)
        if size % 4:
            raise ValueError(f"an LSTM bias has 4 * units entries; got a shape of {tuple(shape)}")
        units = size // 4
        bias = np.zeros(size, dtype=np.float32)
        if forget_bias == "chrono":
            assert max_lag is not None
            forget = np.log(np.random.default_rng(seed).uniform(1.0, max_lag - 1.0, size=units))
            if close_input:
                bias[:units] = -forget
            bias[units : 2 * units] = forget
        else:
            bias[units : 2 * units] = float(forget_bias)
        return bias

    return initializer


def lag_sweep_layers(num_units: int, *, seed: int = 0) -> dict[str, Callable[[int], Any]]:
    """The five recurrent layers of lesson 01's lag sweep, by name: each a function of the lag.

    Lesson 01's notebook trains them once (one seed) and ``make bench`` section ``lag_sweep``
    (``bench/lag_sweep.py``) over several seeds. ``seed`` draws the chrono biases; Keras's own
    initializers follow ``keras.utils.set_random_seed``. Each entry is a remedy of lesson 01's
    section 5, next to the orthogonal SimpleRNN it is compared with.
    """
    import keras

    def chrono(lag: int, *, close_input: bool) -> Any:
        initializer = forget_bias_initializer("chrono", max_lag=lag, seed=seed, close_input=close_input)
        return keras.layers.LSTM(num_units, unit_forget_bias=False, bias_initializer=initializer)

    return {
        "SimpleRNN, orthogonal W_a": lambda lag: keras.layers.SimpleRNN(num_units),
        # the IRNN: ReLU state, W_a starts as the identity
        "IRNN, ReLU and identity W_a": lambda lag: keras.layers.SimpleRNN(
            num_units, activation="relu", recurrent_initializer="identity"
        ),
        "LSTM, forget bias 1 (Keras default)": lambda lag: keras.layers.LSTM(num_units),
        # chrono's two halves apart: the forget gate starts open, the input gate is left alone ...
        "LSTM, chrono forget bias only": lambda lag: chrono(lag, close_input=False),
        # ... and full chrono, which also starts the input gate nearly closed
        "LSTM, chrono (forget open, input closed)": lambda lag: chrono(lag, close_input=True),
    }


def make_long_lag_task(num_sequences: int, seq_len: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A memory task: the label is the *first* of ``seq_len`` random bits, read at the end.

    Feature 0 holds a random -1/+1 at every step (the later ones are distractors);
    feature 1 marks step 0 with a 1. The label is 1 when the first bit is +1. Returns
    ``x`` of shape ``(num_sequences, seq_len, 2)`` float32 and ``y`` of shape
    ``(num_sequences,)`` int32. A model that cannot carry information over ``seq_len``
    steps scores about 0.5.
    """
    if seq_len < 2:
        raise ValueError(f"seq_len must be at least 2; got {seq_len}")
    if num_sequences < 1:
        raise ValueError(f"num_sequences must be positive; got {num_sequences}")
    rng = np.random.default_rng(seed)
    x = np.zeros((num_sequences, seq_len, 2), dtype=np.float32)
    x[:, :, 0] = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=(num_sequences, seq_len))
    x[:, 0, 1] = 1.0
    y = (x[:, 0, 0] > 0).astype(np.int32)
    return x, y


@dataclass(frozen=True)
class CellStatePath:
    """How the gradient travels back along an LSTM's cell state, from c_T to c_0 (lesson 02).

    ``forget_gates`` holds every forget gate f_t, shape ``(batch, T, units)``. ``direct`` is the
    direct path's factor, the product of the forget gates over the T steps, ``(batch, units)``:
    the diagonal of prod_t diag(f_t). ``jacobian`` is the whole dc_T/dc_0 from
    ``tf.GradientTape``, ``(batch, units, units)``: the direct path plus every path through
    h_t and the gates.
    """

    forget_gates: np.ndarray
    direct: np.ndarray
    jacobian: np.ndarray


def lstm_cell_state_path(layer: Any, x: Any) -> CellStatePath:
    """Run a built ``keras.layers.LSTM`` step by step on ``x`` from a zero state and measure dc_T/dc_0.

    ``x`` has shape ``(batch, T, features)``. The layer's cell is called once per step, with the
    initial cell state watched by the tape; the forget gate of each step is computed from the
    layer's weights (Keras's layout, blocks i, f, c, o) and the same hidden state.
    """
    import tensorflow as tf

    cell = layer.cell
    units = cell.units
    inputs = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    if inputs.shape.rank != 3:
        raise ValueError(f"x must have shape (batch, T, features); got {tuple(inputs.shape)}")
    kernel, recurrent_kernel, bias = cell.kernel, cell.recurrent_kernel, cell.bias
    batch = inputs.shape[0]
    c_start = tf.zeros((batch, units))
    forget = []
    with tf.GradientTape() as tape:
        tape.watch(c_start)
        h, c = tf.zeros((batch, units)), c_start
        for t in range(inputs.shape[1]):
            x_t = inputs[:, t]
            z = x_t @ kernel + h @ recurrent_kernel + bias
            forget.append(cell.recurrent_activation(z[:, units : 2 * units]))
            h, (h, c) = cell(x_t, [h, c])
    with quiet_retracing():  # one traced Jacobian per layer measured: expected
        jacobian = tape.batch_jacobian(c, c_start)
    forget_gates = np.stack([np.asarray(f, dtype=np.float64) for f in forget], axis=1)
    return CellStatePath(
        forget_gates=forget_gates,
        direct=forget_gates.prod(axis=1),
        jacobian=np.asarray(jacobian, dtype=np.float64),
    )


def numerical_gradient(loss: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of ``loss()`` with respect to every entry of ``array``.

    ``array`` is changed in place, one entry at a time, and restored; ``loss`` must read it.
    This is the gradient check of Stanford's cs231n: slow (two calls per entry), but it needs
    nothing but the forward pass, so it can judge a hand-written backward pass.
    """
    grad = np.zeros(array.shape, dtype=np.float64)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        plus = loss()
        array[index] = saved - eps
        minus = loss()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """The largest entry of |a - b| / (|a| + |b|): about 1e-7 or less when two gradients agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b)))) if a.size else 0.0
