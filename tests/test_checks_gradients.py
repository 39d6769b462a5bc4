"""Lesson 01 checks: a correct solution passes, known-wrong ones fail with the right message."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnncourse import checks
from rnncourse.checks import CheckFailure
from rnncourse.checks.l01_gradients.clip_functions import check_clip_by_norm, check_clip_by_value


# ---------------------------------------------------------------- rnn_forward
def rnn_forward_loop(x, kernel, recurrent_kernel, bias):
    state = np.zeros(kernel.shape[1])
    states = []
    for x_t in x:
        state = np.tanh(x_t @ kernel + state @ recurrent_kernel + bias)
        states.append(state)
    return np.stack(states)


def rnn_forward_tf(x, kernel, recurrent_kernel, bias):
    """Another style: TensorFlow ops, a Python list of tensors, float32."""
    state = tf.zeros((1, kernel.shape[1]), dtype=tf.float32)
    out = []
    for t in range(x.shape[0]):
        state = tf.tanh(
            tf.constant(x[t : t + 1], tf.float32) @ tf.constant(kernel, tf.float32)
            + state @ tf.constant(recurrent_kernel, tf.float32)
            + tf.constant(bias, tf.float32)
        )
        out.append(state[0])
    return tf.stack(out)


def _rnn(activation=np.tanh, transpose=False, keep=slice(None), with_bias=True, initial=False):
    def rnn_forward(x, kernel, recurrent_kernel, bias):
        state = np.zeros(kernel.shape[1])
        states = [state] if initial else []
        rec = recurrent_kernel.T if transpose else recurrent_kernel
        for x_t in x:
            state = activation(x_t @ kernel + state @ rec + (bias if with_bias else 0))
            states.append(state)
        return np.stack(states)[keep]

    return rnn_forward


@pytest.mark.parametrize("solution", [rnn_forward_loop, rnn_forward_tf])
def test_rnn_forward_accepts_correct_solutions(solution, capsys):
    checks.check_rnn_forward(solution)
    checks.check_rnn_forward(solution, seed=11, num_steps=13, input_dim=2, units=5, visible=False)
    out = capsys.readouterr().out
    assert "visible checks passed; hidden tests run at grading" in out
    assert "hidden test passed" in out
    assert "all tests passed" not in out.lower()


@pytest.mark.parametrize(
    "wrong, message",
    [
        (_rnn(activation=lambda z: z), "without the tanh"),
        (_rnn(activation=lambda z: np.maximum(z, 0)), "ReLU instead of tanh"),
        (_rnn(transpose=True), "recurrent_kernel transposed"),
        (_rnn(with_bias=False), "without the bias"),
        (_rnn(keep=-1), "only the last state"),
        (_rnn(initial=True), "do not include the initial state"),
        (lambda x, k, r, b: None, "returned None"),
        (lambda x, k, r, b: {"states": 1}, "expected a numpy array"),
        (lambda x, k, r, b: np.zeros((2, 2)), "expected (T, units) = (7, 3)"),
    ],
)
def test_rnn_forward_rejects_known_wrong_solutions(wrong, message, fails_with):
    with fails_with(message):
        checks.check_rnn_forward(wrong)


def test_unimplemented_and_crashing_code_get_feedback_not_a_traceback():
    def not_done(*args):
        raise NotImplementedError()

    def crashes(x, kernel, recurrent_kernel, bias):
        return x @ recurrent_kernel  # wrong shapes: numpy raises ValueError

    with pytest.raises(CheckFailure, match="not implemented yet"):
        checks.check_rnn_forward(not_done)
    with pytest.raises(CheckFailure, match=r"rnn_forward raised ValueError: .*\nHint:"):
        checks.check_rnn_forward(crashes)
    with pytest.raises(CheckFailure, match="is not a function"):
        checks.check_rnn_forward(42)


def test_lying_equality_does_not_pass():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    with pytest.raises(CheckFailure, match="expected a numpy array"):
        checks.check_rnn_forward(lambda *a: AlwaysEqual())


# ---------------------------------------------------------------- spectral radius and Jacobians
def scale_ok(W, rho):
    return W * rho / np.max(np.abs(np.linalg.eigvals(W)))


def test_scale_to_spectral_radius(capsys):
    checks.check_scale_to_spectral_radius(scale_ok)
    assert "visible checks passed" in capsys.readouterr().out
    with pytest.raises(CheckFailure, match="spectral norm"):
        checks.check_scale_to_spectral_radius(lambda W, rho: W * rho / np.linalg.norm(W, 2))
    with pytest.raises(CheckFailure, match="changed the direction"):
        checks.check_scale_to_spectral_radius(lambda W, rho: -scale_ok(W, rho))


def jacobian_norms_ok(W, num_steps):
    return np.array([np.linalg.norm(np.linalg.matrix_power(W, t), 2) for t in range(1, num_steps + 1)])


def test_jacobian_norms(capsys):
    checks.check_jacobian_norms(jacobian_norms_ok)
    assert "visible checks passed" in capsys.readouterr().out
    with pytest.raises(CheckFailure, match="Frobenius"):
        checks.check_jacobian_norms(
            lambda W, n: np.array([np.linalg.norm(np.linalg.matrix_power(W, t)) for t in range(1, n + 1)])
        )
    with pytest.raises(CheckFailure, match="start at t = 1"):
        checks.check_jacobian_norms(
            lambda W, n: np.array([np.linalg.norm(np.linalg.matrix_power(W, t), 2) for t in range(0, n + 1)])
        )
    with pytest.raises(CheckFailure, match="norm raised to a power"):
        checks.check_jacobian_norms(lambda W, n: np.linalg.norm(W, 2) ** np.arange(1, n + 1))

    def off_by_one(W, num_steps):  # records the norm before multiplying: W^0 ... W^(T-1)
        norms, product = [], np.eye(len(W))
        for _ in range(num_steps):
            norms.append(np.linalg.norm(product, 2))
            product = product @ W
        return np.array(norms)

    with pytest.raises(CheckFailure, match=r"off by one step.*\nHint: multiply by W before"):
        checks.check_jacobian_norms(off_by_one)


# ---------------------------------------------------------------- input gradient norms
def input_gradient_norms_ok(model, x):
    inputs = tf.Variable(np.asarray(x, dtype="float32")[None])
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(model(inputs))
    return np.linalg.norm(tape.gradient(out, inputs).numpy()[0], axis=-1)


def test_input_gradient_norms(capsys):
    checks.check_input_gradient_norms(input_gradient_norms_ok)
    assert "visible checks passed" in capsys.readouterr().out

    def raw_gradient(model, x):
        inputs = tf.Variable(np.asarray(x, dtype="float32")[None])
        with tf.GradientTape() as tape:
            out = tf.reduce_sum(model(inputs))
        return tape.gradient(out, inputs).numpy()[0]

    with pytest.raises(CheckFailure, match="take one norm per time step, over the feature axis"):
        checks.check_input_gradient_norms(raw_gradient)
    with pytest.raises(CheckFailure, match="reverse order"):
        checks.check_input_gradient_norms(lambda m, x: input_gradient_norms_ok(m, x)[::-1])
    with pytest.raises(CheckFailure, match="drop the batch axis"):
        checks.check_input_gradient_norms(lambda m, x: input_gradient_norms_ok(m, x)[None])

    def of_the_mean(model, x):
        inputs = tf.Variable(np.asarray(x, dtype="float32")[None])
        with tf.GradientTape() as tape:
            out = tf.reduce_mean(model(inputs))
        return np.linalg.norm(tape.gradient(out, inputs).numpy()[0], axis=-1)

    with pytest.raises(CheckFailure, match="differentiate the sum of the outputs, not their mean"):
        checks.check_input_gradient_norms(of_the_mean)
    for seed in (1, 2):  # and the hidden test's other seeds
        checks.check_input_gradient_norms(input_gradient_norms_ok, seed=seed, visible=False)
        with pytest.raises(CheckFailure, match="gradient of the mean output, 3 times too small"):
            checks.check_input_gradient_norms(of_the_mean, seed=seed, visible=False)


# ---------------------------------------------------------------- clipping
def test_clip_by_norm(capsys):
    def ok(g, c):
        n = np.linalg.norm(g)
        return g * c / n if n > c else g

    check_clip_by_norm(ok)
    check_clip_by_norm(ok, seed=4, size=20, edge_cases=True, visible=False)
    out = capsys.readouterr().out
    assert "matches tf.clip_by_norm" in out and "hidden test passed" in out
    # another correct style: a factor that is 1 for short gradients (inf for a zero one, min'd away)
    with np.errstate(divide="ignore"):
        check_clip_by_norm(lambda g, c: g * min(1.0, c / np.linalg.norm(g)), edge_cases=True)
    with pytest.raises(CheckFailure, match="clipping by value"):
        check_clip_by_norm(lambda g, c: np.clip(g, -c, c))
    with pytest.raises(CheckFailure, match="must come back unchanged"):
        check_clip_by_norm(lambda g, c: g * c / np.linalg.norm(g))


def test_clip_by_norm_edge_cases_are_only_in_the_hidden_test():
    def divides_always(g, c):  # right for every non-zero gradient, NaN for a zero one
        return g * (c / np.linalg.norm(g)) if np.linalg.norm(g) >= c else g * (np.linalg.norm(g) / np.linalg.norm(g))

    check_clip_by_norm(divides_always)  # the visible cases have no zero gradient
    with pytest.raises(CheckFailure, match="NaN for a zero gradient"):
        check_clip_by_norm(divides_always, edge_cases=True)

    def shrinks_at_the_limit(g, c):  # right above and below the limit; ||g|| == c must come back unchanged
        n = np.linalg.norm(g)
        return g * (c / n) if n > c else (g if n < c else 0.9 * g)

    with pytest.raises(CheckFailure, match="norm equals max_norm"):
        check_clip_by_norm(shrinks_at_the_limit, edge_cases=True)


def test_clip_by_value(capsys):
    check_clip_by_value(lambda g, lo, hi: np.clip(g, lo, hi))
    check_clip_by_value(lambda g, lo, hi: np.clip(g, lo, hi), clip_min=-0.3, clip_max=2.0, visible=False)
    out = capsys.readouterr().out
    assert "matches tf.clip_by_value" in out and "hidden test passed" in out
    with pytest.raises(CheckFailure, match="swapped clip_min and clip_max"):
        check_clip_by_value(lambda g, lo, hi: np.clip(g, hi, lo))
    with pytest.raises(CheckFailure, match="symmetric range"):
        check_clip_by_value(lambda g, lo, hi: np.clip(g, -hi, hi))
    with pytest.raises(CheckFailure, match="differ from the expected"):  # the visible bounds, hard-coded
        check_clip_by_value(lambda g, lo, hi: np.clip(g, -0.5, 1.0), clip_min=-0.3, clip_max=2.0)
    with pytest.raises(ValueError, match="below clip_max"):
        check_clip_by_value(lambda g, lo, hi: g, clip_min=1.0, clip_max=1.0)


def _clip_by_norm(g, c):
    n = np.linalg.norm(g)
    return g * c / n if n > c else g


def _clip_by_value(g, lo, hi):
    return np.clip(g, lo, hi)


def test_clip_functions_runs_both_checks_on_the_test_cells_inputs(capsys):
    """The exercise's check prints exactly what the two checks print for the same arguments."""
    calls = []

    def recording(function):
        def record(*args):
            calls.append(tuple(a.tobytes() if isinstance(a, np.ndarray) else a for a in args))
            return function(*args)

        return record

    hidden = {"seed": 4, "size": 20, "visible": False}
    checks.check_clip_functions(recording(_clip_by_norm), recording(_clip_by_value))
    checks.check_clip_functions(
        recording(_clip_by_norm), recording(_clip_by_value), edge_cases=True, clip_min=-0.3, clip_max=2.0, **hidden
    )
    together, asked_together = capsys.readouterr().out, calls[:]
    calls.clear()
    check_clip_by_norm(recording(_clip_by_norm))
    check_clip_by_value(recording(_clip_by_value))
    check_clip_by_norm(recording(_clip_by_norm), edge_cases=True, **hidden)
    check_clip_by_value(recording(_clip_by_value), clip_min=-0.3, clip_max=2.0, **hidden)
    assert together == capsys.readouterr().out
    assert together.count("✔ clip_by_norm") == 2 and together.count("✔ clip_by_value") == 2
    assert asked_together == calls  # the same gradients and bounds, in the same order
    with pytest.raises(CheckFailure, match="clipping by value"):
        checks.check_clip_functions(lambda g, c: np.clip(g, -c, c), _clip_by_value)
    with pytest.raises(CheckFailure, match="swapped clip_min and clip_max"):
        checks.check_clip_functions(_clip_by_norm, lambda g, lo, hi: np.clip(g, hi, lo))


