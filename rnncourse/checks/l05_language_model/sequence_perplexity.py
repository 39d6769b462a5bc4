"""Exercise ``sequence_perplexity``: perplexity from a model's logits, with padding masked out.

``sequence_perplexity(logits, targets, mask)`` with logits of shape ``(batch, steps, vocab)``,
targets and mask of shape ``(batch, steps)`` (mask 1 for a real token, 0 for padding) is
``exp(sum of the real tokens' cross-entropies / number of real tokens)``, in nats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_scalar, call_student, fail, hidden_seed, report_pass

NAME = "sequence_perplexity"


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """``log(softmax(logits))`` over the last axis, without overflow."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def reference(logits: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> float:
    nll = -np.take_along_axis(log_softmax(logits), targets[..., None], axis=-1)[..., 0]
    return float(np.exp((nll * mask).sum() / mask.sum()))


def _case(rng: np.random.Generator, batch: int, steps: int, vocab: int, scale: float) -> tuple[np.ndarray, ...]:
    logits = rng.normal(size=(batch, steps, vocab)) * scale
    targets = rng.integers(0, vocab, size=(batch, steps))
    lengths = rng.integers(2, steps + 1, size=batch)
    lengths[0] = steps
    mask = (np.arange(steps)[None, :] < lengths[:, None]).astype(np.float64)
    return logits, targets, mask


def check_sequence_perplexity(
    sequence_perplexity: Callable[..., Any], *, seed: int = 0, large_logits: bool = False, visible: bool = True
) -> None:
    """Compare with the reference on padded batches; ``large_logits`` (the hidden test) adds logits near 1000."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "sequence_perplexity", visible=visible)  # the course secret, at grading
    rng = np.random.default_rng(seed)
    cases = [_case(rng, 4, 6, 7, 1.0), _case(rng, 3, 9, 11, 2.0)]
    if large_logits:  # the same softmax, shifted by 800: a plain exp overflows even in float64
        logits, targets, mask = _case(rng, 2, 5, 6, 2.0)
        cases.append((logits + 800.0, targets, mask))
    for logits, targets, mask in cases:
        rtol = 1e-3 if np.abs(logits).max() > 100 else 1e-4  # float32 answers are fine
        got = as_scalar(
            call_student(sequence_perplexity, logits.copy(), targets.copy(), mask.copy(), name=NAME), name=NAME
        )
        want = reference(logits, targets, mask)
        if np.isclose(got, want, rtol=rtol):
            continue
        nll = -np.take_along_axis(log_softmax(logits), targets[..., None], axis=-1)[..., 0]
        mean_nll = (nll * mask).sum() / mask.sum()
        if not np.isfinite(got):
            fail(
                f"{NAME} returned {got} for logits as large as {np.abs(logits).max():.0f}: exp overflowed.",
                hint="compute the log-softmax stably: subtract the largest logit before exponentiating (section 2).",
            )
        if np.isclose(got, np.exp(nll.mean()), rtol=rtol):
            fail(
                f"{NAME} counted the padding: it averaged over every position, not only where mask is 1.",
                hint="average over the real tokens only: the mask says which they are.",
            )
        if np.isclose(got, np.exp(mean_nll / np.log(2.0)), rtol=rtol) or np.isclose(got, 2.0**mean_nll, rtol=rtol):
            fail(f"{NAME} mixed natural and base-2 logarithms.", hint="use natural logs and exp throughout.")
        per_sequence = (nll * mask).sum(axis=1) / mask.sum(axis=1)
        if np.isclose(got, np.exp(per_sequence.mean()), rtol=rtol):
            fail(
                f"{NAME} averaged each sequence first, then the sequences: short sequences weigh as much as long ones.",
                hint="perplexity is per token: divide the total cross-entropy by the number of real tokens.",
            )
        total = (nll * mask).sum()
        if total < 700 and np.isclose(got, np.exp(total), rtol=rtol) or np.isclose(got, mean_nll, rtol=rtol):
            fail(
                f"{NAME} returned {got:.6g}, expected {want:.6g}: a sum instead of a mean, or no exp.",
                hint="perplexity is the exponential of the mean cross-entropy per real token (section 2).",
            )
        fail(
            f"{NAME} returned {got:.6g}, expected {want:.6g}.",
            hint="perplexity is the exponential of the mean cross-entropy per real token, in nats (section 2).",
        )
    report_pass(NAME, visible=visible, detail="padding masked, per-token mean, natural log")
