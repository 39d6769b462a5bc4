"""rnncourse.notebook: reading cells the same way everywhere (metadata, source, IPython syntax)."""

from __future__ import annotations

import ast
import builtins
import json
import sys

import nbformat
import pytest

from rnncourse import course
from rnncourse.notebook import cell_source, grade_id, ipython_to_python, nbgrader_metadata

GRADED = {
    "cell_type": "code",
    "source": ["x = 1\n", "y = 2"],
    "metadata": {"nbgrader": {"grade_id": "test_x", "grade": True, "points": 2}},
}


def test_nbgrader_metadata_and_grade_id():
    assert nbgrader_metadata(GRADED) == {"grade_id": "test_x", "grade": True, "points": 2}
    assert nbgrader_metadata(GRADED) is GRADED["metadata"]["nbgrader"]  # the cell's own, not a copy
    assert grade_id(GRADED) == "test_x"
    for untracked in ({"cell_type": "code"}, {"metadata": {}}, {"metadata": {"tags": ["x"]}}):
        assert nbgrader_metadata(untracked) == {} and grade_id(untracked) is None
    assert grade_id({"metadata": {"nbgrader": {"solution": True}}}) is None


def test_cell_source_joins_lists_and_keeps_strings():
    assert cell_source(GRADED) == "x = 1\ny = 2"
    assert cell_source({"source": "a\nb"}) == "a\nb"
    assert cell_source({"source": []}) == "" and cell_source({}) == ""


def test_helpers_read_nbformat_nodes_as_the_course_reads_them():
    """On every solution notebook, as nbformat loads it: the same answers as the JSON."""
    lesson = course.available_lessons()[0]
    path = course.solution_path(lesson)
    as_json = json.loads(path.read_text(encoding="utf-8"))["cells"]
    as_nodes = nbformat.read(path, as_version=4).cells
    assert [grade_id(c) for c in as_nodes] == [grade_id(c) for c in as_json]
    assert [cell_source(c) for c in as_nodes] == ["".join(c["source"]) for c in as_json]
    assert any(grade_id(c) for c in as_json)


def test_ipython_to_python_translates_magics_and_shell_lines():
    source = "%time x = 1\n!ls -l\ny = x + 1\n"
    python = ipython_to_python(source)
    ast.parse(python)  # plain Python now
    assert "get_ipython().run_line_magic('time', 'x = 1')" in python
    assert "get_ipython().system('ls -l')" in python
    assert python.endswith("y = x + 1\n")
    assert ipython_to_python("y = 2\n") == "y = 2\n"


def test_ipython_to_python_keeps_the_source_without_ipython(monkeypatch):
    real_import = builtins.__import__

    def no_ipython(name, *args, **kwargs):
        if name.startswith("IPython"):
            raise ImportError("no IPython here")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "IPython.core.inputtransformer2", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_ipython)
    assert ipython_to_python("%time x = 1\n") == "%time x = 1\n"


@pytest.mark.parametrize("source", ["def f(:\n", "%%bash\necho hi\n"])
def test_ipython_to_python_never_raises(source):
    assert isinstance(ipython_to_python(source), str)