# ---------------------------------------------------------------- memory model
def _memory_model(layer, *, return_sequences=False, activation="sigmoid", out_units=1, units=None):
    def build(seq_len, num_features, num_units):
        return keras.Sequential(
            [
                keras.Input(shape=(seq_len, num_features)),
                layer(units or num_units, return_sequences=return_sequences),
                keras.layers.Dense(out_units, activation=activation),
            ]
        )

    return build


def _functional_gru(seq_len, num_features, num_units):
    """Another style: the functional API, a GRU, the sigmoid given as a function."""
    inputs = keras.Input(shape=(seq_len, num_features))
    state = keras.layers.GRU(num_units)(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, activation=keras.activations.sigmoid)(state))


def _stacked_cells(seq_len, num_features, num_units):
    """Another style: two LSTMs, the first handing on every state, the RNN wrapper round an LSTMCell."""
    return keras.Sequential(
        [
            keras.Input(shape=(seq_len, num_features)),
            keras.layers.LSTM(num_units, return_sequences=True),
            keras.layers.RNN(keras.layers.LSTMCell(num_units)),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def test_build_memory_model_accepts_other_styles(capsys):
    checks.check_build_memory_model(_memory_model(keras.layers.LSTM))
    checks.check_build_memory_model(_functional_gru, seq_len=12, num_features=3, num_units=5, visible=False)
    checks.check_build_memory_model(_stacked_cells)
    out = capsys.readouterr().out
    assert out.count("visible checks passed") == 2 and "hidden test passed" in out
    assert "GRU of 5 units, one probability out" in out
    checks.check_build_memory_model(_memory_model(keras.layers.LSTM), quiet=True)
    assert capsys.readouterr().out == ""


def _last_activation(seq_len, num_features, num_units):
    return keras.Sequential(
        [
            keras.Input(shape=(seq_len, num_features)),
            keras.layers.LSTM(num_units),
            keras.layers.Dense(1),
            keras.layers.Activation("sigmoid"),
        ]
    )


def _no_recurrence(seq_len, num_features, num_units):
    return keras.Sequential(
        [
            keras.Input(shape=(seq_len, num_features)),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )


def _hard_coded(seq_len, num_features, num_units):
    return _memory_model(keras.layers.LSTM)(30, 2, 16)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_memory_model(keras.layers.SimpleRNN), "a cell without gates: .* product of 30 Jacobians"),
        (_memory_model(keras.layers.LSTM, return_sequences=True), "shape \\(8, 30, 1\\): one prediction per time step"),
        (_memory_model(keras.layers.GRU, activation=None), "not a probability; without an output activation"),
        # tanh's outputs on the check's batch fall outside (0, 1) or not, depending on the unseeded
        # initial weights: either way the message must name tanh as the wrong output activation
        (_memory_model(keras.layers.LSTM, activation="tanh"), "activation(, | is )tanh(, does not map| its values)"),
        (_memory_model(keras.layers.LSTM, activation="relu"), "not a probability"),
        (_memory_model(keras.layers.LSTM, activation="softmax"), "a softmax over a single unit divides it by itself"),
        (_memory_model(keras.layers.LSTM, activation="softmax", out_units=2), "gives 2 numbers per sequence"),
        (_memory_model(keras.layers.LSTM, units=32), "has 32 units; the exercise passes num_units = 16"),
        (_last_activation, "ends in a Activation layer"),
        (_no_recurrence, "without a recurrent layer \\(it has Dense, Flatten\\)"),
        (lambda *a: "model", "expected a keras.Model"),
    ],
)
def test_build_memory_model_explains_each_wrong_choice(answer, message):
    with pytest.raises(CheckFailure, match=message):
        checks.check_build_memory_model(answer)
    with pytest.raises(CheckFailure, match=message.replace("30", "12").replace("16", "5")):
        checks.check_build_memory_model(answer, seq_len=12, num_features=3, num_units=5, quiet=True)


