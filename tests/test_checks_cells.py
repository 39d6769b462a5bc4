"""Lesson 02 checks (rnncourse.checks.l02_gru_lstm): correct solutions (in several styles) pass,
known-wrong ones fail with the right message."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnncourse import checks
from rnncourse.checks import CheckFailure
from rnncourse.checks.l02_gru_lstm.lstm_step import keras_lstm_run


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ---------------------------------------------------------------- lstm_step
def lstm_step_split(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_c, z_o = np.split(z, 4)
    c_t = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_c)
    return sigmoid(z_o) * np.tanh(c_t), c_t


def lstm_step_tf(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """Another style: TensorFlow ops, per-gate slices of the weights, float32 tensors, a list."""
    units = recurrent_kernel.shape[0]
    x = tf.constant(x_t[None], tf.float32)
    h = tf.constant(h_prev[None], tf.float32)

    def pre(k):
        cols = slice(k * units, (k + 1) * units)
        return (
            x @ tf.constant(kernel[:, cols], tf.float32)
            + h @ tf.constant(recurrent_kernel[:, cols], tf.float32)
            + tf.constant(bias[cols], tf.float32)
        )

    i, f, g, o = tf.sigmoid(pre(0)), tf.sigmoid(pre(1)), tf.tanh(pre(2)), tf.sigmoid(pre(3))
    c = f * tf.constant(c_prev[None], tf.float32) + i * g
    return [(o * tf.tanh(c))[0], c[0]]


def _lstm(order=(0, 1, 2, 3), gate=sigmoid, output_gate=True, c_prev_term=True, batch=False):
    def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        z = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4)
        i, f, g, o = gate(z[order[0]]), gate(z[order[1]]), np.tanh(z[order[2]]), gate(z[order[3]])
        c = (f * c_prev if c_prev_term else 0) + i * g
        h = o * np.tanh(c) if output_gate else np.tanh(c)
        return (h[None], c[None]) if batch else (h, c)

    return lstm_step


@pytest.mark.parametrize("solution", [lstm_step_split, lstm_step_tf])
def test_lstm_step_accepts_correct_solutions(solution, capsys):
    checks.check_lstm_step(solution)
    checks.check_lstm_step(solution, seed=5, num_steps=9, input_dim=2, units=6, visible=False)
    out = capsys.readouterr().out
    assert "✔ lstm_step: visible checks passed; hidden tests run at grading" in out
    assert "hidden test passed" in out


def test_lstm_reference_really_is_keras():
    """The reference must be Keras, and Keras's layout must be the one the lesson teaches."""
    rng = np.random.default_rng(3)
    x, h0, c0 = rng.normal(size=(5, 2)), rng.normal(size=3), rng.normal(size=3)
    kernel, rec, bias = rng.normal(size=(2, 12)), rng.normal(size=(3, 12)), rng.normal(size=12)
    seq, h_last, c_last = keras_lstm_run(x, h0, c0, kernel, rec, bias)
    h, c = h0, c0
    for t in range(5):
        h, c = lstm_step_split(x[t], h, c, kernel, rec, bias)
        np.testing.assert_allclose(seq[t], h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h_last, h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c_last, c, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_lstm(order=(0, 1, 3, 2)), "reads the four blocks in the order (i, f, o, c) instead of Keras's (i, f, c, o)"),
        (_lstm(order=(1, 0, 2, 3)), "in the order (f, i, c, o)"),
        (_lstm(order=(1, 2, 3, 0)), "in the order (o, i, f, c)"),  # i from block 1, f from 2, c from 3, o from 0
        (_lstm(gate=np.tanh), "uses tanh instead of sigmoid for the gates"),
        (_lstm(output_gate=False), "forgets the output gate"),
        (_lstm(c_prev_term=False), "drops the c_prev term"),
        (lambda *a: lstm_step_split(*a)[::-1], "returns (c_t, h_t) instead of (h_t, c_t)"),
        (
            lambda x, h, c, k, r, b: (np.tanh(x @ k[:, :4] + h @ r[:, :4] + b[:4]), c + 1),
            "hidden-state values differ from the expected ones",
        ),
        (lambda x, h, c, k, r, b: lstm_step_split(x, h, c, k, r, b)[0], "expected a tuple of two arrays"),
        (lambda *a: None, "returned None"),
        (_lstm(batch=True), "do not add a batch axis"),
        (lambda x, h, c, k, r, b: (x @ k, c), "expected (units,) = (4,)"),
    ],
)
def test_lstm_step_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message, ignore_case=True):
        checks.check_lstm_step(wrong)


