"""What several of lesson 04's checks share: the model checks' inspections, and learning curves.

The model checks (``build_lstm_classifier``, ``build_dropout_classifier``, ``build_conv_lstm``,
``build_example_model``, and ``fit_ngram_baseline``'s returned model) inspect architecture and
behaviour on tiny inputs, never accuracy on the real data: the layer types and their order,
``return_sequences``, dropout settings, the output shape, the parameter count (against
:mod:`rnncourse.models`), and that a few training steps on a small batch lower the loss.
``best_epoch`` and ``diagnose`` read made-up learning curves built by :func:`history_from`;
``and_list`` writes a list into a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import activation_name, call_student, fail
from .._errors import exception_summary
from .._keras import describe, layer_kind, layers_of, model_layers


def and_list(items: Sequence[Any]) -> str:
    """``[2, 4, 5]`` -> ``"2, 4 and 5"``."""
    texts = [str(item) for item in items]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def call_builder(builder: Callable[..., Any], *args: Any, name: str) -> Any:
    """Call a student's model builder; recognise the typical Keras errors it can raise."""
    __tracebackhide__ = True
    try:
        return call_student(builder, *args, name=name)
    except AssertionError as exc:
        text = str(exc)
        if "expected ndim=3, found ndim=2" in text:
            fail(
                f"{name} raised a ValueError while building: a recurrent layer received a 2-D "
                f"input (batch, units) instead of a sequence (batch, time, features).",
                hint="a recurrent layer that feeds another one must hand on its whole sequence of states "
                "(the return_sequences argument, section 3's stacking paragraph); only the last one returns just "
                "its final state.",
            )
        if "filters" in text and "Conv1D" in text:
            fail(
                f"{name} raised a TypeError while building the Conv1D layer.",
                hint="the slides' keyword num_filters does not exist in Keras 3: section 5 names the argument "
                "Keras uses for the number of detectors.",
            )
        if "valid scope name" in text:
            fail(
                f"{name} gave a layer a name Keras cannot use: {text.splitlines()[0]}",
                hint="layer names may not contain spaces (section 6 shows what Keras 3 says about them).",
            )
        raise


def expect_model(model: Any, name: str) -> None:
    __tracebackhide__ = True
    import keras

    if not isinstance(model, keras.Model):
        fail(
            f"{name} returned a {type(model).__name__}; expected a keras.Model.",
            hint="return the model itself (Sequential or functional), not its output or its summary.",
        )
    bad = [layer.name for layer in model_layers(model) if " " in layer.name]
    if bad:
        fail(
            f"{name}: the layer name {bad[0]!r} contains a space. Keras 3 accepts it when the "
            f"model is built but fails as soon as it trains ('not a valid scope name').",
            hint="use names without spaces, or let Keras name the layers.",
        )


