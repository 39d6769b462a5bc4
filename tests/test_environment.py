"""pyproject.toml's pins, the locks requirements/*.txt and environment.yml name the same packages.

pyproject.toml holds the exact pins: the base (what `make lab` needs) and the extras grader,
tests and dev. requirements/{lab,test,dev}.txt lock them, with every package below them and
their hashes, for Linux x86_64 (`make lock` writes them with uv). environment.yml (conda,
Binder) repeats the base, grader and tests pins.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

#: Each lock file and the extras it locks (besides the base dependencies).
LOCKS = {
    "requirements/lab.txt": set(),
    "requirements/test.txt": {"grader", "tests"},
    "requirements/dev.txt": {"grader", "tests", "dev"},
}
#: environment.yml mirrors these extras (not dev: the linters stay out of the conda/Binder env).
ENVIRONMENT_EXTRAS = {"grader", "tests"}
#: The platform the locks are for (uv's --python-platform, --python-version).
LOCK_PLATFORM, LOCK_PYTHON = "x86_64-manylinux_2_28", "3.11"
#: How uv marks a package pyproject.toml asks for itself (not only as a dependency of another).
DIRECT = "rnncourse (pyproject.toml)"


def _name(name: str) -> str:
    """The normalised name (PEP 503): PyYAML and pyyaml, jinja2 and Jinja2 are the same package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pin(dep: str) -> tuple[str, str, str | None]:
    """(name, version, platform or None) of one pyproject.toml dependency; only exact pins pass."""
    spec, _, marker = dep.partition(";")
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([0-9][^\s,;]*)\s*", spec)
    assert match, f"pyproject.toml: {dep!r} is not one exact pin (name==version)"
    platform = None
    if marker.strip():
        found = re.fullmatch(r"\s*sys_platform\s*==\s*['\"](\w+)['\"]\s*", marker)
        assert found, f"pyproject.toml: {dep!r}: only a sys_platform == '...' marker is understood here"
        platform = found.group(1)
    return _name(match.group(1)), match.group(2), platform


