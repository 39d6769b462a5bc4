"""Model builders for lesson 04 (sentiment classification of IMDB reviews).

One function per model variant of the lesson, so the notebook, the exercise checks (which
use them as reference) and ``make bench`` build exactly the same networks. Every builder
returns an **uncompiled** ``keras.Model`` that maps a batch of word-index sequences
(integers, shape ``(batch, T)``, as :func:`rnncourse.data.load_imdb` returns them) to one
probability of "positive" per review, shape ``(batch, 1)``. The one exception is the
baseline, which reads the raw indices as a single float feature, shape ``(batch, T, 1)``
(see :func:`raw_index_feature`).

=========================  ==============================================================
builder                    network
=========================  ==============================================================
build_baseline_rnn         Input(None, 1) -> SimpleRNN(16) -> Dense(1, sigmoid)
build_lstm_classifier      Embedding -> LSTM x num_layers -> Dense(1, sigmoid)
build_dropout_classifier   Embedding -> LSTM(dropout, recurrent_dropout) -> Dropout -> Dense
build_conv_lstm            GloVe Embedding (fine-tuned) -> Conv1D -> MaxPooling1D -> LSTM -> Dense
build_example_model        GloVe Embedding (frozen) -> Dense -> Dropout -> LSTM -> GRU -> Dense ...
=========================  ==============================================================

:func:`compile_classifier`, :func:`early_stopping` and :func:`fit_and_evaluate` train and
measure a variant the way the lesson does (binary cross-entropy, accuracy, ``model.fit`` wall
time); :func:`crop_sequences` and :func:`restrict_vocabulary` derive shorter sequences and
smaller vocabularies from one loaded array without reloading the data.
:func:`benchmark_variants` trains every variant of the lesson with its sizes and
:data:`HYPERPARAMETERS` (which the notebook assigns too; a test keeps them in step) and
reports parameters, training time and test accuracy: it is what ``make bench`` calls.

TensorFlow and Keras are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "HYPERPARAMETERS",
    "TrainResult",
    "VARIANT_NAMES",
    "balanced_split",
    "benchmark_variants",
    "build_baseline_rnn",
    "early_stopping",
    "build_conv_lstm",
    "build_dropout_classifier",
    "build_example_model",
    "build_lstm_classifier",
    "compile_classifier",
    "crop_sequences",
    "fit_and_evaluate",
    "pretrained_embedding",
    "raw_index_feature",
    "restrict_vocabulary",
]


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def raw_index_feature(x: np.ndarray) -> np.ndarray:
    """Word indices as one float feature per time step, the baseline's (naive) input.

    Parameters
    ----------
    x : numpy.ndarray
        Integer word indices of shape ``(n, T)``.

    Returns
    -------
    numpy.ndarray
        ``float32`` array of shape ``(n, T, 1)`` holding the same numbers: index 3,000 is
        read as the magnitude 3000.0, which is exactly what makes the baseline fail.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, T); got {x.shape}")
    return x.astype(np.float32)[..., None]