def test_build_memory_model_hidden_sizes_catch_hard_coded_sizes():
    checks.check_build_memory_model(_hard_coded)  # the visible sizes: passes
    with pytest.raises(CheckFailure, match="failed on a batch of shape \\(8, 12, 3\\)"):
        checks.check_build_memory_model(_hard_coded, seq_len=12, num_features=3, num_units=5, visible=False)


def _train(model, x, y, epochs, *, optimizer=None, loss="binary_crossentropy", batch_size=32, fit_epochs=None):
    model.compile(
        optimizer=optimizer or keras.optimizers.Adam(learning_rate=0.01, clipnorm=1.0), loss=loss, metrics=["accuracy"]
    )
    model.fit(x, y, epochs=epochs if fit_epochs is None else fit_epochs, batch_size=batch_size, verbose=0)
    return model


HIDDEN_TRAINING = {"seed": 1, "seq_len": 15, "cell": "GRU", "num_units": 16, "num_train": 960}  # the hidden test's


@pytest.mark.slow  # five real trainings, about 15 s
def test_train_memory_model_grades_what_the_model_learned(capsys):
    checks.check_train_memory_model(_train)
    checks.check_train_memory_model(  # another style: a loss object, another learning rate, no clipping
        lambda m, x, y, e: _train(
            m, x, y, e, optimizer=keras.optimizers.Adam(0.005), loss=keras.losses.BinaryCrossentropy()
        ),
        visible=False,
        **HIDDEN_TRAINING,
    )
    checks.check_train_memory_model(  # another clipping, a larger rate and smaller batches
        lambda m, x, y, e: _train(m, x, y, e, optimizer=keras.optimizers.Adam(0.02, global_clipnorm=1.0), batch_size=16)
    )
    out = capsys.readouterr().out
    assert out.count("visible checks passed") == 2 and "hidden test passed" in out
    assert "Adam, learning rate 0.005, no clipping, batches of 32 (240 updates in all)" in out
    rng = np.random.default_rng(0)
    with pytest.raises(CheckFailure, match="on the check's own test set"):  # trained on shuffled labels
        checks.check_train_memory_model(lambda m, x, y, e: _train(m, x, rng.permutation(y), e))
    with pytest.raises(
        CheckFailure, match="Your settings: Adam, learning rate 0.01, clipnorm 1, batches of 640 \\(8 updates"
    ):
        checks.check_train_memory_model(lambda m, x, y, e: _train(m, x, y, e, batch_size=640))