def _pyproject() -> dict[str, list[str]]:
    """pyproject.toml's dependency lists: "base" and each extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"base": project["dependencies"], **project["optional-dependencies"]}


def _pins(extras: set[str], platform: str = "linux") -> dict[str, str]:
    """Name -> version of the base and the given extras, on one platform."""
    groups = _pyproject()
    pins: dict[str, str] = {}
    for group in ["base", *sorted(extras)]:
        for dep in groups[group]:
            name, version, only_on = _pin(dep)
            if only_on in (None, platform):
                assert pins.setdefault(name, version) == version, f"pyproject.toml pins {name} twice"
    return pins


def _lock(path: str) -> dict:
    """A lock file: its header command, and per package its version, hashes and "via" sources."""
    packages: dict[str, dict] = {}
    command = None
    current = None
    lines = (ROOT / path).read_text().splitlines()
    for number, line in enumerate(lines, 1):
        if line.startswith("#    uv pip compile ") and command is None:
            command = shlex.split(line[1:])
        elif line.startswith("#") or not line.strip():
            continue
        elif line.startswith("    --hash="):
            assert current is not None, f"{path}:{number}: a hash before any package"
            current["hashes"].add(line.split("=", 1)[1].rstrip(" \\"))
        elif line.startswith("    # via ") or line.startswith("    #   "):
            assert current is not None, f"{path}:{number}: a via line before any package"
            current["via"].add(line.split("# via ", 1)[-1].split("#   ", 1)[-1].strip())
        elif line.startswith("    #"):
            continue
        else:
            match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\", line)
            assert match, f"{path}:{number}: not a pinned requirement with hashes: {line!r}"
            current = {"version": match.group(2), "hashes": set(), "via": set()}
            assert _name(match.group(1)) not in packages, f"{path}: {match.group(1)} twice"
            packages[_name(match.group(1))] = current
    assert command is not None, f"{path}: no '#    uv pip compile ...' header: regenerate it with make lock"
    return {"command": command, "packages": packages}


def _environment() -> tuple[str, dict[str, str], list[str]]:
    """environment.yml: its python version, name -> version of every pinned package, the rest."""
    deps = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda = [dep for dep in deps if isinstance(dep, str)]
    pip = [item for dep in deps if isinstance(dep, dict) for item in dep["pip"]]
    assert [dep for dep in deps if not isinstance(dep, str | dict)] == []
    python, pins, other = None, {}, []
    for spec, sep in [(dep, "=") for dep in conda] + [(dep, "==") for dep in pip]:
        name, found, version = spec.partition(sep)
        if not found or (sep == "=" and version.startswith("=")):
            other.append(spec)
        elif name == "python":
            python = version
        else:
            assert _name(name) not in pins, f"environment.yml names {name} twice"
            pins[_name(name)] = version
    return python, pins, other


def test_every_pin_is_exact():
    groups = _pyproject()
    assert set(groups) == {"base", "grader", "tests", "dev"}
    for deps in groups.values():
        assert deps
        for dep in deps:
            _pin(dep)  # asserts


def test_environment_yml_agrees_with_pyproject():
    python, environment, other = _environment()
    pyproject = _pins(ENVIRONMENT_EXTRAS)  # Linux; macOS's tensorflow is named in a comment there
    assert len(pyproject) >= 25
    assert environment == pyproject
    assert python == LOCK_PYTHON
    assert sorted(other) == ["-e .", "pip"]


def test_tensorflow_pins_match_across_platforms():
    linux, darwin = _pins(set(), "linux"), _pins(set(), "darwin")
    assert linux["tensorflow-cpu"] == darwin["tensorflow"] == "2.21.0"
    assert "tensorflow" not in linux and "tensorflow-cpu" not in darwin
    assert linux["keras"] == darwin["keras"]


@pytest.mark.parametrize("path", LOCKS)
def test_lock_holds_every_pin_of_its_extras(path):
    locked = {name: package["version"] for name, package in _lock(path)["packages"].items()}
    pins = _pins(LOCKS[path])
    assert {name: locked.get(name) for name in pins} == pins, f"run make lock: {path} is older than pyproject.toml"


@pytest.mark.parametrize("path", LOCKS)
def test_lock_is_what_its_extras_say(path):
    lock = _lock(path)
    command = lock["command"]
    assert command[:4] == ["uv", "pip", "compile", "pyproject.toml"]
    extras = {command[i + 1] for i, arg in enumerate(command) if arg == "--extra"}
    assert extras == LOCKS[path], f"{path} locks the extras {sorted(extras)}"
    assert "--generate-hashes" in command
    assert command[command.index("--python-version") + 1] == LOCK_PYTHON
    assert command[command.index("--python-platform") + 1] == LOCK_PLATFORM
    assert command[command.index("-o") + 1] == path
    # What pyproject.toml itself asks for: exactly the pins of these extras (the rest comes below them).
    direct = {name for name, package in lock["packages"].items() if DIRECT in package["via"]}
    assert direct == set(_pins(LOCKS[path]))
    for name, package in lock["packages"].items():
        assert package["hashes"], f"{path}: {name} has no hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in package["hashes"]), name
    assert "rnncourse" not in lock["packages"]  # installed editable, apart: hashes cannot cover it
    assert "setuptools" in lock["packages"]  # the Makefile builds that editable install with it
    assert "tensorflow" not in lock["packages"]  # macOS's build: the locks are Linux only
    header = (ROOT / path).read_text().splitlines()[:6]
    assert any("Linux x86_64" in line for line in header) and any("make lock" in line for line in header)


def test_locks_nest_with_the_same_versions():
    """make lab, then make test, then make check each add packages and never change one."""
    lab, test, dev = (_lock(path)["packages"] for path in LOCKS)
    for small, big in [(lab, test), (test, dev)]:
        assert set(small) < set(big)
        for name, package in small.items():
            assert (package["version"], package["hashes"]) == (big[name]["version"], big[name]["hashes"]), name


@pytest.mark.skipif(shutil.which("make") is None, reason="`make` is not on PATH")
def test_make_lock_runs_the_commands_in_the_headers():
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "-C", str(ROOT), "lock", "UV=uv"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    commands = [shlex.split(line) for line in dry_run.splitlines() if line.startswith("uv pip compile ")]
    commands = [[arg for arg in command if arg != "--quiet"] for command in commands]
    assert commands == [_lock(path)["command"] for path in reversed(LOCKS)]  # the widest first


def test_lab_modules_import_no_grader_package():
    """No rnncourse module outside rnncourse.grader (what notebooks import) loads a grader- or test-only package."""
    lab, test = (_lock(path)["packages"] for path in ("requirements/lab.txt", "requirements/test.txt"))
    not_in_lab = set(test) - set(lab)
    code = (  # pkgutil.walk_packages would import rnncourse.grader to look inside it: list the files
        "import importlib, importlib.metadata as md, pathlib, sys\n"
        "import rnncourse\n"
        "top = pathlib.Path(rnncourse.__file__).parent\n"
        "files = [p.relative_to(top.parent).with_suffix('') for p in sorted(top.rglob('*.py'))]\n"
        "names = ['.'.join(f.parts).removesuffix('.__init__') for f in files if f.parts[1] != 'grader']\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "dists = md.packages_distributions()\n"
        "loaded = {d for m in list(sys.modules) for d in dists.get(m.partition('.')[0], [])}\n"
        "print(' '.join(names)); print(' '.join(sorted(loaded)))\n"
    )
    modules, loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    for name in ["checks", "config", "data", "glove", "gradients", "models", "plots"]:
        assert f"rnncourse.{name}" in modules.split()
    loaded_names = {_name(d) for d in loaded.split()}
    assert "numpy" in loaded_names  # the probe sees third-party packages at all
    assert sorted(loaded_names & not_in_lab) == []


def test_a_python_the_locks_do_not_fit_gets_one_sentence():
    """requirements/check_python.py: what make says before installing with the wrong Python."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("check_python", ROOT / "requirements" / "check_python.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.problem((3, 11, 7), True, "lab") is None
    assert module.problem((3, 12, 3), False, "lab") is None  # no lock: pyproject.toml's pins
    newer = module.problem((3, 12, 3), True, "test")
    assert newer.startswith(
        "requirements/*.txt lock CPython 3.11 and this is 3.12.3: run e.g. make test PYTHON=python3.11"
    )
    assert "make test USE_LOCK=0" in newer and "\n" not in newer
    assert module.problem((3, 10, 1), True, "lab") == (
        "Python 3.11 is needed and this is 3.10.1: run e.g. make lab PYTHON=python3.11"
    )
    proc = subprocess.run(
        [sys.executable, str(ROOT / "requirements" / "check_python.py"), "1", "lab"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stderr == ""  # this interpreter builds the environment