def test_lstm_step_unimplemented_and_crashing(fails_with):
    def not_done(*args):
        raise NotImplementedError()

    with fails_with("not implemented yet"):
        checks.check_lstm_step(not_done)
    with pytest.raises(CheckFailure, match=r"lstm_step raised ValueError: .*\nHint:"):
        checks.check_lstm_step(lambda x, h, c, k, r, b: (h @ k, c))


# ---------------------------------------------------------------- lstm_step_backward
def _lstm_backward(
    gate_derivative=True,
    candidate_derivative=True,
    tanh_c_derivative=True,
    cell_path=True,
    forget_pairs_with="c_prev",
    c_prev_gradient="f",
    order=(0, 1, 2, 3),
):
    """A hand-written LSTM step backward, written apart from the check's reference; each flag is one mistake."""

    def lstm_step_backward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, dh_t, dc_t):
        z = np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4)
        i, f, g, o = (sigmoid(z[order[0]]), sigmoid(z[order[1]]), np.tanh(z[order[2]]), sigmoid(z[order[3]]))
        c = f * c_prev + i * g
        dc = dh_t * o * ((1 - np.tanh(c) ** 2) if tanh_c_derivative else 1) + (dc_t if cell_path else 0)
        dgate = {
            "i": dc * g,
            "f": dc * (c_prev if forget_pairs_with == "c_prev" else c),
            "o": dh_t * np.tanh(c),
        }
        if gate_derivative:
            dgate = {"i": dgate["i"] * i * (1 - i), "f": dgate["f"] * f * (1 - f), "o": dgate["o"] * o * (1 - o)}
        dg = dc * i * ((1 - g**2) if candidate_derivative else 1)
        blocks = [dgate["i"], dgate["f"], dg, dgate["o"]]
        dz = np.concatenate([blocks[order.index(k)] for k in range(4)])
        return {
            "kernel": np.outer(x_t, dz),
            "recurrent_kernel": np.outer(h_prev, dz),
            "bias": dz,
            "h_prev": recurrent_kernel @ dz,
            "c_prev": {"f": dc * f, "none": dc, "zero": 0 * dc}[c_prev_gradient],
        }

    return lstm_step_backward


def lstm_step_backward_tape(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, dh_t, dc_t):
    """Another style: let TensorFlow differentiate a hand-written step, and return tensors."""
    variables = [tf.Variable(np.asarray(a, dtype=np.float64)) for a in (kernel, recurrent_kernel, bias, h_prev, c_prev)]
    k, r, b, h, c = variables
    with tf.GradientTape() as tape:
        i, f, g, o = tf.split(tf.constant(x_t)[None] @ k + h[None] @ r + b, 4, axis=1)
        c_t = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h_t = tf.sigmoid(o) * tf.tanh(c_t)
        loss = tf.reduce_sum(h_t * dh_t) + tf.reduce_sum(c_t * dc_t)
    grads = tape.gradient(loss, variables)
    return dict(zip(["kernel", "recurrent_kernel", "bias", "h_prev", "c_prev"], grads))