@pytest.mark.slow  # one real training, about 3 s
def test_train_memory_model_names_a_learning_rate_too_small_for_the_budget():
    with pytest.raises(CheckFailure, match="Your settings: Adam, learning rate 0.001, no clipping, batches of 32"):
        checks.check_train_memory_model(
            lambda m, x, y, e: _train(m, x, y, e, optimizer=keras.optimizers.Adam()), **HIDDEN_TRAINING
        )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda m, x, y, e: m.fit(x, y, epochs=e), "must call `compile\\(\\)`"),
        (lambda m, x, y, e: _train(m, x, y, e, loss="mse"), "'mean_squared_error'.*sigmoid'\\(z\\), which vanishes"),
        (lambda m, x, y, e: _train(m, x, y, e, loss=keras.losses.MeanAbsoluteError()), "'mean_absolute_error'"),
        (lambda m, x, y, e: _train(m, x, y, e, loss="categorical_crossentropy"), "one unit divided by itself is 1"),
        (lambda m, x, y, e: _train(m, x, y, e, loss="hinge"), "labels of -1 and \\+1"),
        (
            lambda m, x, y, e: _train(m, x, y, e, loss=keras.losses.BinaryCrossentropy(from_logits=True)),
            "from_logits=True.*second sigmoid",
        ),
        (  # inf or NaN in training (here from the data: a too large step does it on other models)
            lambda m, x, y, e: _train(m, np.where(x > 0, np.inf, x), y, e),
            "blew up: the loss or the weights became inf or NaN",
        ),
        (lambda m, x, y, e: _train(m, x, y, e, fit_epochs=e + 1), "trained for 2 epochs"),
        (lambda m, x, y, e: _train(m, x, y, e, fit_epochs=0), "weights are unchanged"),
        (lambda m, x, y, e: (_train(m, x, y, e), None)[1], "returned None"),
        (lambda m, x, y, e: _train(keras.models.clone_model(m), x, y, e), "not the model it was given"),
    ],
)
def test_train_memory_model_names_the_mistake(answer, message):
    with pytest.raises(CheckFailure, match=message):
        checks.check_train_memory_model(answer, epochs=1, num_train=64)


