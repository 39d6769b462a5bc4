"""Lesson 01's checks, one module per exercise, named by its grade_id.

The exercises: a simple RNN's forward pass and its backpropagation through time in numpy, the
spectral radius and the norms of Jacobian products, the gradient reaching each input step,
clipping by norm and by value, and a gated Keras model that learns a long lag. The references
are Keras and TensorFlow themselves (``keras.layers.SimpleRNN``, ``tf.GradientTape``,
``tf.clip_by_norm``, ...) or numpy; the variants in the modules exist only to recognise typical
mistakes and name them. What ``rnn_forward`` and ``rnn_backward`` share is in ``_common``.
"""

from .build_memory_model import check_build_memory_model
from .clip_functions import check_clip_by_norm, check_clip_by_value, check_clip_functions
from .input_gradient_norms import check_input_gradient_norms
from .jacobian_norms import check_jacobian_norms
from .rnn_backward import check_rnn_backward
from .rnn_forward import check_rnn_forward
from .scale_to_spectral_radius import check_scale_to_spectral_radius
from .train_memory_model import check_train_memory_model

__all__ = [
    "check_build_memory_model",
    "check_clip_by_norm",
    "check_clip_by_value",
    "check_clip_functions",
    "check_input_gradient_norms",
    "check_jacobian_norms",
    "check_rnn_backward",
    "check_rnn_forward",
    "check_scale_to_spectral_radius",
    "check_train_memory_model",
]
