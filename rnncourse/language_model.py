"""Lesson 05 (bonus): next-word prediction on IMDB reviews. Data, baselines and reference maths.

The lesson (``solutions/05_language_model``, in preparation: issue #25) models the text of the
reviews, not their labels. Everything here is numpy; nothing imports TensorFlow.

* :func:`build_vocabulary` and :func:`encode_stream`: the reviews as one stream of word
  indices, each review followed by ``<eos>``; words outside the vocabulary become ``[UNK]``.
  Index 0 is padding (never in a stream), 1 ``[UNK]``, 2 ``<eos>``. Used to build the corpus.
* :func:`lm_corpus`: training and held-out streams from the IMDB *train* split (the sentiment
  test set is never used for a choice). Used by the lesson's data cell.
* :func:`unigram_nll`: the add-k unigram baseline's mean negative log-likelihood per token.
  Used for the baseline row of the lesson's perplexity table.
* :func:`perplexity`: ``exp`` of a mean negative log-likelihood in nats. Used everywhere a
  perplexity is printed.

The exercises' reference answers live in :mod:`rnncourse.checks.l05_language_model`, next to
their checks, so that the notebook cannot import them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .tokenizer import INDEX_DTYPE, tokenize

PAD_INDEX, UNK_INDEX, EOS_INDEX = 0, 1, 2
RESERVED_WORDS = ("[PAD]", "[UNK]", "<eos>")


def build_vocabulary(token_lists: Iterable[Sequence[str]], size: int) -> list[str]:
    """The ``size`` words of the vocabulary, index -> word: the reserved three, then by frequency.

    Ties are broken alphabetically, so the vocabulary does not depend on the order of the reviews.
    """
    if size <= len(RESERVED_WORDS):
        raise ValueError(f"size must be above {len(RESERVED_WORDS)} (the reserved words); got {size}")
    counts = Counter(word for tokens in token_lists for word in tokens)
    for word in RESERVED_WORDS:
        counts.pop(word, None)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [*RESERVED_WORDS, *(word for word, _ in ranked[: size - len(RESERVED_WORDS)])]


def encode_stream(token_lists: Iterable[Sequence[str]], vocabulary: Sequence[str]) -> np.ndarray:
    """One review after another as word indices, each followed by ``<eos>`` (unknown words: ``[UNK]``)."""
    index = {word: i for i, word in enumerate(vocabulary)}
    stream: list[int] = []
    for tokens in token_lists:
        stream.extend(index.get(word, UNK_INDEX) for word in tokens)
        stream.append(EOS_INDEX)
    return np.asarray(stream, dtype=INDEX_DTYPE)


@dataclass(frozen=True)
class LMCorpus:
    """The lesson's data: two streams of word indices and the vocabulary behind them."""

    train: np.ndarray  # the reviews the models are fitted on
    valid: np.ndarray  # held-out reviews: every perplexity and every choice
    vocabulary: list[str]

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    @property
    def unk_rate(self) -> float:
        """The share of held-out tokens that are ``[UNK]`` (it lowers every model's perplexity alike)."""
        return float(np.mean(self.valid == UNK_INDEX))


def lm_corpus(num_train: int, num_valid: int, vocab_size: int) -> LMCorpus:
    """The first ``num_train`` reviews of the IMDB train split to fit, its last ``num_valid`` held out.

    The vocabulary comes from the training reviews only, so held-out words it has not seen
    become ``[UNK]`` as they would for new text.
    """
    from .data import load_imdb_reviews

    texts, _ = load_imdb_reviews("train")
    if num_train + num_valid > len(texts):
        raise ValueError(f"{num_train} + {num_valid} reviews asked for; the train split has {len(texts)}")
    train_tokens = [tokenize(text) for text in texts[:num_train]]
    valid_tokens = [tokenize(text) for text in texts[len(texts) - num_valid :]]
    vocabulary = build_vocabulary(train_tokens, vocab_size)
    return LMCorpus(encode_stream(train_tokens, vocabulary), encode_stream(valid_tokens, vocabulary), vocabulary)


def unigram_nll(train: np.ndarray, held_out: np.ndarray, vocab_size: int, k: float = 1.0) -> float:
    """Mean negative log-likelihood (nats per token) of ``held_out[1:]`` under the add-k unigram model of ``train``.

    ``P(w) = (count(w) + k) / (len(train) + k * vocab_size)``. Every model of the lesson
    predicts the same tokens, ``held_out[1:]`` (the first one has no context), so their
    perplexities compare.
    """
    counts = np.bincount(train, minlength=vocab_size).astype(np.float64)
    log_probs = np.log(counts + k) - math.log(counts.sum() + k * vocab_size)
    return float(-np.mean(log_probs[held_out[1:]]))


def perplexity(mean_nll: float) -> float:
    """``exp(mean negative log-likelihood in nats)``: the number of equally likely words it amounts to."""
    return float(math.exp(mean_nll))
