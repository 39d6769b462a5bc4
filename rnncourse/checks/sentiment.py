"""Checks for lesson 04: sentiment classification of IMDB reviews.

The model checks inspect architecture and behaviour on tiny inputs, never accuracy on the
real data: the layer types and their order, ``return_sequences``, dropout settings, the
output shape, the parameter count (against :mod:`rnncourse.models`), and that a few
training steps on a small batch lower the loss. The preprocessing check compares the
student's ``TextVectorization`` with a reference one on texts it has not seen.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import models
from ._core import (
    CheckFailure,
    activation_name,
    as_array,
    as_float,
    as_int,
    call_student,
    fail,
    hidden_seed,
    report_pass,
)
from ._keras import describe, layer_kind, layers_of, model_layers

# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------

_WORDS = (
    "film",
    "movie",
    "good",
    "bad",
    "plot",
    "actor",
    "great",
    "boring",
    "story",
    "scene",
    "music",
    "funny",
    "awful",
    "script",
    "ending",
    "love",
    "waste",
    "time",
    "best",
    "worst",
    "cast",
    "director",
    "camera",
    "dialogue",
    "brilliant",
    "dull",
    "hero",
    "villain",
    "sequel",
    "remake",
    "comedy",
    "drama",
    "horror",
    "romance",
    "twist",
    "budget",
)


def _and(items: Sequence[Any]) -> str:
    """``[2, 4, 5]`` -> ``"2, 4 and 5"``."""
    texts = [str(item) for item in items]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _call_builder(builder: Callable[..., Any], *args: Any, name: str) -> Any:
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
                hint="every recurrent layer that feeds another recurrent layer needs "
                "return_sequences=True; only the last one returns just its final state.",
            )
        if "filters" in text and "Conv1D" in text:
            fail(
                f"{name} raised a TypeError while building the Conv1D layer.",
                hint="the keyword is filters= (the slides' num_filters= does not exist in "
                "Keras): keras.layers.Conv1D(filters, kernel_size, activation='relu').",
            )
        if "valid scope name" in text:
            fail(
                f"{name} gave a layer a name Keras cannot use: {text.splitlines()[0]}",
                hint="layer names may not contain spaces; use underscores, e.g. name='lstm_1'.",
            )
        raise


def _expect_model(model: Any, name: str) -> None:
    __tracebackhide__ = True
    import keras

    if not isinstance(model, keras.Model):
        fail(
            f"{name} returned a {type(model).__name__}; expected a keras.Model.",
            hint="return keras.Sequential([...]) or a functional keras.Model.",
        )
    bad = [layer.name for layer in model_layers(model) if " " in layer.name]
    if bad:
        fail(
            f"{name}: the layer name {bad[0]!r} contains a space. Keras 3 accepts it when the "
            f"model is built but fails as soon as it trains ('not a valid scope name').",
            hint="use names without spaces, e.g. name='first_lstm', or leave name= out.",
        )


def _token_batch(seed: int, batch: int, steps: int, num_words: int) -> tuple[np.ndarray, np.ndarray]:
    """A small batch of pre-padded word indices and 0/1 labels that depend on the words."""
    rng = np.random.default_rng(seed)
    x = rng.integers(2, num_words, size=(batch, steps)).astype(np.int32)
    for row in range(batch):
        x[row, : rng.integers(0, steps // 3 + 1)] = 0  # pre-padding, as in load_imdb
    y = (np.arange(batch) % 2).astype(np.float32)
    x[y == 1, -1] = 2  # a word that marks the positive reviews, at the last step
    return x, y


def _run_model(model: Any, x: np.ndarray, name: str, *, training: bool = False) -> np.ndarray:
    __tracebackhide__ = True
    try:
        out = model(x, training=training)
    except Exception as exc:  # noqa: BLE001
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        fail(
            f"the model from {name} failed on a batch of word indices of shape {x.shape}: "
            f"{type(exc).__name__}: {first[:300]}",
            hint="start with keras.Input(shape=(None,), dtype='int32') followed by the Embedding "
            "layer; the input holds integer word indices, one per time step.",
        )
    return np.asarray(out, dtype=np.float64)


def _expect_probability_output(model: Any, x: np.ndarray, name: str) -> np.ndarray:
    """Output shape (batch, 1), sigmoid head, and values in (0, 1)."""
    __tracebackhide__ = True
    out = _run_model(model, x, name)
    batch = x.shape[0]
    last = model_layers(model)[-1]
    activation = activation_name(last)
    units = getattr(last, "units", None)
    if activation == "softmax" and units == 1:
        fail(
            f"{name}: the last layer is Dense(1, activation='softmax'). A softmax over one unit "
            f"always outputs exactly 1.0, so the model predicts 'positive' for every review and "
            f"cannot learn.",
            hint="one probability needs Dense(1, activation='sigmoid').",
        )
    if out.ndim == 3:
        fail(
            f"{name}: the model's output has shape {out.shape}, one output per time step; "
            f"expected (batch, 1) = ({batch}, 1).",
            hint="the last recurrent layer must return only its final state: return_sequences=False (the default).",
        )
    if out.shape != (batch, 1):
        fail(
            f"{name}: the model's output has shape {out.shape}; expected (batch, 1) = ({batch}, 1).",
            hint="end with keras.layers.Dense(1, activation='sigmoid'): one probability per review.",
        )
    if activation != "sigmoid":
        fail(
            f"{name}: the last layer's activation is {activation or 'missing'}; expected sigmoid.",
            hint="a binary label needs Dense(1, activation='sigmoid').",
        )
    return out


def _expect_loss_drops(
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
            hint="do not set trainable=False on every layer.",
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


def _expect_embedding(model: Any, name: str, num_words: int, embedding_dim: int) -> Any:
    __tracebackhide__ = True
    import keras

    embeddings = layers_of(model, keras.layers.Embedding)
    if not embeddings:
        fail(
            f"{name}: the model has no Embedding layer (layers: {describe(model)}).",
            hint="without an embedding the network reads word indices as magnitudes (word 5,000 "
            "'is bigger' than word 50); start with keras.layers.Embedding(num_words, embedding_dim).",
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


def _expect_pretrained_embedding(model: Any, name: str, matrix: np.ndarray, *, trainable: bool) -> None:
    __tracebackhide__ = True
    emb = _expect_embedding(model, name, matrix.shape[0], matrix.shape[1])
    weights = np.asarray(emb.get_weights()[0], dtype=np.float64) if emb.get_weights() else None
    if weights is None or weights.shape != matrix.shape or not np.allclose(weights, matrix, atol=1e-6):
        fail(
            f"{name}: the Embedding's initial weights are not embedding_matrix.",
            hint="initialise it with the GloVe vectors: keras.layers.Embedding(num_words, dim, "
            "embeddings_initializer=keras.initializers.Constant(embedding_matrix)).",
        )
    if bool(emb.trainable) != trainable:
        state = "frozen (trainable=False)" if trainable is False else "fine-tuned (trainable=True)"
        fail(
            f"{name}: the Embedding has trainable={emb.trainable}; this model keeps GloVe {state}.",
            hint="pass the function's `trainable` argument on to the Embedding layer.",
        )


def _expect_recurrent_stack(model: Any, name: str, kinds: Sequence[type[Any]], num_units: int) -> list[Any]:
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
                hint="a recurrent layer that feeds another one needs return_sequences=True.",
            )
        if last and layer.return_sequences:
            fail(
                f"{name}: the last recurrent layer ({layer_kind(layer)}) has return_sequences=True.",
                hint="the classifier reads only the final state: keep return_sequences=False.",
            )
    return recurrent


def _expect_params(model: Any, reference: Any, name: str) -> None:
    __tracebackhide__ = True
    got, want = int(model.count_params()), int(reference.count_params())
    if got != want:
        fail(
            f"{name}: the model has {got:,} parameters; the specified model has {want:,}.\n"
            f"Your layers:      {describe(model)}\nSpecified layers: {describe(reference)}",
            hint="compare the layer sizes with the exercise text (units, embedding size, extra layers).",
        )


def _seeded(seed: int) -> None:
    import keras

    keras.utils.set_random_seed(seed)


# --------------------------------------------------------------------------------------
# Exercise 1: TextVectorization
# --------------------------------------------------------------------------------------


def _corpus(seed: int, num_texts: int, max_len: int) -> list[str]:
    """Texts with a Zipf-like word distribution, capitals and punctuation."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, len(_WORDS) + 1)
    probs = (1.0 / ranks) / np.sum(1.0 / ranks)
    texts = []
    for _ in range(num_texts):
        length = int(rng.integers(2, max_len + 1))
        words = list(rng.choice(_WORDS, size=length, p=probs))
        if rng.random() < 0.5:
            words[0] = words[0].capitalize()
        text = " ".join(words)
        texts.append(text + rng.choice([".", "!", "?!", ""]))
    return texts


