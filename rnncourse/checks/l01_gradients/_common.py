"""What the checks of lesson 01's two simple-RNN exercises (``rnn_forward``, ``rnn_backward``) share:
their test inputs, a sequence and random weights.
"""

from __future__ import annotations

import numpy as np


def rnn_inputs(seed: int, num_steps: int, input_dim: int, units: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(num_steps, input_dim))
    kernel = rng.normal(scale=0.5, size=(input_dim, units))
    recurrent_kernel = rng.normal(scale=0.5, size=(units, units))
    bias = rng.normal(scale=0.1, size=(units,))
    return x, kernel, recurrent_kernel, bias
