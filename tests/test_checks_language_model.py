"""Lesson 05 checks (rnncourse.checks.l05_language_model): correct answers in several styles pass,
each known mistake fails with the message that names it. Also the lesson's data helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnncourse import checks
from rnncourse.language_model import (
    EOS_INDEX,
    UNK_INDEX,
    build_vocabulary,
    encode_stream,
    perplexity,
    unigram_nll,
)


# ---------------------------------------------------------------- make_windows
def windows_loop(stream, batch_size, window):
    """Another style: explicit loops over windows and rows."""
    row_length = (len(stream) - 1) // batch_size
    inputs, targets = [], []
    for k in range(row_length // window):
        xs, ys = [], []
        for b in range(batch_size):
            start = b * row_length + k * window
            xs.append(list(stream[start : start + window]))
            ys.append(list(stream[start + 1 : start + window + 1]))
        inputs.append(xs)
        targets.append(ys)
    return np.array(inputs), np.array(targets)


def windows_reshape(stream, batch_size, window):
    row_length = (len(stream) - 1) // batch_size
    x = np.asarray(stream[: batch_size * row_length]).reshape(batch_size, row_length)
    y = np.asarray(stream[1 : batch_size * row_length + 1]).reshape(batch_size, row_length)
    n = row_length // window
    return (
        x[:, : n * window].reshape(batch_size, n, window).swapaxes(0, 1),
        y[:, : n * window].reshape(batch_size, n, window).swapaxes(0, 1),
    )


def windows_same_targets(stream, batch_size, window):
    inputs, _ = windows_reshape(stream, batch_size, window)
    return inputs, inputs


def windows_interleaved(stream, batch_size, window):
    """Consecutive windows go to consecutive rows: the state jumps between unrelated text."""
    n = (len(stream) - 1) // (batch_size * window)
    x = np.asarray(stream[: n * batch_size * window]).reshape(n, batch_size, window)
    y = np.asarray(stream[1 : n * batch_size * window + 1]).reshape(n, batch_size, window)
    return x, y


def windows_overlapping(stream, batch_size, window):
    """Windows that start every token instead of every `window` tokens."""
    x, y = windows_reshape(stream, batch_size, 1)
    row_length = x.shape[0]
    n = row_length - window + 1
    xs = np.stack([x[k : k + window, :, 0].T for k in range(n)])
    ys = np.stack([y[k : k + window, :, 0].T for k in range(n)])
    return xs, ys


def windows_keep_partial(stream, batch_size, window):
    x, y = windows_reshape(stream, batch_size, window)
    return np.concatenate([x, x[:1]]), np.concatenate([y, y[:1]])


def windows_previous_token(stream, batch_size, window):
    x, _ = windows_reshape(np.asarray(stream)[1:], batch_size, window)
    y, _ = windows_reshape(np.asarray(stream)[:-1], batch_size, window)
    return x, y


@pytest.mark.parametrize("solution", [windows_loop, windows_reshape])
def test_make_windows_accepts_correct_solutions(solution, capsys):
    checks.check_make_windows(solution)
    checks.check_make_windows(solution, seed=5, length=211, visible=False)
    out = capsys.readouterr().out
    assert "make_windows: visible checks passed" in out and "hidden test passed" in out


@pytest.mark.parametrize(
    ("solution", "message"),
    [
        (windows_same_targets, "targets are the inputs themselves"),
        (windows_interleaved, "does not continue row b of window k"),
        (windows_overlapping, "windows for a stream of"),
        (windows_keep_partial, "windows for a stream of"),
        (windows_previous_token, "targets are the previous tokens"),
    ],
)
def test_make_windows_names_each_mistake(solution, message, fails_with):
    with fails_with(message):
        checks.check_make_windows(solution)


# ---------------------------------------------------------------- sequence_perplexity
def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _nll(logits, targets):
    return -np.take_along_axis(_log_softmax(logits), targets[..., None], axis=-1)[..., 0]


def perplexity_numpy(logits, targets, mask):
    return float(np.exp((_nll(logits, targets) * mask).sum() / mask.sum()))


def perplexity_keras(logits, targets, mask):
    """Another style: Keras's own masked sparse cross-entropy."""
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum")
    total = float(loss(targets, logits, sample_weight=mask))
    return math.exp(total / float(np.sum(mask)))


