"""`make bench`, section ``final``: lesson 04's final RNN against the bag of bigrams, chosen on validation.

The comparison the lesson teaches, done on its own headline:

1. **Split.** The 20,000 training reviews of full mode lose a label-balanced validation set of
   ``num_val`` reviews (the last ones of each label, ``models.balanced_split``); both models train
   on the other 18,000. The 5,000 test reviews are not looked at until step 4.
2. **Choose the RNN on validation.** Each candidate in :data:`CANDIDATES` (the final model's
   review length and number of epochs) is trained with the selection seeds and scored on the
   validation reviews after its last epoch. Validation cannot separate candidates closer than its
   own noise, so the rule is the one-standard-error rule (:func:`choose_within_one_standard_error`):
   the cheapest candidate whose mean validation accuracy is within one standard error of the best.
3. **Choose the bag's epochs on validation.** The bag of bigrams is trained for up to
   :data:`BAG_MAX_EPOCHS` epochs with the selection seeds; the epoch count with the highest mean
   validation accuracy is kept.
4. **Test once.** The chosen RNN and the chosen bag are trained from scratch with each of the
   final seeds on the same 18,000 reviews and scored once on the 5,000 test reviews. The
   difference is paired by seed: mean ± standard error, and the words that follow from it.
5. **Where word order should matter.** The same predictions, split into the test reviews where a
   negation comes one or two words before a sentiment word ("not very good", "never a dull"),
   which no single bigram spans, and the others; and the order pairs of
   :mod:`rnncourse.word_order`, short texts written for the lesson whose two versions hold the same words
   in an order that flips the meaning. A pair counts as right when the positive version gets the
   higher probability.

The candidate list itself came from earlier exploration that looked at test accuracy
(``lesson04_exploration``); the choice *among* the candidates is made here on validation only.
Run by ``bench/run.py`` in a fresh full-mode process; on its own::

    RNNCOURSE_DATA_DIR=data/cache .venv/bin/python -m bench.final_comparison

prints one JSON object (the ``lesson04_final`` section of ``bench/results.json``).
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

LESSON = "04_sentiment"
SELECTION_SEEDS = (0, 1)  # seeds that train every candidate for the choice on validation
FINAL_SEEDS = (0, 1, 2, 3, 4)  # seeds of the one test-set comparison (issue #24: at least 5)
BAG_MAX_EPOCHS = 8  # the bag's epoch count is chosen among 1 ... BAG_MAX_EPOCHS on validation
# The final RNN's candidates: tokens read per review (the vectorizer keeps the first ones) and
# epochs (Adam's learning rate falls to 0 along a half cosine over them, so each count is a fit
# of its own). The rest of the model is the lesson's: GloVe (fine-tuned) -> Conv1D(final_filters)
# -> MaxPooling1D(final_pool_size) -> BiGRU(final_units) -> max + mean pooling -> Dense(1).
# A cross around the last choice (400 tokens, 4 epochs): one axis at a time, one step each way, so
# that a choice at an edge of the grid shows in the record (``rnn_chosen_at_an_edge``).
CANDIDATES = (
    {"name": "400 tokens, 4 epochs", "maxlen": 400, "epochs": 4},
    {"name": "400 tokens, 3 epochs", "maxlen": 400, "epochs": 3},
    {"name": "400 tokens, 5 epochs", "maxlen": 400, "epochs": 5},
    {"name": "300 tokens, 4 epochs", "maxlen": 300, "epochs": 4},
    {"name": "500 tokens, 4 epochs", "maxlen": 500, "epochs": 4},
)


def choose_within_one_standard_error(
    selection: Sequence[dict[str, Any]], num_val: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The cheapest candidate within one standard error of the best mean validation accuracy, and why.

    The standard error is the best accuracy's binomial one on ``num_val`` reviews,
    ``sqrt(p (1 - p) / num_val)``: the noise of the validation reviews themselves, which more
    seeds on the same reviews do not shrink. The cost is tokens x epochs, which the fit time grows
    with; equal costs go to the higher accuracy.
    """
    best = max(selection, key=lambda c: c["mean_val_accuracy"])
    p = best["mean_val_accuracy"]
    standard_error = math.sqrt(p * (1 - p) / num_val)
    near = [c for c in selection if c["mean_val_accuracy"] >= p - standard_error]
    chosen = min(near, key=lambda c: (c["maxlen"] * c["epochs"], -c["mean_val_accuracy"]))
    return chosen, {
        "rule": (
            "the cheapest candidate (tokens x epochs) within one standard error of the best mean validation accuracy"
        ),
        "best_on_validation": best["name"],
        "best_at_an_edge": at_an_edge(selection, best),
        "standard_error": round(standard_error, 4),
        "within_one_standard_error": [c["name"] for c in near],
    }


