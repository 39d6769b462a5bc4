"""Lesson 05 (bonus): next-word prediction on IMDB reviews. Data, baselines and reference maths.

Lesson 05 (``solutions/05_language_model``) models the text of the reviews, not their labels.
The data and the baselines are numpy; only the model functions import Keras (when called).

* :func:`build_vocabulary` and :func:`encode_stream`: the reviews as one stream of word
  indices, each review followed by ``<eos>``; words outside the vocabulary become ``[UNK]``.
  Index 0 is padding (never in a stream), 1 ``[UNK]``, 2 ``<eos>``. Used to build the corpus.
* :func:`lm_corpus`: training, validation and test streams, all from the IMDB *train* split (the
  sentiment test set is never used). Used by the lesson's data cell and ``make bench``.
* :func:`unigram_nll`: the add-k unigram baseline's mean negative log-likelihood per token.
  Used for the baseline row of the lesson's perplexity table.
* :func:`perplexity`: ``exp`` of a mean negative log-likelihood in nats. Used everywhere a
  perplexity is printed.
* :func:`build_language_model`, :func:`reset_states` and :func:`run_epoch`: the lesson's GRU
  language model and one pass of truncated backpropagation through time over the windows. Used by
  the lesson's training cell and by ``make bench`` (``bench/language_model.py``), so both train
  the same model.
* :func:`stepping_copy`: the same model for one sequence of any length, to sample word by word.
  Used by the lesson's sampling section.

The exercises' reference answers live in :mod:`rnncourse.checks.l05_language_model`, next to
their checks, so that the notebook cannot import them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
    """The lesson's data: three streams of word indices and the vocabulary behind them."""

    train: np.ndarray  # the reviews the models are fitted on
    valid: np.ndarray  # held-out reviews for every choice (smoothing, epochs)
    test: np.ndarray  # other held-out reviews, for the final comparison only
    vocabulary: list[str]

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    @property
    def unk_rate(self) -> float:
        """The share of validation tokens that are ``[UNK]`` (it lowers every model's perplexity alike)."""
        return float(np.mean(self.valid == UNK_INDEX))


def lm_corpus(num_train: int, num_valid: int, num_test: int, vocab_size: int) -> LMCorpus:
    """The first ``num_train`` reviews of the IMDB train split to fit; its last reviews held out.

    The last ``num_valid`` reviews are the validation part and the ``num_test`` before them the
    test part. (The order is not arbitrary: the exploration that chose this lesson's sizes and
    learning rate, ``bench/lm_feasibility.py``, looked at the last reviews, so those must not be
    the test part.) The vocabulary comes from the training reviews only, so held-out words it has
    not seen become ``[UNK]`` as they would for new text.
    """
    from .data import load_imdb_reviews

    texts, _ = load_imdb_reviews("train")
    if num_train + num_valid + num_test > len(texts):
        raise ValueError(f"{num_train} + {num_valid} + {num_test} reviews asked for; the train split has {len(texts)}")
    end = len(texts)
    train_tokens = [tokenize(text) for text in texts[:num_train]]
    test_tokens = [tokenize(text) for text in texts[end - num_valid - num_test : end - num_valid]]
    valid_tokens = [tokenize(text) for text in texts[end - num_valid :]]
    vocabulary = build_vocabulary(train_tokens, vocab_size)
    return LMCorpus(
        encode_stream(train_tokens, vocabulary),
        encode_stream(valid_tokens, vocabulary),
        encode_stream(test_tokens, vocabulary),
        vocabulary,
    )


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


def build_language_model(
    vocab_size: int, *, embedding_dim: int, units: int, batch_size: int, window: int, learning_rate: float
) -> Any:
    """Embedding -> stateful GRU (every step's state) -> Dense(vocab_size) logits, compiled.

    ``batch_size`` and ``window`` are fixed because a stateful layer keeps one state per row of
    the batch. The loss is the softmax cross-entropy at every step (``from_logits=True``), and
    Adam clips the gradient's global norm to 1 (lesson 01: one long window can produce a huge
    gradient).
    """
    import keras

    model = keras.Sequential(
        [
            keras.Input(batch_shape=(batch_size, window), dtype="int32"),
            keras.layers.Embedding(vocab_size, embedding_dim, name="embedding"),
            keras.layers.GRU(units, return_sequences=True, stateful=True, name="gru"),
            keras.layers.Dense(vocab_size, name="next_word_logits"),
        ],
        name="gru_language_model",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, global_clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def reset_states(model: Any) -> None:
    """Zero the state of every stateful recurrent layer (the start of a pass over the rows)."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def run_epoch(model: Any, inputs: np.ndarray, targets: np.ndarray, *, train: bool) -> float:
    """One pass over the windows, in order; the mean cross-entropy per token (nats).

    ``inputs`` and ``targets`` have shape ``(num_windows, batch_size, window)`` (the layout of
    the lesson's ``make_windows``). The state starts at zero and is carried from window ``k`` to
    window ``k + 1`` of each row; gradients stop at the window's start (truncated BPTT).
    """
    reset_states(model)
    step = model.train_on_batch if train else model.test_on_batch
    losses = [float(step(inputs[k], targets[k])) for k in range(len(inputs))]
    return float(np.mean(losses))


def stepping_copy(model: Any) -> Any:
    """The same layers and weights for one sequence of any length, stateful: feed a word, get logits.

    The trained model's batch shape is fixed; sampling reads one sequence, one word at a time.
    """
    import keras

    embedding, gru, dense = (model.get_layer(name) for name in ("embedding", "gru", "next_word_logits"))
    copy = keras.Sequential(
        [
            keras.Input(batch_shape=(1, None), dtype="int32"),
            keras.layers.Embedding(embedding.input_dim, embedding.output_dim, name="embedding"),
            keras.layers.GRU(gru.units, return_sequences=True, stateful=True, name="gru"),
            keras.layers.Dense(dense.units, name="next_word_logits"),
        ]
    )
    copy.set_weights(model.get_weights())
    return copy
