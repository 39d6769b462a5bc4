"""Exercise ``make_windows``: the input and target windows of truncated backpropagation through time.

The stream is cut into ``batch_size`` rows, one after another, each as long as possible; window
``k`` of row ``b`` is followed by window ``k + 1`` of the same row, so a stateful layer that
carries its state from one batch to the next reads each row as one long text. Targets are the
inputs shifted by one token. What does not fill a whole window is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_shape, fail, hidden_seed, report_pass

NAME = "make_windows"


def reference(stream: np.ndarray, batch_size: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """``(inputs, targets)``, each of shape ``(num_windows, batch_size, window)``."""
    row_length = (len(stream) - 1) // batch_size  # tokens per row that have a next token
    num_windows = row_length // window
    used = num_windows * window
    rows = np.arange(batch_size)[:, None] * row_length + np.arange(used)[None, :]
    inputs = stream[rows].reshape(batch_size, num_windows, window).transpose(1, 0, 2)
    targets = stream[rows + 1].reshape(batch_size, num_windows, window).transpose(1, 0, 2)
    return inputs, targets


def check_make_windows(
    make_windows: Callable[..., Any], *, seed: int = 0, length: int = 103, visible: bool = True
) -> None:
    """Compare ``make_windows(stream, batch_size, window)`` with the reference on a stream of distinct tokens.

    Every token of the test stream is its own position, so each mistake shows as a pattern.
    """
    __tracebackhide__ = True
    seed = hidden_seed(seed, "make_windows", visible=visible)  # the course secret, at grading
    rng = np.random.default_rng(seed)
    cases = [(np.arange(length), 4, 5), (rng.permutation(length + 17), 3, 7)]
    for stream, batch_size, window in cases:
        result = call_student(make_windows, stream.copy(), batch_size, window, name=NAME)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            fail(
                f"{NAME} must return two arrays, (inputs, targets).", hint="return the inputs first, then the targets."
            )
        inputs = as_array(result[0], name=f"{NAME}'s inputs", dtype=np.int64)
        targets = as_array(result[1], name=f"{NAME}'s targets", dtype=np.int64)
        want_inputs, want_targets = reference(stream, batch_size, window)
        setting = f"a stream of {len(stream)} tokens, batch_size={batch_size}, window={window}"
        if inputs.shape != want_inputs.shape and inputs.ndim == 3 and inputs.shape[1:] == (batch_size, window):
            fail(
                f"{NAME} made {inputs.shape[0]} windows for {setting}; expected {want_inputs.shape[0]}.",
                hint="split the tokens that have a next token evenly into batch_size rows, then keep only whole "
                "windows of each row (the last partial one is dropped; section 4).",
            )
        expect_shape(inputs, want_inputs.shape, name=f"{NAME}'s inputs", meaning="(num_windows, batch_size, window)")
        expect_shape(targets, want_targets.shape, name=f"{NAME}'s targets", meaning="the inputs' shape")
        if np.array_equal(targets, inputs):
            fail(f"{NAME}'s targets are the inputs themselves.", hint="the target of each token is the next token.")
        if np.array_equal(targets, _shifted(stream, inputs, -1)):
            fail(
                f"{NAME}'s targets are the previous tokens, not the next ones.",
                hint="the targets are the stream shifted one token to the left.",
            )
        if not np.array_equal(targets, _shifted(stream, inputs, +1)):
            fail(
                f"{NAME}: some targets are not the token right after their input ({setting}).",
                hint="take inputs and targets from the same positions, the targets one token later.",
            )
        if not np.array_equal(inputs, want_inputs):
            starts = inputs[1:, :, 0]
            ends = inputs[:-1, :, -1]
            if not np.array_equal(_positions(stream, starts), _positions(stream, ends) + 1):
                fail(
                    f"{NAME}: row b of window k + 1 does not continue row b of window k ({setting}), so "
                    "a stateful layer would carry its state into an unrelated piece of text.",
                    hint="cut the stream into batch_size long rows first, then cut each row into windows; "
                    "window k holds columns k * window ... (k + 1) * window - 1 of every row.",
                )
            fail(
                f"{NAME}'s windows hold other tokens than expected for {setting}.",
                hint="rows are consecutive slices of the stream, of equal length, that together cover the tokens "
                "that have a next token (section 4).",
            )
    report_pass(NAME, visible=visible, detail="windows, targets and the state's path match")


def _positions(stream: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Where each token sits in ``stream`` (every token of the checks' streams occurs once)."""
    where = np.empty(int(stream.max()) + 1, dtype=np.int64)
    where[stream] = np.arange(len(stream))
    return where[np.clip(tokens, 0, len(where) - 1)]


def _shifted(stream: np.ndarray, inputs: np.ndarray, step: int) -> np.ndarray:
    """The token ``step`` positions after each input (-1 where that leaves the stream)."""
    positions = _positions(stream, inputs) + step
    inside = (positions >= 0) & (positions < len(stream))
    return np.where(inside, stream[np.clip(positions, 0, len(stream) - 1)], -1)
