"""environment.yml (conda/Binder) and pyproject.toml (pip, `make`) name the same pinned packages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_pins() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = {}
    for dep in deps:
        spec, _, marker = dep.partition(";")
        name, _, version = spec.strip().partition("==")
        assert version, f"pyproject.toml: {dep!r} is not pinned with =="
        if "darwin" in marker:
            continue  # the macOS build of TensorFlow; environment.yml names it in a comment
        pins[name.strip().lower()] = version.strip()
    return pins


def _environment_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.fullmatch(r"-\s+([A-Za-z0-9_.\-]+)\s*(==|=)\s*([0-9][^\s]*)", line)
        if match and match.group(1) != "python":
            pins[match.group(1).lower()] = match.group(3)
    return pins


def test_environment_yml_agrees_with_pyproject():
    pyproject, environment = _pyproject_pins(), _environment_pins()
    assert len(pyproject) >= 14
    assert pyproject == environment


def test_tensorflow_pins_match_across_platforms():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    versions = {
        dep.split(";")[0].split("==")[1] for dep in deps if dep.startswith(("tensorflow==", "tensorflow-cpu=="))
    }
    assert versions == {"2.21.0"}
