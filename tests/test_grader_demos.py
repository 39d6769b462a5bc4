"""rnncourse.grader.demos: which demonstration cells the grader may skip, and when it must not."""

from __future__ import annotations

import json

import pytest

from rnncourse import course
from rnncourse.grader.demos import (
    DEMO_TAG,
    SKIPPED_SOURCE,
    defined_names,
    demo_dependencies,
    read_names,
    skip_demonstrations,
)
from rnncourse.notebook import grade_id


def _cell(source: str, demo: bool = False) -> dict:
    return {
        "cell_type": "code",
        "source": source,
        "outputs": [],
        "execution_count": None,
        "metadata": {"tags": [DEMO_TAG]} if demo else {},
    }


def test_defined_names_are_module_level_bindings():
    source = (
        "import numpy as np\nfrom os import path as p\nx = 1\ndef f():\n    y = 2\nclass C: pass\nfor i in []: pass"
    )
    assert defined_names(source) == {"np", "p", "x", "f", "C", "i"}


def test_read_names_sees_globals_in_functions_but_not_locals_or_own_names():
    source = (
        "x = 1\n"
        "def f(a, b=default_size):\n"
        "    model = make(a)\n"
        "    def g():\n        return model + histories\n"
        "    return g() + x\n"
        "print(total)\n"
    )
    reads = read_names(source)
    assert {"default_size", "make", "histories", "total", "print"} <= reads
    assert not {"x", "f", "a", "b", "model", "g"} & reads


def test_magics_and_broken_code_do_not_crash_the_analysis():
    assert "results" in read_names("%matplotlib inline\n!ls\nprint(results)")
    assert read_names("def broken(:\n    pass") == set()
    assert defined_names("def broken(:\n    pass") == set()


def test_dependencies_follow_cell_order():
    cells = [_cell("a = 1"), _cell("a = 2\nb = 3", demo=True), _cell("print(a)"), _cell("a = 4"), _cell("print(a, b)")]
    assert demo_dependencies(cells) == {2: {"a"}, 4: {"b"}}
    cells[3] = _cell("a = 4\nb = 5")  # redefined outside the demo: nothing depends on it any more
    assert demo_dependencies(cells) == {2: {"a"}}


def test_markdown_and_demo_cells_are_not_readers():
    cells = [
        _cell("h = 1", demo=True),
        {"cell_type": "markdown", "source": "print(h)", "metadata": {}},
        _cell("print(h)", demo=True),
    ]
    assert demo_dependencies(cells) == {}


def test_skip_empties_demo_cells_only_when_nothing_needs_them():
    nb = {"cells": [_cell("x = 1"), _cell("slow = train()", demo=True), _cell("print(x)")]}
    skipped, needed = skip_demonstrations(nb)
    assert needed == set()
    assert [c["source"] for c in skipped["cells"]] == ["x = 1", SKIPPED_SOURCE, "print(x)"]
    assert nb["cells"][1]["source"] == "slow = train()"  # the input is not modified

    nb["cells"].append(_cell("def answer():\n    return slow"))
    kept, needed = skip_demonstrations(nb)
    assert needed == {"slow"}
    assert kept["cells"][1]["source"] == "slow = train()"


@pytest.mark.parametrize("lesson", course.LESSON_IDS)
def test_no_lesson_cell_depends_on_a_demonstration(lesson):
    """Every untagged cell of the solution (answers and tests included) runs without the demos."""
    nb = json.loads(course.solution_path(lesson).read_text(encoding="utf-8"))
    dependencies = demo_dependencies(nb["cells"])
    assert dependencies == {}, {i: (sorted(names), nb["cells"][i]["source"][:60]) for i, names in dependencies.items()}


@pytest.mark.parametrize("lesson", course.LESSON_IDS)
def test_demonstrations_are_never_graded_cells(lesson):
    nb = json.loads(course.solution_path(lesson).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if DEMO_TAG in cell["metadata"].get("tags", []):
            assert not grade_id(cell), cell["source"][:60]


def test_the_released_lessons_keep_the_tags():
    """The grader rebuilds from lessons/, so the tags must survive nbgrader's release step."""
    for lesson in course.LESSON_IDS:
        source = json.loads(course.solution_path(lesson).read_text(encoding="utf-8"))
        release = json.loads(course.lesson_path(lesson).read_text(encoding="utf-8"))
        count = lambda nb: sum(DEMO_TAG in c["metadata"].get("tags", []) for c in nb["cells"])  # noqa: E731
        assert count(release) == count(source)
    assert count(json.loads(course.lesson_path("04_sentiment").read_text(encoding="utf-8"))) >= 10
