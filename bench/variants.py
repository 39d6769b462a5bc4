"""Lesson 04's model variants, trained and measured as the lesson trains them (``make bench``).

:func:`benchmark_variants` builds every variant with :mod:`rnncourse.models`, on the sizes of
``rnncourse.config.sizes("04_sentiment")`` and the hyperparameters of
``rnncourse.config.hyperparameters("04_sentiment")`` (the values the lesson's notebook uses; a
test keeps them in step), and reports parameters, training time and test accuracy.
``bench/run.py`` calls it; ``tests/test_bench_variants.py`` tests it on tiny sizes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from rnncourse import config, data, glove, models

LESSON = "04_sentiment"

VARIANT_NAMES = (
    "baseline",
    "lstm_1_layer",
    "lstm_2_layers",
    "lstm_dropout",
    "lstm_batch_32",
    "conv_short_small_vocab",
    "conv_short",
    "conv_long",
    "conv_lstm_all",
    "example_model",
    "ngram_baseline",
    "final_rnn",
)


def benchmark_variants(
    names: Sequence[str] | None = None, *, seed: int = 0, sizes: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Train lesson 04's model variants as the lesson does and measure each one.

    Parameters
    ----------
    names : sequence of str, optional
        Variants from :data:`VARIANT_NAMES` (default: all of them, about 2-3 minutes on
        2 cores in full mode).
    seed : int, default 0
        Passed to ``keras.utils.set_random_seed`` before each model is built.
    sizes : mapping, optional
        Lesson sizes; default ``config.sizes("04_sentiment")`` (full or fast mode).

    Returns
    -------
    dict
        Variant name -> ``{"params", "train_seconds", "test_accuracy", "test_loss",
        "num_train", "maxlen", "num_words", "epochs_run", "batch_size"}``. Accuracies are on the
        held-out test reviews; ``train_seconds`` is the wall time of ``model.fit`` (for the bag of
        bigrams, adapting its vectorizer included, as the lesson times it; its ``maxlen`` is None). Variants
        with a validation set stop early (the hyperparameter ``patience``) and keep their best
        epoch's weights.
    """
    import keras

    sizes = dict(sizes or config.sizes(LESSON))
    names = list(names or VARIANT_NAMES)
    unknown = sorted(set(names) - set(VARIANT_NAMES))
    if unknown:
        raise ValueError(f"unknown variants {unknown}; known: {list(VARIANT_NAMES)}")
    hp = config.hyperparameters(LESSON)
    num_words, maxlen = sizes["num_words"], sizes["maxlen"]
    (x_train, y_train), (x_test, y_test), word_index = data.load_imdb(
        num_words=num_words, maxlen=maxlen, num_train=sizes["num_train"], num_test=sizes["num_test"]
    )
    n_study, n_val, study_maxlen = sizes["study_num_train"], sizes["num_val"], sizes["study_maxlen"]
    small, short_maxlen, epochs = sizes["small_num_words"], sizes["short_maxlen"], sizes["epochs"]

    def crop(xy: tuple[np.ndarray, np.ndarray], length: int = study_maxlen) -> tuple[np.ndarray, np.ndarray]:
        return models.crop_sequences(xy[0], length), xy[1]

    def short(xy: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return crop(xy, short_maxlen)

    def shrink(xy: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return models.restrict_vocabulary(short(xy)[0], small), xy[1]

    full_test = (x_test, y_test)
    study_rows, val_rows = models.balanced_split(y_train, n_study, n_val)
    rest_rows = np.setdiff1d(np.arange(len(y_train)), val_rows)
    val = (x_train[val_rows], y_train[val_rows])
    train_no_val = (x_train[rest_rows], y_train[rest_rows])
    study = crop((x_train[study_rows], y_train[study_rows]))
    matrix = None
    if any(n.startswith(("conv", "example")) for n in names):
        matrix, _ = glove.filter_glove(word_index, glove.load_glove())
    on_study = {"train": study, "test": crop(full_test), "val": crop(val), "epochs": sizes["study_epochs"]}

    review_texts: list[tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = []

    def texts() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The first num_train / num_test reviews as raw strings, as the lesson's bag of bigrams reads them."""
        if not review_texts:
            pairs = []
            for split, count in (("train", sizes["num_train"]), ("test", sizes["num_test"])):
                split_texts, split_labels = data.load_imdb_reviews(split)
                pairs.append((np.array(split_texts[:count], dtype=object), split_labels[:count]))
            review_texts.append((pairs[0], pairs[1]))
        return review_texts[0]

    vectorized: list[tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], np.ndarray]] = []

    def final_inputs() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], np.ndarray]:
        """The texts through the lesson's vectorizer (Exercise 1), and the GloVe rows of its vocabulary."""
        if not vectorized:
            (train_x, train_y), (test_x, test_y) = texts()
            vectorizer = models.text_vectorizer(train_x, num_words, sizes["final_maxlen"])
            rows, _ = glove.filter_glove_for_vocabulary(vectorizer.get_vocabulary(), glove.load_glove())
            as_ids = lambda x: np.asarray(vectorizer(x))  # noqa: E731
            vectorized.append(((as_ids(train_x), train_y), (as_ids(test_x), test_y), rows))
        return vectorized[0]

    def glove_matrix() -> np.ndarray:
        assert matrix is not None, "the GloVe matrix is loaded for the conv and example variants"
        return matrix

    def spec(name: str) -> tuple[Callable[[], Any], dict[str, Any]]:
        def lstm(layers: int) -> Any:
            return models.build_lstm_classifier(num_words, hp["embedding_dim"], hp["num_units"], layers)

        def conv(m: np.ndarray, units: int) -> Any:
            return models.build_conv_lstm(m, hp["filters"], hp["kernel_size"], hp["pool_size"], units)

        table: dict[str, tuple[Callable[[], Any], dict[str, Any]]] = {
            "baseline": (
                lambda: models.build_baseline_rnn(hp["baseline_units"]),
                {
                    "train": (models.raw_index_feature(x_train), y_train),
                    "test": (models.raw_index_feature(x_test), y_test),
                    "epochs": epochs,
                    "optimizer": "sgd",
                },
            ),
            "lstm_1_layer": (lambda: lstm(1), on_study),
            "lstm_2_layers": (lambda: lstm(2), on_study),
            "lstm_dropout": (
                lambda: models.build_dropout_classifier(
                    num_words, hp["embedding_dim"], hp["num_units"], hp["dropout_rate"]
                ),
                on_study,
            ),
            "lstm_batch_32": (lambda: lstm(1), {**on_study, "batch_size": hp["small_batch_size"]}),
            "conv_short_small_vocab": (
                lambda: conv(glove_matrix()[:small], hp["num_units"]),
                {
                    "train": shrink(train_no_val),
                    "test": shrink(full_test),
                    "val": shrink(val),
                    "epochs": epochs,
                    "num_words": small,
                },
            ),
            "conv_short": (
                lambda: conv(glove_matrix(), hp["num_units"]),
                {"train": short(train_no_val), "test": short(full_test), "val": short(val), "epochs": epochs},
            ),
            "conv_long": (
                lambda: conv(glove_matrix(), hp["conv_units"]),
                {"train": train_no_val, "test": full_test, "val": val, "epochs": epochs},
            ),
            "conv_lstm_all": (
                lambda: conv(glove_matrix(), hp["conv_units"]),
                {"train": (x_train, y_train), "test": full_test, "epochs": epochs},
            ),
            "example_model": (
                lambda: models.build_example_model(
                    glove_matrix(), hp["example_units"], hp["example_dropout"], hp["example_recurrent_dropout"]
                ),
                on_study,
            ),
            "final_rnn": (
                lambda: models.build_final_rnn(
                    final_inputs()[2], hp["final_filters"], hp["kernel_size"], hp["final_pool_size"], hp["final_units"]
                ),
                {
                    "train": final_inputs()[0],
                    "test": final_inputs()[1],
                    "epochs": sizes["final_epochs"],
                    "learning_rate": models.cosine_schedule(
                        hp["learning_rate"],
                        epochs=sizes["final_epochs"],
                        num_train=len(final_inputs()[0][1]),
                        batch_size=hp["batch_size"],
                    ),
                }
                if name == "final_rnn"
                else {},
            ),
            "ngram_baseline": (
                lambda: models.build_ngram_baseline(
                    texts()[0][0], max_tokens=hp["ngram_max_tokens"], dropout_rate=hp["ngram_dropout"]
                ),
                {"train": texts()[0], "test": texts()[1], "epochs": sizes["ngram_epochs"], "adapt_timed": True},
            ),
        }
        return table[name]

    out = {}
    for name in names:
        build, run = spec(name)
        keras.utils.set_random_seed(seed)
        optimizer = run.get("optimizer", "adam")
        start = time.perf_counter()
        built = build()  # the bag of bigrams adapts its vectorizer here: the lesson times that too
        build_seconds = time.perf_counter() - start if run.get("adapt_timed") else 0.0
        model = models.compile_classifier(
            built,
            optimizer=optimizer,
            learning_rate=run.get("learning_rate", hp["learning_rate"]) if optimizer == "adam" else None,
        )
        batch_size = run.get("batch_size", hp["batch_size"])
        callbacks = [models.early_stopping(hp["patience"])] if run.get("val") is not None else []
        result = models.fit_and_evaluate(
            model,
            run["train"],
            run["test"],
            epochs=run["epochs"],
            batch_size=batch_size,
            validation_data=run.get("val"),
            callbacks=callbacks,
        )
        out[name] = {
            "params": result.params,
            "train_seconds": round(result.train_seconds + build_seconds, 2),
            "test_accuracy": round(result.test_accuracy, 4),
            "test_loss": round(result.test_loss, 4),
            "num_train": int(len(run["train"][1])),
            "maxlen": int(run["train"][0].shape[1]) if np.ndim(run["train"][0]) >= 2 else None,
            "num_words": int(run.get("num_words", num_words)),
            "epochs_run": len(result.history["loss"]),
            "batch_size": int(batch_size),
        }
    return out


