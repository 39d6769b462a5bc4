"""Exercise ``embedding_lookup``: the Embedding layer's lookup, in numpy.

``embedding_lookup(indices, weights)`` returns row ``i`` of ``weights`` for every index ``i``, an
array of shape ``indices.shape + (embedding_dim,)``. The reference is ``keras.layers.Embedding``
holding the same weights (:func:`keras_embedding_output`); the variants in the check exist only to
recognise typical mistakes (rows shifted by one, the transposed matrix) and name them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass

NAME = "embedding_lookup"


def keras_embedding_output(indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The output of ``keras.layers.Embedding`` holding ``weights``, called on ``indices``."""
    import keras

    vocab_size, embedding_dim = weights.shape
    layer = keras.layers.Embedding(
        vocab_size, embedding_dim, embeddings_initializer=keras.initializers.Constant(weights.astype(np.float32))
    )
    return np.asarray(layer(np.asarray(indices, dtype=np.int32)), dtype=np.float64)


def _lookup_inputs(seed: int, vocab_size: int, embedding_dim: int, shape: tuple[int, ...]):
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=(vocab_size, embedding_dim))
    # Every index but the last one, so shifting by +1 gives wrong values, not an IndexError;
    # index 0 (padding) always occurs, so shifting by -1 reads the last row.
    indices = rng.integers(0, max(vocab_size - 1, 1), size=shape)
    indices.flat[0] = 0
    return indices, weights


def check_embedding_lookup(
    embedding_lookup: Callable[..., Any],
    *,
    seed: int = 0,
    vocab_size: int = 10,
    embedding_dim: int = 4,
    shapes: Sequence[tuple[int, ...]] = ((3, 5), (6,)),
    visible: bool = True,
) -> None:
    """Compare ``embedding_lookup(indices, weights)`` with ``keras.layers.Embedding`` holding ``weights``."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "embedding_lookup", visible=visible)  # the course secret, at grading
    name = "embedding_lookup"
    for k, shape in enumerate(shapes):
        indices, weights = _lookup_inputs(seed + k, vocab_size, embedding_dim, tuple(shape))
        got = as_array(call_student(embedding_lookup, indices.copy(), weights.copy(), name=name), name=name)
        want_shape = indices.shape + (embedding_dim,)
        meaning = "indices.shape + (embedding_dim,)"
        if got.shape == (embedding_dim,) + indices.shape and embedding_dim != indices.shape[0]:
            fail(
                f"{name} returned shape {got.shape}; expected {meaning} = {want_shape}.",
                hint="each row of weights is one word's vector (section 2): an index selects a row, not a column.",
            )
        if got.shape == indices.shape + (vocab_size,) and vocab_size != embedding_dim:
            fail(
                f"{name} returned shape {got.shape}: the one-hot vectors themselves; expected {meaning} "
                f"= {want_shape}.",
                hint="the one-hot vectors are only the first half: section 2's equation multiplies them by the "
                "weight matrix.",
            )
        if got.shape == (indices.size, embedding_dim) and indices.ndim > 1:
            fail(
                f"{name} returned shape {got.shape}; expected {meaning} = {want_shape}.",
                hint="the result keeps the shape of indices, with one more axis for the vector's entries.",
            )
        expect_shape(
            got, want_shape, name=name, meaning=meaning, hint="one vector of length embedding_dim for every index."
        )
        expect_finite(got, name=name)
        expected = keras_embedding_output(indices, weights)
        if not np.allclose(got, expected, rtol=1e-5, atol=1e-6):
            variants = {
                "the rows of weights shifted by one (index i read row i - 1)": weights[indices - 1],
                "the rows of weights shifted by one (index i read row i + 1)": weights[
                    np.minimum(indices + 1, vocab_size - 1)
                ],
            }
            if vocab_size == embedding_dim:
                variants["the transposed matrix (columns of weights instead of rows)"] = weights.T[indices]
            for label, variant in variants.items():
                if np.allclose(got, variant, rtol=1e-5, atol=1e-6):
                    fail(
                        f"{name} matches a lookup with {label}, not keras.layers.Embedding.",
                        hint="index i selects row i of weights, index 0 row 0 (section 2's equation).",
                    )
            expect_close(
                got,
                expected,
                name=name,
                rtol=1e-5,
                atol=1e-6,
                what="vector entries",
                hint="index i selects row i of weights (section 2's equation), for every index of the array.",
            )
    report_pass(name, visible=visible, detail="matches keras.layers.Embedding with the same weights")
