"""Exercise ``bigram_perplexity``: the add-k bigram baseline, measured on held-out text.

``bigram_perplexity(train, held_out, vocab_size, k)``: with ``c(v, w)`` the number of times
``w`` follows ``v`` in ``train`` and ``c(v) = sum over w of c(v, w)``,
``P(w | v) = (c(v, w) + k) / (c(v) + k * vocab_size)``; the perplexity is
``exp(-mean log P(held_out[i] | held_out[i - 1]))`` over ``i = 1 ... len(held_out) - 1``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._core import as_scalar, call_student, fail, hidden_seed, report_pass

NAME = "bigram_perplexity"
FORMULA = "P(w | v) = (c(v, w) + k) / (c(v) + k * vocab_size) over the pairs of held_out, then exp(-mean log P)."


def reference(train: np.ndarray, held_out: np.ndarray, vocab_size: int, k: float) -> float:
    pairs = train[:-1].astype(np.int64) * vocab_size + train[1:]
    codes, counts = np.unique(pairs, return_counts=True)
    context = np.bincount(train[:-1], minlength=vocab_size).astype(np.float64)
    wanted = held_out[:-1].astype(np.int64) * vocab_size + held_out[1:]
    found = np.searchsorted(codes, wanted)
    found = np.clip(found, 0, len(codes) - 1)
    pair_counts = np.where(codes[found] == wanted, counts[found], 0).astype(np.float64)
    log_probs = np.log(pair_counts + k) - np.log(context[held_out[:-1]] + k * vocab_size)
    return float(np.exp(-log_probs.mean()))


def _variants(train: np.ndarray, held_out: np.ndarray, vocab_size: int, k: float) -> dict[str, float]:
    """What the usual mistakes give, by the message that names them."""
    unigram = np.bincount(train, minlength=vocab_size).astype(np.float64)
    pairs = np.zeros((vocab_size, vocab_size))
    np.add.at(pairs, (train[:-1], train[1:]), 1.0)
    v, w = held_out[:-1], held_out[1:]
    with np.errstate(divide="ignore"):
        return {
            "normalised by k instead of k * vocab_size": float(
                np.exp(-np.mean(np.log(pairs[v, w] + k) - np.log(pairs[v].sum(axis=1) + k)))
            ),
            "normalised by how often v occurs anywhere (its unigram count), not as a context": float(
                np.exp(-np.mean(np.log(pairs[v, w] + k) - np.log(unigram[v] + k * vocab_size)))
            ),
            "pairs read the wrong way round, P(v | w)": float(
                np.exp(-np.mean(np.log(pairs[v, w] + k) - np.log(pairs[:, w].sum(axis=0) + k * vocab_size)))
            ),
            "the held-out text was counted too; a model fitted on the text it is scored on looks better than it "
            "is, so count pairs in `train` only": float(
                reference(np.concatenate([train, held_out]), held_out, vocab_size, k)
            ),
            "the first held-out token counted as a prediction": float(
                reference(train, np.concatenate([[held_out[0]], held_out]), vocab_size, k)
            ),
        }


def check_bigram_perplexity(
    bigram_perplexity: Callable[..., Any], *, seed: int = 0, vocab_size: int = 12, visible: bool = True
) -> None:
    """Compare with the reference on small random streams with unseen pairs, and with k = 0.5 and 1."""
    __tracebackhide__ = True
    seed = hidden_seed(seed, "bigram_perplexity", visible=visible)  # the course secret, at grading
    rng = np.random.default_rng(seed)
    for k in (1.0, 0.5):
        train = rng.integers(0, vocab_size, size=80)
        held_out = rng.integers(0, vocab_size, size=40)
        got = as_scalar(
            call_student(bigram_perplexity, train.copy(), held_out.copy(), vocab_size, k, name=NAME), name=NAME
        )
        want = reference(train, held_out, vocab_size, k)
        if np.isclose(got, want, rtol=1e-5):
            continue
        if not np.isfinite(got):
            fail(
                f"{NAME} returned {got}: a held-out pair never seen in training got probability 0.",
                hint="add k to every pair count (and k * vocab_size to every context count).",
            )
        for mistake, value in _variants(train, held_out, vocab_size, k).items():
            if np.isfinite(value) and np.isclose(got, value, rtol=1e-5):
                fail(f"{NAME} returned {got:.6g}, expected {want:.6g}: {mistake}.", hint=FORMULA)
        fail(
            f"{NAME} returned {got:.6g}, expected {want:.6g} (vocab_size={vocab_size}, k={k}).",
            hint=FORMULA,
        )
    report_pass(NAME, visible=visible, detail="smoothing, normalisation and the held-out pairs match")
