"""rnncourse.models: lesson 04's data shaping, model builders and training helpers, on tiny inputs.

The sections follow the package's modules (shaping, builders, training); the first test checks
that the package re-exports each module's names. make bench's variants (bench/variants.py) are
tested in tests/test_bench_variants.py.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnncourse import models
from rnncourse.models import builders, shaping, training

L = keras.layers


def _tokens(batch=3, steps=12, num_words=30, seed=0):
    return np.random.default_rng(seed).integers(0, num_words, size=(batch, steps)).astype(np.int32)


def _kinds(model):
    return [type(layer).__name__ for layer in model.layers]


def _matrix(num_words=30, dim=4, seed=0):
    return np.random.default_rng(seed).normal(size=(num_words, dim)).astype(np.float32)


# ---------------------------------------------------------------- the package
def test_the_package_re_exports_each_module_s_names_and_each_name_lives_in_one_module():
    modules = (shaping, builders, training)
    names = [name for module in modules for name in module.__all__]
    assert len(names) == len(set(names)), "a public name is in two modules' __all__"
    assert sorted(models.__all__) == sorted(names)
    for module in modules:
        for name in module.__all__:
            assert getattr(models, name) is getattr(module, name)
            assert getattr(module, name).__module__ == module.__name__, f"{name} is defined elsewhere"


# ---------------------------------------------------------------- shaping (rnncourse.models.shaping)
def test_raw_index_feature_is_the_index_as_a_float():
    x = np.array([[0, 2, 19999]], dtype=np.int32)
    out = models.raw_index_feature(x)
    assert out.shape == (1, 3, 1) and out.dtype == np.float32
    assert out[0, :, 0].tolist() == [0.0, 2.0, 19999.0]
    with pytest.raises(ValueError, match="shape"):
        models.raw_index_feature(np.zeros(3))


def test_crop_sequences_equals_padding_to_the_shorter_length():
    rng = np.random.default_rng(0)
    sequences = [list(rng.integers(2, 50, size=n)) for n in (3, 8, 15, 20)]
    long = keras.utils.pad_sequences(sequences, maxlen=12, padding="pre", truncating="pre")
    short = keras.utils.pad_sequences(sequences, maxlen=5, padding="pre", truncating="pre")
    np.testing.assert_array_equal(models.crop_sequences(long, 5), short)
    with pytest.raises(ValueError, match="maxlen"):
        models.crop_sequences(long, 13)


def test_restrict_vocabulary_maps_rare_indices_to_unknown():
    x = np.array([[0, 1, 2, 4, 5, 9]])
    np.testing.assert_array_equal(models.restrict_vocabulary(x, 5), [[0, 1, 2, 4, 1, 1]])
    assert x[0, -1] == 9  # the input is not changed
    with pytest.raises(ValueError, match="num_words"):
        models.restrict_vocabulary(x, 2)


def test_balanced_split_is_disjoint_balanced_and_ordered():
    labels = np.array([1] * 6 + [0] * 6 + [1, 0] * 4)  # skewed slices: the first six are all 1
    first, last = models.balanced_split(labels, 5, 4)
    assert len(first) == 5 and len(last) == 4 and not set(first) & set(last)
    assert (labels[first] == 0).sum() == 3 and (labels[last] == 0).sum() == 2
    assert list(first) == sorted(first) and list(last) == sorted(last)
    zeros = np.flatnonzero(labels == 0)
    assert set(first[labels[first] == 0]) == set(zeros[:3]) and set(last[labels[last] == 0]) == set(zeros[-2:])
    with pytest.raises(ValueError, match="disjoint"):
        models.balanced_split(labels, 16, 8)


def test_adapt_in_batches_learns_what_adapt_on_the_whole_array_learns():
    texts = ["a good film", "a bad film", "good good fun", "bad boring bad", "fun film", "a a a", "boring"]
    for options in ({"output_mode": "int"}, {"output_mode": "tf_idf", "ngrams": 2}):
        whole = L.TextVectorization(max_tokens=12, **options)
        whole.adapt(np.array(texts, dtype=object))
        batched = L.TextVectorization(max_tokens=12, **options)
        assert models.adapt_in_batches(batched, texts, batch_size=2) is batched  # four batches, the last of one
        assert batched.get_vocabulary() == whole.get_vocabulary()
        probe = np.array(["good fun film", "a boring bad film"], dtype=object)
        np.testing.assert_allclose(np.asarray(batched(probe)), np.asarray(whole(probe)), rtol=1e-6)


# ---------------------------------------------------------------- builders (rnncourse.models.builders)
def test_baseline_reads_raw_indices():
    model = models.build_baseline_rnn()
    assert _kinds(model) == ["SimpleRNN", "Dense"]
    assert model.layers[0].units == 16
    # SimpleRNN(16) on one feature: 16 + 16*16 + 16; Dense(1): 16 + 1
    assert model.count_params() == 16 + 256 + 16 + 17
    out = model(models.raw_index_feature(_tokens()))
    assert tuple(out.shape) == (3, 1)


@pytest.mark.parametrize("num_layers", [1, 2, 3])
def test_lstm_classifier_stacks_lstms(num_layers):
    model = models.build_lstm_classifier(30, 8, 5, num_layers)
    assert _kinds(model) == ["Embedding"] + ["LSTM"] * num_layers + ["Dense"]
    flags = [layer.return_sequences for layer in model.layers if isinstance(layer, L.LSTM)]
    assert flags == [True] * (num_layers - 1) + [False]
    lstm_params = 4 * (8 * 5 + 5 * 5 + 5) + (num_layers - 1) * 4 * (5 * 5 + 5 * 5 + 5)
    assert model.count_params() == 30 * 8 + lstm_params + 6
    assert tuple(model(_tokens()).shape) == (3, 1)
    with pytest.raises(ValueError, match="num_layers"):
        models.build_lstm_classifier(30, 8, 5, 0)


def test_dropout_classifier_drops_in_three_places():
    keras.utils.set_random_seed(0)
    model = models.build_dropout_classifier(30, 8, 5, 0.25)
    assert _kinds(model) == ["Embedding", "LSTM", "Dropout", "Dense"]
    embedding, lstm, dropout = model.layers[:3]
    assert (lstm.dropout, lstm.recurrent_dropout, dropout.rate) == (0.25, 0.25, 0.25)
    x = _tokens()
    inference = np.asarray(model(x, training=False))
    np.testing.assert_array_equal(model(x, training=False), inference)  # nothing dropped at inference
    assert not np.allclose(model(x, training=True), inference)
    # Each of the two dropping layers drops while training (and only then), with fresh masks every call.
    e = embedding(x)
    states = np.asarray(lstm(e, training=False))
    np.testing.assert_array_equal(lstm(e, training=False), states)
    assert not np.allclose(lstm(e, training=True), states)
    assert not np.allclose(lstm(e, training=True), lstm(e, training=True))
    ones = np.ones((40, 5), dtype=np.float32)
    kept = np.asarray(dropout(ones, training=True))
    assert set(np.unique(kept).tolist()) == {0.0, np.float32(1 / 0.75)} and 0.15 < np.mean(kept == 0) < 0.35
    np.testing.assert_array_equal(dropout(ones, training=False), ones)


def test_pretrained_embedding_starts_from_the_matrix():
    matrix = _matrix()
    for trainable in (True, False):
        layer = models.pretrained_embedding(matrix, trainable=trainable)
        out = layer(np.array([[0, 7]]))
        np.testing.assert_allclose(np.asarray(out)[0], matrix[[0, 7]])
        assert layer.trainable is trainable
    with pytest.raises(ValueError, match="shape"):
        models.pretrained_embedding(np.zeros(3), trainable=True)


def test_conv_lstm_shortens_the_sequence():
    matrix = _matrix()
    model = models.build_conv_lstm(matrix, filters=6, kernel_size=3, pool_size=2, num_units=4)
    assert _kinds(model) == ["Embedding", "Conv1D", "MaxPooling1D", "LSTM", "Dense"]
    assert model.layers[0].trainable
    pooled = keras.Model(model.inputs[0], model.layers[2].output)(_tokens(steps=12))
    assert tuple(pooled.shape) == (3, (12 - 3 + 1) // 2, 6)
    assert tuple(model(_tokens()).shape) == (3, 1)


def test_example_model_matches_the_slide():
    matrix = _matrix()
    model = models.build_example_model(matrix, num_units=8, dense_dropout=0.25, recurrent_dropout=0.15)
    assert _kinds(model) == ["Embedding", "Dense", "Dropout", "LSTM", "GRU", "Dense", "Dropout", "Dense", "Dense"]
    assert [layer.name for layer in model.layers if not isinstance(layer, L.Dropout)] == [
        "Embedding",
        "Dense1",
        "LSTM",
        "GRU",
        "Dense2",
        "Dense3",
        "Output",
    ]
    assert model.layers[0].trainable  # the slide's trainable=True
    assert model.layers[3].return_sequences and not model.layers[4].return_sequences
    assert [layer.units for layer in model.layers if isinstance(layer, L.Dense)] == [matrix.shape[1], 8, 4, 1]
    assert [layer.activation.__name__ for layer in model.layers if isinstance(layer, L.Dense)] == [
        "relu",
        "linear",
        "linear",
        "sigmoid",
    ]
    assert [layer.rate for layer in model.layers if isinstance(layer, L.Dropout)] == [0.25, 0.25]
    assert model.layers[3].dropout == model.layers[4].dropout == 0.15
    assert tuple(model(_tokens()).shape) == (3, 1)
    frozen = models.build_example_model(matrix, trainable_embedding=False)
    assert not frozen.layers[0].trainable and frozen.layers[3].units == 64  # the slide's 64 by default


def test_ngram_baseline_reads_raw_text_and_ignores_order():
    texts = np.array(["a good film", "a bad film", "good good fun", "bad boring bad"], dtype=object)
    model = models.build_ngram_baseline(texts, max_tokens=50, dropout_rate=0.5)
    vectorizer = model.layers[0]
    assert isinstance(vectorizer, L.TextVectorization) and "good fun" in vectorizer.get_vocabulary()
    assert [type(layer).__name__ for layer in model.layers] == ["TextVectorization", "Dropout", "Dense"]
    scores = np.asarray(model(np.array(["good film a", "a good film"], dtype=object)))
    assert scores.shape == (2, 1)
    same_words = np.asarray(vectorizer(np.array(["film good", "good film"], dtype=object)))
    assert not np.allclose(same_words[0], same_words[1])  # bigrams see the pair's order
    swapped = np.asarray(vectorizer(np.array(["bad film. good fun", "good fun. bad film"], dtype=object)))
    np.testing.assert_allclose(swapped[0], swapped[1])  # but not the order of the phrases


def test_final_rnn_pools_both_directions_over_time():
    matrix = _matrix()
    model = models.build_final_rnn(matrix, filters=6, kernel_size=3, pool_size=2, num_units=5)
    kinds = _kinds(model)
    assert kinds == [
        "InputLayer",
        "Embedding",
        "Conv1D",
        "MaxPooling1D",
        "Bidirectional",
        "GlobalMaxPooling1D",
        "GlobalAveragePooling1D",
        "Concatenate",
        "Dense",
    ]
    embedding = model.get_layer(index=1)
    assert embedding.trainable
    np.testing.assert_allclose(embedding.get_weights()[0], matrix)
    bidirectional = next(layer for layer in model.layers if isinstance(layer, L.Bidirectional))
    assert isinstance(bidirectional.forward_layer, L.GRU) and bidirectional.forward_layer.return_sequences
    assert bidirectional.forward_layer.units == 5
    concatenated = model.get_layer(index=7)
    assert concatenated.output.shape[-1] == 4 * 5  # (max, mean) x (forward, backward) x units
    assert model.layers[-1].activation.__name__ == "sigmoid"
    assert model(_tokens(steps=20)).shape == (3, 1)


# ---------------------------------------------------------------- training (rnncourse.models.training)
def test_compile_and_fit_and_evaluate_on_a_tiny_task():
    keras.utils.set_random_seed(0)
    x = _tokens(batch=32, steps=6, seed=1)
    y = (x[:, -1] % 2).astype(np.int64)
    x_test = _tokens(batch=20, steps=6, seed=2)
    y_test = (x_test[:, -1] % 2).astype(np.int64)
    model = models.compile_classifier(models.build_lstm_classifier(30, 4, 3, 1), learning_rate=0.01)
    result = models.fit_and_evaluate(
        model,
        (x, y),
        (x_test, y_test),
        epochs=2,
        batch_size=16,
        validation_data=(x, y),
        callbacks=[models.early_stopping(patience=1)],
    )
    assert result.params == model.count_params()
    assert result.train_seconds > 0
    # Loss and accuracy are the trained model's on the test set (not the training or validation set).
    p = model.predict(x_test, verbose=0).ravel().astype(np.float64)
    assert result.test_accuracy == pytest.approx(np.mean((p > 0.5) == y_test))
    assert result.test_loss == pytest.approx(-np.mean(y_test * np.log(p) + (1 - y_test) * np.log(1 - p)), rel=1e-4)
    assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(result.history["loss"]) == 2
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    sgd = models.compile_classifier(models.build_baseline_rnn(), optimizer="sgd")
    assert isinstance(sgd.optimizer, keras.optimizers.SGD)
    with pytest.raises(ValueError, match="optimizer"):
        models.compile_classifier(models.build_baseline_rnn(), optimizer="rmsprop")


# ---------------------------------------------------------------- learning-rate range test
def _logistic_task(rows=256, features=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype(np.float32)
    y = (x @ rng.normal(size=features) > 0).astype(np.float32)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(features,)), L.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="binary_crossentropy")
    return model, x, y


def test_range_test_records_each_batch_loss_at_a_geometric_rate():
    model, x, y = _logistic_task()
    before = [np.array(w) for w in model.get_weights()]
    # The first step's loss is that batch's loss under the initial weights (not a running mean).
    w, b = before
    p = 1 / (1 + np.exp(-(x[:32] @ w + b).ravel()))
    first_batch_loss = -np.mean(y[:32] * np.log(p) + (1 - y[:32]) * np.log(1 - p))
    result = models.learning_rate_range_test(
        model, x, y, min_learning_rate=1e-3, max_learning_rate=1e-1, batch_size=32, divergence=1e9
    )
    assert len(result.learning_rates) == len(result.losses) == 8  # 256 rows // 32
    np.testing.assert_allclose(result.learning_rates[[0, -1]], [1e-3, 1e-1], rtol=1e-6)
    ratios = result.learning_rates[1:] / result.learning_rates[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-6)
    assert result.losses[0] == pytest.approx(first_batch_loss, rel=1e-4)
    # The loss of a later batch is measured with weights the earlier steps changed.
    assert not np.allclose(model.get_weights()[0], before[0])
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-1, rel=1e-6)


def test_range_test_stops_when_the_loss_diverges_and_smooths_it():
    model, x, y = _logistic_task()
    result = models.learning_rate_range_test(model, x, y, min_learning_rate=1e-2, max_learning_rate=1e4, batch_size=8)
    assert len(result.losses) < 32  # stopped before the last of the 32 batches
    assert result.losses[-1] > 4 * result.losses[:-1].min() or not np.isfinite(result.losses[-1])
    smooth = models.RangeTestResult(np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 1.0])).smoothed()
    np.testing.assert_allclose(smooth, 1.0)  # bias correction: a constant loss stays constant
    falling = models.RangeTestResult(np.geomspace(1e-4, 1, 5), np.array([1.0, 1.0, 0.5, 0.4, 0.4]))
    # central differences: -0.25 at step 1, -0.30 at step 2, -0.05 at step 3
    assert falling.steepest(beta=0.0) == pytest.approx(falling.learning_rates[2])
    with pytest.raises(ValueError, match="num_steps"):
        models.learning_rate_range_test(model, x, y, batch_size=512)


def test_range_test_goes_round_the_batches_and_says_whether_it_diverged():
    model, x, y = _logistic_task()
    calm = models.learning_rate_range_test(
        model, x, y, min_learning_rate=1e-4, max_learning_rate=1e-3, batch_size=64, num_steps=20, divergence=1e9
    )
    assert len(calm.losses) == 20 and not calm.diverged and calm.diverged_at is None  # 4 batches, 5 times round
    model, x, y = _logistic_task()
    wild = models.learning_rate_range_test(model, x, y, min_learning_rate=1e-2, max_learning_rate=1e4, batch_size=8)
    assert wild.diverged and wild.diverged_at == pytest.approx(wild.learning_rates[-1])


def test_steepest_ignores_the_dip_on_the_way_to_divergence():
    """Flat, falling to a minimum, then a last dip inside a climb: the fall before the minimum counts."""
    losses = np.array([0.69, 0.69, 0.64, 0.56, 0.50, 0.80, 1.60, 0.60, 2.9])
    result = models.RangeTestResult(np.geomspace(1e-5, 1, len(losses)), losses, diverged=True)
    # Over all steps the steepest slope would be step 6's (0.60 after 0.80); before the minimum it is step 3's.
    assert result.steepest(beta=0.0) == pytest.approx(result.learning_rates[3])


def test_epoch_progress_prints_a_line_per_epoch(capsys):
    keras.utils.set_random_seed(0)
    x = _tokens(batch=16, steps=6)
    y = (x[:, 0] % 2).astype(np.float32)
    model = models.compile_classifier(models.build_lstm_classifier(30, 4, 3, 1))
    model.fit(
        x, y, epochs=2, batch_size=8, verbose=0, validation_data=(x, y), callbacks=[models.epoch_progress("tiny", 2)]
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["tiny: epoch 1/2", "tiny: epoch 2/2"]
    assert "loss" in lines[0] and "val_accuracy" in lines[1]


def test_cosine_schedule_falls_from_the_rate_to_zero_over_every_batch():
    schedule = models.cosine_schedule(3e-3, epochs=3, num_train=1000, batch_size=128)  # 3 x 8 batches
    assert float(schedule(0)) == pytest.approx(3e-3)
    assert float(schedule(12)) == pytest.approx(1.5e-3, rel=1e-5)  # half way: half the rate
    assert float(schedule(24)) == pytest.approx(0.0, abs=1e-9)
    model = models.compile_classifier(models.build_lstm_classifier(30, 4, 3, 1), learning_rate=schedule)
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-3)  # read at step 0
    with pytest.raises(ValueError, match="at least one training step"):
        models.cosine_schedule(1e-3, epochs=0, num_train=10, batch_size=4)
