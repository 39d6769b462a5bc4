"""Fast mode and sizes: one place, read-only, full mode by default."""

import pytest

from rnncourse import config
from rnncourse.course import LESSON_IDS


def test_fast_mode_follows_the_environment(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_FAST", "1")
    assert config.is_fast() and config.mode() == "fast"
    for off in ("", "0", "false", "no"):
        monkeypatch.setenv("RNNCOURSE_FAST", off)
        assert not config.is_fast()
    monkeypatch.delenv("RNNCOURSE_FAST")
    assert config.mode() == "full"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_every_lesson_has_sizes_and_fast_is_smaller(lesson, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_FAST", "0")
    full = dict(config.sizes(lesson))
    monkeypatch.setenv("RNNCOURSE_FAST", "1")
    fast = dict(config.sizes(lesson))
    assert full.keys() == fast.keys() and full
    assert all(fast[k] <= full[k] for k in full)
    assert any(fast[k] < full[k] for k in full)


def test_sizes_are_read_only_and_unknown_lessons_fail_clearly():
    with pytest.raises(TypeError):
        config.sizes("01_gradients")["seq_len"] = 3  # type: ignore[index]
    with pytest.raises(KeyError, match="unknown lesson '05_x'; known lessons: 01_gradients"):
        config.sizes("05_x")
