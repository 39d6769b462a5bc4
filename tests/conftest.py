"""Shared pytest fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# Environment variables that point rnncourse at other data than the pinned packages.
DATA_ENV_VARS = ("RNNCOURSE_IMDB_PATH", "RNNCOURSE_GLOVE_PATH", "RNNCOURSE_DATA_DIR")


@pytest.fixture(scope="session")
def data_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data cache for the whole test session, so tests never touch data/cache/."""
    return tmp_path_factory.mktemp("data-cache")


@pytest.fixture
def isolated_data_env(monkeypatch: pytest.MonkeyPatch, data_cache_dir: Path) -> Path:
    """Use the packaged data sources and the session's cache dir, whatever the shell sets."""
    for name in DATA_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RNNCOURSE_DATA_DIR", str(data_cache_dir))
    return data_cache_dir


def _fails_with(message: str, *, ignore_case: bool = False):
    """``pytest.raises(CheckFailure)`` whose message contains ``message`` literally."""
    from rnncourse.checks import CheckFailure

    return pytest.raises(CheckFailure, match=("(?i)" if ignore_case else "") + re.escape(message))


@pytest.fixture
def fails_with():
    """``with fails_with("expected ..."):`` - the check must fail, and its message contain that text.

    A fixture rather than an import: this file and the root conftest.py are both module ``conftest``.
    """
    return _fails_with


@pytest.fixture
def close_figures():
    """Close every matplotlib figure a plotting test opened (use with ``pytestmark``)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