@pytest.mark.parametrize("solution", [_lstm_backward(), lstm_step_backward_tape])
@pytest.mark.parametrize("num_steps", [1, 5])
def test_lstm_step_backward_accepts_correct_solutions(solution, num_steps, capsys):
    checks.check_lstm_step_backward(solution, seed=3, num_steps=num_steps, input_dim=2, units=3)
    expected = "one step" if num_steps == 1 else "5 steps chained"
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (_lstm_backward(gate_derivative=False), "the sigmoid's derivative is missing"),
        (_lstm_backward(candidate_derivative=False), "the candidate's tanh derivative is missing"),
        (_lstm_backward(tanh_c_derivative=False), "skips the derivative of tanh(c_t)"),
        (_lstm_backward(cell_path=False), "dc_t, is dropped"),
        (_lstm_backward(forget_pairs_with="c_t"), "it multiplies the old one, c_prev"),
        (_lstm_backward(c_prev_gradient="none"), "leaves out the forget gate"),
        (_lstm_backward(c_prev_gradient="zero"), "the direct path along the cell state is missing"),
        (_lstm_backward(order=(1, 0, 2, 3)), "the gradients that differ: kernel, recurrent_kernel, bias, h_prev"),
        (lambda *a: {"kernel": 0}, "dict has no 'recurrent_kernel', 'bias', 'h_prev', 'c_prev'"),
        (lambda *a: [a[3]] * 5, "returned a list; expected a dict"),
    ],
)
def test_lstm_step_backward_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message):
        checks.check_lstm_step_backward(wrong)


def test_lstm_step_backward_hidden_chain_catches_what_one_step_cannot(fails_with):
    """A step that ignores the dc_t it receives passes nowhere, but one that only breaks when chained
    (its c_prev gradient right at the first call, stale afterwards) passes one step and fails the chain."""
    correct = _lstm_backward()
    calls = []

    def first_call_only(*args):
        calls.append(1)
        result = correct(*args)
        if len(calls) > 1:
            result["c_prev"] = result["c_prev"] * 0.5
        return result

    checks.check_lstm_step_backward(first_call_only)
    calls.clear()
    with fails_with("summed over 5 chained steps"):
        checks.check_lstm_step_backward(first_call_only, seed=1, num_steps=5, visible=False)


# ---------------------------------------------------------------- gru_step
def gru_step_split(x_t, h_prev, kernel, recurrent_kernel, bias):
    x_z, x_r, x_h = np.split(x_t @ kernel + bias[0], 3)
    r_z, r_r, r_h = np.split(h_prev @ recurrent_kernel + bias[1], 3)
    z, r = sigmoid(x_z + r_z), sigmoid(x_r + r_r)
    return z * h_prev + (1 - z) * np.tanh(x_h + r * r_h)


def gru_step_tf(x_t, h_prev, kernel, recurrent_kernel, bias):
    """Another style: TensorFlow, a batch axis inside, returns a float32 tensor of shape (units,)."""
    x = tf.constant(x_t[None], tf.float32)
    h = tf.constant(h_prev[None], tf.float32)
    gx = x @ tf.constant(kernel, tf.float32) + tf.constant(bias[0], tf.float32)
    gh = h @ tf.constant(recurrent_kernel, tf.float32) + tf.constant(bias[1], tf.float32)
    x_z, x_r, x_h = tf.split(gx, 3, axis=-1)
    h_z, h_r, h_h = tf.split(gh, 3, axis=-1)
    z = tf.sigmoid(x_z + h_z)
    candidate = tf.tanh(x_h + tf.sigmoid(x_r + h_r) * h_h)
    return (z * h + (1 - z) * candidate)[0]


def _gru(order=(0, 1, 2), reset_after=True, swap=False, rec_bias=True):
    def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
        u = h_prev.shape[0]
        blocks = [slice(k * u, (k + 1) * u) for k in order]
        b_rec = bias[1] if rec_bias else np.zeros_like(bias[1])
        gx = x_t @ kernel + bias[0]
        gh = h_prev @ recurrent_kernel + b_rec
        z = sigmoid(gx[blocks[0]] + gh[blocks[0]])
        r = sigmoid(gx[blocks[1]] + gh[blocks[1]])
        if reset_after:
            hh = np.tanh(gx[blocks[2]] + r * gh[blocks[2]])
        else:
            hh = np.tanh(gx[blocks[2]] + (r * h_prev) @ recurrent_kernel[:, blocks[2]] + b_rec[blocks[2]])
        return (1 - z) * h_prev + z * hh if swap else z * h_prev + (1 - z) * hh

    return gru_step


