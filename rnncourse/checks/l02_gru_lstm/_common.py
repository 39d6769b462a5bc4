"""What the checks of lesson 02's two cell exercises (``lstm_step``, ``gru_step``) share.

The test inputs (a sequence, a non-zero initial state, random weights), the tolerances against
Keras's float32, and running a numpy step function over a sequence to recognise mistakes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

RTOL, ATOL = 1e-4, 1e-5  # Keras runs in float32; the student's numpy in float64


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def cell_inputs(seed: int, num_steps: int, input_dim: int, units: int, blocks: int, bias_shape: tuple[int, ...]):
    """A sequence, a non-zero initial state and random weights (distinct per gate, so order matters)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(num_steps, input_dim))
    h0 = rng.uniform(-0.8, 0.8, size=units)
    c0 = rng.normal(size=units)
    kernel = rng.normal(scale=0.6, size=(input_dim, blocks * units))
    recurrent_kernel = rng.normal(scale=0.6, size=(units, blocks * units))
    bias = rng.normal(scale=0.5, size=bias_shape)
    return x, h0, c0, kernel, recurrent_kernel, bias


def assumed_layout(order: Sequence[int], gates: Sequence[str]) -> list[str]:
    """The block layout a student assumed when reading gate j from block ``order[j]``."""
    layout = [""] * len(gates)
    for j, block in enumerate(order):
        layout[block] = gates[j]
    return layout


def run_steps(
    step: Callable[..., Any], x: np.ndarray, state: tuple[np.ndarray, ...], weights: tuple[np.ndarray, ...]
) -> np.ndarray:
    """Run a numpy step function over x; returns the stacked outputs, shape (T, len(state), units)."""
    outs = []
    with np.errstate(all="ignore"):
        for x_t in x:
            result = step(x_t, *state, *weights)
            state = tuple(np.asarray(r, dtype=np.float64) for r in (result if isinstance(result, tuple) else (result,)))
            outs.append(np.stack(state))
    return np.stack(outs)