def crop_sequences(x: np.ndarray, maxlen: int) -> np.ndarray:
    """Keep the last ``maxlen`` positions of pre-padded, pre-truncated sequences.

    For arrays from :func:`rnncourse.data.load_imdb` (``padding="pre"``,
    ``truncating="pre"``) this equals loading with the smaller ``maxlen``: both keep each
    review's last ``maxlen`` tokens, with zeros in front of short reviews.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (n, T); got {x.shape}")
    if isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or not 1 <= maxlen <= x.shape[1]:
        raise ValueError(f"maxlen must be an int in [1, {x.shape[1]}]; got {maxlen!r}")
    return x[:, x.shape[1] - maxlen :].copy()


def restrict_vocabulary(x: np.ndarray, num_words: int) -> np.ndarray:
    """Map every index ``>= num_words`` to 1 (out-of-vocabulary).

    Indices are ranked by frequency, so this equals loading with the smaller ``num_words``
    (``load_imdb``'s ``num_words`` counts the indices 0 and 1 too).
    """
    if isinstance(num_words, bool) or not isinstance(num_words, (int, np.integer)) or num_words < 3:
        raise ValueError(f"num_words must be an int >= 3; got {num_words!r}")
    out = np.array(x, copy=True)
    out[out >= num_words] = 1
    return out


def balanced_split(labels: np.ndarray, num_first: int, num_last: int) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint, label-balanced index sets: the first and the last reviews of each label.

    The lesson's study set is ``num_first`` reviews and its validation set ``num_last``
    reviews of the training split. Taking plain slices ``[:n]`` and ``[-m:]`` can give
    skewed labels (the subsets ``load_imdb(num_train=...)`` returns are balanced as a whole,
    not in every slice), so each label contributes half: the first ``num_first // 2`` reviews
    of each label (label 0 gets the extra one when ``num_first`` is odd) form the first set,
    the last ``num_last // 2`` of each label the second.

    Returns
    -------
    first, last : numpy.ndarray
        Sorted ``int64`` row indices into ``labels``, so the split order is kept.

    Raises
    ------
    ValueError
        If a label has too few reviews for both sets without overlap.
    """
    labels = np.asarray(labels)
    first, last = [], []
    for label, (n_first, n_last) in zip(
        (0, 1), (((num_first + 1) // 2, (num_last + 1) // 2), (num_first // 2, num_last // 2))
    ):
        rows = np.flatnonzero(labels == label)
        if n_first + n_last > len(rows):
            raise ValueError(
                f"label {label} has {len(rows)} reviews; {n_first} + {n_last} are needed for two disjoint sets"
            )
        first.append(rows[:n_first])
        last.append(rows[len(rows) - n_last :])
    return np.sort(np.concatenate(first)), np.sort(np.concatenate(last))


# --------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------


def build_baseline_rnn(num_units: int = 16) -> Any:
    """The seed's baseline: a ``SimpleRNN`` on raw word indices, no embedding.

    ``keras.Input(shape=(None, 1))`` -> ``SimpleRNN(num_units)`` ->
    ``Dense(1, activation="sigmoid")``. Feed it :func:`raw_index_feature` arrays; compile it
    with ``"sgd"`` to reproduce the seed (about 0.5 test accuracy).
    """
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(None, 1)),
            keras.layers.SimpleRNN(num_units),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="baseline_rnn",
    )


def build_lstm_classifier(num_words: int, embedding_dim: int, num_units: int, num_layers: int = 1) -> Any:
    """A trained embedding followed by ``num_layers`` stacked LSTMs.

    ``keras.Input(shape=(None,), dtype="int32")`` -> ``Embedding(num_words, embedding_dim)``
    -> ``num_layers`` x ``LSTM(num_units)`` (every LSTM but the last returns its whole
    sequence, ``return_sequences=True``, so the next one has a sequence to read) ->
    ``Dense(1, activation="sigmoid")``.
    """
    import keras

    if num_layers < 1:
        raise ValueError(f"num_layers must be at least 1; got {num_layers}")
    layers = [keras.Input(shape=(None,), dtype="int32"), keras.layers.Embedding(num_words, embedding_dim)]
    for index in range(num_layers):
        layers.append(keras.layers.LSTM(num_units, return_sequences=index < num_layers - 1))
    layers.append(keras.layers.Dense(1, activation="sigmoid"))
    return keras.Sequential(layers, name=f"lstm_x{num_layers}")


def build_dropout_classifier(num_words: int, embedding_dim: int, num_units: int, dropout_rate: float) -> Any:
    """An embedding and one LSTM, regularised with dropout in three places.

    ``Embedding(num_words, embedding_dim)`` -> ``LSTM(num_units, dropout=dropout_rate,
    recurrent_dropout=dropout_rate)`` -> ``Dropout(dropout_rate)`` ->
    ``Dense(1, activation="sigmoid")``. ``dropout`` drops inputs of the LSTM,
    ``recurrent_dropout`` drops entries of its state at every step (the same mask for the
    whole sequence), and the ``Dropout`` layer drops entries of its final state.
    """
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            keras.layers.Embedding(num_words, embedding_dim),
            keras.layers.LSTM(num_units, dropout=dropout_rate, recurrent_dropout=dropout_rate),
            keras.layers.Dropout(dropout_rate),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="lstm_dropout",
    )


def pretrained_embedding(embedding_matrix: np.ndarray, *, trainable: bool) -> Any:
    """An ``Embedding`` layer whose initial weights are ``embedding_matrix``.

    Parameters
    ----------
    embedding_matrix : numpy.ndarray
        Shape ``(num_words, embedding_dim)``, e.g. from :func:`rnncourse.glove.filter_glove`.
    trainable : bool
        ``True`` fine-tunes the vectors with the rest of the model; ``False`` freezes them.
    """
    import keras

    matrix = np.asarray(embedding_matrix, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"embedding_matrix must have shape (num_words, embedding_dim); got {matrix.shape}")
    return keras.layers.Embedding(
        matrix.shape[0],
        matrix.shape[1],
        embeddings_initializer=keras.initializers.Constant(matrix),
        trainable=trainable,
    )


