"""Exercise ``embedding_costs``: what a batch costs one-hot and embedded, and what an Embedding layer holds.

``embedding_costs(num_tokens, vocab_size, embedding_dim)`` returns the bytes of a float32 one-hot
batch, the bytes of the same batch embedded, and the parameters of
``keras.layers.Embedding(vocab_size, embedding_dim)``. The prompt gives neither the shapes nor the
bytes of a float32: the student works them out from section 1. The reference is the arithmetic,
checked against the built layer's ``count_params()`` (:func:`keras_embedding_param_count`). The
hidden test asks about a batch of 40 TB, which no computer allocates, so the sizes cannot come from
building the arrays (``np.zeros(...).nbytes``); that attempt is named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._core import CheckFailure, as_int, as_tuple, call_student, fail, report_pass

NAME = "embedding_costs"


BYTES_PER_FLOAT32 = 4


def keras_embedding_param_count(vocab_size: int, embedding_dim: int) -> int:
    """``count_params()`` of a built ``keras.layers.Embedding(vocab_size, embedding_dim)``."""
    import keras

    layer = keras.layers.Embedding(vocab_size, embedding_dim)
    layer.build((None,))
    return int(layer.count_params())


def check_embedding_costs(
    embedding_costs: Callable[..., Any],
    *,
    num_tokens: int = 6400,
    vocab_size: int = 100_000,
    embedding_dim: int = 300,
    visible: bool = True,
) -> None:
    """``embedding_costs(num_tokens, vocab_size, embedding_dim)`` -> (one-hot bytes, embedded bytes, parameters)."""
    __tracebackhide__ = True
    name = "embedding_costs"
    problem = ""
    try:
        result = call_student(embedding_costs, num_tokens, vocab_size, embedding_dim, name=name)
    except CheckFailure as exc:
        if "MemoryError" not in str(exc):
            raise
        problem = str(exc).partition("\nHint: ")[0]
    if problem:  # raised outside the except block: one message, no chained traceback
        fail(
            f"{problem}\nNo computer holds a batch of {num_tokens:,} x {vocab_size:,} numbers, but its size in bytes "
            "is arithmetic of its shape and its number type.",
            hint="predict the sizes from the shapes of section 1 and the bytes of one float32, without building "
            "the arrays.",
        )
    labels = ("one_hot_bytes", "embedded_bytes", "num_parameters")
    parts = as_tuple(result, name=name, labels=labels, items="three whole numbers")
    got = [as_int(value, name=f"{name}(...)[{i}] ({label})") for i, (value, label) in enumerate(zip(parts, labels))]
    one_hot, embedded, params = got
    want_one_hot = num_tokens * vocab_size * BYTES_PER_FLOAT32
    want_embedded = num_tokens * embedding_dim * BYTES_PER_FLOAT32
    want_params = vocab_size * embedding_dim
    keras_params = keras_embedding_param_count(vocab_size, embedding_dim)
    if keras_params != want_params:  # pragma: no cover  (Keras changed what an Embedding holds)
        fail(f"internal: Keras counts {keras_params} parameters, the formula {want_params}.")

    if (one_hot, embedded) == (want_embedded, want_one_hot):
        fail(
            f"{name}: the two memory sizes are swapped.",
            hint="the one-hot batch has vocab_size numbers per token, the embedded batch embedding_dim.",
        )
    for value, want, label, per_token in (
        (one_hot, want_one_hot, "one_hot_bytes", "vocab_size"),
        (embedded, want_embedded, "embedded_bytes", "embedding_dim"),
    ):
        if value == want:
            continue
        hints = {
            want * 2: "that is float64 (8 bytes per number); Keras computes in float32, 4 bytes.",
            want * 8: "that is bits; the question asks for bytes (8 bits each).",
            want // BYTES_PER_FLOAT32: "that is the number of values; each float32 takes 4 bytes.",
            want // num_tokens: "that is one token only; multiply by num_tokens.",
        }
        fail(
            f"{name}: {label} = {value:,}; expected num_tokens * {per_token} * 4 = {want:,}.",
            hint=hints.get(
                value, "a float32 number takes 4 bytes, and the batch holds one number per entry of its shape."
            ),
        )
    if params != want_params:
        hints = {
            want_params + embedding_dim: "an Embedding layer has no bias, and its input_dim is vocab_size "
            "itself (indices 0 .. vocab_size - 1): it holds only the "
            "(vocab_size, embedding_dim) matrix.",
            want_params * BYTES_PER_FLOAT32: "that is bytes; the question asks for the number of parameters.",
        }
        fail(
            f"{name}: num_parameters = {params:,}; expected {want_params:,}, the count_params() of "
            f"keras.layers.Embedding({vocab_size}, {embedding_dim}).",
            hint=hints.get(params, "one row of embedding_dim numbers per word of the vocabulary."),
        )
    report_pass(name, visible=visible, detail="matches the arithmetic and Keras's count_params()")
