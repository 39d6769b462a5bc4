"""Find submissions, validate them, and rebuild each one on top of the released notebook.

Rebuilding is the first line of defence: the notebook that gets graded consists of the
released lesson's cells (narrative, demo and test cells exactly as released), the student's
answers (solution cells, matched by ``grade_id`` and, failing that, by cell id), and any
cells the student added. Deleting, emptying or editing a test cell, or editing nbgrader
metadata, therefore cannot change what runs; it is recorded as a reason to flag.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..course import LESSON_IDS, lesson_path
from ..notebook import cell_source, grade_id, nbgrader_metadata
from .outcome import Status
from .scan import Finding, scan_source

NBGRADER_SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")  # nbgrader submit/collect write them


@dataclass
class Submission:
    """One (student, lesson) row of the results, with the file(s) behind it."""

    student_id: str
    lesson: str
    path: Path | None = None
    status: Status = Status.PENDING  # discovery's verdict: missing and invalid files are not graded
    message: str = ""
    notes: list[str] = field(default_factory=list)  # extra information for the message
    flags: list[str] = field(default_factory=list)  # reasons to flag
    details: list[str] = field(default_factory=list)  # long explanations: OUT/details, not the row
    digest: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.student_id, self.lesson)


def discover(
    submissions_dir: Path, lessons: tuple[str, ...] = LESSON_IDS, students: Iterable[str] = ()
) -> list[Submission]:
    """Every file under ``submissions_dir`` becomes (part of) a row.

    Layouts: ``<dir>/<student>/<lesson>/<lesson>.ipynb`` (nbgrader) and
    ``<dir>/<student>/<lesson>.ipynb`` (flat). nbgrader's ``timestamp.txt`` and
    ``submission_secret.txt`` beside a notebook in the nbgrader layout are not rows (intake reads
    the time). Anything else is ``invalid`` with a message saying what was expected. When a
    student has a lesson in both layouts, the nbgrader one is graded and the other is named in
    the message. ``students`` (the roster's ids) get ``missing`` rows too when they submitted nothing.
    """
    submissions_dir = Path(submissions_dir)
    if not submissions_dir.is_dir():
        raise FileNotFoundError(f"SUBMISSIONS folder {submissions_dir} does not exist or is not a folder")
    rows: dict[tuple[str, str], Submission] = {}
    extra: list[Submission] = []
    expected = ", ".join(f"{lesson}.ipynb" for lesson in lessons)
    for path in sorted(submissions_dir.rglob("*")):
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(submissions_dir).parts):
            continue
        rel = path.relative_to(submissions_dir)
        parts = rel.parts
        if len(parts) == 1:
            extra.append(
                Submission(
                    "",
                    str(rel),
                    path,
                    Status.INVALID,
                    f"{rel}: file outside any student folder; expected <student_id>/<lesson>.ipynb",
                )
            )
            continue
        student = parts[0]
        if len(parts) == 3 and parts[1] in lessons and parts[2] in NBGRADER_SUBMISSION_FILES:
            continue  # nbgrader collect's own files beside the notebook (SUBMISSIONS=submitted/)
        lesson = None
        layout = ""
        if len(parts) == 2 and path.suffix == ".ipynb" and path.stem in lessons:
            lesson, layout = path.stem, "flat"
        elif len(parts) == 3 and parts[1] in lessons and parts[2] == f"{parts[1]}.ipynb":
            lesson, layout = parts[1], "nbgrader"
        if lesson is None:
            extra.append(
                Submission(
                    student,
                    "/".join(parts[1:]),
                    path,
                    Status.INVALID,
                    f"{rel}: not a lesson notebook; expected one of {expected} "
                    "(flat) or <lesson>/<lesson>.ipynb (nbgrader layout)",
                )
            )
            continue
        key = (student, lesson)
        if key in rows:
            kept, other = (rows[key], path) if layout == "flat" else (None, rows[key].path)
            if kept is None:
                rows[key] = Submission(student, lesson, path)
                kept = rows[key]
            assert other is not None and kept.path is not None
            kept.notes.append(
                f"also found {other.relative_to(submissions_dir)} (ignored: the nbgrader "
                f"layout file {kept.path.relative_to(submissions_dir)} was graded)"
            )
        else:
            rows[key] = Submission(student, lesson, path)
    # A student missing a lesson that somebody submitted gets a `missing` row.
    everyone = sorted({s.student_id for s in [*rows.values(), *extra] if s.student_id} | set(students))
    submitted_lessons = sorted({lesson for (_, lesson) in rows})
    for student in everyone:
        for lesson in submitted_lessons:
            if (student, lesson) not in rows:
                rows[(student, lesson)] = Submission(
                    student, lesson, None, Status.MISSING, f"no {lesson} notebook from {student}"
                )
    return sorted([*rows.values(), *extra], key=lambda s: (s.student_id, s.lesson))


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _nbgrader_meta(cell: dict) -> dict:
    meta = dict(nbgrader_metadata(cell))
    for derived in ("checksum", "cell_type"):  # added by nbgrader itself when it releases
        meta.pop(derived, None)
    return meta


def _grade_ids(nb: dict) -> set[str]:
    return {gid for gid in (grade_id(c) for c in nb.get("cells", [])) if gid}


def load_notebook(path: Path) -> dict:
    """Parse a submitted file as a version-4 notebook or raise ValueError with a readable reason."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))  # some editors save a byte-order mark
    except UnicodeDecodeError:
        raise ValueError("not a text file (is it really a .ipynb?)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON ({exc.msg} at line {exc.lineno}); the file is damaged — "
            "re-download the notebook from JupyterLab (File > Download)"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("valid JSON but not a Jupyter notebook (no list of cells)")
    if data.get("nbformat") != 4:
        raise ValueError(f"notebook format {data.get('nbformat')!r}; expected 4")
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in {"code", "markdown", "raw"}:
            raise ValueError(f"cell {index} is not a notebook cell")
    return data


def rebuild(submission: Submission, release: dict, releases: dict[str, dict]) -> dict:
    """The notebook to grade: the release's cells with the student's answers and added cells.

    Records tampering in ``submission.flags`` and ordinary remarks in ``submission.notes``.
    Raises ValueError when the file cannot be matched to the lesson at all.
    """
    student_nb = load_notebook(submission.path)  # type: ignore[arg-type]
    student_cells = student_nb["cells"]
    release_cells = release["cells"]
    by_grade_id = {gid: c for c in student_cells if (gid := grade_id(c))}
    by_cell_id = {c.get("id"): c for c in student_cells if c.get("id")}
    release_ids = {c.get("id") for c in release_cells}
    release_grade_ids = _grade_ids(release)

    matched = sum(1 for c in release_cells if grade_id(c) in by_grade_id or c.get("id") in by_cell_id)
    if matched == 0:
        others = [
            lesson
            for lesson, nb in releases.items()
            if lesson != submission.lesson and _grade_ids(nb) & set(by_grade_id)
        ]
        if others:
            raise ValueError(f"this is the {others[0]} notebook, not {submission.lesson}")
        raise ValueError(
            "none of the lesson's cells can be recognised (nbgrader metadata and cell ids "
            "are gone); submit the lesson notebook you worked in"
        )

    graded_cells = []
    used: set[int] = set()
    metadata_removed: list[str] = []
    text_changed: list[str] = []
    metadata_edited: dict[str, list[str]] = {}
    for cell in release_cells:
        gid = grade_id(cell)
        theirs = by_grade_id.get(gid) if gid else None
        if theirs is None:
            theirs = by_cell_id.get(cell.get("id"))
            if theirs is not None and gid and grade_id(theirs) != gid and _nbgrader_meta(theirs):
                submission.flags.append(f"the grade_id of cell {gid!r} was changed to {grade_id(theirs)!r}")
        if theirs is not None:
            used.add(id(theirs))
        new = copy.deepcopy(cell)
        meta = nbgrader_metadata(cell)
        if meta.get("solution"):
            if theirs is None:
                submission.notes.append(f"answer cell {gid} is missing (scored as unanswered)")
            else:
                new["source"] = cell_source(theirs)
        elif gid and cell["cell_type"] != "code":
            # Locked text: an older copy of the lesson, or an edit; the release's text is used either way.
            if theirs is not None and cell_source(theirs).strip() != cell_source(cell).strip():
                text_changed.append(gid)
        elif gid:
            if theirs is None:
                submission.flags.append(f"test cell {gid} was deleted (restored from the release and graded)")
            elif cell_source(theirs).strip() != cell_source(cell).strip():
                submission.flags.append(f"test cell {gid} was edited (the released version was graded)")
        if theirs is not None and gid and _nbgrader_meta(theirs) and _nbgrader_meta(theirs) != _nbgrader_meta(cell):
            metadata_edited[gid] = sorted(
                k
                for k in set(_nbgrader_meta(theirs)) | set(_nbgrader_meta(cell))
                if _nbgrader_meta(theirs).get(k) != _nbgrader_meta(cell).get(k)
            )
        elif theirs is not None and gid and not _nbgrader_meta(theirs):
            metadata_removed.append(gid)
        graded_cells.append(new)
    if len(metadata_edited) == 1:
        ((gid, changed),) = metadata_edited.items()
        submission.flags.append(
            f"nbgrader metadata of cell {gid} was edited ({', '.join(changed)}); the released metadata was used"
        )
    elif metadata_edited:
        cells = ", ".join(f"{gid} ({', '.join(changed)})" for gid, changed in metadata_edited.items())
        if len(cells) > 200:
            keys = sorted({k for changed in metadata_edited.values() for k in changed})
            cells = f"{', '.join(list(metadata_edited)[:3])} ... ({', '.join(keys)})"
        submission.flags.append(
            f"nbgrader metadata of {len(metadata_edited)} cells was edited: {cells}; the released metadata was used"
        )
        submission.details.append(
            "cells with edited nbgrader metadata: "
            + ", ".join(f"{gid} ({', '.join(changed)})" for gid, changed in metadata_edited.items())
        )
    if text_changed:
        submission.notes.append(
            f"{len(text_changed)} locked text cell(s) differ from the current release (an older "
            "copy of the lesson?); the release's text was used"
        )
        submission.details.append("locked text cells that differ: " + ", ".join(text_changed))
    if metadata_removed:
        # Some tools drop cell metadata; nothing is gained by it, since the release's metadata is used.
        submission.notes.append(
            f"nbgrader metadata of {len(metadata_removed)} cell(s) was missing; the released metadata was used"
        )
        submission.details.append("cells without nbgrader metadata: " + ", ".join(metadata_removed))

    # Release cells without a grade_id (narrative, set-up, demonstrations) that a notebook without
    # cell ids (Colab, Jupyter before nbformat 4.5) still holds unchanged: matched by position and
    # source, in order, so that they are never taken for cells the student added.
    unchanged = _match_unchanged(student_cells, release_cells, used)

    # Cells the student added stay, placed after the release cell that precedes them.
    insert_after: dict[int, list[dict]] = {}
    last_release_index = -1
    release_index_of = {}
    for i, cell in enumerate(release_cells):
        gid = grade_id(cell)
        theirs = (by_grade_id.get(gid) if gid else None) or by_cell_id.get(cell.get("id"))
        if theirs is not None:
            release_index_of[id(theirs)] = i
    for cell in student_cells:
        if id(cell) in release_index_of:
            last_release_index = release_index_of[id(cell)]
            continue
        if id(cell) in unchanged:
            last_release_index = unchanged[id(cell)]
            continue
        if id(cell) in used or (cell.get("id") and cell.get("id") in release_ids):
            continue
        gid = grade_id(cell)
        if gid and gid not in release_grade_ids:
            submission.flags.append(f"unknown graded cell {gid!r} (not in the release) was dropped")
            continue
        added = {"cell_type": cell.get("cell_type", "code"), "metadata": {}, "source": cell_source(cell)}
        if added["cell_type"] == "code":
            added.update(outputs=[], execution_count=None)
        insert_after.setdefault(last_release_index, []).append(added)
    final = list(insert_after.get(-1, []))
    for i, cell in enumerate(graded_cells):
        final.append(cell)
        final.extend(insert_after.get(i, []))

    # Static scan of what the student wrote.
    findings: list[Finding] = []
    for cell in final:
        if cell["cell_type"] != "code":
            continue
        gid = grade_id(cell)
        meta = nbgrader_metadata(cell)
        if gid and not meta.get("solution"):
            continue  # release cells, not the student's code
        if not gid and cell.get("id") in release_ids:
            continue
        label = f"answer cell {gid}" if gid else "a cell the student added"
        findings.extend(scan_source(cell_source(cell), label))
    submission.flags.extend(str(f) for f in findings)

    graded = copy.deepcopy(release)
    for i, cell in enumerate(final):
        cell["id"] = cell.get("id") or f"added-{i:03d}"
    graded["cells"] = final
    return graded


def _match_unchanged(student_cells: list[dict], release_cells: list[dict], used: set[int]) -> dict[int, int]:
    """Student cells equal to an ungraded release cell: ``id(student cell) -> release index``.

    Walks both notebooks in order; a student cell matches the next not yet matched release
    cell without a grade_id that has the same type and source.
    """
    candidates = [(i, c) for i, c in enumerate(release_cells) if not grade_id(c)]
    matches: dict[int, int] = {}
    start = 0
    for cell in student_cells:
        if id(cell) in used or grade_id(cell):
            continue
        source = cell_source(cell).strip()
        for k in range(start, len(candidates)):
            index, release_cell = candidates[k]
            if release_cell["cell_type"] == cell.get("cell_type") and cell_source(release_cell).strip() == source:
                matches[id(cell)] = index
                start = k + 1
                break
    return matches


def load_releases() -> dict[str, dict]:
    """The released student notebooks, by lesson id (only lessons that exist)."""
    releases = {}
    for lesson in LESSON_IDS:
        path = lesson_path(lesson)
        if path.exists():
            releases[lesson] = json.loads(path.read_text(encoding="utf-8"))
    return releases
