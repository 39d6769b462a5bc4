"""Fast mode, the sizes every lesson uses and lesson 04's hyperparameters, in one place.

Students get *full mode*. CI, the autograder and ``make test`` set ``RNNCOURSE_FAST=1``,
which shrinks data sizes and epochs so a notebook runs in seconds. Lessons never hard-code
a size: they read it from :func:`sizes`. The hyperparameters of lesson 04's models (the same
in both modes) are :func:`hyperparameters`; ``make bench`` (``bench/variants.py``) trains
the lesson's models with them. :func:`child_env` is the environment of every process the
course starts (kernels, nbgrader, benchmark runs).

>>> from rnncourse.config import hyperparameters, sizes
>>> s = sizes("04_sentiment")
>>> s["num_train"]  # 20_000 in full mode
>>> hyperparameters("04_sentiment")["batch_size"]
128
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

FAST_ENV = "RNNCOURSE_FAST"
#: The course secret ``make grade`` reads: hidden tests then draw their inputs from it
#: (``rnncourse.checks._core.hidden_seed``). It never enters a kernel.
SECRET_ENV = "RNNCOURSE_SECRET"

#: TensorFlow quiet: no C++ start-up log lines, no oneDNN banner (and reproducible CPU results).
#: ``import rnncourse`` sets them unless they are set; every kernel the course starts gets them.
QUIET_TF_ENV: Mapping[str, str] = MappingProxyType({"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"})


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


#: TensorFlow's thread pools: each op on one thread, and as many ops side by side as there are
#: CPUs. The course's models are small (batches of 128, 32 to 64 units), so splitting one op
#: over threads costs more in synchronisation than it gains, while an RNN step has independent
#: ops to run together. Measured on a 2-core Intel Xeon (2026-12-04): lesson 04's full mode took
#: 234 s against 277 s with TensorFlow's defaults, and a fit of the final RNN on 10,000 reviews
#: 7.4-7.7 s in 6 of 6 runs against 7.5-11.5 s (3 of 8 runs near 11.5 s). ``import rnncourse``
#: and :func:`child_env` set them unless they are set: set either variable yourself to override.
TF_THREADS_ENV: Mapping[str, str] = MappingProxyType(
    {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": str(_usable_cpus())}
)


@contextlib.contextmanager
def quiet_retracing() -> Iterator[None]:
    """Silence TensorFlow's "triggered tf.function retracing" warning for the block.

    Code that builds several small models and calls ``predict`` on each, or takes a
    ``batch_jacobian`` per model, traces a new function each time. That is expected, and the
    warning would only confuse a student (the stacked-model check, the cell-state measurement).
    """
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


#: The matplotlib backend of a Jupyter kernel: plots become cell outputs.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

# Full mode (what students get) and fast mode (CI/grading), per lesson.
_SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "01_gradients": {
        "full": {
            "seq_len": 100,  # time steps of the long sequence used for gradient norms
            "lag_seq_len": 30,  # steps the long-lag task must remember its first input
            "lag_num_train": 1600,  # training sequences for the long-lag task
            "lag_epochs": 6,  # epochs per model at lag 30 (orthogonal SimpleRNN and LSTM learned within 6, seeds 0-7)
            "lag_seeds": (0, 1, 2),  # each model at lag 30 trains once per seed; the lesson counts the seeds that learn
            "lag_sweep": (100,),  # the longer lag of the sweep in section 5 (make bench's lag_sweep adds 200, 5 seeds)
            "lag_sweep_epochs": 4,  # epochs of each sweep model (both chrono LSTMs learn within 4)
            "explode_epochs": 20,  # epochs of the clipping demo (8 SGD steps each): enough for clipped SGD to learn
        },
        "fast": {
            "seq_len": 40,
            "lag_seq_len": 30,
            "lag_num_train": 1600,  # as in full mode: with fewer, the models at lag 30 need more epochs
            "lag_epochs": 6,
            "lag_seeds": (0,),
            "lag_sweep": (100,),
            "lag_sweep_epochs": 4,
            "explode_epochs": 20,
        },
    },
    "02_gru_lstm": {
        "full": {
            "seq_len": 100,  # time steps of the probe sequence for per-step gradient norms
            "speed_seq_len": 200,  # time steps of the batch used to time LSTM against GRU
            "speed_batch_size": 64,  # sequences in that batch
            "speed_repeats": 20,  # timed forward/backward passes per layer (the median is shown)
            "path_lag": 30,  # lesson 01's memory task: steps between the bit to remember and the label
            "path_num_train": 1600,  # training sequences of that task
            "path_epochs": 12,  # epochs of each LSTM whose cell-state path is measured before and after
            "path_seeds": (0, 1, 2),  # one LSTM per seed: the measurement is read over all of them
        },
        "fast": {
            "seq_len": 40,
            "speed_seq_len": 50,
            "speed_batch_size": 32,
            "speed_repeats": 3,
            "path_lag": 30,
            "path_num_train": 640,  # 800 made fast mode 20.1 s (target 20); seed 1 still learns (1.000)
            "path_epochs": 10,
            "path_seeds": (1,),
        },
    },
    "03_embeddings": {
        "full": {
            "num_train": 1000,  # training reviews: the low-data regime where pretrained vectors help
            "num_test": 5000,  # test reviews (all of them: a small test set makes accuracies noisy)
            "maxlen": 200,  # words kept per review
            "num_words": 10000,  # vocabulary size, indices 0 (padding) and 1 (unknown) included
            "epochs": 10,  # epochs for each of the three classifiers
            "transfer_seeds": (0, 1, 2),  # seeds of the transfer comparison: every variant trains once per seed
            "glove_sample_words": 2000,  # words in the GloVe text file the lesson writes and reads back
        },
        "fast": {
            "num_train": 400,
            "num_test": 1000,
            "maxlen": 100,
            "num_words": 5000,
            "epochs": 6,  # the two trainable embeddings fit their 400 reviews (train accuracy 1.000) by then
            "transfer_seeds": (0, 1),  # two seeds: the least transfer_gain accepts
            "glove_sample_words": 2000,
        },
    },
    "04_sentiment": {
        "full": {
            "num_train": 20000,  # training reviews for the baseline and the strong model
            "num_test": 5000,  # held-out test reviews every model is scored on
            "num_words": 20000,  # vocabulary size, counting index 0 (padding) and 1 (unknown)
            "maxlen": 300,  # tokens kept per review (the last ones)
            "epochs": 2,  # epochs of the baseline, the conv models and the example model
            "study_num_train": 3000,  # training reviews of the learning-curve study (the first ones)
            "num_val": 2000,  # validation reviews, the last ones of the training split
            "study_maxlen": 150,  # tokens per review in the study
            "study_epochs": 5,  # at most this many epochs for the study models (early stopping)
            "example_epochs": 2,  # the slide's example model, for time (make bench: up to study_epochs)
            "short_maxlen": 75,  # tokens per review of the short-review tuning runs
            "small_num_words": 2000,  # the small vocabulary of the tuning runs
            "tuning_runs": 2,  # how many of the three vocabulary/length tuning runs train (the third: make bench)
            "ngram_epochs": 2,  # epochs of the bag-of-bigrams baseline: make bench's validation curve
            # (lesson04_final.bag_val_accuracy_by_epoch) has epoch 2 within 0.1 points of its best (epoch 6)
            "final_maxlen": 400,  # tokens per review the final model reads (the vectorizer keeps the first ones)
            "final_epochs": 4,  # epochs of the final model (its learning rate decays to 0 over them)
            "range_test_steps": 93,  # learning rates the range test tries: one pass over the study set (batches of 32)
        },
        "fast": {
            "num_train": 1000,
            "num_test": 500,
            "num_words": 5000,
            "maxlen": 80,
            "epochs": 1,
            "study_num_train": 300,
            "num_val": 200,
            "study_maxlen": 40,
            "study_epochs": 2,
            "example_epochs": 1,
            "short_maxlen": 20,
            "small_num_words": 500,
            "tuning_runs": 1,
            "ngram_epochs": 2,
            "final_maxlen": 100,
            "final_epochs": 1,
            "range_test_steps": 45,  # five times round the 9 batches: enough learning rates per decade for a slope
        },
    },
    "05_language_model": {
        "full": {
            "num_train": 2000,  # training reviews (the first ones of the IMDB train split): ~480k tokens
            "num_valid": 300,  # validation reviews, for every choice (smoothing k, the epoch to keep)
            "num_test": 300,  # test reviews (the last ones of the train split), for the final table only
            "vocab_size": 5000,  # words the models predict, [PAD], [UNK] and <eos> included
            "embedding_dim": 64,  # learned word vectors
            "units": 128,  # the GRU's state size
            "batch_size": 32,  # rows of the stream read side by side (one state per row)
            "window": 35,  # time steps per truncated-BPTT window: gradients reach 35 words back
            "epochs": 3,  # passes over the training stream
            "smoothing_ks": (1.0, 0.1, 0.01, 0.001),  # the add-k values tried for the bigram baseline
            "sample_words": 20,  # words generated per sample
        },
        "fast": {
            "num_train": 200,
            "num_valid": 50,
            "num_test": 50,
            "vocab_size": 2000,
            "embedding_dim": 32,
            "units": 64,
            "batch_size": 16,
            "window": 20,
            "epochs": 3,
            "smoothing_ks": (1.0, 0.1, 0.01, 0.001),
            "sample_words": 12,
        },
    },
}

# The hyperparameters of the models a lesson trains: the same in full and fast mode.
_HYPERPARAMETERS: dict[str, dict[str, Any]] = {
    "04_sentiment": {
        "batch_size": 128,  # reviews per gradient step, every model
        "baseline_units": 16,  # the seed's SimpleRNN(units=16)
        "embedding_dim": 32,  # learned word vectors of the study models
        "num_units": 32,  # LSTM state size of the study models
        "dropout_rate": 0.3,  # dropout, recurrent_dropout and the Dropout layer
        "small_batch_size": 32,  # the batch-size comparison
        "filters": 64,  # Conv1D filters of the strong model
        "kernel_size": 5,  # Conv1D window, in tokens
        "pool_size": 4,  # MaxPooling1D: the LSTM reads 4 times fewer steps
        "conv_units": 64,  # LSTM state size of the strong model
        "learning_rate": 3e-3,  # Adam, every model after the baseline (Keras's default: 1e-3)
        "patience": 2,  # early stopping of the models that have a validation set
        "example_units": 64,  # the slide's example model: LSTM(64) and GRU(64)
        "example_dropout": 0.25,  # its Dropout(rate=0.25) layers
        "example_recurrent_dropout": 0.15,  # its LSTM and GRU dropout=0.15
        "ngram_max_tokens": 40_000,  # the bag-of-bigrams baseline's vocabulary of words and word pairs
        "ngram_dropout": 0.5,  # its Dropout on the tf-idf vector
        "final_units": 32,  # the final model's GRU state size, in each direction
        "final_filters": 32,  # its Conv1D detectors: half of filters, which keeps its fit under a minute
        "final_pool_size": 8,  # its MaxPooling1D: the GRUs read 8 times fewer steps (400 tokens -> 49 steps)
    },
    "05_language_model": {
        "learning_rate": 3e-3,  # Adam (Keras's default is 1e-3); the gradient's global norm is clipped to 1
    },
}


def is_fast() -> bool:
    """True when ``RNNCOURSE_FAST`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(FAST_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def mode() -> str:
    """``"fast"`` or ``"full"``."""
    return "fast" if is_fast() else "full"


def sizes(lesson: str, mode_name: str | None = None) -> Mapping[str, Any]:
    """The sizes and epochs of ``lesson`` (e.g. ``"01_gradients"``) in the current mode (read-only).

    ``mode_name`` (``"fast"`` or ``"full"``) asks for one mode whatever the environment says.
    """
    try:
        per_mode = _SIZES[lesson]
    except KeyError:
        known = ", ".join(sorted(_SIZES))
        raise KeyError(f"unknown lesson {lesson!r}; known lessons: {known}") from None
    return MappingProxyType(dict(per_mode[mode_name or mode()]))


def hyperparameters(lesson: str) -> Mapping[str, Any]:
    """The hyperparameters of the models ``lesson`` trains (read-only; the same in both modes).

    ``"04_sentiment"``: batch sizes, layer sizes, dropout, the learning rate and the
    early-stopping patience of its model variants. ``make bench`` trains the same models with
    them (``bench/variants.py``), and ``tests/test_bench_variants.py`` checks that the lesson's
    notebook uses these values. ``"05_language_model"``: the learning rate (``make bench`` reads
    it in ``bench/language_model.py``).
    """
    try:
        return MappingProxyType(dict(_HYPERPARAMETERS[lesson]))
    except KeyError:
        known = ", ".join(sorted(_HYPERPARAMETERS))
        raise KeyError(f"lesson {lesson!r} has no hyperparameters here; lessons that have them: {known}") from None


def describe(lesson: str) -> str:
    """One line for the top of a notebook: which mode runs and with what sizes."""
    s = sizes(lesson)
    items = ", ".join(f"{k}={v}" for k, v in s.items())
    hint = " (set RNNCOURSE_FAST=0 for the full lesson)" if is_fast() else ""
    return f"{mode()} mode{hint}: {items}"


def child_env(
    base: Mapping[str, str] | None = None, *, fast: bool | None = True, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a process the course starts: a kernel, nbgrader, a benchmark run.

    The one place that says what such a process needs: TensorFlow quiet (:data:`QUIET_TF_ENV`,
    whatever ``base`` says), TensorFlow's threads (:data:`TF_THREADS_ENV`, unless ``base`` sets
    them), this Python's ``bin`` folder first on ``PATH`` (kernels and the tools
    nbgrader shells out to, such as ``alembic``, come from this environment), fast mode as asked,
    and the inline matplotlib backend unless ``base`` names one. ``base`` is not changed.

    Parameters
    ----------
    base : mapping, optional
        The variables to start from: default a copy of ``os.environ``. The grader's sandbox
        passes a small explicit mapping instead, so that nothing of the instructor's leaks in.
    fast : bool or None, default True
        ``True`` sets ``RNNCOURSE_FAST=1``, ``False`` removes it (full mode), ``None`` leaves
        whatever ``base`` has.
    extra : mapping, optional
        Set last, over everything else.
    """
    env = dict(os.environ if base is None else base)
    env.update(QUIET_TF_ENV)
    for name, value in TF_THREADS_ENV.items():
        env.setdefault(name, value)
    bindir = str(Path(sys.executable).parent)
    if env.get("PATH", "").split(os.pathsep)[0] != bindir:
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    if fast is True:
        env[FAST_ENV] = "1"
    elif fast is False:
        env.pop(FAST_ENV, None)
    env.setdefault("MPLBACKEND", INLINE_BACKEND)
    if extra:
        env.update(extra)
    return env


#: ``make bench`` writes its measurements here (``bench/run.py``); a lesson may show them, labelled.
BENCH_RESULTS = Path(__file__).resolve().parent.parent / "bench" / "results.json"


def recorded_bench(key: str, path: Path | None = None) -> dict[str, Any]:
    """The figures ``make bench`` recorded under ``key`` in ``bench/results.json``, with its date.

    Lessons show heavier sweeps than they can afford to run from here, labelled as recorded.
    Returns ``{"date": <the run's date>, **results[key]}``; raises ``LookupError`` with a
    sentence saying how to produce the figures when the file or the key is missing.
    """
    import json

    path = BENCH_RESULTS if path is None else path
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LookupError(f"cannot read {path} ({exc}); run `make bench` to record the figures.") from None
    if key not in results:
        raise LookupError(f"{path} has no {key!r} section; run `make bench` to record it.")
    return {"date": results.get("machine", {}).get("date", "unknown date"), **results[key]}