def perplexity_padding_counted(logits, targets, mask):
    return float(np.exp(_nll(logits, targets).mean()))


def perplexity_per_sequence(logits, targets, mask):
    nll = _nll(logits, targets) * mask
    return float(np.exp((nll.sum(axis=1) / mask.sum(axis=1)).mean()))


def perplexity_log2(logits, targets, mask):
    return float(np.exp((_nll(logits, targets) * mask).sum() / mask.sum() / np.log(2)))


def perplexity_naive_softmax(logits, targets, mask):
    with np.errstate(all="ignore"):
        probs = np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)
        picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
        return float(np.exp((-np.log(picked) * mask).sum() / mask.sum()))


@pytest.mark.parametrize("solution", [perplexity_numpy, perplexity_keras])
def test_sequence_perplexity_accepts_correct_solutions(solution, capsys):
    checks.check_sequence_perplexity(solution)
    checks.check_sequence_perplexity(solution, seed=3, large_logits=True, visible=False)
    assert "hidden test passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("solution", "message", "hidden"),
    [
        (perplexity_padding_counted, "counted the padding", False),
        (perplexity_per_sequence, "averaged each sequence first", False),
        (perplexity_log2, "mixed natural and base-2 logarithms", False),
        (perplexity_naive_softmax, "exp overflowed", True),
    ],
)
def test_sequence_perplexity_names_each_mistake(solution, message, hidden, fails_with):
    with fails_with(message):
        checks.check_sequence_perplexity(solution, large_logits=hidden)


# ---------------------------------------------------------------- bigram_perplexity
def bigram_dense(train, held_out, vocab_size, k):
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (train[:-1], train[1:]), 1)
    probs = (counts + k) / (counts.sum(axis=1, keepdims=True) + k * vocab_size)
    return float(np.exp(-np.mean(np.log(probs[held_out[:-1], held_out[1:]]))))


def bigram_dict(train, held_out, vocab_size, k):
    """Another style: dictionaries and a plain loop."""
    pairs, contexts = {}, {}
    for v, w in zip(train[:-1].tolist(), train[1:].tolist(), strict=True):
        pairs[v, w] = pairs.get((v, w), 0) + 1
        contexts[v] = contexts.get(v, 0) + 1
    total = 0.0
    for v, w in zip(held_out[:-1].tolist(), held_out[1:].tolist(), strict=True):
        total += math.log((pairs.get((v, w), 0) + k) / (contexts.get(v, 0) + k * vocab_size))
    return math.exp(-total / (len(held_out) - 1))


def bigram_unsmoothed(train, held_out, vocab_size, k):
    return bigram_dense(train, held_out, vocab_size, 0.0)


def bigram_k_only_on_top(train, held_out, vocab_size, k):
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (train[:-1], train[1:]), 1)
    probs = (counts + k) / (counts.sum(axis=1, keepdims=True) + k)
    return float(np.exp(-np.mean(np.log(probs[held_out[:-1], held_out[1:]]))))


def bigram_unigram_context(train, held_out, vocab_size, k):
    counts = np.zeros((vocab_size, vocab_size))
    np.add.at(counts, (train[:-1], train[1:]), 1)
    unigram = np.bincount(train, minlength=vocab_size)
    v, w = held_out[:-1], held_out[1:]
    return float(np.exp(-np.mean(np.log((counts[v, w] + k) / (unigram[v] + k * vocab_size)))))


def bigram_counts_held_out(train, held_out, vocab_size, k):
    return bigram_dense(np.concatenate([train, held_out]), held_out, vocab_size, k)


@pytest.mark.parametrize("solution", [bigram_dense, bigram_dict])
def test_bigram_perplexity_accepts_correct_solutions(solution, capsys):
    checks.check_bigram_perplexity(solution)
    checks.check_bigram_perplexity(solution, seed=9, vocab_size=20, visible=False)
    assert "hidden test passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("solution", "message"),
    [
        (bigram_unsmoothed, "never seen in training got probability 0"),
        (bigram_k_only_on_top, "normalised by k instead of k * vocab_size"),
        (bigram_unigram_context, "its unigram count"),
        (bigram_counts_held_out, "the held-out text was counted too"),
    ],
)
def test_bigram_perplexity_names_each_mistake(solution, message, fails_with):
    with fails_with(message):
        checks.check_bigram_perplexity(solution)


