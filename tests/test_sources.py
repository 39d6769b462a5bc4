"""rnncourse.sources: the registry of pinned data files, its checksums, and the docs that quote it."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path

import pytest

from rnncourse import data, glove, sources
from rnncourse.sources import SOURCES, DataSourceError, Source

ROOT = Path(__file__).resolve().parent.parent


def test_data_readme_and_pyproject_name_the_registered_files():
    """data/README.md's table gives each file's package, path and SHA-256 as the registry does."""
    rows = [line for line in (ROOT / "data" / "README.md").read_text(encoding="utf-8").splitlines() if "`" in line]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for source in SOURCES:
        (row,) = [r for r in rows if f"`{source.package}/{source.file}`" in r]
        assert f"`{source.sha256}`" in row, source
        assert f"`{source.requirement}`" in row or "| same |" in row, source
        assert f'"{source.requirement}"' in pyproject, source


def test_the_installed_files_are_the_pinned_ones():
    assert sources.IMDB_REVIEWS.verify(data.packaged_csv_path()) == sources.IMDB_REVIEWS.sha256
    for source in (sources.GLOVE_VECTORS, sources.GLOVE_WORDS):
        path = glove.packaged_glove_dir() / source.name
        assert source.verify(path) == source.sha256
        assert path.parts[-len(source.parts) :] == source.parts  # where the registry says it lies


def test_source_names_its_file_and_verifies_it(tmp_path: Path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(b"text,label\nfine,1\n")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    source = Source("The test CSV", "some-package==1.0", "some_package", "data/sub/reviews.csv", digest)
    assert source.parts == ("data", "sub", "reviews.csv") and source.name == "reviews.csv"
    assert source.verify(path) == digest
    wrong = dataclasses.replace(source, sha256="0" * 64)
    with pytest.raises(DataSourceError) as info:
        wrong.verify(path)
    assert str(info.value) == (
        f"The test CSV at {path} is corrupt or not the pinned version: its SHA-256 is {digest}, "
        f"expected {'0' * 64}. Reinstall the package: pip install --force-reinstall some-package==1.0"
    )


def test_checksums_are_memoised_until_the_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "file.bin"
    path.write_bytes(b"one")
    opened = []
    real_open = open

    def counting_open(file, *args, **kwargs):
        if Path(file) == path:
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    first = sources.sha256_file(path)
    assert sources.sha256_file(path) == first == hashlib.sha256(b"one").hexdigest()
    assert len(opened) == 1  # the second call did not read the file
    path.write_bytes(b"two")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert sources.sha256_file(path) == hashlib.sha256(b"two").hexdigest() and len(opened) == 2
    assert sources.stat_key(path) == (str(path.resolve()), 3, st.st_mtime_ns + 1_000_000_000)


def test_data_and_glove_raise_the_registry_error():
    assert data.DataSourceError is glove.DataSourceError is DataSourceError
