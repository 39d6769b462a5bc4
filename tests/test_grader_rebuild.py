"""prepare.rebuild: the notebook the grader runs is the release with the student's answers.

Everything a student did to the locked cells is undone here, before any kernel starts: a
deleted, edited or emptied test cell is restored from the release, and edited nbgrader metadata
is replaced by the release's. Each is flagged for a person. tests/test_grader.py grades one
notebook with all of these at once, to show the restored tests take the points.
"""

from __future__ import annotations

import json

import pytest

from rnncourse import course
from rnncourse.grader.classify import MAX_MESSAGE
from rnncourse.grader.classify import message as _message
from rnncourse.grader.prepare import Submission, load_notebook, rebuild
from rnncourse.notebook import cell_source, grade_id, nbgrader_metadata

LESSON = "01_gradients"


def _release(lesson: str = "01_gradients") -> dict:
    return json.loads(course.lesson_path(lesson).read_text(encoding="utf-8"))


def test_a_colab_notebook_without_cell_ids_is_not_flagged(tmp_path):
    nb = course.reference_submission("01_gradients")
    nb["nbformat_minor"] = 0
    nb["metadata"] = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3"}}
    for cell in nb["cells"]:
        cell.pop("id", None)
    path = tmp_path / "01_gradients.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    sub = Submission("carol", "01_gradients", path)
    graded = rebuild(sub, _release(), {"01_gradients": _release()})
    assert sub.flags == [] and sub.notes == []
    assert len(graded["cells"]) == len(_release()["cells"])  # nothing taken for an added cell


def test_a_cell_a_colab_student_really_added_still_runs_and_is_scanned(tmp_path):
    nb = course.reference_submission("01_gradients")
    for cell in nb["cells"]:
        cell.pop("id", None)
    nb["cells"].insert(
        3,
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "import os\nprint(os.getcwd())",
        },
    )
    path = tmp_path / "01_gradients.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    sub = Submission("dave", "01_gradients", path)
    graded = rebuild(sub, _release(), {"01_gradients": _release()})
    assert len(graded["cells"]) == len(_release()["cells"]) + 1
    assert any("imports os" in flag for flag in sub.flags)


def test_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_release()).encode())
    assert load_notebook(path)["nbformat"] == 4


def test_stripped_metadata_is_one_short_note(tmp_path):
    nb = course.reference_submission("01_gradients")
    for cell in nb["cells"]:
        cell["metadata"].pop("nbgrader", None)
    path = tmp_path / "01_gradients.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    sub = Submission("erin", "01_gradients", path)
    rebuild(sub, _release(), {"01_gradients": _release()})
    assert sub.flags == []
    assert len(sub.notes) == 1 and sub.notes[0].startswith("nbgrader metadata of ")
    assert sub.notes[0].endswith("cell(s) was missing; the released metadata was used")
    assert len(_message(sub)[0]) <= MAX_MESSAGE


def test_an_older_copy_of_the_lesson_text_is_a_note_not_a_flag(tmp_path):
    nb = course.reference_submission("01_gradients")
    text_cells = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "markdown" and grade_id(c) and not nbgrader_metadata(c).get("solution")
    ]
    for cell in text_cells[:2]:
        cell["source"] = "An older wording of this section."
    path = tmp_path / "01_gradients.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    sub = Submission("frank", "01_gradients", path)
    graded = rebuild(sub, _release(), {"01_gradients": _release()})
    assert sub.flags == []
    assert sub.notes == [
        "2 locked text cell(s) differ from the current release (an older copy of the lesson?); "
        "the release's text was used"
    ]
    assert "An older wording of this section." not in json.dumps(graded)


def _rebuilt(tmp_path, edit) -> tuple[Submission, dict]:
    """A reference submission of lesson 01, edited by ``edit``, rebuilt against the release."""
    nb = course.reference_submission(LESSON)
    edit(nb)
    path = tmp_path / f"{LESSON}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    sub = Submission("mallory", LESSON, path)
    return sub, rebuild(sub, _release(), {LESSON: _release()})


def _cell(nb: dict, wanted: str) -> dict:
    return next(c for c in nb["cells"] if grade_id(c) == wanted)


def _delete(nb):
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != "test_rnn_forward"]


def _edit(nb):
    _cell(nb, "test_rnn_forward")["source"] = "print('visible checks passed')"


def _empty(nb):
    _cell(nb, "test_rnn_forward")["source"] = ""


@pytest.mark.parametrize(
    ("edit", "flag"),
    [
        (_delete, "test cell test_rnn_forward was deleted (restored from the release and graded)"),
        (_edit, "test cell test_rnn_forward was edited (the released version was graded)"),
        (_empty, "test cell test_rnn_forward was edited (the released version was graded)"),
    ],
    ids=["deleted", "edited", "emptied"],
)
def test_a_tampered_test_cell_is_restored_and_flagged(tmp_path, edit, flag):
    sub, graded = _rebuilt(tmp_path, edit)
    assert sub.flags == [flag]
    assert cell_source(_cell(graded, "test_rnn_forward")) == cell_source(_cell(_release(), "test_rnn_forward"))
    assert [grade_id(c) for c in graded["cells"]] == [grade_id(c) for c in _release()["cells"]]


def test_edited_metadata_is_replaced_by_the_release_and_flagged(tmp_path):
    def zero_points(nb):
        meta = nbgrader_metadata(_cell(nb, "test_rnn_forward"))
        meta.update(points=0, locked=False)

    sub, graded = _rebuilt(tmp_path, zero_points)
    assert sub.flags == [
        "nbgrader metadata of cell test_rnn_forward was edited (locked, points); the released metadata was used"
    ]
    assert nbgrader_metadata(_cell(graded, "test_rnn_forward")) == nbgrader_metadata(
        _cell(_release(), "test_rnn_forward")
    )

    def two_cells(nb):
        zero_points(nb)
        nbgrader_metadata(_cell(nb, "test_rnn_forward_hidden"))["grade"] = False

    sub, graded = _rebuilt(tmp_path, two_cells)
    assert sub.flags == [
        "nbgrader metadata of 2 cells was edited: test_rnn_forward (locked, points), "
        "test_rnn_forward_hidden (grade); the released metadata was used"
    ]
    assert nbgrader_metadata(_cell(graded, "test_rnn_forward_hidden"))["grade"] is True
