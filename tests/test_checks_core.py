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


def _norms(matrix):
    total = matrix.sum()
    matrix /= total  # changes the caller's array: fails on a read-only one
    return matrix


def _student_cosine(matrix, vector):
    unit = _norms(matrix)
    return unit @ vector


def test_an_error_in_the_students_code_names_the_students_line_and_a_read_only_input_says_why():
    import numpy as np

    from rnncourse.checks._core import call_student

    matrix = np.ones((3, 2))
    matrix.setflags(write=False)
    with pytest.raises(CheckFailure) as failure:
        call_student(_student_cosine, matrix, np.ones(2), name="cosine_similarities")
    message = str(failure.value)
    assert message.startswith("cosine_similarities raised ValueError: output array is read-only")
    assert "(at line 3 of _norms: `matrix /= total  # changes the caller's array" in message
    assert "Hint: the check passes read-only arrays" in message


def test_a_keras_layer_error_shows_its_cause_and_layer_not_only_the_wrapper_line():
    import keras
    import numpy as np

    from rnncourse.checks._core import call_student

    def predict(texts):
        vectorizer = keras.layers.TextVectorization(max_tokens=20, output_mode="count")
        vectorizer.adapt(["a b c", "b c d"])
        model = keras.Sequential([keras.Input(shape=(1,), dtype="string"), vectorizer, keras.layers.Dropout(0.5)])
        return model(texts, training=True)

    with pytest.raises(CheckFailure) as failure:
        call_student(predict, np.array([["a b"]], dtype=object), name="predict")
    first = str(failure.value).splitlines()[0]
    assert "`x.dtype` must be a floating point tensor" in first and "(in Dropout.call())" in first
    assert "Exception encountered" not in first and "\x1b[" not in first
