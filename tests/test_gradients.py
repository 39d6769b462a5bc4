"""rnncourse.gradients: the measurement helpers lessons 01, 02 and 04 share."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnncourse import gradients


def test_long_lag_task_labels_are_the_first_bit():
    x, y = gradients.make_long_lag_task(50, 7, seed=3)
    assert x.shape == (50, 7, 2) and y.shape == (50,)
    np.testing.assert_array_equal(y, (x[:, 0, 0] > 0).astype(np.int32))
    assert set(np.unique(x[:, :, 0])) == {-1.0, 1.0}
    np.testing.assert_array_equal(x[:, :, 1], np.eye(7)[0][None].repeat(50, axis=0))  # marks step 0 only
    assert 10 < y.sum() < 40  # both labels occur
    with pytest.raises(ValueError, match="at least 2"):
        gradients.make_long_lag_task(5, 1)


def _classifier(seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential(
        [keras.Input(shape=(6, 2)), keras.layers.SimpleRNN(4), keras.layers.Dense(1, activation="sigmoid")]
    )


def test_logit_model_is_the_classifier_before_its_sigmoid():
    model = _classifier()
    x = np.random.default_rng(0).normal(size=(3, 6, 2)).astype("float32")
    logit = np.asarray(gradients.logit_model(model)(x))
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
    assert not np.allclose(logit, np.asarray(model(x)))  # it is not the sigmoid's output itself
    # it shares the recurrent layer: a change to the model's weights shows in the logit model
    logit_model = gradients.logit_model(model)
    model.layers[0].cell.kernel.assign(np.zeros((2, 4), dtype="float32"))
    np.testing.assert_allclose(
        1 / (1 + np.exp(-np.asarray(logit_model(x)))), np.asarray(model(x)), rtol=1e-5, atol=1e-6
    )


def test_logit_model_needs_a_dense_head():
    model = keras.Sequential([keras.Input(shape=(6, 2)), keras.layers.SimpleRNN(4)])
    with pytest.raises(ValueError, match="ending in a Dense layer"):
        gradients.logit_model(model)


def _lstm_bias(**kwargs):
    layer = keras.layers.LSTM(3, **kwargs)
    layer.build((None, 5, 2))
    return np.asarray(layer.cell.bias)


def test_forget_bias_initializer_matches_keras_default_at_one():
    ours = _lstm_bias(unit_forget_bias=False, bias_initializer=gradients.forget_bias_initializer(1.0))
    np.testing.assert_array_equal(ours, _lstm_bias())  # Keras: unit_forget_bias=True, zeros elsewhere
    three = _lstm_bias(unit_forget_bias=False, bias_initializer=gradients.forget_bias_initializer(3.0))
    np.testing.assert_array_equal(three, [0, 0, 0, 3, 3, 3, 0, 0, 0, 0, 0, 0])  # [input, forget, cell, output]


def test_chrono_initializer_spreads_time_scales_up_to_the_lag():
    init = gradients.forget_bias_initializer("chrono", max_lag=200, seed=1)
    bias = init((4 * 1000,))
    forget, inputs, rest = bias[1000:2000], bias[:1000], bias[2000:]
    assert np.all(forget >= 0) and np.all(forget <= np.log(199) + 1e-6)
    assert forget.max() > np.log(150)  # some units remember for more than 150 steps: 1/(1 - sigmoid(b))
    np.testing.assert_array_equal(inputs, -forget)
    np.testing.assert_array_equal(rest, 0)
    np.testing.assert_array_equal(init((4 * 1000,)), bias)  # seeded


def test_chrono_without_closing_the_input_gate_sets_the_forget_block_alone():
    both = gradients.forget_bias_initializer("chrono", max_lag=200, seed=1)((4 * 50,))
    forget_only = gradients.forget_bias_initializer("chrono", max_lag=200, seed=1, close_input=False)((4 * 50,))
    np.testing.assert_array_equal(forget_only[50:100], both[50:100])
    np.testing.assert_array_equal(np.delete(forget_only, np.s_[50:100]), 0)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("chrono",), {}, "needs max_lag"),
        (("chrono",), {"max_lag": 2}, "needs max_lag"),
        (("big",), {}, "a number or 'chrono'"),
        ((float("nan"),), {}, "a number or 'chrono'"),
    ],
)
def test_forget_bias_initializer_rejects_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        gradients.forget_bias_initializer(*args, **kwargs)


def test_forget_bias_initializer_rejects_a_non_lstm_shape():
    with pytest.raises(ValueError, match="4 \\* units"):
        gradients.forget_bias_initializer(1.0)((6,))


def test_input_gradient_norms_sees_where_the_output_depends_on_the_input():
    model = _classifier()
    x = np.random.default_rng(1).normal(size=(6, 2)).astype("float32")
    norms = gradients.input_gradient_norms(gradients.logit_model(model), x)
    assert norms.shape == (6,) and np.all(norms > 0)
    # a model that reads only the last step has zero gradient for every earlier step
    inputs = keras.Input(shape=(6, 2))
    last_only = keras.Model(inputs, keras.layers.Dense(1)(inputs[:, -1, :]))
    norms = gradients.input_gradient_norms(last_only, x)
    np.testing.assert_array_equal(norms[:-1], 0)
    assert norms[-1] > 0


def test_flip_effects_measure_what_a_sign_change_does():
    inputs = keras.Input(shape=(5, 2))
    # logit = 3 * x[0, 0] + 0.5 * x[4, 0] + anything from feature 1
    weights = np.zeros((5, 2), dtype="float32")
    weights[0, 0], weights[4, 0], weights[2, 1] = 3.0, 0.5, 7.0
    logit = keras.layers.Lambda(lambda t: keras.ops.sum(t * weights, axis=(1, 2))[:, None])(inputs)
    model = keras.Model(inputs, logit)
    x, _ = gradients.make_long_lag_task(20, 5, seed=0)
    # flipping a ±1 entry changes w * x by 2 |w|
    np.testing.assert_allclose(gradients.flip_effects(model, x), [6.0, 0, 0, 0, 1.0], atol=1e-5)
    effects = gradients.flip_effects(model, x, feature=1)  # feature 1 is 0 after step 0: flipping it does nothing
    np.testing.assert_allclose(effects, [0, 0, 0, 0, 0], atol=1e-6)
    with pytest.raises(ValueError, match="feature must be between 0 and 1"):
        gradients.flip_effects(model, x, feature=2)
    with pytest.raises(ValueError, match="num_sequences, T, features"):
        gradients.flip_effects(model, x[0])


def _lstm_layer(units, features, recurrent_scale, seed=0):
    rng = np.random.default_rng(seed)
    layer = keras.layers.LSTM(units)
    layer.build((None, None, features))
    kernel = rng.normal(scale=0.5, size=(features, 4 * units))
    recurrent = rng.normal(scale=recurrent_scale, size=(units, 4 * units))
    bias = rng.normal(scale=0.5, size=4 * units)
    layer.set_weights([kernel.astype("float32"), recurrent.astype("float32"), bias.astype("float32")])
    return layer, kernel, bias


def test_cell_state_path_is_the_forget_product_when_no_other_path_exists():
    """With a zero recurrent kernel, h_{t-1} cannot reach the gates: dc_T/dc_0 is exactly diag(prod f_t)."""
    layer, kernel, bias = _lstm_layer(units=3, features=2, recurrent_scale=0.0)
    x = np.random.default_rng(1).normal(size=(4, 6, 2)).astype("float32")
    path = gradients.lstm_cell_state_path(layer, x)
    forget = 1 / (1 + np.exp(-(x.astype(np.float64) @ kernel[:, 3:6] + bias[3:6])))  # block 1 of [i | f | c | o]
    np.testing.assert_allclose(path.forget_gates, forget, rtol=1e-5)
    np.testing.assert_allclose(path.direct, forget.prod(axis=1), rtol=1e-5)
    assert path.jacobian.shape == (4, 3, 3)
    expected = np.stack([np.diag(d) for d in path.direct])
    np.testing.assert_allclose(path.jacobian, expected, rtol=1e-4, atol=1e-9)


def test_cell_state_path_sees_the_other_paths_through_the_recurrent_weights():
    """With recurrent weights, dc_T/dc_0 gains off-diagonal entries the forget product does not have."""
    layer, _, _ = _lstm_layer(units=3, features=2, recurrent_scale=1.0)
    x = np.random.default_rng(1).normal(size=(2, 5, 2)).astype("float32")
    path = gradients.lstm_cell_state_path(layer, x)
    off_diagonal = path.jacobian - np.stack([np.diag(np.diagonal(j)) for j in path.jacobian])
    assert np.abs(off_diagonal).max() > 1e-3
    with pytest.raises(ValueError, match=r"\(batch, T, features\)"):
        gradients.lstm_cell_state_path(layer, x[0])


def _built(layer, lag):
    layer.build((None, lag, 2))
    return layer


def test_lag_sweep_layers_are_the_five_remedies_of_section_5():
    layers = gradients.lag_sweep_layers(4, seed=3)
    built = {name: _built(make(40), 40) for name, make in layers.items()}
    assert list(built) == [
        "SimpleRNN, orthogonal W_a",
        "IRNN, ReLU and identity W_a",
        "LSTM, forget bias 1 (Keras default)",
        "LSTM, chrono forget bias only",
        "LSTM, chrono (forget open, input closed)",
    ]
    irnn = built["IRNN, ReLU and identity W_a"]
    assert irnn.cell.activation.__name__ == "relu"
    np.testing.assert_array_equal(np.asarray(irnn.cell.recurrent_kernel), np.eye(4))
    default = np.asarray(built["LSTM, forget bias 1 (Keras default)"].cell.bias)
    np.testing.assert_array_equal(default, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])
    # the two chrono LSTMs share their forget half (drawn with `seed` for the lag); only the full one
    # closes its input gate
    forget_only = np.asarray(built["LSTM, chrono forget bias only"].cell.bias)
    both = np.asarray(built["LSTM, chrono (forget open, input closed)"].cell.bias)
    np.testing.assert_allclose(forget_only[4:8], both[4:8])
    assert np.all(forget_only[4:8] >= 0) and np.all(forget_only[4:8] <= np.log(39) + 1e-6)
    np.testing.assert_array_equal(forget_only[:4], np.zeros(4))
    np.testing.assert_allclose(both[:4], -both[4:8])
    # `seed` changes the chrono draw, and the lag bounds it
    other = _built(gradients.lag_sweep_layers(4, seed=4)["LSTM, chrono forget bias only"](40), 40)
    assert not np.allclose(np.asarray(other.cell.bias)[4:8], forget_only[4:8])
    short = _built(gradients.lag_sweep_layers(64, seed=3)["LSTM, chrono forget bias only"](5), 5)
    assert np.max(np.asarray(short.cell.bias)[64:128]) <= np.log(4) + 1e-6
