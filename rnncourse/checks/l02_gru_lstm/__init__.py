"""Lesson 02's checks, one module per exercise, named by its grade_id.

The exercises: the LSTM and GRU cells, the LSTM step's backward pass, their parameter counts,
and stacking them in Keras. The references are Keras itself: ``keras.layers.LSTM`` and
``keras.layers.GRU`` given the same weights (and ``tf.GradientTape`` through the LSTM),
``count_params()`` of built layers, and the student's built model run on a batch. The numpy
variants in the modules exist only to recognise typical mistakes and name them. What
``lstm_step`` and ``gru_step`` share is in ``_common``.
"""

from .build_stacked_model import check_build_stacked_model
from .gru_step import check_gru_step
from .lstm_step import check_lstm_step
from .lstm_step_backward import check_lstm_step_backward
from .param_counts import check_param_counts

__all__ = [
    "check_build_stacked_model",
    "check_gru_step",
    "check_lstm_step",
    "check_lstm_step_backward",
    "check_param_counts",
]
