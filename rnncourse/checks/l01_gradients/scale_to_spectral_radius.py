"""Exercise ``scale_to_spectral_radius``: rescale a recurrent matrix to a given spectral radius.

``scale_to_spectral_radius(W, rho)`` returns ``W`` times one positive number, such that its largest
``|eigenvalue|`` is ``rho``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_finite, expect_shape, fail, hidden_seed, report_pass

NAME = "scale_to_spectral_radius"


def check_scale_to_spectral_radius(
    scale_to_spectral_radius: Callable[..., Any],
    *,
    seed: int = 0,
    num_units: int = 6,
    targets: tuple[float, ...] = (0.9, 1.1),
    visible: bool = True,
) -> None:
    """``scale_to_spectral_radius(W, rho)`` must return ``W`` times a positive number, with radius rho."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "scale_to_spectral_radius", visible=visible)  # the course secret, at grading
    name = NAME
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(num_units, num_units))
    for target in targets:
        got = as_array(call_student(scale_to_spectral_radius, matrix.copy(), target, name=name), name=name)
        expect_shape(got, matrix.shape, name=name, meaning="the shape of W")
        expect_finite(got, name=name)
        radius = float(np.max(np.abs(np.linalg.eigvals(got))))
        if not np.isclose(radius, target, rtol=1e-6, atol=1e-9):
            norm = float(np.linalg.norm(got, 2))
            hint = (
                (
                    "you scaled by the largest singular value (the spectral norm); the spectral "
                    "radius is the largest absolute value of W's eigenvalues (numpy's linalg module has them)."
                )
                if np.isclose(norm, target, rtol=1e-6)
                else "divide W by its spectral radius, then multiply by rho."
            )
            fail(
                f"{name}(W, {target}) returned a matrix of spectral radius {radius:.6g}; expected {target}.", hint=hint
            )
        factor = float(np.sum(got * matrix) / np.sum(matrix * matrix))
        if factor <= 0 or not np.allclose(got, factor * matrix, rtol=1e-6, atol=1e-9):
            fail(
                f"{name} changed the direction of W, not only its scale.",
                hint="return W multiplied by one positive number.",
            )
    report_pass(name, visible=visible)
