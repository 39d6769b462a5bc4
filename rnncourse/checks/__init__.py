"""Exercise checks: instant, specific feedback for every exercise in the course.

Each ``check_*`` function calls the student's code, compares *values* (never objects)
with a reference (usually Keras or TensorFlow itself), and either prints one line::

    ✔ rnn_forward: visible checks passed; hidden tests run at grading (...).

or raises :class:`CheckFailure` saying what was expected, what was got, and a hint.
Hidden test cells call the same checks with other inputs and ``visible=False``.
"""

from ._core import PASS_HIDDEN, PASS_VISIBLE, CheckFailure
from .l01_gradients import (
    check_build_memory_model,
    check_clip_functions,
    check_input_gradient_norms,
    check_jacobian_norms,
    check_rnn_backward,
    check_rnn_forward,
    check_scale_to_spectral_radius,
    check_train_memory_model,
)
from .l02_gru_lstm import (
    check_build_stacked_model,
    check_gru_step,
    check_lstm_step,
    check_lstm_step_backward,
    check_param_counts,
)
from .l03_embeddings import (
    check_analogy,
    check_build_classifier,
    check_cosine_similarities,
    check_embedding_costs,
    check_embedding_lookup,
    check_filter_glove,
    check_get_glove_vectors,
    check_most_similar,
    check_transfer_gain,
)
from .l04_sentiment import (
    DIAGNOSIS_CHOICES,
    check_best_epoch,
    check_build_conv_lstm,
    check_build_dropout_classifier,
    check_build_example_model,
    check_build_lstm_classifier,
    check_diagnose,
    check_fit_ngram_baseline,
    check_make_vectorizer,
    diagnosis_examples,
)
from .l05_language_model import (
    check_bigram_perplexity,
    check_make_windows,
    check_next_word_distribution,
    check_sequence_perplexity,
)

__all__ = [
    "CheckFailure",
    "check_bigram_perplexity",
    "check_make_windows",
    "check_next_word_distribution",
    "check_sequence_perplexity",
    "PASS_HIDDEN",
    "PASS_VISIBLE",
    "check_rnn_backward",
    "check_rnn_forward",
    "check_scale_to_spectral_radius",
    "check_jacobian_norms",
    "check_input_gradient_norms",
    "check_clip_functions",
    "check_build_memory_model",
    "check_train_memory_model",
    "check_make_vectorizer",
    "check_build_lstm_classifier",
    "check_build_dropout_classifier",
    "check_best_epoch",
    "check_diagnose",
    "diagnosis_examples",
    "DIAGNOSIS_CHOICES",
    "check_build_conv_lstm",
    "check_build_example_model",
    "check_fit_ngram_baseline",
    "check_lstm_step",
    "check_lstm_step_backward",
    "check_gru_step",
    "check_param_counts",
    "check_build_stacked_model",
    "check_embedding_costs",
    "check_embedding_lookup",
    "check_cosine_similarities",
    "check_most_similar",
    "check_analogy",
    "check_get_glove_vectors",
    "check_filter_glove",
    "check_build_classifier",
    "check_transfer_gain",
]
