"""Exercise ``jacobian_norms``: the spectral norms of the products of a linear RNN's Jacobians.

``jacobian_norms(W, num_steps)`` returns ``||W^t||_2`` for ``t = 1 .. num_steps``, shape ``(T,)``.

The reference is :func:`reference_jacobian_norms`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass

NAME = "jacobian_norms"


def reference_jacobian_norms(recurrent_kernel: np.ndarray, num_steps: int) -> np.ndarray:
    """Spectral norms of the powers W^1 ... W^num_steps (the linear Jacobian products)."""
    matrix = np.asarray(recurrent_kernel, dtype=np.float64)
    product = np.eye(matrix.shape[0])
    norms = []
    for _ in range(num_steps):
        product = product @ matrix
        norms.append(np.linalg.norm(product, 2))
    return np.asarray(norms)


def check_jacobian_norms(
    jacobian_norms: Callable[..., Any], *, seed: int = 0, num_units: int = 5, num_steps: int = 12, visible: bool = True
) -> None:
    """``jacobian_norms(W, T)`` must return the spectral norms of W^1, ..., W^T, shape (T,)."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "jacobian_norms", visible=visible)  # the course secret, at grading
    name = NAME
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(num_units, num_units)) / np.sqrt(num_units)
    got = as_array(call_student(jacobian_norms, matrix.copy(), num_steps, name=name), name=name)
    expected = reference_jacobian_norms(matrix, num_steps)
    if got.shape == (num_steps + 1,):
        fail(
            f"{name} returned {num_steps + 1} norms; expected (T,) = ({num_steps},).",
            hint="start at t = 1 (the product of one Jacobian, W itself), not at the identity.",
        )
    expect_shape(got, (num_steps,), name=name, meaning="(T,)", hint="return one norm per step t = 1..T.")
    expect_finite(got, name=name)
    if not np.allclose(got, expected, rtol=1e-6, atol=1e-9):
        fro = []
        product = np.eye(num_units)
        for _ in range(num_steps):
            product = product @ matrix
            fro.append(np.linalg.norm(product))
        shifted = np.concatenate([[1.0], expected[:-1]])  # ||W^0|| = ||I|| = 1, then ||W^1|| ... ||W^(T-1)||
        if np.allclose(got, shifted, rtol=1e-6, atol=1e-9):
            fail(
                f"{name} is off by one step: entry 0 is ||W^0|| = ||I|| = 1, so entry t-1 holds ||W^(t-1)||.",
                hint="multiply by W before recording the first norm: entry t-1 is ||W^t|| for t = 1..T.",
            )
        if np.allclose(got, fro, rtol=1e-6):
            fail(
                f"{name} returned Frobenius norms.",
                hint="use the spectral norm (the largest singular value), not the Frobenius norm; "
                "numpy's norm takes an ord argument.",
            )
        if np.allclose(got, np.linalg.norm(matrix, 2) ** np.arange(1, num_steps + 1), rtol=1e-6):
            fail(
                f"{name} returned ||W||^t, the norm raised to a power.",
                hint="take the norm of the matrix product W^t, not the power of the norm: they "
                "differ when W is not normal (W @ W.T != W.T @ W).",
            )
        expect_close(
            got,
            expected,
            name=name,
            rtol=1e-6,
            atol=1e-9,
            what="norms",
            hint="keep a running product, multiply it by W once per step, and record its spectral norm "
            "after each step.",
        )
    report_pass(name, visible=visible)
