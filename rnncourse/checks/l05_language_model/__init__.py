"""Lesson 05's checks, one module per exercise, named by its grade_id.

Each module holds the exercise's reference answer (``reference``) and its check. The checks
call the student's function with plain values and compare plain values, so they work the same
in the notebook and in the grader's harness.
"""

from .bigram_perplexity import check_bigram_perplexity
from .make_windows import check_make_windows
from .next_word_distribution import check_next_word_distribution
from .sequence_perplexity import check_sequence_perplexity

__all__ = [
    "check_bigram_perplexity",
    "check_make_windows",
    "check_next_word_distribution",
    "check_sequence_perplexity",
]
