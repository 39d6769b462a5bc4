"""`make bench`, section ``language_model``: lesson 05's GRU language model against its count baselines.

Trains the lesson's model (``rnncourse.language_model.build_language_model`` with the full-mode
sizes of ``config.sizes("05_language_model", "full")``) once per seed, and measures in the same
run the add-one unigram and the add-k bigram models on the same streams. Every choice is made on
the validation stream (the bigram's k, the epoch each GRU keeps); the test stream is scored once
per model. Run by ``bench/run.py`` in a fresh process; on its own::

    RNNCOURSE_DATA_DIR=data/cache .venv/bin/python -m bench.language_model 0 1 2

prints one JSON object (the ``lesson05_language_model`` section of ``bench/results.json``).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

FIT_TARGET_S = 120.0  # issue #25: below the bigram's perplexity with at most 120 s of fitting


def main(seeds: list[int]) -> dict:
    import keras

    import rnncourse  # noqa: F401  (quiet TensorFlow)
    from rnncourse import config
    from rnncourse import language_model as lm
    from rnncourse.checks.l05_language_model.bigram_perplexity import reference as bigram_perplexity
    from rnncourse.checks.l05_language_model.make_windows import reference as make_windows

    sizes = config.sizes("05_language_model", "full")
    corpus = lm.lm_corpus(sizes["num_train"], sizes["num_valid"], sizes["num_test"], sizes["vocab_size"])
    vocab_size = corpus.vocab_size
    bigram_valid = {k: bigram_perplexity(corpus.train, corpus.valid, vocab_size, k) for k in sizes["smoothing_ks"]}
    best_k = min(bigram_valid, key=bigram_valid.__getitem__)
    unigram = {
        "valid": lm.perplexity(lm.unigram_nll(corpus.train, corpus.valid, vocab_size)),
        "test": lm.perplexity(lm.unigram_nll(corpus.train, corpus.test, vocab_size)),
    }
    bigram = {
        "k_by_validation": best_k,
        "valid_by_k": {str(k): v for k, v in bigram_valid.items()},
        "valid": bigram_valid[best_k],
        "test": bigram_perplexity(corpus.train, corpus.test, vocab_size, best_k),
    }
    batch, window = sizes["batch_size"], sizes["window"]
    windows = {part: make_windows(getattr(corpus, part), batch, window) for part in ("train", "valid", "test")}
    runs = {}
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        model = lm.build_language_model(
            vocab_size,
            embedding_dim=sizes["embedding_dim"],
            units=sizes["units"],
            batch_size=batch,
            window=window,
            learning_rate=config.hyperparameters("05_language_model")["learning_rate"],
        )
        valid_by_epoch, fit_seconds, best = [], 0.0, None
        for _ in range(sizes["epochs"]):
            start = time.perf_counter()
            lm.run_epoch(model, *windows["train"], train=True)
            fit_seconds += time.perf_counter() - start
            valid_by_epoch.append(lm.perplexity(lm.run_epoch(model, *windows["valid"], train=False)))
            if valid_by_epoch[-1] == min(valid_by_epoch):
                best = model.get_weights()
        model.set_weights(best)
        runs[str(seed)] = {
            "valid_by_epoch": valid_by_epoch,
            "kept_epoch": valid_by_epoch.index(min(valid_by_epoch)) + 1,
            "test": lm.perplexity(lm.run_epoch(model, *windows["test"], train=False)),
            "fit_seconds": fit_seconds,
        }
        print(f"seed {seed}: {runs[str(seed)]}", file=sys.stderr, flush=True)
    gru_test = [r["test"] for r in runs.values()]
    gaps = [r["test"] - bigram["test"] for r in runs.values()]  # the bigram model has no seed
    fit = [r["fit_seconds"] for r in runs.values()]
    median_test, median_fit = statistics.median(gru_test), statistics.median(fit)
    return {
        "sizes": {k: list(v) if isinstance(v, tuple) else v for k, v in sizes.items()},
        "unk_rate_valid": corpus.unk_rate,
        "unigram": unigram,
        "bigram": bigram,
        "gru_by_seed": runs,
        "gru_test": {"median": median_test, "min": min(gru_test), "max": max(gru_test), "runs": len(gru_test)},
        "gru_minus_bigram_test": {
            "mean": statistics.mean(gaps),
            "sd": statistics.stdev(gaps) if len(gaps) > 1 else None,
            "by_seed": gaps,
        },
        "fit_seconds": {"median": median_fit, "min": min(fit), "max": max(fit), "runs": len(fit)},
        "target": f"median GRU test perplexity below the bigram's, median fit <= {FIT_TARGET_S:.0f} s",
        "meets_target": median_test < bigram["test"] and median_fit <= FIT_TARGET_S,
    }


if __name__ == "__main__":
    print(json.dumps(main([int(seed) for seed in sys.argv[1:]] or [0, 1, 2])))
