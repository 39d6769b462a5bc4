"""Exercise ``build_conv_lstm``: predict, then build Conv1D and MaxPooling1D before an LSTM on GloVe, exercise 5.

Two parts. (a) ``conv_lstm_sizes(seq_len, num_words, embedding_dim, filters, kernel_size, pool_size,
num_units)`` predicts, from what each layer does, the steps the convolution outputs
(``conv_steps``), the steps the LSTM reads (``lstm_steps``) and the model's trainable parameters
(``parameters``), as a dict of ints. (b) ``build_conv_lstm(embedding_matrix, filters, kernel_size,
pool_size, num_units)`` returns an uncompiled model: Input -> a trainable Embedding initialised with
``embedding_matrix`` -> Conv1D(relu) -> MaxPooling1D -> LSTM -> Dense(1, sigmoid).

The check compares the prediction with the student's own model (its pooled length and
``count_params()``), then with :func:`reference_sizes` on other sizes, one of them a vocabulary no
Embedding can be built for (:data:`UNBUILDABLE_WORDS`): only a formula answers it, so a prediction
that builds the model and asks Keras fails there. A wrong prediction is compared with the typical
mistakes (:data:`_SIZE_MISTAKES`) and the one it matches is named. The reference model is
:func:`rnncourse.models.build_conv_lstm`, for the parameter count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ... import models
from .._core import CheckFailure, activation_name, as_int, call_student, fail, report_pass
from .._keras import describe, layers_of, model_layers
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

NAME = "build_conv_lstm"

SIZE_KEYS = ("conv_steps", "lstm_steps", "parameters")

# A vocabulary no Embedding can be built for: with embedding_dim 50 its table would hold 2e13
# float32 weights (80 TB), an allocation refused at once. Visible and hidden use different ones.
UNBUILDABLE_WORDS = {True: 400_000_000_000, False: 700_000_000_000}


def reference_sizes(
    seq_len: int, num_words: int, embedding_dim: int, filters: int, kernel_size: int, pool_size: int, num_units: int
) -> dict[str, int]:
    """What ``conv_lstm_sizes`` must return (tests check it against Keras's shapes and ``count_params()``)."""
    conv_steps = seq_len - kernel_size + 1  # padding "valid": only the windows that fit
    return {
        "conv_steps": conv_steps,
        "lstm_steps": conv_steps // pool_size,  # MaxPooling1D drops an incomplete last window
        "parameters": num_words * embedding_dim  # the Embedding is trainable here
        + filters * (kernel_size * embedding_dim + 1)  # each filter: a kernel_size x embedding_dim window, a bias
        + 4 * num_units * (filters + num_units + 1)  # the LSTM reads the pooled filters
        + num_units
        + 1,
    }


def _mistaken(**changes: Any) -> Callable[..., dict[str, int]]:
    """``reference_sizes`` with one term changed: ``changes`` maps a key to f(sizes, reference value)."""

    def sizes(*args: int) -> dict[str, int]:
        right = reference_sizes(*args)
        names = ("seq_len", "num_words", "embedding_dim", "filters", "kernel_size", "pool_size", "num_units")
        given = dict(zip(names, args))
        return {key: changes[key](given, value) if key in changes else value for key, value in right.items()}

    return sizes


def _lstm(given: dict[str, int], inputs: int, blocks: int = 4) -> int:
    return blocks * given["num_units"] * (inputs + given["num_units"] + 1)


# The typical wrong predictions: the sentence that names each, and its hint.
_SIZE_MISTAKES: tuple[tuple[str, Callable[..., dict[str, int]], str, str], ...] = (
    (
        "conv_steps",
        _mistaken(conv_steps=lambda g, v: g["seq_len"]),
        "one convolution output per token: that is what padding the review would give, but this Conv1D keeps "
        "only the windows that fit inside it",
        "count the positions a window of kernel_size words can take in seq_len words (section 5's diagram).",
    ),
    (
        "conv_steps",
        _mistaken(conv_steps=lambda g, v: g["seq_len"] - g["kernel_size"]),
        "seq_len - kernel_size windows: one too few (a window that starts at the first word counts too)",
        "try it on a tiny case: 3 words and windows of 3 words give one window.",
    ),
    (
        "lstm_steps",
        _mistaken(lstm_steps=lambda g, v: -(-(g["seq_len"] - g["kernel_size"] + 1) // g["pool_size"])),
        "the pooled length rounded up: MaxPooling1D drops an incomplete last window",
        "the pooling keeps only whole windows of pool_size steps (its default padding).",
    ),
    (
        "lstm_steps",
        _mistaken(lstm_steps=lambda g, v: g["seq_len"] // g["pool_size"]),
        "seq_len pooled: the pooling reads the convolution's output, which is already shorter than the review",
        "pool what the convolution leaves, not the review.",
    ),
    (
        "parameters",
        _mistaken(parameters=lambda g, v: v - g["num_words"] * g["embedding_dim"]),
        "every parameter except the embedding's: here the GloVe embedding is fine-tuned, so its table is trained too",
        "a trainable Embedding has one weight per word and dimension.",
    ),
    (
        "parameters",
        _mistaken(parameters=lambda g, v: v - g["filters"]),
        "the convolution without its biases: each filter has one",
        "a filter is a window of weights plus one bias.",
    ),
    (
        "parameters",
        _mistaken(parameters=lambda g, v: v - g["filters"] * g["kernel_size"] * (g["embedding_dim"] - 1)),
        "a filter of kernel_size weights: a filter spans all embedding_dim dimensions of each word it covers",
        "a filter's window is kernel_size words by embedding_dim numbers.",
    ),
    (
        "parameters",
        _mistaken(parameters=lambda g, v: v - _lstm(g, g["filters"]) + _lstm(g, g["embedding_dim"])),
        "an LSTM that reads the word vectors: it reads the pooled sequence, filters numbers per step",
        "the LSTM's input at each step is what the pooling outputs (lesson 02's parameter counts).",
    ),
    (
        "parameters",
        _mistaken(parameters=lambda g, v: v - _lstm(g, g["filters"]) + _lstm(g, g["filters"], blocks=3)),
        "an LSTM with three blocks: it has four (three gates and the candidate)",
        "lesson 02's parameter counts: four blocks, each with input weights, recurrent weights and a bias.",
    ),
    (
        "parameters",
        _mistaken(
            parameters=lambda g, v: (
                v + g["filters"] * (g["kernel_size"] * g["embedding_dim"] + 1) * (g["seq_len"] - g["kernel_size"])
            )
        ),
        "a convolution whose weights grow with the review: the same filters slide along it, shared by every position",
        "the convolution's weights do not depend on seq_len.",
    ),
)


def _ask_sizes(sizes_fn: Callable[..., Any], args: tuple[int, ...]) -> dict[str, int]:
    __tracebackhide__ = True
    fn_name = "conv_lstm_sizes"
    if args[1] not in UNBUILDABLE_WORDS.values():
        returned = call_student(sizes_fn, *args, name=fn_name)
    else:
        problem = ""
        try:
            returned = call_student(sizes_fn, *args, name=fn_name)
        except CheckFailure as exc:
            problem = str(exc).partition("\nHint: ")[0]
        if problem:  # raised outside the except block: one message, no chained traceback
            fail(
                f"conv_lstm_sizes({_shown(args)}) failed: {problem} No Embedding can be built for a vocabulary "
                f"this large (its table would not fit in any memory), so the prediction must come from a formula, "
                f"not from a model.",
                hint="the exercise asks you to work the sizes out from what each layer does, without building one.",
            )
    if not isinstance(returned, dict) or set(returned) != set(SIZE_KEYS):
        keys = sorted(map(str, returned)) if isinstance(returned, dict) else None
        fail(
            f"{fn_name} returned {f'a dict with the keys {keys}' if keys is not None else type(returned).__name__}; "
            f"expected a dict with the keys {list(SIZE_KEYS)}.",
            hint="one entry per prediction the exercise asks for, each an integer.",
        )
    return {key: as_int(returned[key], name=f"{fn_name}(...)[{key!r}]") for key in SIZE_KEYS}


def _shown(args: tuple[int, ...]) -> str:
    names = ("seq_len", "num_words", "embedding_dim", "filters", "kernel_size", "pool_size", "num_units")
    return ", ".join(f"{n}={v:,}" for n, v in zip(names, args))


Prediction = tuple[tuple[int, ...], dict[str, int], dict[str, int], str]  # sizes, predicted, expected, against what


def _expect_sizes(predictions: list[Prediction]) -> None:
    """Fail on the first wrong prediction; name a typical mistake only if it explains every wrong case of that key."""
    __tracebackhide__ = True
    for args, got, want, against in predictions:
        for key in SIZE_KEYS:
            if got[key] == want[key]:
                continue
            wrong = [(a, g) for a, g, w, _ in predictions if g[key] != w[key]]
            head = f"conv_lstm_sizes({_shown(args)}) predicts {key} = {got[key]:,}; {against} {want[key]:,}."
            for mistake_key, sizes, sentence, hint in _SIZE_MISTAKES:
                if mistake_key == key and all(sizes(*a)[key] == g[key] for a, g in wrong):
                    fail(f"{head} It looks as if you counted {sentence}.", hint=hint)
            fail(
                head,
                hint="work it out layer by layer: what each one does to the length, and how many weights it has "
                "(section 5, its diagram, and lesson 02's parameter counts).",
            )


def _check_sizes(
    sizes_fn: Callable[..., Any], model: Any, conv: Any, pool: Any, args: tuple[int, ...], *, visible: bool
) -> None:
    """The prediction against the student's own model, then against the formula on other sizes."""
    __tracebackhide__ = True
    import keras

    seq_len = args[0]
    inputs = list(getattr(model, "inputs", None) or [])
    if len(inputs) == 1:
        x = np.ones((1, seq_len), dtype=np.int32)
        measured = {
            "conv_steps": int(np.asarray(keras.Model(inputs[0], conv.output)(x)).shape[1]),
            "lstm_steps": int(np.asarray(keras.Model(inputs[0], pool.output)(x)).shape[1]),
            "parameters": int(model.count_params()),
        }
        predictions: list[Prediction] = [(args, _ask_sizes(sizes_fn, args), measured, "your model has")]
    else:
        predictions = [(args, _ask_sizes(sizes_fn, args), reference_sizes(*args), "expected")]
    seq, words, dim, filters, kernel, pool_size, units = args
    others = (
        [(97, 1_000, 50, 64, 5, 4, 32), (seq + 2 * pool_size + 1, words, dim, filters, kernel + 2, pool_size, units)]
        if visible
        else [(100, 3_000, 25, 16, 9, 3, 24), (seq + 3, words + 7, dim, filters + 1, kernel, pool_size + 2, units + 3)]
    )
    others.append((301, UNBUILDABLE_WORDS[visible], 50, 32, 3, 4, 16))  # only a formula answers this one
    predictions += [(other, _ask_sizes(sizes_fn, other), reference_sizes(*other), "expected") for other in others]
    _expect_sizes(predictions)


def check_build_conv_lstm(
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
    sizes: Callable[..., Any] | None = None,
) -> None:
    """``build_conv_lstm(embedding_matrix, filters, kernel_size, pool_size, num_units)``, and the prediction.

    ``sizes`` is the student's ``conv_lstm_sizes``: compared with the built model on the check's
    sizes, then with :func:`reference_sizes` on others, an unbuildable vocabulary among them.
    """
    __tracebackhide__ = True
    import keras

    name = "build_conv_lstm"
    matrix = small_matrix(seed, num_words, embedding_dim)
    seeded(seed)
    model = call_builder(build_conv_lstm, matrix.copy(), filters, kernel_size, pool_size, num_units, name=name)
    expect_model(model, name)
    expect_pretrained_embedding(model, name, matrix, trainable=True)
    convs = layers_of(model, keras.layers.Conv1D)
    pools = layers_of(model, keras.layers.MaxPooling1D)
    if not convs:
        fail(
            f"{name}: the model has no Conv1D layer (layers: {describe(model)}).",
            hint="after the embedding comes a one-dimensional convolution (section 5): filters detectors, each "
            "kernel_size words wide.",
        )
    if not pools:
        fail(
            f"{name}: the model has no MaxPooling1D layer (layers: {describe(model)}).",
            hint="after the convolution comes max pooling over windows of pool_size steps; it is what shortens "
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
                "Conv1D has no activation unless you give it one, so it is linear. A ReLU makes each filter a "
                "phrase detector that outputs 0 where its phrase is absent, before the max pooling keeps "
                "its strongest response."
            )
        else:
            hint = "the exercise text asks for ReLU detectors: 0 where the phrase is absent."
        fail(f"{name}: the Conv1D's activation is {conv_activation or 'missing'}; expected relu.", hint=hint)
    if tuple(pool.pool_size) != (pool_size,):
        fail(f"{name}: the MaxPooling1D has pool_size={tuple(pool.pool_size)}; expected ({pool_size},).")
    (lstm,) = expect_recurrent_stack(model, name, [keras.layers.LSTM], num_units)
    order = [model_layers(model).index(layer) for layer in (conv, pool, lstm)]
    if order != sorted(order):
        fail(
            f"{name}: the layers are in the order {describe(model)}; expected Embedding -> Conv1D "
            f"-> MaxPooling1D -> LSTM -> Dense.",
            hint="convolve and pool the word vectors first; the LSTM then reads the shorter sequence.",
        )
    x, y = token_batch(seed, 16, seq_len, num_words)
    expect_probability_output(model, x, name)
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
                hint="the convolution keeps only the windows that fit (its default padding) and the pooling "
                "divides what is left by pool_size, rounding down: section 5's diagram.",
            )
    expect_params(model, models.build_conv_lstm(matrix, filters, kernel_size, pool_size, num_units), name)
    if sizes is not None:
        args = (seq_len, num_words, embedding_dim, filters, kernel_size, pool_size, num_units)
        _check_sizes(sizes, model, conv, pool, args, visible=visible)
    if train:
        expect_loss_drops(model, x, y, name)
    detail = f"{seq_len} steps -> {steps_in // pool_size} after pooling"
    report_pass(name, visible=visible, detail=detail + (", predictions match" if sizes is not None else ""))
