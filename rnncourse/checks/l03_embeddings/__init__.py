"""Lesson 03's checks, one module per exercise, named by its grade_id.

The exercises: what one-hot and embedded inputs cost, the Embedding layer's lookup, word-vector
similarity (cosine similarities, the nearest words, analogies), reading GloVe and filtering it to a
vocabulary, the classifier built from scratch and on GloVe, and the gain of transfer over seeds.
References come from independent sources where one exists: ``keras.layers.Embedding`` given the
same weights and its ``count_params()``, and the tested reference functions of
:mod:`rnncourse.glove` (``cosine_similarity``, ``most_similar``, ``analogy``, ``load_glove``,
``filter_glove``) on the real packaged GloVe vectors. The numpy variants in the modules exist only
to recognise typical mistakes and name them. What several exercises share (the packaged vectors,
ranking words by similarity) is in ``_common``.
"""

from .analogy import check_analogy
from .build_classifier import check_build_classifier
from .cosine_similarities import check_cosine_similarities
from .embedding_costs import check_embedding_costs
from .embedding_lookup import check_embedding_lookup
from .filter_glove import check_filter_glove
from .get_glove_vectors import check_get_glove_vectors
from .most_similar import check_most_similar
from .transfer_gain import check_transfer_gain

__all__ = [
    "check_analogy",
    "check_build_classifier",
    "check_cosine_similarities",
    "check_embedding_costs",
    "check_embedding_lookup",
    "check_filter_glove",
    "check_get_glove_vectors",
    "check_most_similar",
    "check_transfer_gain",
]