def at_an_edge(candidates: Sequence[dict[str, Any]], chosen: dict[str, Any]) -> list[str]:
    """The axes ("maxlen", "epochs") on which ``chosen`` holds the smallest or largest value tried.

    A choice at an edge means the best value may lie outside the grid; the record says so.
    """
    edges = []
    for axis in ("maxlen", "epochs"):
        values = {c[axis] for c in candidates}
        if len(values) > 1 and chosen[axis] in (min(values), max(values)):
            edges.append(axis)
    return edges


def paired_difference(ours: Sequence[float], theirs: Sequence[float], *, scale: float = 100.0) -> dict[str, Any]:
    """Mean ± standard error of ``ours[i] - theirs[i]`` (times ``scale``: accuracy points), and its words.

    The words follow the numbers: "ahead by x ± y points" when the mean is more than two standard
    errors above 0, "behind by ..." when more than two below, otherwise "ties".
    """
    gaps = [scale * (a - b) for a, b in zip(ours, theirs, strict=True)]
    mean = statistics.fmean(gaps)
    se = statistics.stdev(gaps) / math.sqrt(len(gaps)) if len(gaps) > 1 else float("nan")
    if math.isfinite(se) and mean > 2 * se:
        words = f"ahead by {mean:.2f} ± {se:.2f} points"
    elif math.isfinite(se) and mean < -2 * se:
        words = f"behind by {-mean:.2f} ± {se:.2f} points"
    else:
        words = f"ties ({mean:+.2f} ± {se:.2f} points)"
    return {
        "gaps_points": [round(g, 2) for g in gaps],
        "mean_points": round(mean, 3),
        "standard_error_points": round(se, 3),
        "t": round(mean / se, 2) if se > 0 else None,
        "runs": len(gaps),
        "words": words,
    }


