"""Say in one line why this Python cannot build the course's environment, and what to run instead.

``make`` runs it with the interpreter that builds (or built) ``.venv``, before installing:
``python requirements/check_python.py <USE_LOCK> <make goal>``. The locks in this folder are
for CPython 3.11 only (their header says so), so a newer Python would fail inside pip with a
page of hash errors. Kept to Python 3.6 syntax (f-strings at most): it must run on any python3 to say its sentence.
"""

import sys


def problem(version, use_lock, goal):
    """The sentence for ``version`` (major, minor, ...), or None when it can build the environment."""
    found = ".".join(str(part) for part in version[:3])
    if tuple(version[:2]) < (3, 11):
        return f"Python 3.11 is needed and this is {found}: run e.g. make {goal} PYTHON=python3.11"
    if tuple(version[:2]) > (3, 11) and use_lock:
        return (
            f"requirements/*.txt lock CPython 3.11 and this is {found}: run e.g. make {goal} PYTHON=python3.11, "
            f"or make {goal} USE_LOCK=0 to install pyproject.toml's pins without the lock (untested)"
        )
    return None


if __name__ == "__main__":
    text = problem(sys.version_info, sys.argv[1:2] == ["1"], (sys.argv[2:3] or ["lab"])[0])
    sys.exit(text)