def _probe_texts(seed: int, maxlen: int) -> list[str]:
    """Unseen texts: short, long, unknown words, upper case and punctuation."""
    rng = np.random.default_rng(seed + 1000)
    long_words = list(rng.choice(_WORDS[:12], size=maxlen + 5))
    return [
        "A GREAT film, a great story!",
        "zyzzyva " + " ".join(_WORDS[:3]) + " qwerty.",
        " ".join(long_words),
        "Worst. Movie. Ever.",
        "",
    ]


_PUNCTUATION = ".!?,"


def _expect_standardized(vectorizer: Any, vocabulary: Sequence[str], name: str) -> None:
    """Fail if the vectorizer reads 'FILM' or 'film!' differently from 'film' (behaviour, not settings).

    Probes one plain lower-case word of its own vocabulary; says nothing when the layer cannot be
    probed that way (no such word, or no integer output); the later checks then speak.
    """
    __tracebackhide__ = True
    word = next((w for w in vocabulary[2:] if len(w) > 1 and w.isalpha() and w.islower()), None)
    if word is None:
        return
    variants = [word, word.upper(), word.capitalize(), *(word + c for c in _PUNCTUATION)]
    try:
        out = np.asarray(vectorizer(variants))
    except Exception:  # noqa: BLE001  (the output checks below report a failing call)
        return
    if out.ndim != 2 or out.shape[0] != len(variants) or out.dtype.kind not in "iu":
        return
    first = [int(i) for i in out[:, 0]]
    index = first[0]
    if index < 2:  # its own vocabulary word is not read as that word: not a standardisation question
        return
    cased = [v for v, i in zip(variants[1:3], first[1:3]) if i != index]
    punctuated = [v for v, i in zip(variants[3:], first[3:]) if i != index]
    if not (cased or punctuated):
        return
    examples = cased[:1] + punctuated[:1]
    read_as = _and([f"{v!r} as index {first[variants.index(v)]}" for v in examples])
    seen = f"it reads {read_as}, not as {word!r} (index {index})"
    if cased and punctuated:
        fail(
            f"{name}: the vectorizer neither lower-cases the texts nor strips their punctuation: {seen}.",
            hint="keep the default standardize='lower_and_strip_punctuation' (leave standardize out); "
            "standardize=None turns both steps off.",
        )
    if punctuated:
        fail(
            f"{name}: the vectorizer keeps punctuation: {seen}. Words followed by '.', '!' or '?!' in "
            f"the texts become other, rarer tokens, and the word counts change.",
            hint="it lower-cases but does not strip punctuation (as standardize='lower' does): keep the "
            "default standardize='lower_and_strip_punctuation', which does both (leave standardize out).",
        )
    fail(
        f"{name}: the vectorizer keeps upper case: {seen}. A capitalised first word of a text becomes "
        f"another token, and the word counts change.",
        hint="it strips punctuation but does not lower-case (as standardize='strip_punctuation' does): keep "
        "the default standardize='lower_and_strip_punctuation', which does both (leave standardize out).",
    )


def check_vectorizer(
    make_vectorizer: Callable[..., Any],
    *,
    seed: int = 0,
    num_texts: int = 60,
    num_words: int = 12,
    maxlen: int = 6,
    visible: bool = True,
) -> None:
    """``make_vectorizer(texts, num_words, maxlen)`` must return an adapted ``TextVectorization``.

    Compared with ``TextVectorization(max_tokens=num_words, output_sequence_length=maxlen)``
    adapted on the same texts: the vocabulary, and the output on unseen texts (shape, integer
    dtype, padding and truncation at the end, index 1 for unknown words).
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "make_vectorizer", visible=visible)  # the course secret, at grading
    import keras

    name = "make_vectorizer"
    texts = _corpus(seed, num_texts, 2 * maxlen)
    result = call_student(make_vectorizer, list(texts), num_words, maxlen, name=name)
    if not isinstance(result, keras.layers.TextVectorization):
        if hasattr(result, "shape"):
            fail(
                f"{name} returned an array of shape {tuple(result.shape)}; expected the adapted "
                f"keras.layers.TextVectorization layer itself.",
                hint="return the layer (after vectorizer.adapt(texts)), not its output.",
            )
        fail(
            f"{name} returned a {type(result).__name__}; expected a keras.layers.TextVectorization.",
            hint="build keras.layers.TextVectorization(...), call .adapt(texts), return it.",
        )
    reference = models.text_vectorizer(texts, num_words, maxlen)
    want_vocab = [str(w) for w in reference.get_vocabulary()]
    try:
        got_vocab = [str(w) for w in result.get_vocabulary()]
    except Exception as exc:  # noqa: BLE001
        fail(
            f"{name}: reading the vocabulary failed ({type(exc).__name__}: {exc}).",
            hint="call vectorizer.adapt(texts) before returning it.",
        )
    if len(got_vocab) <= 2:
        fail(
            f"{name}: the vectorizer's vocabulary holds only {got_vocab}: it was not adapted.",
            hint="call vectorizer.adapt(texts) to build the vocabulary from the texts.",
        )
    _expect_standardized(result, got_vocab, name)
    if len(got_vocab) != len(want_vocab):
        hint = (
            "max_tokens counts every index, including 0 (padding) and 1 (out-of-vocabulary): pass max_tokens=num_words."
        )
        fail(
            f"{name}: the vocabulary has {len(got_vocab)} entries; expected num_words = "
            f"{len(want_vocab)} (with '' for padding and '[UNK]').",
            hint=hint,
        )
    if got_vocab[:2] != ["", "[UNK]"]:
        fail(
            f"{name}: the vocabulary starts with {got_vocab[:2]}; expected ['', '[UNK]'] "
            f"(index 0 = padding, index 1 = out-of-vocabulary).",
            hint="keep TextVectorization's defaults for the padding and OOV tokens (output_mode='int').",
        )
    probes = _probe_texts(seed, maxlen)
    unstandardized = keras.layers.TextVectorization(
        max_tokens=num_words, standardize=None, output_sequence_length=maxlen
    )
    unstandardized.adapt(texts)
    raw_vocab = [str(w) for w in unstandardized.get_vocabulary()]
    upper = [w for w in got_vocab[2:] if w != w.lower()]
    punctuated = [w for w in got_vocab[2:] if any(c in w for c in _PUNCTUATION)]
    if upper or punctuated or (got_vocab == raw_vocab and got_vocab != want_vocab):
        found = [f"upper-case words such as {upper[0]!r}"] if upper else []
        found += [f"punctuation such as {punctuated[0]!r}"] if punctuated else []
        fail(
            f"{name}: the vocabulary holds {' and '.join(found) if found else 'the words of the raw texts'}: "
            f"the texts were not standardised.",
            hint="keep the default standardize='lower_and_strip_punctuation' (leave standardize out).",
        )
    if got_vocab != want_vocab:
        at = next(i for i, (g, w) in enumerate(zip(got_vocab, want_vocab)) if g != w)
        fail(
            f"{name}: the vocabulary differs from the expected one from index {at} on: got "
            f"{got_vocab[at : at + 4]}, expected {want_vocab[at : at + 4]}.",
            hint="split on whitespace (the default) and adapt on exactly the texts you were given.",
        )
    try:
        raw = result(probes)
    except Exception as exc:  # noqa: BLE001
        fail(
            f"{name}: calling the vectorizer on a list of texts failed ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''})."
        )
    arr_raw = np.asarray(raw)
    if arr_raw.dtype.kind not in "iu":
        fail(
            f"{name}: the vectorizer outputs dtype {arr_raw.dtype}; expected integer word indices.",
            hint="use output_mode='int' (the default).",
        )
    got = as_array(raw, name=f"{name}(texts)", dtype=np.int64)
    want = np.asarray(reference(probes), dtype=np.int64)
    if got.ndim == 2 and got.shape[0] == len(probes) and got.shape[1] != maxlen:
        fail(
            f"{name}: the vectorizer's output has shape {got.shape}; expected (n, maxlen) = {(len(probes), maxlen)}.",
            hint="pass output_sequence_length=maxlen so every text is padded or truncated to maxlen.",
        )
    if got.shape != want.shape:
        fail(f"{name}: the vectorizer's output has shape {got.shape}; expected (n, maxlen) = {want.shape}.")
    if not np.array_equal(got, want):
        if np.array_equal(got, np.asarray(unstandardized(probes), dtype=np.int64)):
            fail(
                f"{name}: upper-case words and punctuation are not standardised away "
                f"('GREAT' and 'great' count as different words).",
                hint="keep the default standardize='lower_and_strip_punctuation'.",
            )
        row = int(np.flatnonzero((got != want).any(axis=1))[0])
        fail(
            f"{name}: on the unseen text {probes[row]!r} the vectorizer returned {got[row].tolist()}; "
            f"expected {want[row].tolist()}.",
            hint="unknown words must become 1, short texts are padded with 0 at the end, long ones "
            "keep their first maxlen tokens.",
        )
    report_pass(name, visible=visible, detail=f"vocabulary of {len(want_vocab)}, output (n, {maxlen}) int")


# --------------------------------------------------------------------------------------
# Exercise 2: embedding + stacked LSTMs
# --------------------------------------------------------------------------------------


def check_lstm_classifier(
    build_lstm_classifier: Callable[..., Any],
    *,
    num_words: int = 50,
    embedding_dim: int = 8,
    num_units: int = 6,
    layer_counts: Sequence[int] = (1, 2),
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``build_lstm_classifier(num_words, embedding_dim, num_units, num_layers)``: Embedding, LSTMs, sigmoid.

    ``train=False`` skips the training steps (the slow part), e.g. in a hidden test that only
    varies the sizes after the visible test has checked that the model trains. The same holds
    for the other model checks.
    """
    __tracebackhide__ = True
    import keras

    name = "build_lstm_classifier"
    for count, num_layers in enumerate(layer_counts):
        _seeded(seed)
        model = _call_builder(build_lstm_classifier, num_words, embedding_dim, num_units, num_layers, name=name)
        _expect_model(model, name)
        label = f"{name}(..., num_layers={num_layers})"
        x, y = _token_batch(seed, 16, 8, num_words)
        _expect_embedding(model, label, num_words, embedding_dim)
        _expect_recurrent_stack(model, label, [keras.layers.LSTM] * num_layers, num_units)
        _expect_probability_output(model, x, label)
        _expect_params(model, models.build_lstm_classifier(num_words, embedding_dim, num_units, num_layers), label)
        if train and count == len(layer_counts) - 1:  # training is the slow part: once per check
            _expect_loss_drops(model, x, y, label)
    report_pass(name, visible=visible, detail=f"num_layers in {tuple(layer_counts)}")