def token_batch(seed: int, batch: int, steps: int, num_words: int) -> tuple[np.ndarray, np.ndarray]:
    """A small batch of pre-padded word indices and 0/1 labels that depend on the words."""
    rng = np.random.default_rng(seed)
    x = rng.integers(2, num_words, size=(batch, steps)).astype(np.int32)
    for row in range(batch):
        x[row, : rng.integers(0, steps // 3 + 1)] = 0  # pre-padding, as in load_imdb
    y = (np.arange(batch) % 2).astype(np.float32)
    x[y == 1, -1] = 2  # a word that marks the positive reviews, at the last step
    return x, y


def run_model(model: Any, x: np.ndarray, name: str, *, training: bool = False) -> np.ndarray:
    __tracebackhide__ = True
    try:
        out = model(x, training=training)
    except Exception as exc:  # noqa: BLE001
        fail(
            f"the model from {name} failed on a batch of word indices of shape {x.shape}: "
            f"{type(exc).__name__}: {exception_summary(exc)}",
            hint="the input is a batch of integer word indices of any length, one per time step: the model's "
            "Input must accept that (its shape and dtype), and the Embedding must come first.",
        )
    return np.asarray(out, dtype=np.float64)


def expect_probability_output(model: Any, x: np.ndarray, name: str) -> np.ndarray:
    """Output shape (batch, 1), sigmoid head, and values in (0, 1)."""
    __tracebackhide__ = True
    out = run_model(model, x, name)
    batch = x.shape[0]
    last = model_layers(model)[-1]
    activation = activation_name(last)
    units = getattr(last, "units", None)
    if activation == "softmax" and units == 1:
        fail(
            f"{name}: the last layer is Dense(1, activation='softmax'). A softmax over one unit "
            f"always outputs exactly 1.0, so the model predicts 'positive' for every review and "
            f"cannot learn.",
            hint="one probability of a binary label needs one unit with a sigmoid.",
        )
    if out.ndim == 3:
        fail(
            f"{name}: the model's output has shape {out.shape}, one output per time step; "
            f"expected (batch, 1) = ({batch}, 1).",
            hint="the last recurrent layer must return only its final state (its return_sequences argument).",
        )
    if out.shape != (batch, 1):
        fail(
            f"{name}: the model's output has shape {out.shape}; expected (batch, 1) = ({batch}, 1).",
            hint="end with one unit and a sigmoid: one probability per review.",
        )
    if activation != "sigmoid":
        fail(
            f"{name}: the last layer's activation is {activation or 'missing'}; expected sigmoid.",
            hint="a binary label needs one output unit with a sigmoid, a number between 0 and 1.",
        )
    return out


def expect_loss_drops(
    model: Any, x: np.ndarray, y: np.ndarray, name: str, *, steps: int = 3, learning_rate: float = 0.02
) -> tuple[float, float]:
    """A few Adam steps on one small batch must lower its binary cross-entropy.

    The steps run with ``training=False``, so dropout is off and the result does not depend
    on random masks; the gradient still reaches every trainable weight.
    """
    __tracebackhide__ = True
    import keras
    import tensorflow as tf

    variables = list(model.trainable_variables)
    if not variables:
        fail(
            f"{name}: the model has no trainable weights, so training cannot change it.",
            hint="some layer must stay trainable (each layer's trainable attribute).",
        )
    bce = keras.losses.BinaryCrossentropy()
    optimizer = keras.optimizers.Adam(learning_rate)
    y_col = y.reshape(-1, 1)
    before = float(bce(y_col, model(x, training=False)))
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = bce(y_col, model(x, training=False))
        grads = tape.gradient(loss, variables)
        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not pairs:
            fail(
                f"{name}: no gradient reaches the model's weights.",
                hint="check that every layer is connected from the input to the output.",
            )
        optimizer.apply_gradients(pairs)
    after = float(bce(y_col, model(x, training=False)))
    if not np.isfinite(after) or not after < before:
        fail(
            f"{name}: {steps} training steps (Adam, learning rate {learning_rate}) on a batch of "
            f"{x.shape[0]} sequences did not lower the loss: {before:.4f} before, {after:.4f} after.",
            hint="check the activations (sigmoid only at the end) and that the layers are trainable.",
        )
    return before, after


def expect_embedding(model: Any, name: str, num_words: int, embedding_dim: int) -> Any:
    __tracebackhide__ = True
    import keras

    embeddings = layers_of(model, keras.layers.Embedding)
    if not embeddings:
        fail(
            f"{name}: the model has no Embedding layer (layers: {describe(model)}).",
            hint="without an embedding the network reads word indices as magnitudes (word 5,000 "
            "'is bigger' than word 50); the model starts with an Embedding of num_words rows of embedding_dim.",
        )
    emb = embeddings[0]
    if model_layers(model)[0] is not emb:
        fail(
            f"{name}: the first layer is {layer_kind(model_layers(model)[0])}; expected the Embedding.",
            hint="the embedding turns each word index into a vector; everything else reads vectors.",
        )
    if emb.input_dim != num_words:
        fail(
            f"{name}: the Embedding has input_dim={emb.input_dim}; expected num_words = {num_words}.",
            hint="input_dim is the vocabulary size, num_words (indices 0 .. num_words - 1).",
        )
    if emb.output_dim != embedding_dim:
        fail(f"{name}: the Embedding has output_dim={emb.output_dim}; expected embedding_dim = {embedding_dim}.")
    return emb


def expect_pretrained_embedding(model: Any, name: str, matrix: np.ndarray, *, trainable: bool) -> None:
    __tracebackhide__ = True
    emb = expect_embedding(model, name, matrix.shape[0], matrix.shape[1])
    weights = np.asarray(emb.get_weights()[0], dtype=np.float64) if emb.get_weights() else None
    if weights is None or weights.shape != matrix.shape or not np.allclose(weights, matrix, atol=1e-6):
        fail(
            f"{name}: the Embedding's initial weights are not embedding_matrix.",
            hint="the Embedding must start from the given matrix: look up the Embedding's initializer "
            "arguments and Keras's constant initializer (section 5 describes the GloVe start).",
        )
    if bool(emb.trainable) != trainable:
        state = "frozen (trainable=False)" if trainable is False else "fine-tuned (trainable=True)"
        fail(
            f"{name}: the Embedding has trainable={emb.trainable}; this model keeps GloVe {state}.",
            hint="the Embedding's trainable attribute decides whether GloVe is fine-tuned.",
        )


def expect_recurrent_stack(model: Any, name: str, kinds: Sequence[type[Any]], num_units: int) -> list[Any]:
    """The model's recurrent layers, in order: their types, units and return_sequences."""
    __tracebackhide__ = True
    import keras

    recurrent = layers_of(model, keras.layers.RNN)
    wanted = " -> ".join(kind.__name__ for kind in kinds)
    if len(recurrent) != len(kinds):
        fail(
            f"{name}: the model has {len(recurrent)} recurrent layer(s); expected {len(kinds)} "
            f"({wanted}). Layers: {describe(model)}."
        )
    for index, (layer, kind) in enumerate(zip(recurrent, kinds)):
        if type(layer) is not kind:
            fail(f"{name}: recurrent layer {index + 1} is a {layer_kind(layer)}; expected {kind.__name__} ({wanted}).")
        if layer.units != num_units:
            fail(
                f"{name}: recurrent layer {index + 1} ({layer_kind(layer)}) has {layer.units} units; "
                f"expected num_units = {num_units}."
            )
        last = index == len(kinds) - 1
        if not last and not layer.return_sequences:
            fail(
                f"{name}: recurrent layer {index + 1} ({layer_kind(layer)}) returns only its last state.",
                hint="a recurrent layer that feeds another one must return its whole sequence of states "
                "(section 3, stacking).",
            )
        if last and layer.return_sequences:
            fail(
                f"{name}: the last recurrent layer ({layer_kind(layer)}) has return_sequences=True.",
                hint="the classifier reads only the final state of the last recurrent layer.",
            )
    return recurrent


def expect_params(model: Any, reference: Any, name: str) -> None:
    __tracebackhide__ = True
    got, want = int(model.count_params()), int(reference.count_params())
    if got != want:
        fail(
            f"{name}: the model has {got:,} parameters; the specified model has {want:,}.\n"
            f"Your layers:      {describe(model)}\nSpecified layers: {describe(reference)}",
            hint="compare the layer sizes with the exercise text (units, embedding size, extra layers).",
        )


def seeded(seed: int) -> None:
    import keras

    keras.utils.set_random_seed(seed)


def history_from(train: Sequence[float] | np.ndarray, val: Sequence[float] | np.ndarray) -> dict[str, list[float]]:
    train_loss = [float(v) for v in train]
    val_loss = [float(v) for v in val]
    return {
        "loss": train_loss,
        "val_loss": val_loss,
        "accuracy": [round(1.0 - 0.6 * v, 4) for v in train],
        "val_accuracy": [round(1.0 - 0.6 * v, 4) for v in val],
    }


def small_matrix(seed: int, num_words: int, embedding_dim: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).normal(scale=0.5, size=(num_words, embedding_dim))
    matrix[0] = 0.0
    return matrix.astype(np.float32)
