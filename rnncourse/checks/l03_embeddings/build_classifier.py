"""Exercise ``build_classifier``: the lesson's review classifier, from scratch or on GloVe, frozen or fine-tuned.

``build_classifier(num_words, maxlen, embedding_dim, embedding_matrix, trainable, num_units)``
builds Input -> Embedding -> a per-word Dense(num_units, relu) -> GlobalMaxPooling1D ->
Dense(1, sigmoid). The reference is the student's built model itself: the check builds the three
variants, runs each on a batch and inspects it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import activation_name, as_array, call_student, fail, report_pass
from .._errors import exception_summary
from .._keras import model_layers

NAME = "build_classifier"


def _check_one_classifier(
    build_classifier: Callable[..., Any],
    *,
    num_words: int,
    maxlen: int,
    embedding_dim: int,
    num_units: int,
    matrix: np.ndarray | None,
    trainable: bool,
) -> None:
    __tracebackhide__ = True
    import keras

    name = "build_classifier"
    how = f"embedding_matrix={'None' if matrix is None else 'a matrix'}, trainable={trainable}"
    model = call_student(
        build_classifier,
        num_words,
        maxlen,
        embedding_dim,
        embedding_matrix=None if matrix is None else matrix.copy(),
        trainable=trainable,
        num_units=num_units,
        name=name,
    )
    if not isinstance(model, keras.Model):
        fail(
            f"{name} returned a {type(model).__name__}; expected a keras.Model.",
            hint="return keras.Sequential([...]) or a functional keras.Model.",
        )
    if not model.built or not getattr(model, "inputs", None):
        fail(
            f"{name}({how}) returned a model that is not built: Keras does not know its input shape.",
            hint="Keras 3 ignores Embedding(input_length=...) (it only warns); start the model with "
            "keras.Input(shape=(maxlen,)).",
        )
    try:
        out = model(np.zeros((3, maxlen), dtype=np.int32))
    except Exception as exc:  # noqa: BLE001
        fail(
            f"the model failed on a batch of word indices of shape (3, {maxlen}): {type(exc).__name__}: "
            f"{exception_summary(exc)}",
            hint="start with keras.Input(shape=(maxlen,)) and an Embedding(num_words, embedding_dim).",
        )
    layers = model_layers(model, flatten=True)
    embeddings = [layer for layer in layers if isinstance(layer, keras.layers.Embedding)]
    if len(embeddings) != 1:
        fail(
            f"{name} built a model with {len(embeddings)} Embedding layers; expected exactly one.",
            hint="keras.layers.Embedding(num_words, embedding_dim, ...) right after the Input.",
        )
    emb = embeddings[0]
    if (emb.input_dim, emb.output_dim) != (num_words, embedding_dim):
        fail(
            f"the Embedding layer is Embedding({emb.input_dim}, {emb.output_dim}); expected "
            f"Embedding(num_words, embedding_dim) = Embedding({num_words}, {embedding_dim})."
        )
    weights = as_array(emb.embeddings, name="the Embedding layer's weights")
    if matrix is not None:
        if not np.allclose(weights, matrix, rtol=1e-6, atol=1e-6):
            fail(
                f"{name}({how}): the Embedding layer's initial weights are not embedding_matrix.",
                hint="pass embeddings_initializer=keras.initializers.Constant(embedding_matrix).",
            )
    elif np.all(weights == 0):
        fail(
            f"{name}({how}): the Embedding layer starts at all zeros.",
            hint="with embedding_matrix=None keep Keras's default random initialiser.",
        )
    if bool(emb.trainable) is not trainable:
        fail(
            f"{name}({how}) built an Embedding layer with trainable={bool(emb.trainable)}.",
            hint="pass trainable=trainable to keras.layers.Embedding: False keeps the GloVe vectors frozen.",
        )
    embedding_params = num_words * embedding_dim
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    if not trainable and non_trainable < embedding_params:
        fail(
            f"{name}({how}): the model has only {non_trainable} non-trainable parameters; the frozen "
            f"embedding alone has {embedding_params}.",
            hint="pass trainable=False to the Embedding layer.",
        )
    if any(isinstance(layer, keras.layers.GlobalAveragePooling1D) for layer in layers):
        fail(
            f"{name} uses GlobalAveragePooling1D; this exercise uses GlobalMaxPooling1D.",
            hint="max pooling keeps each detector's strongest word in the review; see the exercise text.",
        )
    pools = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.GlobalMaxPooling1D)]
    if not pools:
        fail(
            f"{name} has no GlobalMaxPooling1D layer.",
            hint="after the per-word Dense layer, keras.layers.GlobalMaxPooling1D() turns (batch, maxlen, "
            "num_units) into (batch, num_units).",
        )
    per_word = [
        layer
        for layer in layers[: pools[0]]
        if not isinstance(layer, keras.layers.Embedding)
        and layer.weights
        and tuple(layer.output.shape)[1:] == (maxlen, num_units)
    ]
    if not per_word:
        fail(
            f"{name}: no layer with num_units={num_units} outputs is applied to every word before the pooling.",
            hint="keras.layers.Dense(num_units, activation='relu') after the Embedding acts on each word "
            "vector: its output has shape (batch, maxlen, num_units).",
        )
    if activation_name(per_word[0]) != "relu":
        fail(
            f"the per-word layer uses activation {activation_name(per_word[0]) or 'none'}; expected relu.",
            hint="keras.layers.Dense(num_units, activation='relu').",
        )
    shape = tuple(np.shape(out))
    if shape != (3, 1):
        fail(
            f"the model's output has shape {shape}; expected (batch, 1) = (3, 1).",
            hint="end with keras.layers.Dense(1, activation='sigmoid').",
        )
    if activation_name(layers[-1]) != "sigmoid":
        fail(
            f"the last layer's activation is {activation_name(layers[-1]) or 'missing'}; expected sigmoid.",
            hint="a positive/negative label needs Dense(1, activation='sigmoid').",
        )


def check_build_classifier(
    build_classifier: Callable[..., Any],
    *,
    num_words: int = 40,
    maxlen: int = 12,
    embedding_dim: int = 6,
    num_units: int = 4,
    seed: int = 0,
    visible: bool = True,
) -> None:
    """``build_classifier(num_words, maxlen, embedding_dim, embedding_matrix, trainable, num_units)``.

    Builds the three variants of the lesson (from scratch, frozen GloVe, fine-tuned GloVe) and
    inspects each: the Embedding's size, initial weights and trainable flag, the per-word
    relu layer, the max pooling, and a (batch, 1) sigmoid output.
    """
    __tracebackhide__ = True
    matrix = np.random.default_rng(seed).normal(size=(num_words, embedding_dim)).astype(np.float32)
    matrix[0] = 0.0
    for emb_matrix, trainable in ((None, True), (matrix, False), (matrix, True)):
        _check_one_classifier(
            build_classifier,
            num_words=num_words,
            maxlen=maxlen,
            embedding_dim=embedding_dim,
            num_units=num_units,
            matrix=emb_matrix,
            trainable=trainable,
        )
    report_pass("build_classifier", visible=visible, detail="from scratch, frozen and fine-tuned variants")
