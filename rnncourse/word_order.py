"""Where word order should matter for sentiment: lesson 04's section 8 and ``make bench``'s ``lesson04_final``.

Two probes of what a bag of bigrams cannot see:

* :data:`ORDER_PAIRS`, short texts written for the course, each in two versions that hold the same
  words in an order that flips the meaning; :func:`pair_accuracy` is the share of pairs whose
  positive version a model rates higher (chance: 0.5).
* :func:`negated_at_a_distance`, the reviews in which a negation comes one or two words before a
  sentiment word ("not very good", "never a dull"), a pair no single bigram spans.

Used by ``solutions/04_sentiment`` (section 8) and ``bench/final_comparison.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_SENTIMENT_WORDS = (
    "good|great|excellent|wonderful|brilliant|funny|enjoyable|best|worth|"
    "bad|terrible|awful|boring|worst|waste|poor|dull|stupid"
)
# A negation, then one or two other words, then a sentiment word. A bag of bigrams holds "not
# very" and "very good", never the negated pair.
NEGATED_AT_A_DISTANCE = re.compile(rf"(?:\bnot|\bnever|\bno|n't)(?:\W+\w+){{1,2}}?\W+(?:{_SENTIMENT_WORDS})\b", re.I)

# (positive text, negative text): the same words, in an order that flips the meaning.
ORDER_PAIRS = (
    ("I expected it to be bad, but it was good.", "I expected it to be good, but it was bad."),
    (
        "The first half is boring, but the ending is wonderful.",
        "The first half is wonderful, but the ending is boring.",
    ),
    ("It starts awful and ends great.", "It starts great and ends awful."),
    ("Not bad at all; actually good.", "Not good at all; actually bad."),
    ("I expected a mess and got a masterpiece.", "I expected a masterpiece and got a mess."),
    (
        "The critics said it was terrible. They were wrong: it is brilliant.",
        "The critics said it was brilliant. They were wrong: it is terrible.",
    ),
    ("Bad actors, good film.", "Good actors, bad film."),
    ("Slow at first, then it gets brilliant.", "Brilliant at first, then it gets slow."),
    ("Never boring, always fun.", "Never fun, always boring."),
    ("The sequel was awful; this one is the best.", "The sequel was the best; this one is awful."),
    ("I hated the book but loved the movie.", "I loved the book but hated the movie."),
)


def pair_texts() -> np.ndarray:
    """The texts of :data:`ORDER_PAIRS`, positive then negative version of each pair, as an object array."""
    return np.array([text for pair in ORDER_PAIRS for text in pair], dtype=object)


def pair_accuracy(probabilities: Sequence[float] | np.ndarray) -> float:
    """The share of pairs whose positive version got the higher probability (in :func:`pair_texts` order)."""
    both = np.asarray(probabilities, dtype=np.float64).reshape(-1, 2)
    return float(np.mean(both[:, 0] > both[:, 1]))


def negated_at_a_distance(texts: Sequence[str]) -> np.ndarray:
    """A boolean mask: which ``texts`` hold a negation one or two words before a sentiment word."""
    return np.array([bool(NEGATED_AT_A_DISTANCE.search(text)) for text in texts], dtype=bool)
