"""rnncourse.course: executing a notebook gives the kernel its environment, not the whole process."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from rnncourse import course


def _two_cell_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import os"),
        nbformat.v4.new_code_cell('print("RNNCOURSE_FAST =", os.environ.get("RNNCOURSE_FAST", "unset"))'),
    ]
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(("fast", "parent", "kernel"), [(True, "0", "1"), (False, "1", "unset")])
def test_execute_notebook_passes_the_environment_to_the_kernel_only(tmp_path, monkeypatch, fast, parent, kernel):
    monkeypatch.setenv("RNNCOURSE_FAST", parent)
    before = dict(os.environ)
    seen_while_running = []  # this process's environment while each cell ran
    execute_cell = NotebookClient.async_execute_cell

    async def recording_execute_cell(self, *args, **kwargs):
        seen_while_running.append(dict(os.environ))
        return await execute_cell(self, *args, **kwargs)

    monkeypatch.setattr(NotebookClient, "async_execute_cell", recording_execute_cell)
    path = _two_cell_notebook(tmp_path / "env.ipynb")

    course.execute_notebook(path, timeout=60, fast=fast)

    outputs = nbformat.read(path, as_version=4).cells[1].outputs
    assert [o.get("text") for o in outputs] == [f"RNNCOURSE_FAST = {kernel}\n"]
    assert len(seen_while_running) == 2 and all(env == before for env in seen_while_running)
    assert dict(os.environ) == before