# ---------------------------------------------------------------- backpropagation through time
from rnncourse import gradients as grad_tools  # noqa: E402
from rnncourse.checks.l01_gradients.rnn_backward import BACKWARD_KEYS, reference_rnn_backward, tape_rnn_backward  # noqa: E402


def _backward_inputs(seed=3, num_steps=5, input_dim=2, units=3):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(num_steps, input_dim)),
        rng.normal(scale=0.5, size=(input_dim, units)),
        rng.normal(scale=0.5, size=(units, units)),
        rng.normal(scale=0.1, size=units),
        rng.normal(scale=0.5, size=units),
        rng.normal(size=(num_steps, units)),
    )


def test_reference_backward_matches_the_tape_and_finite_differences():
    args = _backward_inputs()
    ours, tape = reference_rnn_backward(*args), tape_rnn_backward(*args)
    x, kernel, recurrent_kernel, bias, initial_state, upstream = args

    def loss():
        state, total = initial_state, 0.0
        for t, x_t in enumerate(x):
            state = np.tanh(x_t @ kernel + state @ recurrent_kernel + bias)
            total += float(upstream[t] @ state)
        return total

    for key, array in zip(BACKWARD_KEYS, (kernel, recurrent_kernel, bias, initial_state)):
        assert grad_tools.relative_error(ours[key], tape[key]) < 1e-8, key
        assert grad_tools.relative_error(ours[key], grad_tools.numerical_gradient(loss, array)) < 1e-6, key


