"""Exercise ``next_word_distribution``: the probabilities a sampler draws the next word from.

``next_word_distribution(logits, temperature)`` is ``softmax(logits / temperature)``, computed
without overflow; ``temperature == 0`` means greedy decoding, all the probability on the
largest logit (the first one on a tie). The sampler then draws with
``rng.choice(len(p), p=p)`` in the notebook: a random generator is an object, so it stays on
the notebook's side and only numbers reach the check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_array, call_student, expect_close, expect_finite, expect_shape, fail, hidden_seed, report_pass

NAME = "next_word_distribution"


def reference(logits: np.ndarray, temperature: float) -> np.ndarray:
    if temperature == 0:
        probs = np.zeros(len(logits))
        probs[int(np.argmax(logits))] = 1.0
        return probs
    scaled = logits / temperature
    weights = np.exp(scaled - scaled.max())
    return weights / weights.sum()


def check_next_word_distribution(
    next_word_distribution: Callable[..., Any], *, seed: int = 0, extremes: bool = False, visible: bool = True
) -> None:
    """Temperatures 0.5, 1 and 1.5 on random logits; ``extremes`` (the hidden test) adds logits near
    1000, a temperature of 0.001 and greedy decoding (temperature 0)."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "next_word_distribution", visible=visible)  # the course secret, at grading
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=9) * 2.0
    cases = [(logits, 0.5), (logits, 1.0), (logits, 1.5)]
    if extremes:
        cases += [(logits * 500.0, 1.0), (logits, 1e-3), (logits, 0.0)]
    for values, temperature in cases:
        with np.errstate(all="ignore"):
            got = as_array(call_student(next_word_distribution, values.copy(), temperature, name=NAME), name=NAME)
        want = reference(values, temperature)
        expect_shape(got, want.shape, name=NAME, meaning="one probability per word")
        if temperature == 0 and not np.all(np.isfinite(got)):
            fail(
                f"{NAME} returned NaN or inf for temperature 0: it divided by zero.",
                hint="temperature 0 is greedy decoding: all the probability on the most likely word.",
            )
        expect_finite(got, name=NAME, hint="subtract the largest scaled logit before exp, so nothing overflows.")
        if not np.isclose(got.sum(), 1.0, atol=1e-6):
            fail(f"{NAME}'s probabilities sum to {got.sum():.6g}, not 1.", hint="divide by the sum of the weights.")
        if temperature not in (0.0, 1.0) and np.allclose(got, reference(values, 1.0), atol=1e-9):
            fail(
                f"{NAME} ignored the temperature ({temperature}): it returned softmax(logits).",
                hint="divide the logits by the temperature before the softmax.",
            )
        if temperature not in (0.0, 1.0) and np.allclose(got, reference(values * temperature, 1.0), atol=1e-9):
            fail(
                f"{NAME} multiplied the logits by the temperature instead of dividing.",
                hint="a low temperature must sharpen the distribution: divide the logits by it before the softmax "
                "(section 7).",
            )
        expect_close(
            got,
            want,
            name=NAME,
            rtol=1e-6,
            atol=1e-9,
            hint="the softmax of the logits divided by the temperature (section 7).",
        )
    report_pass(NAME, visible=visible, detail="temperature, stability and greedy decoding")