def build_conv_lstm(
    embedding_matrix: np.ndarray, filters: int, kernel_size: int, pool_size: int, num_units: int
) -> Any:
    """GloVe-initialised (fine-tuned) embedding, a convolution that shortens the sequence, an LSTM.

    ``Embedding`` (initialised with ``embedding_matrix``, trainable) ->
    ``Conv1D(filters, kernel_size, activation="relu")`` -> ``MaxPooling1D(pool_size)`` ->
    ``LSTM(num_units)`` -> ``Dense(1, activation="sigmoid")``. The pooling divides the
    number of steps the LSTM must walk through by ``pool_size``; that is where the speed
    comes from. With ``filters=64, kernel_size=5, pool_size=4, num_units=64``, GloVe 50-d,
    20,000 words and 300 tokens this is the lesson's strong model.
    """
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            pretrained_embedding(embedding_matrix, trainable=True),
            keras.layers.Conv1D(filters, kernel_size, activation="relu"),
            keras.layers.MaxPooling1D(pool_size),
            keras.layers.LSTM(num_units),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="conv_lstm",
    )


def build_example_model(embedding_matrix: np.ndarray, num_units: int, dropout_rate: float) -> Any:
    """The seed's "one example model", written for Keras 3.

    ``Embedding`` (initialised with ``embedding_matrix``, frozen) ->
    ``Dense(num_units, relu)`` -> ``Dropout(dropout_rate)`` ->
    ``LSTM(num_units, return_sequences=True, dropout=dropout_rate)`` ->
    ``GRU(num_units, dropout=dropout_rate)`` -> ``Dense(num_units, relu)`` ->
    ``Dropout(dropout_rate)`` -> ``Dense(num_units // 2, relu)`` -> ``Dense(1, sigmoid)``.
    """
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            pretrained_embedding(embedding_matrix, trainable=False),
            keras.layers.Dense(num_units, activation="relu"),
            keras.layers.Dropout(dropout_rate),
            keras.layers.LSTM(num_units, return_sequences=True, dropout=dropout_rate),
            keras.layers.GRU(num_units, dropout=dropout_rate),
            keras.layers.Dense(num_units, activation="relu"),
            keras.layers.Dropout(dropout_rate),
            keras.layers.Dense(num_units // 2, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="example_model",
    )


# --------------------------------------------------------------------------------------
# Training and measuring
# --------------------------------------------------------------------------------------


def compile_classifier(model: Any, *, optimizer: str = "adam", learning_rate: float | None = None) -> Any:
    """Compile ``model`` for binary classification (binary cross-entropy, accuracy); return it.

    ``optimizer`` is ``"adam"`` or ``"sgd"``; ``learning_rate=None`` keeps Keras's default
    (Adam 0.001, SGD 0.01).
    """
    import keras

    classes = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}
    if optimizer not in classes:
        raise ValueError(f"optimizer must be one of {sorted(classes)}; got {optimizer!r}")
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
    model.compile(optimizer=classes[optimizer](**kwargs), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def early_stopping(patience: int) -> Any:
    """Stop when the validation loss has not improved for ``patience`` epochs; keep the best weights.

    ``keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
    restore_best_weights=True)``. In Keras 3 the best epoch's weights are restored at the end
    of training whether or not it stopped early.
    """
    import keras

    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)


@dataclass(frozen=True)
class TrainResult:
    """What :func:`fit_and_evaluate` measured for one model."""

    params: int
    train_seconds: float
    test_loss: float
    test_accuracy: float
    history: Mapping[str, Sequence[float]] = field(repr=False)


