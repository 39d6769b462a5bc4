"""Model builders for lesson 04 (sentiment classification of IMDB reviews).

One function per model variant of the lesson, so the notebook, the exercise checks (which
use them as reference) and ``make bench`` build exactly the same networks. Every builder
returns an **uncompiled** ``keras.Model`` that maps a batch of word-index sequences
(integers, shape ``(batch, T)``, as :func:`rnncourse.data.load_imdb` returns them) to one
probability of "positive" per review, shape ``(batch, 1)``. The exceptions are the baseline,
which reads the raw indices as a single float feature, shape ``(batch, T, 1)`` (see
:func:`.shaping.raw_index_feature`), and the bag of n-grams, which reads raw texts.

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

:func:`pretrained_embedding` is the GloVe-initialised ``Embedding`` the GloVe builders share;
:func:`compile_classifier` compiles a variant the way the lesson does (binary cross-entropy,
accuracy).

Used by lesson 04 (``solutions/04_sentiment``: the final RNN, ``compile_classifier``), the
references of its checks ``build_lstm_classifier``, ``build_dropout_classifier``,
``build_conv_lstm`` and ``build_example_model`` (``rnncourse/checks/l04_sentiment/``), and
``make bench``, which trains every variant with the sizes of :func:`rnncourse.config.sizes` and
the hyperparameters of :func:`rnncourse.config.hyperparameters` (``bench/variants.py``,
``bench/final_comparison.py``). TensorFlow and Keras are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .shaping import adapt_in_batches

__all__ = [
    "build_baseline_rnn",
    "build_conv_lstm",
    "build_dropout_classifier",
    "build_example_model",
    "build_final_rnn",
    "build_lstm_classifier",
    "build_ngram_baseline",
    "compile_classifier",
    "pretrained_embedding",
]


def build_baseline_rnn(num_units: int = 16) -> Any:
    """The seed's baseline: a ``SimpleRNN`` on raw word indices, no embedding.

    ``keras.Input(shape=(None, 1))`` -> ``SimpleRNN(num_units)`` ->
    ``Dense(1, activation="sigmoid")``. Feed it :func:`.shaping.raw_index_feature` arrays; compile it
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


def compile_classifier(model: Any, *, optimizer: str = "adam", learning_rate: Any = None) -> Any:
    """Compile ``model`` for binary classification (binary cross-entropy, accuracy); return it.

    ``optimizer`` is ``"adam"`` or ``"sgd"``; ``learning_rate=None`` keeps Keras's default
    (Adam 0.001, SGD 0.01). A schedule (:func:`.training.cosine_schedule`) works too.
    """
    import keras

    classes = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}
    if optimizer not in classes:
        raise ValueError(f"optimizer must be one of {sorted(classes)}; got {optimizer!r}")
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
    model.compile(optimizer=classes[optimizer](**kwargs), loss="binary_crossentropy", metrics=["accuracy"])
    return model
