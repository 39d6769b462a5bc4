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
build_example_model        GloVe Embedding -> Dense -> Dropout -> LSTM -> GRU -> Dense -> Dropout -> Dense -> Dense
build_final_rnn            GloVe Embedding -> Conv1D -> MaxPooling1D -> BiGRU -> max + mean over time -> Dense
build_ngram_baseline       TextVectorization(bigrams, tf-idf) -> Dropout -> Dense(1, sigmoid), on raw texts
=========================  ==============================================================

:func:`compile_classifier`, :func:`early_stopping` and :func:`fit_and_evaluate` train and
measure a variant the way the lesson does (binary cross-entropy, accuracy, ``model.fit`` wall
time); :func:`crop_sequences` and :func:`restrict_vocabulary` derive shorter sequences and
smaller vocabularies from one loaded array without reloading the data.
``make bench`` trains every variant of the lesson with these builders (``bench/variants.py``),
with the sizes of :func:`rnncourse.config.sizes` and the hyperparameters of
:func:`rnncourse.config.hyperparameters`.

TensorFlow and Keras are imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "RangeTestResult",
    "TrainResult",
    "balanced_split",
    "build_baseline_rnn",
    "early_stopping",
    "epoch_progress",
    "build_conv_lstm",
    "build_dropout_classifier",
    "build_example_model",
    "build_final_rnn",
    "build_lstm_classifier",
    "build_ngram_baseline",
    "compile_classifier",
    "cosine_schedule",
    "crop_sequences",
    "fit_and_evaluate",
    "learning_rate_range_test",
    "pretrained_embedding",
    "raw_index_feature",
    "restrict_vocabulary",
    "text_vectorizer",
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


def adapt_in_batches(vectorizer: Any, texts: Sequence[str], batch_size: int = 512) -> Any:
    """Adapt a ``TextVectorization`` on ``texts`` a batch at a time; return the vectorizer.

    The vocabulary (and the idf weights of ``output_mode="tf_idf"``) are the same as those of
    ``vectorizer.adapt(texts)``, which converts the whole array at once: for the bag of bigrams
    of lesson 04 (20,000 reviews) that peaked about 1.2 GB higher than batches of 512 when this
    was measured (``tests/test_models.py`` checks that the vocabularies agree).
    """
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices(np.asarray(list(texts), dtype=object)).batch(batch_size)
    vectorizer.adapt(data)
    return vectorizer


def text_vectorizer(texts: Sequence[str], num_words: int, maxlen: int) -> Any:
    """``TextVectorization(max_tokens=num_words, output_sequence_length=maxlen)`` adapted on ``texts``.

    Lesson 04's Exercise 1 (``make_vectorizer``): the default standardisation (lowercase, strip
    punctuation) and whitespace split; index 0 is padding (``''``), 1 unknown (``'[UNK]'``);
    shorter texts are padded at the end, longer ones keep their first ``maxlen`` tokens.
    """
    import keras

    vectorizer = keras.layers.TextVectorization(max_tokens=num_words, output_mode="int", output_sequence_length=maxlen)
    return adapt_in_batches(vectorizer, texts)


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