def fit_and_evaluate(
    model: Any,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    *,
    epochs: int,
    batch_size: int,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Train a compiled ``model``, time ``model.fit`` and evaluate it on ``test``.

    Parameters
    ----------
    model : keras.Model
        Compiled with an ``"accuracy"`` metric (:func:`compile_classifier`).
    train, test : (x, y)
        Training and test arrays.
    epochs, batch_size : int
        Passed to ``model.fit`` (``verbose=0``, shuffled each epoch).
    validation_data : (x, y), optional
        Evaluated after every epoch; its curves land in ``history`` as ``val_loss`` and
        ``val_accuracy``. Never pass the test set here.
    callbacks : sequence of keras.callbacks.Callback, optional
        Passed to ``model.fit``, e.g. :func:`early_stopping`.

    Returns
    -------
    TrainResult
        Parameter count, wall time of ``model.fit`` in seconds (it includes the first call's
        graph tracing and, with ``validation_data``, the validation after each epoch), test
        loss and accuracy, and ``history.history``.
    """
    x_train, y_train = train
    x_test, y_test = test
    start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        callbacks=list(callbacks),
        verbose=0,
    )
    seconds = time.perf_counter() - start
    # The training batch size lets evaluate() reuse the function traced for validation.
    test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)[:2]
    return TrainResult(
        int(model.count_params()), float(seconds), float(test_loss), float(test_accuracy), dict(history.history)
    )


# --------------------------------------------------------------------------------------
# The lesson's variants, for `make bench`
# --------------------------------------------------------------------------------------

#: Hyperparameters lesson 04 uses (its notebook assigns the same values; a test checks it).
HYPERPARAMETERS: Mapping[str, Any] = {
    "batch_size": 128,  # reviews per gradient step, every model
    "baseline_units": 16,  # the seed's SimpleRNN(units=16)
    "embedding_dim": 32,  # learned word vectors of the study models
    "num_units": 32,  # LSTM state size of the study models
    "dropout_rate": 0.3,  # dropout, recurrent_dropout and the Dropout layer
    "small_batch_size": 32,  # the batch-size comparison
    "filters": 64,  # Conv1D filters of the strong model
    "kernel_size": 5,  # Conv1D window, in tokens
    "pool_size": 4,  # MaxPooling1D: the LSTM reads 4 times fewer steps
    "conv_units": 64,  # LSTM state size of the strong model
    "learning_rate": 3e-3,  # Adam, every model after the baseline (Keras's default: 1e-3)
    "patience": 2,  # early stopping of the models that have a validation set
    "example_units": 64,  # the example model's LSTM(64) and GRU(64)
    "example_dropout": 0.2,  # the example model's dropout
}

VARIANT_NAMES = (
    "baseline",
    "lstm_1_layer",
    "lstm_2_layers",
    "lstm_dropout",
    "lstm_batch_32",
    "conv_short_small_vocab",
    "conv_short",
    "conv_long",
    "conv_lstm_all",
    "example_model",
)


def benchmark_variants(
    names: Sequence[str] | None = None, *, seed: int = 0, sizes: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Train lesson 04's model variants as the lesson does and measure each one.

    Parameters
    ----------
    names : sequence of str, optional
        Variants from :data:`VARIANT_NAMES` (default: all of them, about 2-3 minutes on
        2 cores in full mode).
    seed : int, default 0
        Passed to ``keras.utils.set_random_seed`` before each model is built.
    sizes : mapping, optional
        Lesson sizes; default ``config.sizes("04_sentiment")`` (full or fast mode).

    Returns
    -------
    dict
        Variant name -> ``{"params", "train_seconds", "test_accuracy", "test_loss",
        "num_train", "maxlen", "num_words", "epochs_run", "batch_size"}``. Accuracies are on the
        held-out test reviews; ``train_seconds`` is the wall time of ``model.fit``. Variants
        with a validation set stop early (``HYPERPARAMETERS["patience"]``) and keep their best
        epoch's weights.
    """
    import keras

    from . import config, data, glove

    sizes = dict(sizes or config.sizes("04_sentiment"))
    names = list(names or VARIANT_NAMES)
    unknown = sorted(set(names) - set(VARIANT_NAMES))
    if unknown:
        raise ValueError(f"unknown variants {unknown}; known: {list(VARIANT_NAMES)}")
    hp = HYPERPARAMETERS
    num_words, maxlen = sizes["num_words"], sizes["maxlen"]
    (x_train, y_train), (x_test, y_test), word_index = data.load_imdb(
        num_words=num_words, maxlen=maxlen, num_train=sizes["num_train"], num_test=sizes["num_test"]
    )
    n_study, n_val, study_maxlen = sizes["study_num_train"], sizes["num_val"], sizes["study_maxlen"]
    small, short_maxlen, epochs = sizes["small_num_words"], sizes["short_maxlen"], sizes["epochs"]

    def crop(xy: tuple[np.ndarray, np.ndarray], length: int = study_maxlen) -> tuple[np.ndarray, np.ndarray]:
        return crop_sequences(xy[0], length), xy[1]

    def short(xy: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return crop(xy, short_maxlen)

    def shrink(xy: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return restrict_vocabulary(short(xy)[0], small), xy[1]

    full_test = (x_test, y_test)
    study_rows, val_rows = balanced_split(y_train, n_study, n_val)
    rest_rows = np.setdiff1d(np.arange(len(y_train)), val_rows)
    val = (x_train[val_rows], y_train[val_rows])
    train_no_val = (x_train[rest_rows], y_train[rest_rows])
    study = crop((x_train[study_rows], y_train[study_rows]))
    matrix = None
    if any(n.startswith(("conv", "example")) for n in names):
        matrix, _ = glove.filter_glove(word_index, glove.load_glove())
    on_study = {"train": study, "test": crop(full_test), "val": crop(val), "epochs": sizes["study_epochs"]}

    def glove_matrix() -> np.ndarray:
        assert matrix is not None, "the GloVe matrix is loaded for the conv and example variants"
        return matrix

    def spec(name: str) -> tuple[Callable[[], Any], dict[str, Any]]:
        def lstm(layers: int) -> Any:
            return build_lstm_classifier(num_words, hp["embedding_dim"], hp["num_units"], layers)

        def conv(m: np.ndarray, units: int) -> Any:
            return build_conv_lstm(m, hp["filters"], hp["kernel_size"], hp["pool_size"], units)

        table: dict[str, tuple[Callable[[], Any], dict[str, Any]]] = {
            "baseline": (
                lambda: build_baseline_rnn(hp["baseline_units"]),
                {
                    "train": (raw_index_feature(x_train), y_train),
                    "test": (raw_index_feature(x_test), y_test),
                    "epochs": epochs,
                    "optimizer": "sgd",
                },
            ),
            "lstm_1_layer": (lambda: lstm(1), on_study),
            "lstm_2_layers": (lambda: lstm(2), on_study),
            "lstm_dropout": (
                lambda: build_dropout_classifier(num_words, hp["embedding_dim"], hp["num_units"], hp["dropout_rate"]),
                on_study,
            ),
            "lstm_batch_32": (lambda: lstm(1), {**on_study, "batch_size": hp["small_batch_size"]}),
            "conv_short_small_vocab": (
                lambda: conv(glove_matrix()[:small], hp["num_units"]),
                {
                    "train": shrink(train_no_val),
                    "test": shrink(full_test),
                    "val": shrink(val),
                    "epochs": epochs,
                    "num_words": small,
                },
            ),
            "conv_short": (
                lambda: conv(glove_matrix(), hp["num_units"]),
                {"train": short(train_no_val), "test": short(full_test), "val": short(val), "epochs": epochs},
            ),
            "conv_long": (
                lambda: conv(glove_matrix(), hp["conv_units"]),
                {"train": train_no_val, "test": full_test, "val": val, "epochs": epochs},
            ),
            "conv_lstm_all": (
                lambda: conv(glove_matrix(), hp["conv_units"]),
                {"train": (x_train, y_train), "test": full_test, "epochs": epochs},
            ),
            "example_model": (
                lambda: build_example_model(glove_matrix(), hp["example_units"], hp["example_dropout"]),
                {**on_study, "epochs": epochs},
            ),
        }
        return table[name]

    out = {}
    for name in names:
        build, run = spec(name)
        keras.utils.set_random_seed(seed)
        optimizer = run.get("optimizer", "adam")
        model = compile_classifier(
            build(), optimizer=optimizer, learning_rate=hp["learning_rate"] if optimizer == "adam" else None
        )
        batch_size = run.get("batch_size", hp["batch_size"])
        callbacks = [early_stopping(hp["patience"])] if run.get("val") is not None else []
        result = fit_and_evaluate(
            model,
            run["train"],
            run["test"],
            epochs=run["epochs"],
            batch_size=batch_size,
            validation_data=run.get("val"),
            callbacks=callbacks,
        )
        out[name] = {
            "params": result.params,
            "train_seconds": round(result.train_seconds, 2),
            "test_accuracy": round(result.test_accuracy, 4),
            "test_loss": round(result.test_loss, 4),
            "num_train": int(len(run["train"][1])),
            "maxlen": int(run["train"][0].shape[1]),
            "num_words": int(run.get("num_words", num_words)),
            "epochs_run": len(result.history["loss"]),
            "batch_size": int(batch_size),
        }
    return out
