"""Exercise ``cosine_similarities``: the cosine similarity of every row of a matrix with a vector.

The reference is ``rnncourse.glove.cosine_similarity``; the hidden test also runs on real,
read-only GloVe rows. The typical mistakes it names (no division by the norms, distances, ...) are
recognised in ``_common``, where ``most_similar`` and ``analogy`` use them too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass
from ._common import cosine_mistake, packaged_glove

NAME = "cosine_similarities"


def check_cosine_similarities(
    cosine_similarities: Callable[..., Any],
    *,
    seed: int = 0,
    num_rows: int = 6,
    dim: int = 5,
    glove_rows: int = 0,
    visible: bool = True,
) -> None:
    """``cosine_similarities(matrix, vector)``: the cosine of every row with the vector, shape (n,).

    ``glove_rows > 0`` also runs it on the first ``glove_rows`` real (read-only) GloVe vectors.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "cosine_similarities", visible=visible)  # the course secret, at grading
    from ...glove import cosine_similarity as reference

    name = "cosine_similarities"
    rng = np.random.default_rng(seed)
    cases = [(rng.normal(size=(num_rows, dim)) * rng.uniform(0.5, 3.0, size=(num_rows, 1)), rng.normal(size=dim) * 2.5)]
    if glove_rows:
        words, matrix, row_of = packaged_glove()
        cases.append((matrix[:glove_rows], matrix[row_of["king"]]))
    for matrix, vector in cases:
        given = matrix if not matrix.flags.writeable else matrix.copy()
        got = as_array(call_student(cosine_similarities, given, vector.copy(), name=name), name=name)
        if given is not matrix and not np.array_equal(given, matrix):
            fail(
                f"{name} changed the matrix it was given (in place): the caller's vectors are no longer what "
                "they were.",
                hint="compute the result as a new array and leave the matrix as it was: dividing in place "
                "overwrites the caller's GloVe vectors, and the next exercise reads them.",
            )
        n = matrix.shape[0]
        if got.shape in {(n, 1), (1, n)}:
            fail(
                f"{name} returned shape {got.shape}; expected (n,) = ({n},).",
                hint="one similarity per row, in a 1-d array: check the shape of the vector you pass and of "
                "the dot products you get.",
            )
        expect_shape(got, (n,), name=name, meaning="(n,)", hint="one similarity per row of the matrix.")
        expect_finite(got, name=name)
        m64, v64 = np.asarray(matrix, dtype=np.float64), np.asarray(vector, dtype=np.float64)
        expected = np.asarray(reference(m64, v64), dtype=np.float64)
        if not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
            label = cosine_mistake(got, m64, v64, expected)
            if label is not None:
                fail(
                    f"{name} returned {label}, not cosine similarities.",
                    hint="section 3's formula divides each row's dot product by two lengths: the row's and the "
                    "vector's.",
                )
            expect_close(
                got,
                expected,
                name=name,
                rtol=1e-4,
                atol=1e-5,
                what="similarities",
                hint="the cosine of two vectors is their dot product divided by both lengths: one dot product "
                "and one row length per row, and the vector's length once.",
            )
    report_pass(name, visible=visible, detail="matches rnncourse.glove.cosine_similarity")
