"""Lesson 05 feasibility (#25): a stateful GRU language model against add-k unigram and bigram baselines.

Not part of `make bench` yet. Every perplexity is on held-out reviews from the tail of the IMDB
train split (validation: the sentiment test set is never used). Run, e.g.::

    RNNCOURSE_DATA_DIR=data/cache .venv/bin/python bench/lm_feasibility.py 2000 300 5000 128 64 32 35 3

Arguments: training reviews, held-out reviews, vocabulary size, GRU units, embedding size, batch
size, window (time steps per truncated-BPTT window), epochs. LR (environment) sets Adam's rate.
"""

import math
import os
import sys
import time

import keras
import numpy as np

import rnncourse  # noqa: F401
from rnncourse.checks.l05_language_model.bigram_perplexity import reference as bigram_ppl
from rnncourse.checks.l05_language_model.make_windows import reference as windows
from rnncourse.language_model import lm_corpus, perplexity, unigram_nll


def main(argv: list[str]) -> None:
    num_train, num_valid, vocab, units, emb, batch, window, epochs = [int(a) for a in argv]
    t0 = time.time()
    corpus = lm_corpus(num_train, num_valid, 0, vocab)  # no test part: this script chooses
    print(
        f"corpus {time.time() - t0:.1f}s, train tokens {len(corpus.train)}, held-out {len(corpus.valid)}, "
        f"[UNK] share {corpus.unk_rate:.3f}",
        flush=True,
    )
    print("unigram ppl", round(perplexity(unigram_nll(corpus.train, corpus.valid, vocab, 1.0)), 1))
    for k in (1.0, 0.1, 0.01, 0.001):
        t = time.time()
        p = bigram_ppl(corpus.train, corpus.valid, vocab, k)
        print(f"bigram k={k} ppl {p:.1f} ({time.time() - t:.2f}s)", flush=True)

    x, y = windows(corpus.train, batch, window)
    vx, vy = windows(corpus.valid, batch, window)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(batch_shape=(batch, window)),
            keras.layers.Embedding(vocab, emb),
            keras.layers.GRU(units, return_sequences=True, stateful=True),
            keras.layers.Dense(vocab),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=float(os.environ.get("LR", "0.003")), clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    gru = model.layers[1]

    def evaluate():
        gru.reset_states()
        total = 0.0
        for i in range(len(vx)):
            total += float(model.test_on_batch(vx[i], vy[i]))
        return total / len(vx)

    fit_time = 0.0
    for epoch in range(epochs):
        t = time.time()
        gru.reset_states()
        losses = []
        for i in range(len(x)):
            losses.append(float(model.train_on_batch(x[i], y[i])))
        fit_time += time.time() - t
        v = evaluate()
        print(
            f"epoch {epoch + 1}: train loss {np.mean(losses):.3f}, held-out ppl {math.exp(v):.1f}, "
            f"fit {fit_time:.1f} s ({len(x)} windows)",
            flush=True,
        )
    print("total", round(time.time() - t0, 1))


if __name__ == "__main__":
    main(sys.argv[1:9])
