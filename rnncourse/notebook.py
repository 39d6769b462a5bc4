"""Small helpers for notebook cells (plain JSON dicts or nbformat nodes), in one place.

The course build, the grader and the tests read cells the same way: the nbgrader metadata
(missing metadata reads as empty), the ``grade_id``, the source as one string (nbformat
stores it as a string or a list of lines), and the source as plain Python, with IPython
syntax translated as the kernel would.

>>> from rnncourse.notebook import cell_source, grade_id
>>> cell = {"cell_type": "code", "source": ["x = 1\\n", "y = 2"],
...         "metadata": {"nbgrader": {"grade_id": "answer", "solution": True}}}
>>> grade_id(cell), cell_source(cell)
('answer', 'x = 1\\ny = 2')

Nothing here imports IPython until :func:`ipython_to_python` is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["cell_source", "grade_id", "ipython_to_python", "nbgrader_metadata"]


def nbgrader_metadata(cell: Mapping[str, Any]) -> Mapping[str, Any]:
    """The cell's ``metadata["nbgrader"]`` (``grade_id``, ``grade``, ``solution``, ``points`` ...).

    An empty mapping when the cell has no metadata or no nbgrader part. The mapping returned
    is the cell's own: copy it before changing it.
    """
    meta: Mapping[str, Any] = cell.get("metadata", {}).get("nbgrader", {})
    return meta


def grade_id(cell: Mapping[str, Any]) -> str | None:
    """The cell's nbgrader ``grade_id``, or ``None`` for a cell nbgrader does not track."""
    return nbgrader_metadata(cell).get("grade_id")


def cell_source(cell: Mapping[str, Any]) -> str:
    """The cell's source as one string (nbformat allows a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def ipython_to_python(source: str) -> str:
    """``source`` as plain Python: IPython magics (``%time``) and ``!shell`` lines translated.

    The translation is IPython's own (``TransformerManager.transform_cell``), so the result is
    what the kernel runs. If IPython is not installed or cannot read the cell, ``source`` is
    returned unchanged (callers then parse it as it is, and a syntax error is theirs to handle).
    """
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001  (IPython missing or a cell it cannot read: use it as is)
        return source
