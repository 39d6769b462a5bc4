"""Lesson 04's checks, one module per exercise, named by its grade_id.

The exercises, as the notebook numbers them: 1 choosing a vectorizer's vocabulary size and length
(with their consequences predicted on unseen reviews) and building the adapted ``TextVectorization``,
2 an Embedding and stacked LSTMs (which layers return sequences is the student's decision), 3
reading learning curves (``best_epoch``, then deciding a rule for ``diagnose``), 4 dropout, 5 predicting the lengths and
parameter count of Conv1D and MaxPooling1D before an LSTM on GloVe, then building it, 6 predicting
each layer's parameters of the chapter's example model, then porting it to Keras 3, and 7 a
bag-of-bigrams baseline whose settings the student chooses, trains and evaluates. The model checks
inspect architecture and behaviour on tiny inputs, never accuracy on the real data; their references
are the tested builders of :mod:`rnncourse.models` (``text_vectorizer``, ``build_lstm_classifier``, ...).
``diagnose`` checks the student's own rule (``diagnosis_rule``) against made-up learning curves, among them
the ones the notebook plots (:func:`diagnosis_examples`), and against curves built at the rule's own numbers.
What several exercises share (the model inspections, made-up histories) is in ``_common``.
"""

from .best_epoch import check_best_epoch
from .build_conv_lstm import check_build_conv_lstm
from .build_dropout_classifier import check_build_dropout_classifier
from .build_example_model import check_build_example_model
from .build_lstm_classifier import check_build_lstm_classifier
from .diagnose import DIAGNOSIS_CHOICES, check_diagnose, diagnosis_examples
from .fit_ngram_baseline import check_fit_ngram_baseline
from .make_vectorizer import check_make_vectorizer

__all__ = [
    "DIAGNOSIS_CHOICES",
    "check_best_epoch",
    "check_build_conv_lstm",
    "check_build_dropout_classifier",
    "check_build_example_model",
    "check_build_lstm_classifier",
    "check_diagnose",
    "check_fit_ngram_baseline",
    "check_make_vectorizer",
    "diagnosis_examples",
]