def test_rnn_backward_check_accepts_other_styles(capsys):
    checks.check_rnn_backward(lambda *a: reference_rnn_backward(*a))
    assert "visible checks passed" in capsys.readouterr().out

    def with_a_tape(x, kernel, recurrent_kernel, bias, initial_state, upstream):  # TensorFlow does the work
        variables = [tf.Variable(v) for v in (kernel, recurrent_kernel, bias, initial_state)]
        with tf.GradientTape() as tape:
            state, loss = variables[3], 0.0
            for t in range(len(x)):
                state = tf.tanh(
                    tf.linalg.matvec(variables[0], x[t], transpose_a=True)
                    + tf.linalg.matvec(variables[1], state, transpose_a=True)
                    + variables[2]
                )
                loss += tf.reduce_sum(upstream[t] * state)
        return dict(zip(BACKWARD_KEYS, [g.numpy() for g in tape.gradient(loss, variables)]))

    checks.check_rnn_backward(with_a_tape, seed=5, num_steps=3, input_dim=2, units=2, visible=False)


@pytest.mark.parametrize(
    "mistake, message",
    [
        ("no_tanh_derivative", "the derivative of tanh is missing"),
        ("no_flow_through_time", "nothing flowed back from later steps"),
        ("last_step_only", "overwritten instead of summed"),
        ("untransposed", "instead of its transpose"),
        ("current_state", "must pair it with the previous state"),
    ],
)
def test_rnn_backward_names_each_typical_mistake(mistake, message, fails_with):
    for seed in (0, 7):  # the visible test's seed and a hidden one
        with fails_with(message):
            checks.check_rnn_backward(lambda *a: reference_rnn_backward(*a, mistake=mistake), seed=seed)


def test_rnn_backward_rejects_other_wrong_answers(fails_with):
    with fails_with("returned a tuple; expected a dict"):
        checks.check_rnn_backward(lambda *a: tuple(reference_rnn_backward(*a).values()))
    with fails_with("has no 'initial_state'"):
        checks.check_rnn_backward(
            lambda *a: {k: v for k, v in reference_rnn_backward(*a).items() if k != "initial_state"}
        )
    with fails_with("the gradients that differ: bias"):
        checks.check_rnn_backward(
            lambda *a: {**reference_rnn_backward(*a), "bias": reference_rnn_backward(*a)["bias"] * 2}
        )
    with fails_with("is not implemented yet"):

        def stub(*a):
            raise NotImplementedError()

        checks.check_rnn_backward(stub)


def test_numerical_gradient_and_relative_error():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert np.allclose(grad_tools.numerical_gradient(lambda: float(np.sum(w**3)), w), 3 * w**2, atol=1e-5)
    assert np.array_equal(w, [[1.0, -2.0], [0.5, 3.0]])  # restored
    assert grad_tools.relative_error(w, w) == 0.0
    assert grad_tools.relative_error(w, w + 1e-3) > 1e-4


def test_input_gradient_norms_names_the_missing_tape_watch(fails_with):
    """Without tape.watch the gradient is None; the check says why, not only "'NoneType' object has no attribute"."""
    import tensorflow as tf

    def unwatched(model, x):
        inputs = tf.convert_to_tensor(np.asarray(x, dtype="float32")[None])
        with tf.GradientTape() as tape:
            output = tf.reduce_sum(model(inputs))
        grad = tape.gradient(output, inputs)
        return np.linalg.norm(grad.numpy()[0], axis=-1)

    with fails_with("The gradient was None: a tape only records what it watches"):
        checks.check_input_gradient_norms(unwatched)
    with fails_with("not implemented yet"):  # other failures keep their own message and hint
        checks.check_input_gradient_norms(lambda model, x: (_ for _ in ()).throw(NotImplementedError()))