# ---------------------------------------------------------------- next_word_distribution
def distribution_stable(logits, temperature):
    if temperature == 0:
        out = np.zeros_like(logits, dtype=float)
        out[np.argmax(logits)] = 1.0
        return out
    z = logits / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def distribution_keras(logits, temperature):
    """Another style: Keras's softmax in float32, greedy handled first."""
    import keras

    if temperature <= 0:
        return (np.arange(len(logits)) == np.argmax(logits)).astype(float)
    return keras.ops.softmax(keras.ops.convert_to_tensor(np.asarray(logits) / temperature, "float32"))


def distribution_no_temperature(logits, temperature):
    return distribution_stable(logits, 1.0)


def distribution_times_temperature(logits, temperature):
    return distribution_stable(np.asarray(logits) * temperature, 1.0)


def distribution_naive(logits, temperature):
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(logits) / temperature)
        return e / e.sum()


@pytest.mark.parametrize("solution", [distribution_stable, distribution_keras])
def test_next_word_distribution_accepts_correct_solutions(solution, capsys):
    checks.check_next_word_distribution(solution)
    checks.check_next_word_distribution(solution, seed=2, extremes=True, visible=False)
    assert "hidden test passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("solution", "message", "extremes"),
    [
        (distribution_no_temperature, "ignored the temperature", False),
        (distribution_times_temperature, "multiplied the logits by the temperature", False),
        (distribution_naive, "NaN", True),
    ],
)
def test_next_word_distribution_names_each_mistake(solution, message, extremes, fails_with):
    with fails_with(message):
        checks.check_next_word_distribution(solution, extremes=extremes)


# ---------------------------------------------------------------- the lesson's data helpers
def test_vocabulary_and_stream():
    reviews = [["a", "b", "a"], ["c", "a", "b", "d"]]
    vocabulary = build_vocabulary(reviews, size=5)
    assert vocabulary == ["[PAD]", "[UNK]", "<eos>", "a", "b"]  # by count, ties alphabetical
    stream = encode_stream(reviews, vocabulary)
    assert stream.tolist() == [3, 4, 3, EOS_INDEX, UNK_INDEX, 3, 4, UNK_INDEX, EOS_INDEX]
    with pytest.raises(ValueError, match="size must be above 3"):
        build_vocabulary(reviews, size=3)


def test_a_uniform_model_has_perplexity_the_vocabulary_size():
    """The lesson's first check of the definition, computed: uniform over V words -> perplexity V."""
    vocab_size = 50
    train = np.arange(vocab_size).repeat(4)  # every word equally often: the add-k unigram is uniform
    held_out = np.random.default_rng(0).integers(0, vocab_size, size=300)
    assert perplexity(unigram_nll(train, held_out, vocab_size, k=1.0)) == pytest.approx(vocab_size)


def test_the_corpus_fits_on_the_first_reviews_and_holds_out_the_last(monkeypatch):
    from rnncourse import data
    from rnncourse.language_model import lm_corpus

    texts = ["the film was good", "the film was bad", "an unused review", "a plot", "the ending was unseen"]
    monkeypatch.setattr(data, "load_imdb_reviews", lambda split: (texts, np.zeros(len(texts), dtype=np.int64)))
    corpus = lm_corpus(num_train=2, num_valid=1, num_test=1, vocab_size=6)
    assert corpus.vocabulary == ["[PAD]", "[UNK]", "<eos>", "film", "the", "was"]  # from the 2 training reviews
    assert corpus.train.tolist() == [4, 3, 5, UNK_INDEX, EOS_INDEX, 4, 3, 5, UNK_INDEX, EOS_INDEX]
    assert corpus.valid.tolist() == [4, UNK_INDEX, 5, UNK_INDEX, EOS_INDEX]  # the last review
    assert corpus.test.tolist() == [UNK_INDEX, UNK_INDEX, EOS_INDEX]  # "a plot", just before it
    assert corpus.unk_rate == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="the train split has 5"):
        lm_corpus(num_train=3, num_valid=2, num_test=1, vocab_size=6)