@pytest.mark.parametrize("solution", [gru_step_split, gru_step_tf])
def test_gru_step_accepts_correct_solutions(solution, capsys):
    checks.check_gru_step(solution)
    checks.check_gru_step(solution, seed=8, num_steps=10, input_dim=5, units=2, visible=False)
    out = capsys.readouterr().out
    assert "✔ gru_step: visible checks passed; hidden tests run at grading" in out
    assert "hidden test passed" in out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_gru(reset_after=False), "the reset_after=False formula"),
        (_gru(swap=True), "swaps z and 1 - z"),
        (_gru(order=(1, 0, 2)), "reads the three blocks in the order (r, z, h) instead of Keras's (z, r, h)"),
        (_gru(order=(2, 0, 1)), "in the order (r, h, z)"),  # z from block 2, r from 0, h from 1
        (_gru(rec_bias=False), "ignores the recurrent bias"),
        (lambda x, h, k, r, b: (gru_step_split(x, h, k, r, b), h), "a GRU has no separate cell state"),
        (lambda x, h, k, r, b: gru_step_split(x, h, k, r, b)[None], "do not add a batch axis"),
        (
            lambda x, h, k, r, b: np.tanh(x @ k[:, :4] + h @ r[:, :4]),
            "hidden-state values differ from the expected ones",
        ),
    ],
)
def test_gru_step_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message, ignore_case=True):
        checks.check_gru_step(wrong)


# ---------------------------------------------------------------- parameter counts
def simple_ok(i, u):
    return u * (i + u + 1)


def lstm_ok(i, u):
    return 4 * (i * u + u * u + u)


def gru_ok(i, u):
    return np.int64(3 * u * (i + u + 2))  # numpy integers are fine


def test_param_counts_accepts_correct_formulas(capsys):
    checks.check_param_counts(simple_ok, lstm_ok, gru_ok)
    checks.check_param_counts(simple_ok, lstm_ok, gru_ok, sizes=((50, 32), (7, 1)), visible=False)
    out = capsys.readouterr().out
    assert "✔ parameter counts: visible checks passed" in out and "hidden test passed" in out


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_the_formula_behind_the_unbuildable_size_is_kerass_count(kind):
    from rnncourse.checks.l02_gru_lstm.param_counts import formula_param_count, keras_param_count

    for input_dim, units in ((3, 5), (1, 16), (12, 2), (50, 32), (7, 1), (1, 100), (300, 64)):
        assert formula_param_count(kind, input_dim, units) == keras_param_count(kind, input_dim, units)


def _asks_keras(kind):
    def count(input_dim, units):
        layer = getattr(keras.layers, kind)(units)
        layer.build((None, None, input_dim))
        return layer.count_params()

    return count


def test_param_counts_fails_an_answer_that_builds_a_layer_and_asks_keras(fails_with):
    """The text forbids it; sizes no layer can be built at enforce it (the allocation fails at once)."""
    with fails_with("simple_rnn_params(input_dim=10,000,000, units=100,000) failed (ResourceExhaustedError"):
        checks.check_param_counts(_asks_keras("SimpleRNN"), lstm_ok, gru_ok)
    with fails_with("No layer that size can be built, but its parameter count is a formula"):
        checks.check_param_counts(simple_ok, lstm_ok, _asks_keras("GRU"), visible=False)


@pytest.mark.parametrize(
    "functions, message",
    [
        ((simple_ok, lstm_ok, lambda i, u: 3 * u * (i + u + 1)), "gru_params counts one bias vector"),
        ((simple_ok, lambda i, u: 3 * u * (i + u + 1), gru_ok), "lstm_params counts only 3 blocks"),
        ((lambda i, u: u * (i + u), lstm_ok, gru_ok), "simple_rnn_params leaves out the bias"),
        ((simple_ok, lstm_ok, lambda i, u: 4 * u * (i + u + 2)), "gru_params counts 4 blocks"),
        ((simple_ok, lambda i, u: 4 * i * (u + i + 1), gru_ok), "swapped the roles of input_dim and units"),
        (
            (simple_ok, lstm_ok, lambda i, u: 3 * u * (i + u + 2) + 1),
            "gru_params(input_dim=3, units=5) returned 151; "
            "keras.layers.GRU(units=5).count_params() on input_dim=3 is 150",
        ),
        ((simple_ok, lstm_ok, lambda i, u: 3.5), "expected a whole number"),
        ((simple_ok, lstm_ok, lambda i, u: None), "returned None"),
    ],
)
def test_param_counts_rejects_known_wrong_formulas(functions, message, fails_with):
    with fails_with(message):
        checks.check_param_counts(*functions)


