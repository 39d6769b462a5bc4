"""The course secret: hidden tests draw their inputs from RNNCOURSE_SECRET at grading (#27).

The solutions, hidden tests included, are public. With a secret, a hidden test's inputs are
nowhere a student can read, so an answer that memorised the results of the public hidden inputs
fails, while a correct answer still passes. The secret reaches the grader's harness through the
worker's options file and never enters a kernel's environment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from rnncourse.checks import _core
from rnncourse.checks._core import CheckFailure, hidden_seed, set_course_secret
from rnncourse.checks.l05_language_model import (
    bigram_perplexity,
    make_windows,
    next_word_distribution,
    sequence_perplexity,
)


@pytest.fixture
def secret() -> Iterator[Callable[[str | None], None]]:
    yield set_course_secret
    set_course_secret(None)


def test_without_a_secret_every_check_uses_its_public_seed(secret):
    secret(None)
    assert hidden_seed(7, "make_windows", visible=False) == 7
    assert hidden_seed(7, "make_windows", visible=True) == 7


def test_with_a_secret_only_hidden_tests_change_and_each_exercise_gets_its_own_seed(secret):
    secret("correct horse battery staple")
    assert hidden_seed(7, "make_windows", visible=True) == 7  # visible checks stay what the student sees
    derived = hidden_seed(7, "make_windows", visible=False)
    assert derived != 7
    assert derived == hidden_seed(7, "make_windows", visible=False)  # a regrade draws the same inputs
    assert derived != hidden_seed(7, "bigram_perplexity", visible=False)
    assert derived != hidden_seed(8, "make_windows", visible=False)
    secret("another secret")
    assert hidden_seed(7, "make_windows", visible=False) != derived


def _key(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple((a.dtype.str, a.shape, a.tobytes()) if isinstance(a, np.ndarray) else repr(a) for a in args)


class Memoriser:
    """A 'student' who ran the public hidden test once and hard-coded what it was asked."""

    def __init__(self, reference: Callable[..., Any]) -> None:
        self.reference, self.table = reference, {}

    def record(self, *args: Any) -> Any:
        self.table[_key(args)] = result = self.reference(*args)
        return result

    def replay(self, *args: Any) -> Any:
        try:
            return self.table[_key(args)]
        except KeyError:  # an input it has never seen: a wrong answer of the right shape
            with np.errstate(all="ignore"):
                return self.reference(*(np.zeros_like(a) if isinstance(a, np.ndarray) else a for a in args))


HIDDEN_TESTS = [  # the lesson's hidden test cells, with their public arguments
    pytest.param(make_windows, "check_make_windows", {"seed": 3, "length": 211}, id="make_windows"),
    pytest.param(sequence_perplexity, "check_sequence_perplexity", {"seed": 5, "large_logits": True}, id="seq_ppl"),
    pytest.param(bigram_perplexity, "check_bigram_perplexity", {"seed": 7, "vocab_size": 30}, id="bigram_ppl"),
    pytest.param(next_word_distribution, "check_next_word_distribution", {"seed": 9, "extremes": True}, id="nwd"),
]


@pytest.mark.parametrize(("module", "check_name", "arguments"), HIDDEN_TESTS)
def test_a_memorised_answer_passes_the_public_hidden_test_and_fails_the_secret_one(
    secret, module, check_name, arguments, capsys
):
    check = getattr(module, check_name)
    memoriser = Memoriser(module.reference)
    secret(None)
    check(memoriser.record, visible=False, **arguments)  # what a student can do with the public repository
    check(memoriser.replay, visible=False, **arguments)
    assert _core._course_secret == ""
    secret("s3cret-of-the-course")
    with pytest.raises(CheckFailure):
        check(memoriser.replay, visible=False, **arguments)
    check(module.reference, visible=False, **arguments)  # a correct answer still passes
    assert capsys.readouterr().out.count("hidden test passed") == 3


def test_the_secret_stays_out_of_every_environment_the_grader_builds(monkeypatch, tmp_path):
    from rnncourse.config import SECRET_ENV
    from rnncourse.grader.core import secret_tag
    from rnncourse.grader.process import worker_env
    from rnncourse.grader.sandbox import kernel_env

    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert secret_tag() == ""
    monkeypatch.setenv(SECRET_ENV, "s3cret-of-the-course")
    tag = secret_tag()
    assert tag.startswith("+secret-") and "s3cret" not in tag  # a digest goes into the journal, not the secret
    monkeypatch.setenv(SECRET_ENV, "another")
    assert secret_tag() != tag  # another secret, other hidden inputs: everything regrades
    import os

    for env in (worker_env(tmp_path), kernel_env(tmp_path, dict(os.environ))):
        assert SECRET_ENV not in env
        assert not any("another" == value for value in env.values())
