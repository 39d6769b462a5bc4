"""Lesson 04's models: the data they read, the networks, and how they are trained.

One module per job; this package re-exports every public name, so callers write
``from rnncourse import models`` and ``models.build_final_rnn(...)`` without knowing which
module holds it.

==========  ==========================================================================================
module      what
==========  ==========================================================================================
shaping     the inputs: ``raw_index_feature``, ``crop_sequences``, ``restrict_vocabulary``,
            ``balanced_split``, ``adapt_in_batches``, ``text_vectorizer``
builders    the networks: ``build_*`` (one per variant of the lesson), ``pretrained_embedding``,
            ``compile_classifier``
training    training and measuring: ``fit_and_evaluate`` (``TrainResult``), ``early_stopping``,
            ``epoch_progress``, ``cosine_schedule``, ``learning_rate_range_test`` (``RangeTestResult``)
==========  ==========================================================================================

Lesson 04 (``solutions/04_sentiment``), the checks of ``rnncourse/checks/l04_sentiment/`` (as
references) and ``make bench`` (``bench/variants.py``, ``bench/final_comparison.py``) use them.
TensorFlow and Keras are imported inside the functions, so importing this package is cheap.
"""

from __future__ import annotations

from .builders import (
    build_baseline_rnn,
    build_conv_lstm,
    build_dropout_classifier,
    build_example_model,
    build_final_rnn,
    build_lstm_classifier,
    build_ngram_baseline,
    compile_classifier,
    pretrained_embedding,
)
from .shaping import (
    adapt_in_batches,
    balanced_split,
    crop_sequences,
    raw_index_feature,
    restrict_vocabulary,
    text_vectorizer,
)
from .training import (
    RangeTestResult,
    TrainResult,
    cosine_schedule,
    early_stopping,
    epoch_progress,
    fit_and_evaluate,
    learning_rate_range_test,
)

__all__ = [
    "RangeTestResult",
    "TrainResult",
    "adapt_in_batches",
    "balanced_split",
    "build_baseline_rnn",
    "build_conv_lstm",
    "build_dropout_classifier",
    "build_example_model",
    "build_final_rnn",
    "build_lstm_classifier",
    "build_ngram_baseline",
    "compile_classifier",
    "cosine_schedule",
    "crop_sequences",
    "early_stopping",
    "epoch_progress",
    "fit_and_evaluate",
    "learning_rate_range_test",
    "pretrained_embedding",
    "raw_index_feature",
    "restrict_vocabulary",
    "text_vectorizer",
]