# --------------------------------------------------------------------------------------
# Exercise 4: dropout (its checks come before exercise 3's: they share nothing)
# --------------------------------------------------------------------------------------


def check_dropout_classifier(
    build_dropout_classifier: Callable[..., Any],
    *,
    num_words: int = 50,
    embedding_dim: int = 8,
    num_units: int = 6,
    dropout_rate: float = 0.3,
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``build_dropout_classifier(...)``: LSTM dropout and recurrent_dropout, then a Dropout layer."""
    __tracebackhide__ = True
    import keras

    name = "build_dropout_classifier"
    _seeded(seed)
    model = _call_builder(build_dropout_classifier, num_words, embedding_dim, num_units, dropout_rate, name=name)
    _expect_model(model, name)
    x, y = _token_batch(seed, 16, 8, num_words)
    _expect_embedding(model, name, num_words, embedding_dim)
    (lstm,) = _expect_recurrent_stack(model, name, [keras.layers.LSTM], num_units)
    for attribute in ("dropout", "recurrent_dropout"):
        value = float(getattr(lstm, attribute))
        if not np.isclose(value, dropout_rate):
            what = (
                "drops the LSTM's inputs"
                if attribute == "dropout"
                else "drops entries of the LSTM's state at every step"
            )
            fail(
                f"{name}: the LSTM has {attribute}={value:g}; expected dropout_rate = {dropout_rate:g} (it {what}).",
                hint="keras.layers.LSTM(num_units, dropout=dropout_rate, recurrent_dropout=dropout_rate).",
            )
    body = model_layers(model)
    after = [layer for layer in body[body.index(lstm) + 1 :] if isinstance(layer, keras.layers.Dropout)]
    if not after:
        fail(
            f"{name}: there is no Dropout layer after the LSTM (layers: {describe(model)}).",
            hint="add keras.layers.Dropout(dropout_rate) between the LSTM and the Dense layer.",
        )
    if not np.isclose(float(after[0].rate), dropout_rate):
        fail(f"{name}: the Dropout layer has rate={after[0].rate:g}; expected dropout_rate = {dropout_rate:g}.")
    _expect_probability_output(model, x, name)
    first, second = _run_model(model, x, name), _run_model(model, x, name)
    if not np.allclose(first, second):
        fail(
            f"{name}: two predictions of the same batch differ although training=False.",
            hint="use keras.layers.Dropout and the LSTM's dropout arguments: they are active only while training.",
        )
    if np.allclose(_run_model(model, x, name, training=True), first, atol=1e-7):
        fail(f"{name}: with training=True the output equals the inference output: no dropout is active.")
    _expect_params(model, models.build_dropout_classifier(num_words, embedding_dim, num_units, dropout_rate), name)
    if train:
        _expect_loss_drops(model, x, y, name)
    report_pass(name, visible=visible, detail=f"dropout={dropout_rate:g} in three places")


# --------------------------------------------------------------------------------------
# Exercise 3: reading learning curves
# --------------------------------------------------------------------------------------


def _history(train: Sequence[float] | np.ndarray, val: Sequence[float] | np.ndarray) -> dict[str, list[float]]:
    train_loss = [float(v) for v in train]
    val_loss = [float(v) for v in val]
    return {
        "loss": train_loss,
        "val_loss": val_loss,
        "accuracy": [round(1.0 - 0.6 * v, 4) for v in train],
        "val_accuracy": [round(1.0 - 0.6 * v, 4) for v in val],
    }


def _best_epoch_cases(seed: int) -> list[dict[str, list[float]]]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(4):
        epochs = int(rng.integers(4, 9))
        train = np.sort(rng.uniform(0.05, 0.7, size=epochs))[::-1]
        val = rng.uniform(0.3, 0.7, size=epochs)
        cases.append(_history(train, val))
    # The minimum at the first epoch, and at the last one.
    cases.append(_history([0.6, 0.4, 0.2, 0.1], [0.40, 0.45, 0.50, 0.60]))
    cases.append(_history([0.6, 0.5, 0.45, 0.42], [0.62, 0.55, 0.50, 0.48]))
    # A tie: epochs 2 and 4 share the lowest validation loss; the answer is the first (np.argmin).
    # Neither the last tied epoch nor its 0-based index is where another recognised mistake points.
    cases.append(_history([0.65, 0.5, 0.4, 0.32, 0.27, 0.24], [0.55, 0.41, 0.47, 0.41, 0.44, 0.52]))
    return cases


def check_best_epoch(best_epoch: Callable[..., Any], *, seed: int = 0, visible: bool = True) -> None:
    """``best_epoch(history)``: the 1-based epoch with the lowest validation loss."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "best_epoch", visible=visible)  # the course secret, at grading
    name = "best_epoch"
    for history in _best_epoch_cases(seed):
        val = np.asarray(history["val_loss"])
        want = int(np.argmin(val)) + 1
        got = as_int(call_student(best_epoch, {k: list(v) for k, v in history.items()}, name=name), name=name)
        if got == want:
            continue
        shown = ", ".join(f"{v:.3f}" for v in val)
        tied = [int(i) + 1 for i in np.flatnonzero(val == val.min())]
        if len(tied) > 1 and got in tied[1:]:
            fail(
                f"{name} returned {got} for val_loss = [{shown}]: epochs {_and(tied)} tie for "
                f"the lowest validation loss ({val.min():.3f}); expected the first of them, epoch {want}.",
                hint="on a tie, return the first epoch with the lowest loss, as np.argmin does (in a loop, "
                "replace the best epoch only when the loss is strictly lower: `<`, not `<=`). Keras's "
                "EarlyStopping agrees: an equal loss later on is no improvement.",
            )
        if got == want - 1:
            fail(
                f"{name} returned {got} for val_loss = [{shown}]; expected epoch {want}.",
                hint="epochs are counted from 1: the first epoch is epoch 1, so add 1 to the "
                "0-based index from np.argmin.",
            )
        if got == int(np.argmin(history["loss"])) + 1 or got == int(np.argmin(history["loss"])):
            fail(
                f"{name} returned {got}, where the *training* loss is lowest; expected {want}, "
                f"where the validation loss (val_loss = [{shown}]) is lowest.",
                hint="use history['val_loss']: the training loss keeps falling when a model overfits.",
            )
        if got in (int(np.argmax(val)) + 1, int(np.argmax(val))):
            fail(
                f"{name} returned {got}, where the validation loss is highest; expected {want}.",
                hint="look for the minimum (np.argmin), not the maximum.",
            )
        fail(
            f"{name} returned {got} for val_loss = [{shown}]; expected epoch {want}.",
            hint="return the 1-based epoch at which history['val_loss'] is smallest.",
        )
    report_pass(name, visible=visible)


#: The three answers :func:`check_diagnose` accepts (case and surrounding spaces do not matter).
DIAGNOSIS_CHOICES = ("overfitting", "underfitting", "good fit")

_ALLOWED = "'overfitting', 'underfitting' or 'good fit'"


def diagnosis_examples() -> dict[str, dict[str, list[float]]]:
    """Three made-up learning-curve sets ``"A"``, ``"B"``, ``"C"`` (loss and val_loss, 8 epochs).

    The notebook plots them next to the exercise, and :func:`check_diagnose` feeds them to the
    student's ``diagnose`` first. They are fixed numbers, not trained models, so the answers do
    not depend on the machine.
    """
    epochs = np.arange(1, 9)
    return {
        "A": _history(0.69 * np.exp(-0.42 * (epochs - 1)) + 0.02, [0.62, 0.48, 0.42, 0.43, 0.48, 0.56, 0.65, 0.75]),
        "B": _history(
            [0.693, 0.690, 0.686, 0.682, 0.677, 0.672, 0.667, 0.662],
            [0.693, 0.691, 0.688, 0.684, 0.680, 0.676, 0.671, 0.667],
        ),
        "C": _history(
            [0.62, 0.45, 0.37, 0.33, 0.31, 0.30, 0.29, 0.285], [0.55, 0.43, 0.37, 0.345, 0.335, 0.33, 0.328, 0.327]
        ),
    }


def _answer_hash(letter: str, answer: str) -> str:
    return hashlib.sha256(f"{letter}:{answer}".encode()).hexdigest()


# sha256 of "<letter>:<answer>" for the right answer to each curve set, kept hashed so the
# answers are not in plain text next to the question.
_DIAGNOSIS_KEY = {
    "A": "53473c14b3e98f93021d0bb1bd4dbd79d8233668858767ceaf1d7286eeb9e931",
    "B": "cb736110a93bd7bbed767926b9de9a43727331b37a8519c878e6ecd5977bc528",
    "C": "9d831774a8bce29b2d6bf5424670cf78175bc58282eed3ad19f8e6c4379337cf",
}


def _key_answer(letter: str) -> str:
    """The right diagnosis of example ``letter``, read back from :data:`_DIAGNOSIS_KEY`."""
    (answer,) = [c for c in DIAGNOSIS_CHOICES if _answer_hash(letter, c) == _DIAGNOSIS_KEY[letter]]
    return answer


def _reference_diagnose(history: Mapping[str, Any]) -> str:
    """The exercise's rule, as the solution writes it (the check's reference; not exported)."""
    loss, val = history["loss"], history["val_loss"]
    if loss[-1] > 0.6:
        return "underfitting"
    if val[-1] > 1.1 * min(val):
        return "overfitting"
    return "good fit"


class _Curve(NamedTuple):
    """One learning curve the check feeds to ``diagnose``."""

    label: str  # how the feedback names it: "curve A", "hidden curve 7"
    history: dict[str, list[float]]  # the plain lists; the student gets a copy in ``form``
    form: str  # a key of _FORMS: what the values of the student's copy are
    expected: str
    visible: bool = True  # one of _visible_curves(), which tell the named mistakes apart


# How a curve's values are handed to the student. Keras's history.history holds lists; a
# correct solution reads tuples and numpy arrays just as well (indexing, min, np.min).
_FORMS: dict[str, Callable[[list[float]], Any]] = {
    "lists": list,
    "tuples": tuple,
    "numpy arrays": lambda values: np.array(values, dtype=np.float64),
    "float32 numpy arrays": lambda values: np.array(values, dtype=np.float32),
}


def _in_form(history: Mapping[str, list[float]], form: str) -> dict[str, Any]:
    """A fresh copy of ``history`` whose values are ``form`` (see :data:`_FORMS`)."""
    return {key: _FORMS[form](list(values)) for key, values in history.items()}


def _plain(history: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """``history`` with Python floats only (``_history`` may leave numpy floats in it)."""
    return {key: [float(v) for v in values] for key, values in history.items()}


def _curve(
    label: str, loss: Sequence[float], val: Sequence[float], form: str = "lists", *, visible: bool = True
) -> _Curve:
    history = _plain(_history(loss, val))
    return _Curve(label, history, form, _reference_diagnose(history), visible)


def _visible_curves() -> list[_Curve]:
    """The plotted examples A, B, C, then one made-up curve per typical mistake.

    D to J are built so that each mistake the check names (see :data:`_DIAGNOSIS_MISTAKES`)
    gets at least one of them wrong, and no two mistakes get the same ones wrong.
    """
    curves = [
        _Curve(f"curve {letter}", _plain(history), "lists", _key_answer(letter))
        for letter, history in diagnosis_examples().items()
    ]
    return curves + [
        # D: overfits slowly: less than 10 % per epoch, 21 % above the minimum, below the start.
        _curve(
            "curve D",
            [0.66, 0.52, 0.41, 0.32, 0.25, 0.19, 0.15, 0.12],
            [0.60, 0.48, 0.41, 0.38, 0.40, 0.42, 0.44, 0.46],
        ),
        # E: overfits fast, then levels off: the last epoch rises less than 10 %.
        _curve("curve E", [0.64, 0.47, 0.35, 0.26, 0.19, 0.14], [0.50, 0.40, 0.36, 0.45, 0.56, 0.58], "tuples"),
        # F: overfits on a small scale: 90 % above the minimum, but only 0.09 above it.
        _curve("curve F", [0.52, 0.30, 0.17, 0.09, 0.05, 0.03], [0.16, 0.12, 0.10, 0.12, 0.15, 0.19], "numpy arrays"),
        # G: a good fit whose last epoch ticks up (3 % above the minimum): noise.
        _curve(
            "curve G",
            [0.64, 0.48, 0.39, 0.33, 0.29, 0.27, 0.255, 0.245],
            [0.58, 0.45, 0.39, 0.36, 0.345, 0.338, 0.341, 0.347],
        ),
        # H: a good fit, lowest one epoch before the end, dipping again at the last epoch.
        _curve(
            "curve H",
            [0.66, 0.50, 0.40, 0.34, 0.30, 0.28, 0.265],
            [0.59, 0.46, 0.39, 0.355, 0.342, 0.352, 0.347],
            "numpy arrays",
        ),
        # I: underfits (training loss 0.645) while the validation loss wiggles up 18 %.
        _curve(
            "curve I",
            [0.70, 0.69, 0.68, 0.67, 0.66, 0.655, 0.65, 0.645],
            [0.69, 0.68, 0.66, 0.67, 0.70, 0.73, 0.76, 0.78],
            "tuples",
        ),
        # J: underfits (training loss 0.665) with a validation loss below it (as with dropout).
        _curve("curve J", [0.72, 0.70, 0.69, 0.68, 0.67, 0.665], [0.66, 0.60, 0.58, 0.57, 0.565, 0.56]),
    ]


def _edge_curves() -> list[tuple[list[float], list[float]]]:
    """Hidden curves close to a threshold (but at least 3 % from it), and other corners."""
    return [
        # The validation loss ends 15 % above its minimum: overfitting; 5 % above: a good fit.
        ([0.62, 0.45, 0.36, 0.30, 0.26, 0.23], [0.55, 0.44, 0.40, 0.41, 0.43, 0.46]),
        ([0.62, 0.45, 0.36, 0.30, 0.26, 0.23], [0.55, 0.44, 0.40, 0.405, 0.41, 0.42]),
        # Training loss 0.62 with a validation loss 18 % up: underfitting.
        ([0.70, 0.68, 0.66, 0.645, 0.63, 0.62], [0.69, 0.67, 0.655, 0.68, 0.72, 0.77]),
        # Training loss 0.55: no longer underfitting; a good fit, or overfitting when val rises 14 %.
        ([0.70, 0.66, 0.62, 0.59, 0.57, 0.55], [0.69, 0.66, 0.63, 0.61, 0.60, 0.595]),
        ([0.70, 0.66, 0.62, 0.59, 0.57, 0.55], [0.69, 0.66, 0.63, 0.64, 0.68, 0.72]),
        # Three epochs: overfitting, a good fit, underfitting.
        ([0.55, 0.35, 0.22], [0.45, 0.40, 0.47]),
        ([0.68, 0.52, 0.41], [0.62, 0.50, 0.44]),
        ([0.70, 0.68, 0.66], [0.69, 0.68, 0.675]),
        # The validation loss is lowest at the first epoch.
        ([0.45, 0.30, 0.20, 0.12], [0.40, 0.44, 0.50, 0.58]),
        # Underfitting with a validation loss below 0.6 (as with dropout).
        ([0.75, 0.71, 0.69, 0.67, 0.66], [0.66, 0.61, 0.585, 0.57, 0.565]),
        # Overfitting on a tiny scale (0.03 above the minimum is 33 %), and above 1.
        ([0.40, 0.15, 0.07, 0.04, 0.025], [0.20, 0.11, 0.09, 0.10, 0.12]),
        ([0.50, 0.30, 0.15, 0.07, 0.03, 0.015], [0.45, 0.38, 0.42, 0.60, 0.85, 1.10]),
    ]


def _random_curve(rng: np.random.Generator, kind: str, epochs: int) -> tuple[list[float], list[float]]:
    """A made-up learning curve of ``epochs`` epochs whose right diagnosis is ``kind``.

    Every number that decides the diagnosis keeps at least 3 % from its threshold: the last
    training loss is below 0.57, between 0.62 and 0.67 or above 0.715 (clear of ln 2 = 0.693 too,
    so that the ln 2 mistake is recognised), and the last validation loss is at most 6 % or
    at least 14 % above its minimum (for "underfitting" either, the rule ignores it).
    """
    if kind == "underfitting":
        train_last = rng.uniform(0.62, 0.67) if rng.random() < 0.5 else rng.uniform(0.715, 0.78)
        val_min = rng.uniform(0.5, 0.75)
        rise = rng.uniform(1.14, 1.4) if rng.random() < 0.5 else rng.uniform(1.0, 1.06)
    else:
        train_last = rng.uniform(0.02, 0.55)
        val_min = rng.uniform(max(0.06, 0.8 * train_last), 0.6)
        if kind == "overfitting":
            rise = rng.uniform(1.14, 2.2)
        else:
            rise = 1.0 if rng.random() < 0.3 else rng.uniform(1.0, 1.06)
    train_first = max(train_last, rng.uniform(0.6, 0.8)) + rng.uniform(0.0, 0.05)
    train = train_last + (train_first - train_last) * np.exp(-rng.uniform(0.2, 0.8) * np.arange(epochs))
    train -= np.linspace(0.0, train[-1] - train_last, epochs)  # end exactly at train_last
    val_min = round(val_min, 4)
    # The epoch (0-based) with the lowest validation loss: the last one when it never turns up.
    low = epochs - 1 if rise == 1.0 else int(rng.integers(0, epochs - 1))
    before = np.linspace(val_min + rng.uniform(0.05, 0.3), val_min, low + 1)
    after = np.linspace(val_min, val_min * rise, epochs - low)[1:]
    if len(after) > 1:
        after[:-1] *= rng.uniform(0.98, 1.04, size=len(after) - 1)  # noise, not on the last epoch
    val = np.concatenate([before, np.maximum(after, val_min * rng.uniform(1.005, 1.03, size=len(after)))])
    val[-1] = val_min * rise
    loss_list = [round(float(v), 4) for v in train]
    val_list = [round(float(v), 4) for v in val]
    val_list[low] = val_min
    return loss_list, val_list


def _hidden_curves() -> list[_Curve]:
    """Every visible curve, then the edge cases and 26 random curves of 3 to 15 epochs (fixed seed)."""
    forms = list(_FORMS)
    pairs = _edge_curves()
    rng = np.random.default_rng(404)
    kinds = ("overfitting", "good fit", "underfitting")
    for rounds in range(2):
        for i, epochs in enumerate(rng.permutation(np.arange(3, 16))):
            pairs.append(_random_curve(rng, kinds[(i + rounds) % 3], int(epochs)))
    hidden = [
        _curve(f"hidden curve {n}", loss, val, forms[n % len(forms)], visible=False)
        for n, (loss, val) in enumerate(pairs, start=1)
    ]
    return _visible_curves() + hidden


# A wrong rule: (loss, val_loss) as plain lists -> the label it gives.
_Rule = Callable[[list[float], list[float]], str]


def _rule(
    underfit: Callable[[list[float], list[float]], bool],
    overfit: Callable[[list[float], list[float]], bool],
    *,
    overfit_first: bool = False,
) -> _Rule:
    """A diagnosis rule made of an underfitting test and an overfitting test, in some order."""

    def diagnose(loss: list[float], val: list[float]) -> str:
        tests = [(underfit, "underfitting"), (overfit, "overfitting")]
        for test, label in reversed(tests) if overfit_first else tests:
            if test(loss, val):
                return label
        return "good fit"

    return diagnose


def _train_high(loss: list[float], val: list[float]) -> bool:
    return loss[-1] > 0.6


def _val_up(loss: list[float], val: list[float]) -> bool:
    return val[-1] > 1.1 * min(val)


_OVERFIT_HINT = "compare with the lowest value: overfitting when `val_loss[-1] > 1.1 * min(val_loss)`."

# The typical mistakes, each as the wrong rules that make it, the sentence that names it and a
# hint. When the student's answers are those of one of these rules, the feedback names it.
# _visible_curves() tell every one of them apart (tests/test_checks_sentiment.py checks it).
_DIAGNOSIS_MISTAKES: tuple[tuple[tuple[_Rule, ...], str, str], ...] = (
    (
        (
            _rule(_train_high, lambda loss, val: val[-1] > 1.1 * val[0]),
            _rule(_train_high, lambda loss, val: val[-1] > val[0]),
        ),
        "It looks as if you compare the last validation loss with the first one: a validation loss "
        "that has fallen far can climb well above its minimum (overfitting) and still end below where it started.",
        _OVERFIT_HINT,
    ),
    (
        (_rule(_train_high, lambda loss, val: val[-1] > 1.1 * val[-2]),),
        "It looks as if you compare the last validation loss with the epoch before it: a validation "
        "loss that turns up slowly rises little from one epoch to the next, yet ends far above its minimum.",
        _OVERFIT_HINT,
    ),
    (
        (_rule(_train_high, lambda loss, val: val[-1] > val[-2]),),
        "It looks as if you call a curve overfitting as soon as its validation loss rose at the last "
        "epoch: a rise of a few per cent is noise; the rule compares the last value with the minimum "
        "and asks for more than 10 % above it.",
        _OVERFIT_HINT,
    ),
    (
        (_rule(_train_high, lambda loss, val: val[-1] > min(val)),),
        "It looks as if you call a curve overfitting as soon as its last validation loss is not the "
        "lowest: a rise of a few per cent is noise, which is why the rule asks for more than 10 % above the minimum.",
        "overfitting only when `val_loss[-1] > 1.1 * min(val_loss)`; within 10 % of the minimum is a good fit.",
    ),
    (
        (_rule(_train_high, lambda loss, val: val[-1] > min(val) + 0.1),),
        "It looks as if you read '10 % above its minimum' as 0.1 above it: the margin is relative, "
        "so it scales with the loss (for a minimum of 0.2, 10 % above is 0.22).",
        "multiply, don't add: `val_loss[-1] > 1.1 * min(val_loss)`.",
    ),
    (
        (_rule(_train_high, _val_up, overfit_first=True),),
        "It looks as if you check for overfitting before underfitting: this model's training loss is "
        "still above 0.6, so it has learned little, whatever its validation loss does.",
        "test underfitting first and return at once (`if history['loss'][-1] > 0.6: return 'underfitting'`); "
        "only then look at the validation loss.",
    ),
    (
        (
            _rule(lambda loss, val: val[-1] > 0.6, _val_up),
            _rule(lambda loss, val: loss[-1] > 0.6 or val[-1] > 0.6, _val_up),
            _rule(lambda loss, val: loss[-1] > 0.6 and val[-1] > 0.6, _val_up),
            _rule(lambda loss, val: min(val) > 0.6, _val_up),
        ),
        "It looks as if you use the validation loss to decide underfitting: the rule reads the training "
        "loss alone (a model that overfits ends with a high validation loss too, yet has learned a lot).",
        "underfitting when the training loss at the last epoch is above 0.6: `history['loss'][-1] > 0.6`.",
    ),
    (
        (_rule(lambda loss, val: loss[-1] > 0.693, _val_up),),
        "It looks as if you compare the training loss with ln 2 = 0.693 instead of 0.6: a training loss "
        "between the two is underfitting too (ln 2 is what answering 0.5 everywhere scores).",
        "underfitting when `history['loss'][-1] > 0.6`.",
    ),
)

_RULES_HINT = (
    "apply the rules in this order: 'underfitting' if the last training loss is above 0.6; otherwise "
    "'overfitting' if the last validation loss is more than 10 % above its minimum "
    "(`val_loss[-1] > 1.1 * min(val_loss)`); otherwise 'good fit'."
)


def _short(values: Sequence[float]) -> str:
    """``[0.693, 0.512, ...]`` with 3 decimals; a long curve keeps its first and last four epochs."""
    texts = [f"{v:.3f}" for v in values]
    if len(texts) > 10:
        texts = [*texts[:4], "...", *texts[-4:]]
    return "[" + ", ".join(texts) + "]"


def _curve_text(curve: _Curve) -> str:
    """The curve as the feedback shows it: its numbers and the two that decide the diagnosis."""
    loss, val = curve.history["loss"], curve.history["val_loss"]
    above = 100.0 * (val[-1] / min(val) - 1.0)
    where = "at its minimum" if val[-1] == min(val) else f"{above:.{1 if above < 1 else 0}f} % above its minimum"
    return (
        f"{curve.label} (loss = {_short(loss)}, val_loss = {_short(val)}; last training loss "
        f"{loss[-1]:.3f}, last validation loss {where})"
    )


def _what_changed(given: Mapping[Any, Any], curve: _Curve) -> str:
    """``""`` if ``given`` still holds the copy of ``curve`` it started as, else what changed."""
    original = _in_form(curve.history, curve.form)
    for key, want in original.items():
        if key not in given:
            return f"it removed the key {key!r}"
        value = given[key]
        if type(value) is not type(want):
            return f"it replaced history[{key!r}] by a {type(value).__name__}"
        if len(value) != len(want):
            return f"history[{key!r}] now holds {len(value)} values instead of {len(want)}"
        if isinstance(want, np.ndarray):
            same = value.dtype == want.dtype and bool(np.array_equal(value, want))
            numbers = value.dtype == want.dtype
        else:
            numbers = all(type(v) is float for v in value)
            same = numbers and all(v == w for v, w in zip(value, want))
        if not same:
            if numbers and np.array_equal(np.sort(np.asarray(value)), np.sort(np.asarray(want))):
                return f"it reordered history[{key!r}] in place (sorted or reversed it)"
            return f"it changed the values of history[{key!r}]"
    added = [key for key in given if not (type(key) is str and key in original)]
    if added:
        shown = repr(added[0]) if type(added[0]) is str else f"a {type(added[0]).__name__}"
        return f"it added the key {shown}"
    return ""


def _ask_diagnosis(diagnose: Callable[..., Any], curve: _Curve, name: str) -> str:
    """Call the student's ``diagnose`` on a copy of ``curve``; its answer, lower-case, or fail."""
    __tracebackhide__ = True
    given = _in_form(curve.history, curve.form)
    problem: tuple[str, str] | None = None
    try:
        raw = call_student(diagnose, given, name=name)
    except CheckFailure as exc:
        if curve.form == "lists":
            raise
        message = str(exc).partition("\nHint: ")[0]
        problem = (
            f"{message}{'' if message.endswith('.') else '.'} This was on {curve.label}, "
            f"whose 'loss' and 'val_loss' are {curve.form}.",
            "the lists in `history` may also be tuples or numpy arrays: indexing (`val_loss[-1]`), "
            "min(...) and np.asarray(...) work on all of them; list methods such as .index() do not.",
        )
    if problem is not None:  # raised outside the except block: one message, no chained traceback
        fail(problem[0], hint=problem[1])
    changed = _what_changed(given, curve)
    if changed:
        fail(
            f"{name} changed the history it was given: {changed} (on {curve.label}).",
            hint="read the history without changing it: min(...), sorted(...) and np.asarray(...) make new "
            "values, while .sort(), .pop(), .append(), .reverse() or assigning to history[...] change the "
            "caller's data (in the notebook, your model's history.history).",
        )
    if raw is None:
        fail(
            f"{name} returned None for {curve.label}; expected one of {_ALLOWED}.",
            hint="did you forget the `return` statement?",
        )
    if not isinstance(raw, str):
        kind = type(raw).__name__
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        fail(
            f"{name} returned {article} {kind} for {curve.label}; expected one of {_ALLOWED}.",
            hint="return the answer as a string, e.g. `return 'good fit'`.",
        )
    text = str.__str__(raw)
    answer = " ".join(text.lower().split())
    if answer not in DIAGNOSIS_CHOICES:
        shown = repr(text if len(text) <= 40 else text[:40] + "...")
        letters = "".join(ch for ch in answer if ch.isalpha())
        close = [c for c in DIAGNOSIS_CHOICES if len(os.path.commonprefix([letters, c.replace(" ", "")])) >= 4]
        fail(
            f"{name} returned {shown} for {curve.label}; expected one of {_ALLOWED}.",
            hint=(f"did you mean {close[0]!r}? " if close else "")
            + "return exactly one of the three answers (upper or lower case and surrounding spaces do not matter).",
        )
    return answer


def _explain_diagnoses(curves: Sequence[_Curve], answers: Sequence[str], name: str) -> None:
    """Fail with the feedback for wrong answers: the mistake they show, or the first wrong curve."""
    __tracebackhide__ = True
    wrong = [i for i, (curve, got) in enumerate(zip(curves, answers)) if got != curve.expected]
    if not wrong:
        return
    expected = [curve.expected for curve in curves]

    def head(i: int) -> str:
        return f"{name} returned {answers[i]!r} for {_curve_text(curves[i])}; expected {expected[i]!r}."

    if len(set(answers)) == 1:
        fail(
            f"{head(wrong[0])} It returned {answers[0]!r} for all {len(curves)} curves, whatever they show.",
            hint=_RULES_HINT,
        )
    renamed = dict(zip(expected, answers))
    if len(renamed) == len(set(renamed.values())) and [renamed[e] for e in expected] == list(answers):
        swaps = [f"{got!r} where {want!r} is right" for want, got in renamed.items() if want != got]
        fail(
            f"{head(wrong[0])} {name} tells the three cases apart but names them wrongly: it returns {_and(swaps)}.",
            hint="check which string each branch of your function returns.",
        )
    # A mistake explains the answers when its rule gives the student's answer on every visible curve
    # (they tell the mistakes apart) and on every curve the student got wrong. Anything looser names
    # a mistake the student did not make: a 20 % margin is not "0.1 instead of 10 %".
    for rules, sentence, hint in _DIAGNOSIS_MISTAKES:
        for rule in rules:
            if all(
                rule(curve.history["loss"], curve.history["val_loss"]) == answers[i]
                for i, curve in enumerate(curves)
                if curve.visible or i in wrong
            ):
                fail(f"{head(wrong[0])} {sentence}", hint=hint)
    fail(f"{head(wrong[0])} ({len(wrong)} of {len(curves)} curves are diagnosed wrongly.)", hint=_RULES_HINT)


def check_diagnose(diagnose: Callable[..., Any], *, visible: bool = True) -> None:
    """``diagnose(history)`` reads one learning curve and returns one of :data:`DIAGNOSIS_CHOICES`.

    ``history`` is a dict like Keras's ``history.history`` (lists ``"loss"`` and ``"val_loss"``,
    at least 3 epochs). The rule: "underfitting" when the last training loss is above 0.6;
    otherwise "overfitting" when the last validation loss is more than 10 % above its minimum;
    otherwise "good fit". The visible check feeds the plotted examples A, B, C and one curve per
    typical mistake; the hidden one (``visible=False``) adds edge cases near the thresholds and
    random curves of 3 to 15 epochs, as lists, tuples and numpy arrays. Each call gets a copy,
    which must come back unchanged; answers are compared case- and whitespace-insensitively.
    """
    __tracebackhide__ = True
    name = "diagnose"
    curves = _visible_curves() if visible else _hidden_curves()
    answers = [_ask_diagnosis(diagnose, curve, name) for curve in curves]
    _explain_diagnoses(curves, answers, name)
    report_pass(name, visible=visible, detail=f"{len(curves)} learning curves")


# --------------------------------------------------------------------------------------
# Exercise 5: Conv1D + MaxPooling1D + LSTM on GloVe
# --------------------------------------------------------------------------------------


def _small_matrix(seed: int, num_words: int, embedding_dim: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).normal(scale=0.5, size=(num_words, embedding_dim))
    matrix[0] = 0.0
    return matrix.astype(np.float32)


def check_conv_lstm(
    build_conv_lstm: Callable[..., Any],
    *,
    num_words: int = 40,
    embedding_dim: int = 6,
    filters: int = 4,
    kernel_size: int = 3,
    pool_size: int = 2,
    num_units: int = 5,
    seq_len: int = 16,
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``build_conv_lstm(embedding_matrix, filters, kernel_size, pool_size, num_units)``."""
    __tracebackhide__ = True
    import keras

    name = "build_conv_lstm"
    matrix = _small_matrix(seed, num_words, embedding_dim)
    _seeded(seed)
    model = _call_builder(build_conv_lstm, matrix.copy(), filters, kernel_size, pool_size, num_units, name=name)
    _expect_model(model, name)
    _expect_pretrained_embedding(model, name, matrix, trainable=True)
    convs = layers_of(model, keras.layers.Conv1D)
    pools = layers_of(model, keras.layers.MaxPooling1D)
    if not convs:
        fail(
            f"{name}: the model has no Conv1D layer (layers: {describe(model)}).",
            hint="after the embedding: keras.layers.Conv1D(filters, kernel_size, activation='relu').",
        )
    if not pools:
        fail(
            f"{name}: the model has no MaxPooling1D layer (layers: {describe(model)}).",
            hint="after the convolution: keras.layers.MaxPooling1D(pool_size); it is what shortens "
            "the sequence the LSTM has to read.",
        )
    conv, pool = convs[0], pools[0]
    if conv.filters != filters or tuple(conv.kernel_size) != (kernel_size,):
        fail(
            f"{name}: the Conv1D has filters={conv.filters}, kernel_size={tuple(conv.kernel_size)}; "
            f"expected filters={filters}, kernel_size=({kernel_size},)."
        )
    conv_activation = activation_name(conv)
    if conv_activation != "relu":
        if conv_activation in ("", "linear"):
            hint = (
                "Conv1D's default is activation=None, which is linear: pass activation='relu', "
                "keras.layers.Conv1D(filters, kernel_size, activation='relu'). The relu makes each filter a "
                "phrase detector that outputs 0 where its phrase is absent, before the max pooling keeps "
                "its strongest response."
            )
        else:
            hint = "keras.layers.Conv1D(filters, kernel_size, activation='relu'), as in the exercise text."
        fail(f"{name}: the Conv1D's activation is {conv_activation or 'missing'}; expected relu.", hint=hint)
    if tuple(pool.pool_size) != (pool_size,):
        fail(f"{name}: the MaxPooling1D has pool_size={tuple(pool.pool_size)}; expected ({pool_size},).")
    (lstm,) = _expect_recurrent_stack(model, name, [keras.layers.LSTM], num_units)
    order = [model_layers(model).index(layer) for layer in (conv, pool, lstm)]
    if order != sorted(order):
        fail(
            f"{name}: the layers are in the order {describe(model)}; expected Embedding -> Conv1D "
            f"-> MaxPooling1D -> LSTM -> Dense.",
            hint="convolve and pool the word vectors first; the LSTM then reads the shorter sequence.",
        )
    x, y = _token_batch(seed, 16, seq_len, num_words)
    _expect_probability_output(model, x, name)
    steps_in = seq_len - kernel_size + 1
    inputs = list(getattr(model, "inputs", None) or [])
    reach = keras.Model(inputs[0], pool.output) if len(inputs) == 1 else None
    if reach is not None:
        pooled = np.asarray(reach(x))
        want_steps = steps_in // pool_size
        if pooled.shape[1] != want_steps:
            fail(
                f"{name}: the pooled sequence has {pooled.shape[1]} steps for an input of {seq_len}; "
                f"expected ({seq_len} - {kernel_size} + 1) // {pool_size} = {want_steps}.",
                hint="use the Conv1D's default padding='valid' and MaxPooling1D(pool_size).",
            )
    _expect_params(model, models.build_conv_lstm(matrix, filters, kernel_size, pool_size, num_units), name)
    if train:
        _expect_loss_drops(model, x, y, name)
    report_pass(name, visible=visible, detail=f"{seq_len} steps -> {steps_in // pool_size} after pooling")


# --------------------------------------------------------------------------------------
# Exercise 6: the seed's example model, in Keras 3
# --------------------------------------------------------------------------------------


def check_example_model(
    build_example_model: Callable[..., Any],
    *,
    num_words: int = 40,
    embedding_dim: int = 6,
    num_units: int = 8,
    dense_dropout: float = 0.25,
    recurrent_dropout: float = 0.15,
    seed: int = 0,
    visible: bool = True,
    train: bool = True,
) -> None:
    """``build_example_model(embedding_matrix, num_units, dense_dropout, recurrent_dropout)``: the slide's model.

    Layer for layer as on the slide: a trainable GloVe-initialised Embedding, Dense(wordvec_dim,
    relu), Dropout, LSTM (return_sequences, dropout), GRU (dropout), Dense(num_units) and, after a
    Dropout, Dense(num_units // 2), both linear, and Dense(1, sigmoid).
    """
    __tracebackhide__ = True
    import keras

    name = "build_example_model"
    matrix = _small_matrix(seed, num_words, embedding_dim)
    _seeded(seed)
    model = _call_builder(build_example_model, matrix.copy(), num_units, dense_dropout, recurrent_dropout, name=name)
    _expect_model(model, name)
    _expect_pretrained_embedding(model, name, matrix, trainable=True)
    lstm, gru = _expect_recurrent_stack(model, name, [keras.layers.LSTM, keras.layers.GRU], num_units)
    for layer in (lstm, gru):
        if not np.isclose(float(layer.dropout), recurrent_dropout):
            fail(
                f"{name}: the {layer_kind(layer)} has dropout={float(layer.dropout):g}; the slide's is "
                f"recurrent_dropout = {recurrent_dropout:g}.",
                hint=f"pass dropout=recurrent_dropout to the {layer_kind(layer)} "
                "(the Dropout layers use dense_dropout).",
            )
    expected = [
        keras.layers.Embedding,
        keras.layers.Dense,
        keras.layers.Dropout,
        keras.layers.LSTM,
        keras.layers.GRU,
        keras.layers.Dense,
        keras.layers.Dropout,
        keras.layers.Dense,
        keras.layers.Dense,
    ]
    got_kinds = [type(layer) for layer in model_layers(model)]
    if got_kinds != expected:
        fail(
            f"{name}: the layers are {describe(model)}; the slide has "
            f"{' -> '.join(kind.__name__ for kind in expected)}.",
            hint="follow the slide's model.add calls in order: Dense2, then Dropout, then Dense3.",
        )
    dense_units = [layer.units for layer in layers_of(model, keras.layers.Dense)]
    want_units = [embedding_dim, num_units, num_units // 2, 1]
    if dense_units != want_units:
        fail(
            f"{name}: the Dense layers have {dense_units} units; expected {want_units}.",
            hint="Dense1 has wordvec_dim units (the embedding's width, embedding_matrix.shape[1]); "
            "Dense2 num_units, Dense3 num_units // 2.",
        )
    activations = [activation_name(layer) for layer in layers_of(model, keras.layers.Dense)]
    if activations[0] != "relu":
        fail(f"{name}: Dense1 uses the activation {activations[0]}; the slide's is relu.")
    if activations[1:3] != ["linear", "linear"]:
        fail(
            f"{name}: Dense2 and Dense3 use the activations {activations[1:3]}; on the slide they have none (linear).",
            hint="Dense(num_units) without an activation argument, as the slide writes it.",
        )
    rates = [float(layer.rate) for layer in layers_of(model, keras.layers.Dropout)]
    if not np.allclose(rates, dense_dropout):
        fail(f"{name}: the Dropout layers have rates {rates}; expected dense_dropout = {dense_dropout:g} for both.")
    x, y = _token_batch(seed, 16, 8, num_words)
    _expect_probability_output(model, x, name)
    _expect_params(model, models.build_example_model(matrix, num_units, dense_dropout, recurrent_dropout), name)
    if train:
        _expect_loss_drops(model, x, y, name)
    report_pass(name, visible=visible)


def _predict_texts(model: Any, texts: Sequence[str] | np.ndarray, name: str) -> np.ndarray:
    """The model's probabilities for raw texts, given as a (n, 1) or, failing that, a (n,) batch."""
    __tracebackhide__ = True
    import tensorflow as tf

    problem = ""
    for shape in ((-1, 1), (-1,)):
        try:
            batch = tf.reshape(tf.constant(list(texts), dtype=tf.string), shape)
            return np.asarray(model.predict(batch, verbose=0, batch_size=256), dtype=np.float64).reshape(-1)
        except Exception as exc:  # noqa: BLE001
            problem = f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:300]}"
    fail(
        f"the model from {name} failed on a batch of review texts: {problem}",
        hint="start with keras.Input(shape=(1,), dtype='string') followed by the TextVectorization layer.",
    )


# --------------------------------------------------------------------------------------
# Exercise 7: the bag-of-bigrams baseline, trained and evaluated by the student
# --------------------------------------------------------------------------------------

NGRAM_MAX_TOKENS = 40_000
NGRAM_DROPOUT = 0.5
_LEAK_TOKEN = "qzxvtestonlyword"  # put into every test review of the check, never into a training one


def _ngram_data(seed: int, num_train: int, num_test: int) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Disjoint, label-balanced training and test reviews from the course's training split.

    Texts come as numpy arrays of Python strings (dtype object), as the lesson passes them.
    """
    from ..data import load_imdb_reviews

    texts, labels = load_imdb_reviews("train")
    rng = np.random.default_rng(seed)
    rows = [rng.permutation(np.flatnonzero(labels == label)) for label in (0, 1)]
    half_train, half_test = num_train // 2, num_test // 2
    train_rows = rng.permutation(np.concatenate([r[:half_train] for r in rows]))
    test_rows = rng.permutation(np.concatenate([r[half_train : half_train + half_test] for r in rows]))
    train = (np.array([texts[i] for i in train_rows], dtype=object), labels[train_rows])
    test = (np.array([f"{texts[i]} {_LEAK_TOKEN}" for i in test_rows], dtype=object), labels[test_rows])
    return train, test


def check_ngram_baseline(
    fit_ngram_baseline: Callable[..., Any],
    *,
    seed: int = 0,
    num_train: int = 2000,
    num_test: int = 500,
    epochs: int = 3,
    min_accuracy: float = 0.75,
    visible: bool = True,
) -> None:
    """``fit_ngram_baseline(train, test, epochs)`` builds, trains and evaluates the bag-of-bigrams model.

    The check passes its own reviews (disjoint training and test sets from the course's training
    split), then reads the returned model: a ``TextVectorization`` with unigrams and bigrams,
    tf-idf output and at most 40,000 entries, adapted on the training texts only (every test
    review carries a word no training review has: if the vocabulary holds it, the vectorizer saw
    the test set), ``Dropout(0.5)`` and ``Dense(1, sigmoid)``. The returned accuracy must be what
    the returned model scores on the test reviews, and at least ``min_accuracy``.
    """
    __tracebackhide__ = True
    import keras

    name = "fit_ngram_baseline"
    train, test = _ngram_data(seed, num_train, num_test)
    _seeded(seed)
    returned = call_student(fit_ngram_baseline, train, test, epochs, name=name)
    if not isinstance(returned, tuple) or len(returned) != 2:
        fail(
            f"{name} returned a {type(returned).__name__}; expected a pair (model, test_accuracy).",
            hint="end with `return model, accuracy`.",
        )
    model, accuracy = returned
    _expect_model(model, name)
    vectorizers = [layer for layer in model.layers if isinstance(layer, keras.layers.TextVectorization)]
    if len(vectorizers) != 1:
        fail(
            f"{name}'s model has {len(vectorizers)} TextVectorization layers; expected one, as its first layer.",
            hint="keras.Sequential([keras.Input(shape=(1,), dtype='string'), vectorizer, ...]).",
        )
    settings = vectorizers[0].get_config()
    ngrams = settings.get("ngrams")
    counted = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else tuple(ngrams or ())
    if counted != (1, 2):
        fail(
            f"the vectorizer's ngrams setting is {ngrams!r}; the baseline counts single words and word pairs.",
            hint="TextVectorization(..., ngrams=2) counts unigrams and bigrams.",
        )
    if settings.get("output_mode") != "tf_idf":
        fail(
            f"the vectorizer's output_mode is {settings.get('output_mode')!r}; expected 'tf_idf'.",
            hint="output_mode='tf_idf' gives one weighted count per vocabulary entry (a bag), not a sequence.",
        )
    if settings.get("max_tokens") != NGRAM_MAX_TOKENS:
        fail(f"the vectorizer's max_tokens is {settings.get('max_tokens')}; expected {NGRAM_MAX_TOKENS:,}.")
    if _LEAK_TOKEN in set(vectorizers[0].get_vocabulary()):
        fail(
            f"{name} adapted its vectorizer on the test reviews too: its vocabulary holds a word that only the "
            "test reviews contain.",
            hint="adapt on the training texts only; the test set must not shape the model in any way.",
        )
    dropouts = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    if [round(float(layer.rate), 6) for layer in dropouts] != [NGRAM_DROPOUT]:
        fail(
            f"{name}'s model has dropout rates {[float(layer.rate) for layer in dropouts]}; expected one "
            f"Dropout({NGRAM_DROPOUT}) after the vectorizer.",
        )
    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense) or last.units != 1 or activation_name(last) != "sigmoid":
        fail(
            f"{name}'s model ends in {layer_kind(last)}; expected Dense(1, activation='sigmoid').",
            hint="one probability of 'positive' per review.",
        )
    claimed = as_float(accuracy, name=f"{name}'s test accuracy")
    probabilities = _predict_texts(model, test[0], name)
    measured = float(np.mean((probabilities > 0.5) == (test[1] == 1)))
    if abs(claimed - measured) > 0.01:
        fail(
            f"{name} returned an accuracy of {claimed:.3f}, but the returned model scores {measured:.3f} on the "
            "test reviews.",
            hint="return model.evaluate(test texts, test labels)'s accuracy, after training.",
        )
    if measured < min_accuracy:
        fail(
            f"{name}'s model scores {measured:.3f} on the check's test reviews after {epochs} epochs; expected at "
            f"least {min_accuracy}.",
            hint="fit on the training texts for `epochs` epochs (Adam, binary cross-entropy).",
        )
    report_pass(name, visible=visible, detail=f"test accuracy {measured:.3f} on the check's {num_test} reviews")