TUNING_LEARNING_RATES = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)  # Adam, around the lesson's 3e-3
TUNING_BATCH_SIZES = (32, 128, 512)  # around the lesson's 128


def tuning_sweeps(
    *,
    learning_rates: Sequence[float] = TUNING_LEARNING_RATES,
    batch_sizes: Sequence[int] = TUNING_BATCH_SIZES,
    seed: int = 0,
    sizes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The slides' "tune the parameters" and "test different batch sizes", as runs (``make bench``).

    Lesson 04's one-layer study model (``lstm_1_layer``: Embedding -> LSTM -> Dense, trained on
    the study set and validated on the validation reviews) trains for ``study_epochs`` epochs
    with no early stopping, once per learning rate (at the lesson's batch size) and once per
    batch size (at the lesson's learning rate). Each run records its training and validation
    loss per epoch and the wall time of ``model.fit``; the lesson plots them from
    ``bench/results.json`` (``lesson04_tuning``).

    Returns
    -------
    dict
        ``{"model", "num_train", "maxlen", "epochs", "batch_size", "learning_rate",
        "learning_rates": [run, ...], "batch_sizes": [run, ...]}``, each run
        ``{"learning_rate", "batch_size", "loss", "val_loss", "train_seconds", "best_val_loss",
        "best_epoch"}``.
    """
    import keras

    sizes = dict(sizes or config.sizes(LESSON))
    hp = config.hyperparameters(LESSON)
    num_words, study_maxlen = sizes["num_words"], sizes["study_maxlen"]
    (x_train, y_train), _, _ = data.load_imdb(
        num_words=num_words, maxlen=sizes["maxlen"], num_train=sizes["num_train"], num_test=sizes["num_test"]
    )
    study_rows, val_rows = models.balanced_split(y_train, sizes["study_num_train"], sizes["num_val"])
    study = (models.crop_sequences(x_train[study_rows], study_maxlen), y_train[study_rows])
    val = (models.crop_sequences(x_train[val_rows], study_maxlen), y_train[val_rows])
    epochs = sizes["study_epochs"]

    def run(learning_rate: float, batch_size: int) -> dict[str, Any]:
        keras.utils.set_random_seed(seed)
        model = models.build_lstm_classifier(num_words, hp["embedding_dim"], hp["num_units"], 1)
        models.compile_classifier(model, learning_rate=learning_rate)
        start = time.perf_counter()
        history = model.fit(*study, epochs=epochs, batch_size=batch_size, validation_data=val, verbose=0).history
        seconds = time.perf_counter() - start
        val_loss = [round(float(v), 4) for v in history["val_loss"]]
        return {
            "learning_rate": float(learning_rate),
            "batch_size": int(batch_size),
            "loss": [round(float(v), 4) for v in history["loss"]],
            "val_loss": val_loss,
            "train_seconds": round(seconds, 2),
            "best_val_loss": min(val_loss),
            "best_epoch": int(np.argmin(val_loss)) + 1,
        }

    by_rate = [run(rate, hp["batch_size"]) for rate in learning_rates]
    same = [r for r in by_rate if r["learning_rate"] == hp["learning_rate"]]
    return {
        "model": "lstm_1_layer",
        "num_train": int(len(study[1])),
        "maxlen": int(study_maxlen),
        "epochs": int(epochs),
        "batch_size": int(hp["batch_size"]),
        "learning_rate": float(hp["learning_rate"]),
        "learning_rates": by_rate,
        "batch_sizes": [
            # The lesson's own setting is in both sweeps: trained once.
            same[0] if size == hp["batch_size"] and same else run(hp["learning_rate"], size)
            for size in batch_sizes
        ],
    }


# Lesson 04's first step, from the chapter's baseline to the study model, one change at a time:
# (name, input, recurrent cell, optimizer). Every variant has the study model's num_units.
ABLATION_STEPS = (
    ("raw indices, SimpleRNN, SGD", "raw", "SimpleRNN", "sgd"),
    ("raw indices, SimpleRNN, Adam", "raw", "SimpleRNN", "adam"),
    ("embedding, SimpleRNN, SGD", "embedding", "SimpleRNN", "sgd"),
    ("embedding, SimpleRNN, Adam", "embedding", "SimpleRNN", "adam"),
    ("embedding, LSTM, Adam", "embedding", "LSTM", "adam"),
)
# Which change each comparison isolates: (what changed, variant without it, variant with it).
ABLATION_COMPARISONS = (
    ("Adam instead of SGD, on raw indices", 0, 1),
    ("an embedding instead of raw indices, with SGD", 0, 2),
    ("an embedding instead of raw indices, with Adam", 1, 3),
    ("Adam instead of SGD, with an embedding", 2, 3),
    ("an LSTM instead of a SimpleRNN, with an embedding and Adam", 3, 4),
)


def ablation(*, seeds: Sequence[int] = (0, 1, 2), sizes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The embedding, the cell and the optimizer changed one at a time on the study set (``make bench``).

    Lesson 04's first improvement changes three things together (raw indices -> an embedding,
    SimpleRNN -> LSTM, SGD -> Adam). Each variant of :data:`ABLATION_STEPS` trains on the study set
    (``study_num_train`` reviews of ``study_maxlen`` tokens) for up to ``study_epochs`` epochs with
    early stopping on the validation reviews, once per seed, and is scored on the test reviews
    (cut to the same length). :data:`ABLATION_COMPARISONS` are paired by seed
    (``bench.final_comparison.paired_difference``). Nothing is chosen here: it is a measurement.
    """
    import keras

    from bench.final_comparison import paired_difference

    sizes = dict(sizes or config.sizes(LESSON))
    hp = config.hyperparameters(LESSON)
    num_words, study_maxlen = sizes["num_words"], sizes["study_maxlen"]
    (x_train, y_train), (x_test, y_test), _ = data.load_imdb(
        num_words=num_words, maxlen=sizes["maxlen"], num_train=sizes["num_train"], num_test=sizes["num_test"]
    )
    study_rows, val_rows = models.balanced_split(y_train, sizes["study_num_train"], sizes["num_val"])
    parts = {
        "train": (models.crop_sequences(x_train[study_rows], study_maxlen), y_train[study_rows]),
        "val": (models.crop_sequences(x_train[val_rows], study_maxlen), y_train[val_rows]),
        "test": (models.crop_sequences(x_test, study_maxlen), y_test),
    }
    raw = {part: (models.raw_index_feature(x), y) for part, (x, y) in parts.items()}

    def build(inputs: str, cell: str) -> Any:
        layer = getattr(keras.layers, cell)(hp["num_units"])
        if inputs == "raw":
            return keras.Sequential([keras.Input(shape=(None, 1)), layer, keras.layers.Dense(1, activation="sigmoid")])
        return keras.Sequential(
            [
                keras.Input(shape=(None,), dtype="int32"),
                keras.layers.Embedding(num_words, hp["embedding_dim"]),
                layer,
                keras.layers.Dense(1, activation="sigmoid"),
            ]
        )

    runs: dict[str, dict[str, Any]] = {}
    for name, inputs, cell, optimizer in ABLATION_STEPS:
        data_for = raw if inputs == "raw" else parts
        test_accuracy, val_accuracy, seconds = {}, {}, []
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            model = models.compile_classifier(
                build(inputs, cell),
                optimizer=optimizer,
                learning_rate=hp["learning_rate"] if optimizer == "adam" else None,
            )
            result = models.fit_and_evaluate(
                model,
                data_for["train"],
                data_for["test"],
                epochs=sizes["study_epochs"],
                batch_size=hp["batch_size"],
                validation_data=data_for["val"],
                callbacks=[models.early_stopping(hp["patience"])],
            )
            test_accuracy[str(seed)] = round(result.test_accuracy, 4)
            val_accuracy[str(seed)] = round(max(result.history["val_accuracy"]), 4)
            seconds.append(result.train_seconds)
            keras.backend.clear_session()
        runs[name] = {
            "input": inputs,
            "cell": cell,
            "optimizer": optimizer,
            "test_accuracy": test_accuracy,
            "best_val_accuracy": val_accuracy,
            "median_test_accuracy": round(float(np.median(list(test_accuracy.values()))), 4),
            "median_fit_seconds": round(float(np.median(seconds)), 1),
        }
    names = [step[0] for step in ABLATION_STEPS]
    comparisons = []
    for what, without, with_ in ABLATION_COMPARISONS:
        before, after = runs[names[without]]["test_accuracy"], runs[names[with_]]["test_accuracy"]
        comparisons.append(
            {
                "change": what,
                "from": names[without],
                "to": names[with_],
                **paired_difference([after[s] for s in after], [before[s] for s in after]),
            }
        )
    return {
        "num_train": int(len(parts["train"][1])),
        "maxlen": int(study_maxlen),
        "seeds": [int(s) for s in seeds],
        "what": "test accuracy on the study set's terms; early stopping on the validation reviews; nothing chosen",
        "runs": runs,
        "comparisons": comparisons,
    }
