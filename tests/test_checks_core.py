"""The shared pieces of rnncourse.checks (``_core``): what a student reads when a return value has the wrong form."""

from __future__ import annotations

import pytest

from rnncourse.checks._core import CheckFailure, as_tuple


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "f returned None; expected a tuple of two numbers (low, high).\nHint: did you forget the `return`"),
        (1.5, "f returned a float; expected a tuple of two numbers (low, high).\nHint: end with `return low, high`."),
        ((1, 2, 3), "f returned a tuple of length 3; expected a tuple of two numbers (low, high)."),
    ],
)
def test_as_tuple_says_what_was_returned_and_what_was_expected(value, message):
    with pytest.raises(CheckFailure) as failure:
        as_tuple(value, name="f", labels=("low", "high"), items="two numbers")
    assert str(failure.value).startswith(message)


def test_as_tuple_unpacks_tuples_and_lists():
    assert as_tuple((1, 2), name="f", labels=("a", "b"), items="two numbers") == (1, 2)
    assert as_tuple([1, 2], name="f", labels=("a", "b"), items="two numbers") == (1, 2)