# ---------------------------------------------------------------- stacked model
def stacked_ok(seq_len, num_features, per_step):
    return keras.Sequential(
        [
            keras.Input(shape=(seq_len, num_features)),
            keras.layers.GRU(128, return_sequences=True, name="gru_layer"),
            keras.layers.LSTM(64, return_sequences=per_step, name="lstm_layer"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def stacked_functional(seq_len, num_features, per_step=False):
    """Another style: the functional API, and an if instead of passing the flag through."""
    inputs = keras.Input(shape=(seq_len, num_features))
    x = keras.layers.GRU(units=128, return_sequences=True)(inputs)
    if per_step:
        x = keras.layers.LSTM(units=64, return_sequences=True)(x)
    else:
        x = keras.layers.LSTM(units=64)(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def _stacked(
    first=keras.layers.GRU,
    second=keras.layers.LSTM,
    *,
    first_units=128,
    second_units=64,
    first_sequences=True,
    second_sequences=None,
    use_input=True,
    name="gru_layer",
    dense=True,
):
    """A stack with one deliberate change; ``second_sequences=None`` follows per_step (the right choice)."""

    def build(seq_len, num_features, per_step):
        layers = [keras.Input(shape=(seq_len, num_features))] if use_input else []
        layers += [
            first(first_units, return_sequences=first_sequences, name=name),
            second(second_units, return_sequences=per_step if second_sequences is None else second_sequences),
        ]
        if dense:
            layers.append(keras.layers.Dense(1, activation="sigmoid"))
        return keras.Sequential(layers)

    return build


@pytest.mark.parametrize("solution", [stacked_ok, stacked_functional])
def test_stacked_model_accepts_correct_models(solution, capsys):
    checks.check_build_stacked_model(solution)
    checks.check_build_stacked_model(solution, seq_len=7, num_features=3, visible=False)
    checks.check_build_stacked_model(solution, seq_len=1, num_features=1, visible=False)
    out = capsys.readouterr().out
    assert "✔ build_stacked_model: visible checks passed" in out and "hidden test passed" in out
    assert "one probability per sequence and one per step" in out


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_stacked(first_sequences=False), "the LSTM received a 2-D input"),
        (_stacked(first_sequences=False, use_input=False), "the GRU has return_sequences=False"),
        (
            _stacked(keras.layers.LSTM, keras.layers.GRU, first_units=64, second_units=128),
            "puts the LSTM before the GRU",
        ),
        (_stacked(second=keras.layers.SimpleRNN), "expected [GRU, LSTM]"),
        (_stacked(first_units=64, second_units=128), "expected 128 and 64"),
        (_stacked(second_sequences=True), "per_step=False): the LSTM has return_sequences=True"),
        (_stacked(second_sequences=False), "per_step=True): the LSTM has return_sequences=False"),
        (_stacked(name="GRU layer"), "not a valid scope name"),
        (_stacked(dense=False), "expected [GRU, LSTM, Dense]"),
        (lambda s, f, p: "model", "expected a keras.Model"),
        (lambda s, f: stacked_ok(s, f, False), "takes 2 positional arguments but 3 were given"),
    ],
)
def test_stacked_model_rejects_known_wrong_models(wrong, message, fails_with):
    with fails_with(message):
        checks.check_build_stacked_model(wrong)


def test_stacked_model_wrong_input_shape(fails_with):
    def wrong_input(seq_len, num_features, per_step):
        return stacked_ok(seq_len, num_features + 1, per_step)

    with fails_with("model.predict on a batch of shape (3, 20, 8) raised ValueError"):
        checks.check_build_stacked_model(wrong_input)


def test_stacked_model_failures_are_one_message_not_a_chain():
    for wrong in (_stacked(first_sequences=False), _stacked(name="GRU layer")):
        with pytest.raises(CheckFailure) as info:
            checks.check_build_stacked_model(wrong)
        assert info.value.__context__ is None and info.value.__cause__ is None