def pretrained_embedding(embedding_matrix: np.ndarray, *, trainable: bool, name: str | None = None) -> Any:
    """An ``Embedding`` layer whose initial weights are ``embedding_matrix``.

    Parameters
    ----------
    embedding_matrix : numpy.ndarray
        Shape ``(num_words, embedding_dim)``, e.g. from :func:`rnncourse.glove.filter_glove`.
    trainable : bool
        ``True`` fine-tunes the vectors with the rest of the model; ``False`` freezes them.
    name : str, optional
        The layer's name (Keras picks one when it is None).
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
        name=name,
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


def build_final_rnn(
    embedding_matrix: np.ndarray, filters: int, kernel_size: int, pool_size: int, num_units: int
) -> Any:
    """Lesson 04's final model: the conv front end, a bidirectional GRU, and pooling over time.

    ``Embedding`` (initialised with ``embedding_matrix``, trainable) ->
    ``Conv1D(filters, kernel_size, relu)`` -> ``MaxPooling1D(pool_size)`` ->
    ``Bidirectional(GRU(num_units, return_sequences=True))`` -> the concatenation of
    ``GlobalMaxPooling1D`` and ``GlobalAveragePooling1D`` over the GRU's steps ->
    ``Dense(1, sigmoid)``. Unlike :func:`build_conv_lstm`, the prediction does not rest on the
    last state alone: the max keeps each feature's strongest response anywhere in the review,
    the mean its average, and the backward GRU gives early words as short a path as late ones.
    """
    import keras

    tokens = keras.Input(shape=(None,), dtype="int32")
    x = pretrained_embedding(embedding_matrix, trainable=True)(tokens)
    x = keras.layers.Conv1D(filters, kernel_size, activation="relu")(x)
    x = keras.layers.MaxPooling1D(pool_size)(x)
    states = keras.layers.Bidirectional(keras.layers.GRU(num_units, return_sequences=True))(x)
    pooled = keras.layers.Concatenate()(
        [keras.layers.GlobalMaxPooling1D()(states), keras.layers.GlobalAveragePooling1D()(states)]
    )
    return keras.Model(tokens, keras.layers.Dense(1, activation="sigmoid")(pooled), name="final_rnn")


def build_example_model(
    embedding_matrix: np.ndarray,
    num_units: int = 64,
    dense_dropout: float = 0.25,
    recurrent_dropout: float = 0.15,
    *,
    trainable_embedding: bool = True,
) -> Any:
    """The chapter's "one example model", layer for layer, in Keras 3.

    ``Embedding`` (initialised with ``embedding_matrix``, trainable as on the slide) ->
    ``Dense(wordvec_dim, relu)`` "Dense1" -> ``Dropout(dense_dropout)`` ->
    ``LSTM(num_units, return_sequences=True, dropout=recurrent_dropout)`` ->
    ``GRU(num_units, dropout=recurrent_dropout)`` -> ``Dense(num_units)`` "Dense2" (linear) ->
    ``Dropout(dense_dropout)`` -> ``Dense(num_units // 2)`` "Dense3" (linear) ->
    ``Dense(1, sigmoid)`` "Output". The slide's values are the defaults (64, 0.25, 0.15);
    the only change from its code is ``keras.Input`` instead of ``input_length``.
    """
    import keras

    vector_size = int(np.shape(embedding_matrix)[1])
    return keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            pretrained_embedding(embedding_matrix, trainable=trainable_embedding, name="Embedding"),
            keras.layers.Dense(vector_size, activation="relu", name="Dense1"),
            keras.layers.Dropout(dense_dropout),
            keras.layers.LSTM(num_units, return_sequences=True, dropout=recurrent_dropout, name="LSTM"),
            keras.layers.GRU(num_units, dropout=recurrent_dropout, name="GRU"),
            keras.layers.Dense(num_units, name="Dense2"),
            keras.layers.Dropout(dense_dropout),
            keras.layers.Dense(num_units // 2, name="Dense3"),
            keras.layers.Dense(1, activation="sigmoid", name="Output"),
        ],
        name="example_model",
    )


def build_ngram_baseline(
    train_texts: Sequence[str], *, max_tokens: int = 40_000, ngrams: int = 2, dropout_rate: float = 0.5
) -> Any:
    """A linear bag-of-n-grams classifier on raw review texts: no word order beyond ``ngrams`` words.

    ``TextVectorization(max_tokens, ngrams=ngrams, output_mode="tf_idf")``, adapted on
    ``train_texts`` -> ``Dropout(dropout_rate)`` -> ``Dense(1, sigmoid)``. The model takes a
    batch of strings, shape ``(batch,)`` or ``(batch, 1)``. It is the reference line any
    sequence model of lesson 04 has to beat.
    """
    import keras

    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, ngrams=ngrams, output_mode="tf_idf")
    adapt_in_batches(vectorizer, train_texts)
    return keras.Sequential(
        [
            keras.Input(shape=(1,), dtype="string"),
            vectorizer,
            keras.layers.Dropout(dropout_rate),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="ngram_baseline",
    )


# --------------------------------------------------------------------------------------
# Training and measuring
# --------------------------------------------------------------------------------------


def compile_classifier(model: Any, *, optimizer: str = "adam", learning_rate: Any = None) -> Any:
    """Compile ``model`` for binary classification (binary cross-entropy, accuracy); return it.

    ``optimizer`` is ``"adam"`` or ``"sgd"``; ``learning_rate=None`` keeps Keras's default
    (Adam 0.001, SGD 0.01). A schedule (:func:`cosine_schedule`) works too.
    """
    import keras

    classes = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}
    if optimizer not in classes:
        raise ValueError(f"optimizer must be one of {sorted(classes)}; got {optimizer!r}")
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
    model.compile(optimizer=classes[optimizer](**kwargs), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def epoch_progress(name: str, epochs: int) -> Any:
    """A callback that prints one line per finished epoch: ``name: epoch k/epochs, loss ..., accuracy ...``.

    ``model.fit(verbose=0)`` prints nothing for the minute a long fit can take; this tells the
    reader it is running and how it goes (validation figures too, when there are any).
    """
    import keras

    def report(epoch: int, logs: Mapping[str, float] | None) -> None:
        shown = ", ".join(f"{key} {value:.3f}" for key, value in (logs or {}).items() if "loss" in key or "acc" in key)
        print(f"{name}: epoch {epoch + 1}/{epochs}, {shown}", flush=True)

    return keras.callbacks.LambdaCallback(on_epoch_end=report)


def cosine_schedule(learning_rate: float, *, epochs: int, num_train: int, batch_size: int) -> Any:
    """Adam's step size falling from ``learning_rate`` to 0 along a half cosine over the whole training.

    ``keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps)`` with one decay step per
    batch of ``epochs`` epochs over ``num_train`` examples. Large steps early, small steps at the
    end: the last weights sit in a minimum instead of bouncing around it, so the accuracy after
    the last epoch depends less on where the final batch left them. Pass it to
    :func:`compile_classifier` as ``learning_rate``.
    """
    import keras

    steps = epochs * int(np.ceil(num_train / batch_size))
    if steps < 1:
        raise ValueError(f"need at least one training step; got epochs={epochs}, num_train={num_train}")
    return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)


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


@dataclass(frozen=True)
class RangeTestResult:
    """What :func:`learning_rate_range_test` measured: one learning rate and one loss per step."""

    learning_rates: np.ndarray
    losses: np.ndarray
    diverged: bool = False  # the test stopped early: the loss passed ``divergence`` times its lowest

    @property
    def diverged_at(self) -> float | None:
        """The learning rate of the step at which the loss diverged, or None if it never did."""
        return float(self.learning_rates[-1]) if self.diverged else None

    def smoothed(self, beta: float = 0.9) -> np.ndarray:
        """Bias-corrected exponential moving average of ``losses`` (as fastai's LR finder plots it)."""
        out, average = np.empty_like(self.losses), 0.0
        for step, loss in enumerate(self.losses):
            average = beta * average + (1 - beta) * float(loss)
            out[step] = average / (1 - beta ** (step + 1))
        return out

    def steepest(self, beta: float = 0.9) -> float:
        """The learning rate at which the smoothed loss falls fastest per factor of learning rate.

        Only the steps up to the smoothed loss's lowest point count: after it the loss turns up, and
        a dip on the way to divergence is not a good learning rate (fastai's finder does the same).
        """
        smooth = self.smoothed(beta)
        last = max(int(np.argmin(smooth)), 1) + 1  # through the lowest point, and at least two steps
        slopes = np.gradient(smooth[:last], np.log(self.learning_rates[:last]))
        return float(self.learning_rates[int(np.argmin(slopes))])


def learning_rate_range_test(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    min_learning_rate: float = 1e-5,
    max_learning_rate: float = 1.0,
    batch_size: int = 128,
    num_steps: int | None = None,
    divergence: float = 4.0,
) -> RangeTestResult:
    """Train ``model`` for one pass while the learning rate grows geometrically; record each step's loss.

    Leslie Smith's learning-rate range test (2017; fastai's "LR finder"): step ``k`` of ``n`` uses
    ``min_learning_rate * (max_learning_rate / min_learning_rate) ** (k / (n - 1))``. Where the loss
    falls fastest is a good learning rate; where it shoots up, training diverges. The test stops
    early once the loss exceeds ``divergence`` times the lowest loss seen.

    Parameters
    ----------
    model : keras.Model
        Compiled with an optimizer whose ``learning_rate`` is a plain number (not a schedule).
        The test **changes its weights**: build a fresh model for the real training.
    x, y : numpy.ndarray
        Training data; batches are taken in order, ``batch_size`` rows each, so shuffle first.
    num_steps : int, optional
        Steps of the test (default: as many full batches as ``x`` holds). More steps than full
        batches go round the batches again, so a small data set still gets enough learning rates
        per decade for a slope.

    Returns
    -------
    RangeTestResult
        The learning rate and the training loss (of that batch, before the step) of each step
        taken, and whether the test stopped because the loss diverged.
    """
    full_batches = len(x) // batch_size
    num_steps = full_batches if num_steps is None else num_steps
    if full_batches < 1 or num_steps < 2:
        raise ValueError(
            f"need at least one full batch of {batch_size} rows in x ({len(x)} rows) and num_steps >= 2; "
            f"got num_steps={num_steps}"
        )
    if not 0 < min_learning_rate < max_learning_rate:
        raise ValueError(
            f"need 0 < min_learning_rate < max_learning_rate; got {min_learning_rate}, {max_learning_rate}"
        )
    rates = min_learning_rate * (max_learning_rate / min_learning_rate) ** (np.arange(num_steps) / (num_steps - 1))
    losses: list[float] = []
    diverged = False
    for step, rate in enumerate(rates):
        model.optimizer.learning_rate.assign(float(rate))
        batch = step % full_batches
        rows = slice(batch * batch_size, (batch + 1) * batch_size)
        logs = model.train_on_batch(x[rows], y[rows], return_dict=True)  # metrics reset: this batch only
        losses.append(float(logs["loss"]))
        if not np.isfinite(losses[-1]) or losses[-1] > divergence * min(losses):
            diverged = True
            break
    return RangeTestResult(np.asarray(rates[: len(losses)]), np.asarray(losses), diverged)
