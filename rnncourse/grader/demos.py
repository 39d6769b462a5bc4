"""Demonstration cells the grader may skip, and the name analysis that makes skipping safe.

A lesson's solution notebook tags some code cells ``skip-when-grading``: demonstrations
(training runs for a comparison table, plots, timings) whose results no graded cell uses.
They are most of a notebook's run time, so the grader replaces their source with a comment
(:func:`skip_demonstrations`) and a class is graded about twice as fast.

Skipping must never change a score. Two rules keep it safe:

* ``tests/test_grader_demos.py`` checks every solution notebook with :func:`demo_dependencies`:
  no untagged cell may read a name whose latest definition comes from a tagged cell.
* At grading time the same analysis runs on the rebuilt submission. If a student's answer
  or added cell reads a name that only a demonstration defines (say a global ``histories``),
  nothing is skipped for that notebook: it runs in full, as it did for the student.

The analysis is static (``symtable``) and cell-ordered. It is deliberately conservative for
reads (any global a cell or its functions may read counts) and counts a module-level
assignment in the same cell as a local definition.
"""

from __future__ import annotations

import copy
import symtable
from collections.abc import Iterable, Mapping

from ..notebook import cell_source, ipython_to_python

DEMO_TAG = "skip-when-grading"
SKIPPED_SOURCE = (
    "# Demonstration skipped when grading: no graded cell uses its results.\n"
    "# (The lesson notebook runs it; see the released lesson.)"
)


def _table(source: str) -> symtable.SymbolTable | None:
    try:
        return symtable.symtable(ipython_to_python(source), "<cell>", "exec")
    except (SyntaxError, ValueError):
        return None  # broken code defines and reads nothing we can rely on


def defined_names(source: str) -> set[str]:
    """Names a cell binds at module level (assignments, imports, ``def`` and ``class``)."""
    table = _table(source)
    if table is None:
        return set()
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}


def read_names(source: str) -> set[str]:
    """Global names a cell may read, at module level or inside its functions and classes.

    Names the cell itself binds at module level are left out (they are its own), and so are
    names local to a function.
    """
    table = _table(source)
    if table is None:
        return set()
    own = defined_names(source)
    names: set[str] = set()

    def visit(scope: symtable.SymbolTable) -> None:
        for symbol in scope.get_symbols():
            name = symbol.get_name()
            if scope.get_type() == "module":
                if symbol.is_referenced():
                    names.add(name)
            elif symbol.is_referenced() and symbol.is_global():
                names.add(name)
        for child in scope.get_children():
            visit(child)

    visit(table)
    return names - own


def is_demo(cell: Mapping) -> bool:
    """True for a code cell tagged ``skip-when-grading``."""
    return cell.get("cell_type") == "code" and DEMO_TAG in cell.get("metadata", {}).get("tags", [])


def demo_dependencies(cells: Iterable[Mapping]) -> dict[int, set[str]]:
    """For each untagged cell that reads a name last defined by a demonstration: those names.

    Keys are cell indices. An empty result means every demonstration can be skipped.
    """
    last_definer_is_demo: dict[str, bool] = {}
    dependencies: dict[int, set[str]] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = cell_source(cell)
        demo = is_demo(cell)
        if not demo:
            needed = {name for name in read_names(source) if last_definer_is_demo.get(name)}
            if needed:
                dependencies[index] = needed
        for name in defined_names(source):
            last_definer_is_demo[name] = demo
    return dependencies


def skip_demonstrations(nb: dict) -> tuple[dict, set[str]]:
    """The notebook with its demonstration cells emptied, or unchanged if something needs them.

    Returns ``(notebook, names)``: ``names`` is empty when the demonstrations were skipped,
    otherwise it holds the names that other cells read from them (and nothing was skipped).
    """
    dependencies = demo_dependencies(nb.get("cells", []))
    if dependencies:
        return nb, set().union(*dependencies.values())
    skipped = copy.deepcopy(nb)
    for cell in skipped["cells"]:
        if is_demo(cell):
            cell["source"] = SKIPPED_SOURCE
            cell["outputs"] = []
            cell["execution_count"] = None
    return skipped, set()
