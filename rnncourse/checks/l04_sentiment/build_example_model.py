"""Exercise ``build_example_model``: predict, then port the chapter's example model to Keras 3, exercise 6.

Two parts. (a) ``example_model_params(num_words, wordvec_dim, num_units)`` predicts the trainable
parameters of each of the slide's weighted layers (:data:`PARAM_LAYERS`), as a dict of ints, from
what each layer reads and does. (b) ``build_example_model(embedding_matrix, num_units,
dense_dropout, recurrent_dropout)`` returns the slide's model, uncompiled, layer for layer. The
reference is :func:`rnncourse.models.build_example_model`, for the parameter count; the check
compares the layers, their sizes, activations and dropout rates with the slide's, then the
prediction with the student's own model (each layer's ``count_params()``) and with
:func:`reference_params` on other sizes, one with a vocabulary no Embedding can be built for
(:data:`UNBUILDABLE_WORDS`). A wrong prediction that matches a typical slip is named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ... import models
from .._core import CheckFailure, activation_name, as_int, call_student, fail, report_pass
from .._keras import describe, layer_kind, layers_of, model_layers
from ._common import (
    call_builder,
    expect_loss_drops,
    expect_model,
    expect_params,
    expect_pretrained_embedding,
    expect_probability_output,
    expect_recurrent_stack,
    seeded,
    small_matrix,
    token_batch,
)

NAME = "build_example_model"

#: The slide's layers that have weights, by its names, in order.
PARAM_LAYERS = ("Embedding", "Dense1", "LSTM", "GRU", "Dense2", "Dense3", "Output")

# A vocabulary no Embedding can be built for (its table would not fit in any memory): only a
# formula answers it. Visible and hidden use different ones.
UNBUILDABLE_WORDS = {True: 300_000_000_000, False: 900_000_000_000}


def reference_params(num_words: int, wordvec_dim: int, num_units: int) -> dict[str, int]:
    """What ``example_model_params`` must return (tests check it against Keras's ``count_params()``)."""
    half = num_units // 2
    return {
        "Embedding": num_words * wordvec_dim,  # trainable on the slide
        "Dense1": wordvec_dim * wordvec_dim + wordvec_dim,  # one layer, shared by every word of the review
        "LSTM": 4 * num_units * (wordvec_dim + num_units + 1),
        "GRU": 3 * num_units * (num_units + num_units + 2),  # reads the LSTM's states; two biases (reset_after)
        "Dense2": num_units * num_units + num_units,
        "Dense3": num_units * half + half,
        "Output": half + 1,
    }


def _changed(key: str, change: Callable[[int, int, int, int], int]) -> Callable[[int, int, int], dict[str, int]]:
    def params(num_words: int, wordvec_dim: int, num_units: int) -> dict[str, int]:
        out = reference_params(num_words, wordvec_dim, num_units)
        out[key] = change(num_words, wordvec_dim, num_units, out[key])
        return out

    return params


# The typical wrong predictions: the layer, the wrong counts, the sentence that names the slip, a hint.
_PARAM_MISTAKES: tuple[tuple[str, Callable[[int, int, int], dict[str, int]], str, str], ...] = (
    (
        "GRU",
        _changed("GRU", lambda v, d, u, right: 3 * u * (u + u + 1)),
        "a GRU with one bias vector per block: Keras's GRU (reset_after, its default) has two",
        "lesson 02 counted a Keras GRU's weights: look at its bias's shape.",
    ),
    (
        "GRU",
        _changed("GRU", lambda v, d, u, right: 3 * u * (d + u + 2)),
        "a GRU that reads the word vectors: it reads the LSTM's sequence of states, num_units numbers per step",
        "each recurrent layer's input is what the layer before it outputs.",
    ),
    (
        "LSTM",
        _changed("LSTM", lambda v, d, u, right: 3 * u * (d + u + 1)),
        "an LSTM with three blocks: it has four (three gates and the candidate)",
        "lesson 02's parameter counts: four blocks, each with input weights, recurrent weights and a bias.",
    ),
    (
        "Embedding",
        _changed("Embedding", lambda v, d, u, right: 0),
        "a frozen embedding: on the slide it is trainable, so its table counts",
        "a trainable Embedding has one weight per word and dimension.",
    ),
    (
        "Dense1",
        _changed("Dense1", lambda v, d, u, right: v * d + d),
        "Dense1 as if it read the vocabulary: it reads each word vector, wordvec_dim numbers, and the same "
        "weights serve every word",
        "a Dense layer applied to a sequence acts on the last axis, one step at a time, with one set of weights.",
    ),
)


def _ask_params(params_fn: Callable[..., Any], args: tuple[int, int, int]) -> dict[str, int]:
    __tracebackhide__ = True
    fn_name = "example_model_params"
    problem = ""
    try:
        returned = call_student(params_fn, *args, name=fn_name)
    except CheckFailure as exc:
        if args[0] not in UNBUILDABLE_WORDS.values():
            raise
        problem = str(exc).partition("\nHint: ")[0]
    if problem:  # raised outside the except block: one message, no chained traceback
        fail(
            f"example_model_params(num_words={args[0]:,}, wordvec_dim={args[1]}, num_units={args[2]}) failed: "
            f"{problem} No Embedding can be built for a vocabulary this large, so the prediction must come "
            f"from a formula, not from a model.",
            hint="the exercise asks you to work the counts out from what each layer does, without building one.",
        )
    if not isinstance(returned, dict) or sorted(map(str, returned)) != sorted(PARAM_LAYERS):
        keys = sorted(map(str, returned)) if isinstance(returned, dict) else None
        fail(
            f"{fn_name} returned {f'a dict with the keys {keys}' if keys is not None else type(returned).__name__}; "
            f"expected a dict with the keys {list(PARAM_LAYERS)} (the layers that have weights).",
            hint="one entry per layer with weights, by the slide's names; Dropout layers have none.",
        )
    return {key: as_int(returned[key], name=f"{fn_name}(...)[{key!r}]") for key in PARAM_LAYERS}


def _check_params(params_fn: Callable[..., Any], model: Any, args: tuple[int, int, int], *, visible: bool) -> None:
    """The prediction against the student's own model's layers, then against the formula on other sizes."""
    __tracebackhide__ = True
    weighted = [layer for layer in model_layers(model) if layer.weights]
    measured = dict(zip(PARAM_LAYERS, (int(layer.count_params()) for layer in weighted)))
    num_words, wordvec_dim, num_units = args
    others = (
        [(5_000, 50, 64), (num_words + 3, wordvec_dim + 1, num_units + 3)]
        if visible
        else [(2_000, 30, 20), (num_words + 5, wordvec_dim + 2, num_units + 5)]
    )
    others.append((UNBUILDABLE_WORDS[visible], 50, 64))
    cases = [(args, _ask_params(params_fn, args), measured, "your model's layer has")]
    cases += [(other, _ask_params(params_fn, other), reference_params(*other), "expected") for other in others]
    for sizes, got, want, against in cases:
        for key in PARAM_LAYERS:
            if got[key] == want[key]:
                continue
            wrong = [(a, g) for a, g, w, _ in cases if g[key] != w[key]]
            shown = f"num_words={sizes[0]:,}, wordvec_dim={sizes[1]}, num_units={sizes[2]}"
            head = f"example_model_params({shown}) predicts {got[key]:,} parameters for {key}; {against} {want[key]:,}."
            for layer, params, sentence, hint in _PARAM_MISTAKES:
                if layer == key and all(params(*a)[key] == g[key] for a, g in wrong):
                    fail(f"{head} It looks as if you counted {sentence}.", hint=hint)
            fail(
                head,
                hint="count each layer's weights from what it reads: its input width, its units, its biases "
                "(lesson 02's parameter counts for the recurrent layers).",
            )


def check_build_example_model(
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
    params: Callable[..., Any] | None = None,
) -> None:
    """``build_example_model(embedding_matrix, num_units, dense_dropout, recurrent_dropout)``: the slide's model.

    ``params`` is the student's ``example_model_params``: compared with the built model's layers,
    then with :func:`reference_params` on other sizes, an unbuildable vocabulary among them.

    Layer for layer as on the slide: a trainable GloVe-initialised Embedding, Dense(wordvec_dim,
    relu), Dropout, LSTM (return_sequences, dropout), GRU (dropout), Dense(num_units) and, after a
    Dropout, Dense(num_units // 2), both linear, and Dense(1, sigmoid).
    """
    __tracebackhide__ = True
    import keras

    name = "build_example_model"
    matrix = small_matrix(seed, num_words, embedding_dim)
    seeded(seed)
    model = call_builder(build_example_model, matrix.copy(), num_units, dense_dropout, recurrent_dropout, name=name)
    expect_model(model, name)
    expect_pretrained_embedding(model, name, matrix, trainable=True)
    lstm, gru = expect_recurrent_stack(model, name, [keras.layers.LSTM, keras.layers.GRU], num_units)
    for layer in (lstm, gru):
        if not np.isclose(float(layer.dropout), recurrent_dropout):
            fail(
                f"{name}: the {layer_kind(layer)} has dropout={float(layer.dropout):g}; the slide's is "
                f"recurrent_dropout = {recurrent_dropout:g}.",
                hint="the recurrent layers' dropout comes from recurrent_dropout, the Dropout layers' from "
                "dense_dropout (the slide's 0.15 and 0.25).",
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
            hint="follow the slide's model.add calls in order.",
        )
    dense_units = [layer.units for layer in layers_of(model, keras.layers.Dense)]
    want_units = [embedding_dim, num_units, num_units // 2, 1]
    if dense_units != want_units:
        fail(
            f"{name}: the Dense layers have {dense_units} units; expected {want_units}.",
            hint="Dense1 is as wide as the word vectors (the embedding matrix's width); Dense2 has num_units, "
            "Dense3 half of it.",
        )
    activations = [activation_name(layer) for layer in layers_of(model, keras.layers.Dense)]
    if activations[0] != "relu":
        fail(f"{name}: Dense1 uses the activation {activations[0]}; the slide's is relu.")
    if activations[1:3] != ["linear", "linear"]:
        fail(
            f"{name}: Dense2 and Dense3 use the activations {activations[1:3]}; on the slide they have none (linear).",
            hint="the slide gives Dense2 and Dense3 no activation.",
        )
    rates = [float(layer.rate) for layer in layers_of(model, keras.layers.Dropout)]
    if not np.allclose(rates, dense_dropout):
        fail(f"{name}: the Dropout layers have rates {rates}; expected dense_dropout = {dense_dropout:g} for both.")
    x, y = token_batch(seed, 16, 8, num_words)
    expect_probability_output(model, x, name)
    expect_params(model, models.build_example_model(matrix, num_units, dense_dropout, recurrent_dropout), name)
    if params is not None:
        _check_params(params, model, (num_words, embedding_dim, num_units), visible=visible)
    if train:
        expect_loss_drops(model, x, y, name)
    report_pass(name, visible=visible, detail="predictions match" if params is not None else "")