def main(
    *,
    mode: str = "full",
    candidates: Sequence[dict[str, Any]] = CANDIDATES,
    selection_seeds: Sequence[int] = SELECTION_SEEDS,
    final_seeds: Sequence[int] = FINAL_SEEDS,
    bag_max_epochs: int = BAG_MAX_EPOCHS,
) -> dict[str, Any]:
    """The ``lesson04_final`` record; the keywords shrink it for tests/test_bench_variants.py."""
    import keras

    import rnncourse  # noqa: F401  (quiet TensorFlow)
    from rnncourse import config, data, glove, models, word_order

    sizes, hp = config.sizes(LESSON, mode), config.hyperparameters(LESSON)
    texts, labels = data.load_imdb_reviews("train")
    texts, labels = np.array(texts[: sizes["num_train"]], dtype=object), labels[: sizes["num_train"]]
    test_texts, test_labels = data.load_imdb_reviews("test")
    test_texts, test_labels = np.array(test_texts[: sizes["num_test"]], dtype=object), test_labels[: sizes["num_test"]]
    _, val_rows = models.balanced_split(labels, 0, sizes["num_val"])
    train_rows = np.setdiff1d(np.arange(len(labels)), val_rows)
    train = (texts[train_rows], labels[train_rows])
    val = (texts[val_rows], labels[val_rows])

    # The vectorizer and the GloVe rows are fitted on the training part only; a shorter review
    # length is the first tokens of the longest one (the vectorizer pads and cuts at the end).
    longest = max(c["maxlen"] for c in candidates)
    vectorizer = models.text_vectorizer(train[0], sizes["num_words"], longest)
    matrix, _ = glove.filter_glove_for_vocabulary(vectorizer.get_vocabulary(), glove.load_glove())
    ids = {part: np.asarray(vectorizer(x)) for part, x in (("train", train[0]), ("val", val[0]), ("test", test_texts))}

    def fit_rnn(candidate: dict[str, Any], seed: int) -> tuple[Any, float]:
        length, epochs = candidate["maxlen"], candidate["epochs"]
        keras.utils.set_random_seed(seed)
        model = models.build_final_rnn(
            matrix, hp["final_filters"], hp["kernel_size"], hp["final_pool_size"], hp["final_units"]
        )
        schedule = models.cosine_schedule(
            hp["learning_rate"], epochs=epochs, num_train=len(train[1]), batch_size=hp["batch_size"]
        )
        models.compile_classifier(model, learning_rate=schedule)
        start = time.perf_counter()
        model.fit(ids["train"][:, :length], train[1], epochs=epochs, batch_size=hp["batch_size"], verbose=0)
        return model, time.perf_counter() - start

    def accuracy(model: Any, x: Any, y: np.ndarray) -> float:
        return float(model.evaluate(x, y, batch_size=256, verbose=0)[1])

    selection = []
    for candidate in candidates:
        scores, seconds = [], []
        for seed in selection_seeds:
            model, fit_s = fit_rnn(candidate, seed)
            scores.append(accuracy(model, ids["val"][:, : candidate["maxlen"]], val[1]))
            seconds.append(fit_s)
        selection.append(
            {
                **candidate,
                "val_accuracy": [round(s, 4) for s in scores],
                "mean_val_accuracy": round(statistics.fmean(scores), 4),
                "fit_seconds": [round(s, 1) for s in seconds],
            }
        )
        print(f"candidate {candidate['name']}: validation {scores}", file=sys.stderr, flush=True)
    chosen, how_chosen = choose_within_one_standard_error(selection, len(val[1]))

    def fit_bag(seed: int, epochs: int, validation: Any = None) -> tuple[Any, Any, float]:
        keras.utils.set_random_seed(seed)
        start = time.perf_counter()
        model = models.build_ngram_baseline(
            train[0], max_tokens=hp["ngram_max_tokens"], dropout_rate=hp["ngram_dropout"]
        )
        models.compile_classifier(model, learning_rate=hp["learning_rate"])
        history = model.fit(
            train[0], train[1], epochs=epochs, batch_size=hp["batch_size"], validation_data=validation, verbose=0
        )
        return model, history.history, time.perf_counter() - start

    bag_curves = [fit_bag(seed, bag_max_epochs, val)[1]["val_accuracy"] for seed in selection_seeds]
    bag_mean_curve = [statistics.fmean(values) for values in zip(*bag_curves)]
    bag_epochs = 1 + int(np.argmax(bag_mean_curve))
    print(f"bag: validation by epoch {bag_mean_curve}; keeps {bag_epochs}", file=sys.stderr, flush=True)

    # The one look at the test set.
    negated = word_order.negated_at_a_distance(test_texts)
    pair_texts = word_order.pair_texts()
    pair_ids = np.asarray(vectorizer(pair_texts))[:, : chosen["maxlen"]]
    parts = {"all": np.ones_like(negated), "negated_at_a_distance": negated, "other": ~negated}
    scores: dict[str, dict[str, dict[int, float]]] = {"rnn": {}, "bag": {}}
    rnn_seconds, bag_seconds = [], []
    for seed in final_seeds:
        model, fit_s = fit_rnn(chosen, seed)
        rnn_seconds.append(fit_s)
        bag, _, bag_s = fit_bag(seed, bag_epochs)
        bag_seconds.append(bag_s)
        for key, test_p, pair_p in (
            (
                "rnn",
                model.predict(ids["test"][:, : chosen["maxlen"]], batch_size=256, verbose=0),
                model.predict(pair_ids, verbose=0),
            ),
            ("bag", bag.predict(test_texts, batch_size=256, verbose=0), bag.predict(pair_texts, verbose=0)),
        ):
            right = (np.asarray(test_p).reshape(-1) > 0.5) == (test_labels == 1)
            for part, rows in parts.items():
                scores[key].setdefault(part, {})[seed] = float(right[rows].mean())
            scores[key].setdefault("order_pairs", {})[seed] = word_order.pair_accuracy(pair_p)
        print(
            f"seed {seed}: RNN {scores['rnn']['all'][seed]:.4f}, bag {scores['bag']['all'][seed]:.4f}",
            file=sys.stderr,
            flush=True,
        )
        keras.backend.clear_session()
    rnn_test, bag_test = scores["rnn"]["all"], scores["bag"]["all"]

    def spread(values: Sequence[float], digits: int = 4) -> dict[str, Any]:
        return {
            "median": round(statistics.median(values), digits),
            "min": round(min(values), digits),
            "max": round(max(values), digits),
            "runs": len(values),
        }

    return {
        "date": time.strftime("%Y-%m-%d"),
        "selected_on": "validation",
        "what": (
            f"final RNN against the bag of bigrams: both trained on {len(train[1]):,} training reviews, "
            f"choices made on {len(val[1]):,} validation reviews cut from the training split, "
            f"test accuracy on {len(test_labels):,} test reviews measured once per final seed"
        ),
        "caveat": (
            "the candidate list came from earlier exploration that compared test accuracies (lesson04_exploration)"
        ),
        "selection_seeds": list(selection_seeds),
        "rnn_candidates": selection,
        "rnn_chosen": {k: chosen[k] for k in ("name", "maxlen", "epochs", "mean_val_accuracy")},
        "rnn_chosen_at_an_edge": at_an_edge(candidates, chosen),
        "rnn_choice": how_chosen,
        "bag_val_accuracy_by_epoch": [round(v, 4) for v in bag_mean_curve],
        "bag_epochs_chosen": bag_epochs,
        "bag_epochs_at_the_edge": bag_epochs == bag_max_epochs,
        "final_seeds": list(final_seeds),
        "rnn_test_accuracy": {str(s): round(v, 4) for s, v in rnn_test.items()},
        "bag_test_accuracy": {str(s): round(v, 4) for s, v in bag_test.items()},
        "rnn_test_over_seeds": spread(list(rnn_test.values())),
        "bag_test_over_seeds": spread(list(bag_test.values())),
        "rnn_minus_bag": paired_difference(list(rnn_test.values()), [bag_test[s] for s in rnn_test]),
        "word_order": {
            "negated_at_a_distance_reviews": int(negated.sum()),
            "pattern": word_order.NEGATED_AT_A_DISTANCE.pattern,
            "order_pairs": len(word_order.ORDER_PAIRS),
            **{
                part: {
                    "rnn": {str(s): round(v, 4) for s, v in scores["rnn"][part].items()},
                    "bag": {str(s): round(v, 4) for s, v in scores["bag"][part].items()},
                    "rnn_minus_bag": paired_difference(
                        list(scores["rnn"][part].values()), [scores["bag"][part][s] for s in scores["rnn"][part]]
                    ),
                }
                for part in ("negated_at_a_distance", "other", "order_pairs")
            },
        },
        "rnn_fit_seconds": spread(rnn_seconds, 1),
        "bag_seconds": {**spread(bag_seconds, 1), "note": "adapting the vectorizer included"},
    }


if __name__ == "__main__":
    print(json.dumps(main()))
