"""Take in what the instructor downloaded, whatever it is: :func:`take_in` (the first step of ``make grade``).

``SUBMISSIONS`` may be, detected from what is found there (no flag):

``folder``
    ``<dir>/<student>/<lesson>.ipynb`` (flat) or ``<dir>/<student>/<lesson>/<lesson>.ipynb``
    (nbgrader layout); graded in place, never modified.
``nbgrader-submitted``
    nbgrader's ``submitted/`` folder: the nbgrader layout plus ``<student>/<lesson>/timestamp.txt``
    (and ``submission_secret.txt``), written by ``nbgrader collect``. Graded in place; the time in
    timestamp.txt is the submission time.
``nbgrader-exchange``
    the exchange root, a course folder in it, or its ``inbound/``. ``nbgrader submit``
    (nbgrader/exchange/default/submit.py, nbgrader 0.9.6) names each submission
    ``inbound/<student>+<assignment>+<timestamp>+<random>`` (``+<random>`` unless
    ``add_random_string`` is off; the random part is URL-safe base64, so without ``+``) and writes
    the same timestamp into its ``timestamp.txt``. As ``nbgrader collect`` does
    (nbgrader/exchange/default/collect.py), the newest submission per student and assignment is
    taken, by the time in the folder's name (timestamp.txt when the name's cannot be read). Its
    ``<lesson>.ipynb`` is copied to ``work/<student>/<lesson>/<lesson>.ipynb``.
``canvas-zip``
    Canvas's "Download Submissions" zip, read member by member (never ``extractall``); each
    chosen notebook is written to ``work/<student_id>/<lesson>/<lesson>.ipynb``.

Canvas's file names, from instructure/canvas-lms ``lib/content_zipper.rb`` (read at commit
05e9653c12ef7afc65815ca84e5da7aa2e4c3bd3; the same code in the fork aaronshaf/canvas-lms at
8f90b136479cfb934f0cad28cceb533b0615d77f), ``ContentZipper#get_filename`` and
``#add_upload_submission``::

    <name slug>[_LATE]_<user id>_<attachment id>_<original file name>

- name slug: the student's ``sortable_name`` ("Doe, Jane"), underscores around digits removed
  (``gsub(/_(\\d+)_/, '\\1')``, "because we use /_\\d+_/ to infer the user/attachment ids"),
  lowercased, then everything that is not a ``[[:word:]]`` character removed from
  ``<name>_LATE_<user id>``: ``doejane``. ``[[:word:]]`` is Unicode-aware in Ruby, so accented and
  other non-ASCII letters stay (``müllerjürgen``); spaces, commas, hyphens and apostrophes go.
- ``LATE``: upper case, its own ``_``-separated part between the name slug and the user id,
  when Canvas counts the submission late (``submission.late?``). Canvas's code before
  ``get_filename`` existed wrote ``<name>-late_<user id>`` (a lower-case ``late`` joined to the
  name by ``-``, after ``.gsub(/ /, "-").gsub(/[^-\\w]/, "-").downcase``); both are recognised,
  and so is a lower-case ``_late_`` part. Without a time, a marked file counts as 1 second late
  (:mod:`.due`: the smallest penalty the course's late policy gives, and the row says so).
- anonymous grading writes ``anon_<anonymous id>`` instead of the name and the user id; such a
  file cannot be placed (turn anonymity off, or grade it by hand). An all-digit anonymous id
  cannot be told from a student whose name slug is ``anon``; it is read as the latter.
- text entries and links arrive as ``<name>[_LATE]_<user id>_text.html`` / ``_link.html``
  (``add_text_or_url``): not notebooks, so not placed.
- original file name: the attachment's ``display_name`` with ``\\0 / \\ : * ? " < > |`` replaced by
  ``_`` (``sanitize_attachment_filename``). When a student uploads a file whose name is already
  in their Submissions folder, Canvas renames it (app/models/attachment.rb at
  00dc83fa62f57e08e7c13e7ecb60afbdfdd6dd4f, ``handle_duplicates`` always renames in a
  submissions folder; ``Attachment.make_unique_filename`` adds ``-1`` ... ``-7`` before the
  extension, then ``-<uuid>``), so a resubmitted ``01_gradients.ipynb`` usually arrives as
  ``01_gradients-1.ipynb``, ``-2`` ... All of these count as the lesson's notebook.
- the zip holds only the attachments of each student's current submission
  (``submission.attachment_ids``), so two files for one lesson and student mean the student put
  both into one submission. The one with the higher attachment id is graded: attachment ids come
  from the database's id sequence, so the higher one was uploaded later (the highest ``-N`` is
  the same file in the usual case).
- Canvas itself reads these names back (app/models/assignment.rb,
  ``infer_comment_context_from_filename``) by splitting on ``_`` and taking the first two parts
  that are all digits as the user id and the attachment id; so does :func:`parse_canvas_name`.
- the zip carries no submission time: each member's date is the time the zip was built
  (rubyzip's default ``DOSTime.now`` at 05e9653; ``entry.time = Time.now.getlocal`` in the newer
  code), so ``ZipInfo.date_time`` is ignored and ``submitted_at`` stays empty for a Canvas zip.
- names are written by rubyzip without the UTF-8 flag unless ``Zip.unicode_names`` is set, so a
  name without the flag is read as UTF-8 bytes (Python decodes it as cp437 first); a name that is
  not UTF-8 either way cannot be placed.

Every file that cannot be placed becomes an ``unplaced`` entry (an ``invalid`` row) naming the
file and what was expected, and intake carries on with the others.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import dateutil.parser
import dateutil.tz

from .roster import Roster, folder_name_problem

KINDS = ("folder", "nbgrader-submitted", "nbgrader-exchange", "canvas-zip")
MAX_FILE_BYTES = 50 * 1024 * 1024  # one notebook, unpacked (a lesson notebook is well under 1 MB)
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # all the notebooks intake copies or unpacks in one run
CHUNK_BYTES = 1024 * 1024
CANVAS_EXPECTED = "expected <name>_<user id>_<attachment id>_<lesson>.ipynb"
_DIGITS = re.compile(r"[0-9]+")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_UTF8_NAME_FLAG = 0x800
_ENCRYPTED_FLAG = 0x1


@dataclass
class Intake:
    """What :func:`take_in` found: where discover() should look, and what it learnt on the way."""

    folder: Path  # a folder in the flat or nbgrader layout, for prepare.discover()
    kind: str  # one of KINDS
    submitted_at: dict[tuple[str, str], datetime] = field(default_factory=dict)  # (student_id, lesson) -> aware
    late_marked: set[tuple[str, str]] = field(default_factory=set)  # Canvas said LATE (no time: see .due)
    notes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    unplaced: list[tuple[str, str]] = field(default_factory=list)  # (file as named in the source, message)

    def note(self, key: tuple[str, str], text: str) -> None:
        self.notes.setdefault(key, []).append(text)


@dataclass(frozen=True)
class CanvasFile:
    """What the name of one file in a Canvas "Download Submissions" zip says (see the module docstring)."""

    name_slug: str
    late: bool
    user_id: str
    attachment_id: int
    original_name: str


class _Unreadable(Exception):
    """A file that cannot be taken in; its message completes ``"<file>: ..."``."""


# ------------------------------------------------------------------ the entry point
def take_in(source: Path, work: Path, lessons: tuple[str, ...], roster: Roster | None = None) -> Intake:
    """Find out what ``source`` (SUBMISSIONS: a folder or a .zip) is and make a folder discover() can read.

    ``work`` (OUT/intake) is emptied and filled with the notebooks of an exchange or a Canvas zip;
    nothing else is written and ``source`` is never modified. Used by core.grade_folder.
    """
    source, work = Path(source), Path(work)
    _check_apart(source, work)
    if source.is_file():
        return _take_canvas_zip(source, work, lessons, roster)
    if not source.is_dir():
        raise FileNotFoundError(
            f"SUBMISSIONS {source} does not exist; pass a folder of submissions or Canvas's submissions zip"
        )
    inbound = find_inbound(source)
    if inbound is not None:
        return _take_exchange(inbound, work, lessons)
    _write_work(work, {}, create=False)
    intake = Intake(source, "folder")
    if _read_submitted_times(source, lessons, intake):
        intake.kind = "nbgrader-submitted"
    return intake


def _check_apart(source: Path, work: Path) -> None:
    resolved_source, resolved_work = source.resolve(), work.resolve()
    if (
        resolved_source == resolved_work
        or resolved_work in resolved_source.parents
        or resolved_source in resolved_work.parents
    ):
        raise ValueError(
            f"the intake folder {work} and SUBMISSIONS {source} overlap; choose an OUT outside SUBMISSIONS "
            "and SUBMISSIONS outside OUT"
        )


# ------------------------------------------------------------------ nbgrader
def parse_nbgrader_time(text: str) -> datetime:
    """An nbgrader timestamp (``2026-12-15 23:10:05.123456 UTC``) as an aware UTC datetime; ValueError if unreadable.

    Follows ``nbgrader.utils.parse_utc``: ``<date> <time> <zone>`` is parsed by dateutil with the
    zone looked up by ``dateutil.tz.gettz``; anything else by dateutil alone; a time without a
    zone is UTC. Two differences: a zone name gettz does not know is an error (nbgrader would
    silently take the time as UTC), and a numeric zone (``+0100``, what ``%z`` writes) is hours
    and minutes (nbgrader's ``int(tz)`` would read it as 100 seconds). Used for exchange folder
    names and timestamp.txt.
    """
    text = text.strip()
    parts = text.split(" ")
    try:
        if len(parts) == 3:
            zone_text = parts[2]
            offset = re.fullmatch(r"([+-])(\d\d):?(\d\d)", zone_text)
            if offset:
                sign = 1 if offset.group(1) == "+" else -1
                seconds = sign * (int(offset.group(2)) * 3600 + int(offset.group(3)) * 60)
                zone: tzinfo | None = dateutil.tz.tzoffset(None, seconds)
            else:
                zone = dateutil.tz.gettz(zone_text)
            if zone is None:
                raise ValueError(f"unknown time zone {zone_text!r}")
            when = dateutil.parser.parse(" ".join([*parts[:2], "TZ"]), tzinfos={"TZ": zone})
        else:
            when = dateutil.parser.parse(text)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{text!r} is not a time nbgrader writes ({exc})") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _read_time_file(path: Path) -> datetime:
    """The time in an nbgrader timestamp.txt (at most 1 kB is read); ValueError saying why not."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(1024)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read ({exc})") from None
    if not text.strip():
        raise ValueError("is empty")
    return parse_nbgrader_time(text)


def _read_submitted_times(folder: Path, lessons: tuple[str, ...], intake: Intake) -> bool:
    """Record ``<student>/<lesson>/timestamp.txt`` times (nbgrader's submitted/); True when there is one."""
    found = False
    for path in sorted(folder.glob("*/*/timestamp.txt")):
        student, lesson = path.parent.parent.name, path.parent.name
        if lesson not in lessons or student.startswith(".") or not path.is_file():
            continue
        found = True
        try:
            intake.submitted_at[(student, lesson)] = _read_time_file(path)
        except ValueError as exc:
            intake.note(
                (student, lesson),
                f"{student}/{lesson}/timestamp.txt {exc}; the submission time is unknown, so no late penalty applies",
            )
    return found


def find_inbound(source: Path) -> Path | None:
    """The exchange's ``inbound/`` folder when ``source`` is an exchange root, a course in it, or inbound itself.

    A folder counts as inbound when a folder in it has a ``+`` in its name (nbgrader's naming).
    Raises ValueError when the exchange holds several courses. Used by :func:`take_in`.
    """
    if source.name == "inbound":
        candidates = [source]
    elif (source / "inbound").is_dir():
        candidates = [source / "inbound"]
    else:
        candidates = sorted(
            child / "inbound"
            for child in source.iterdir()
            if not child.name.startswith(".") and child.is_dir() and (child / "inbound").is_dir()
        )
    found = [folder for folder in candidates if any("+" in entry.name and entry.is_dir() for entry in folder.iterdir())]
    if len(found) > 1:
        courses = ", ".join(folder.parent.name for folder in found)
        raise ValueError(
            f"SUBMISSIONS {source} is an nbgrader exchange with several courses ({courses}); "
            f"pass one course's folder, e.g. {found[0].parent}"
        )
    return found[0] if found else None


def _take_exchange(inbound: Path, work: Path, lessons: tuple[str, ...]) -> Intake:
    intake = Intake(work, "nbgrader-exchange")
    expected = "expected <student>+<lesson>+<timestamp>[+<random>] holding <lesson>.ipynb"
    found: dict[tuple[str, str], list[tuple[datetime, Path]]] = {}
    for entry in sorted(inbound.iterdir()):
        if entry.name.startswith("."):
            continue
        shown = f"inbound/{_shown(entry.name)}"
        if entry.is_symlink() or not entry.is_dir():
            intake.unplaced.append((shown, f"{shown}: not an nbgrader submission folder; {expected}"))
            continue
        parts = entry.name.split("+")
        if len(parts) not in (3, 4):
            intake.unplaced.append((shown, f"{shown}: not an nbgrader submission folder name; {expected}"))
            continue
        student, lesson, stamp = parts[:3]
        problem = folder_name_problem(student)
        if problem:
            intake.unplaced.append((shown, f"{shown}: the student id cannot name a folder ({problem}); {expected}"))
            continue
        if lesson not in lessons:
            intake.unplaced.append(
                (
                    shown,
                    f"{shown}: {_shown(lesson)} is not a lesson of this course; expected one of {', '.join(lessons)}",
                )
            )
            continue
        try:
            when = parse_nbgrader_time(stamp)
        except ValueError as name_error:
            try:
                when = _read_time_file(entry / "timestamp.txt")
            except ValueError:
                intake.unplaced.append(
                    (shown, f"{shown}: the submission time cannot be read: {name_error}; {expected}")
                )
                continue
        found.setdefault((student, lesson), []).append((when, entry))

    files: dict[tuple[str, str], bytes] = {}
    budget = [MAX_TOTAL_BYTES]
    for key in sorted(found):
        student, lesson = key
        submissions = sorted(found[key], key=lambda each: (each[0], each[1].name))
        when, newest = submissions[-1]
        shown = f"inbound/{_shown(newest.name)}"
        notebook = newest / f"{lesson}.ipynb"
        if notebook.is_symlink() or not notebook.is_file():
            intake.unplaced.append((shown, f"{shown}: no {lesson}.ipynb in {student}'s newest submission; {expected}"))
            continue
        try:
            files[key] = _read_file(notebook, budget)
        except _Unreadable as exc:
            intake.unplaced.append((shown, f"{shown}/{lesson}.ipynb: {exc}"))
            continue
        intake.submitted_at[key] = when
        if len(submissions) > 1:
            intake.note(
                key,
                f"nbgrader exchange: graded the newest of {len(submissions)} submissions ({newest.name}); "
                f"{len(submissions) - 1} older one(s) ignored",
            )
    _write_work(work, files)
    return intake


def _read_file(path: Path, budget: list[int]) -> bytes:
    """A file's bytes, read in chunks up to the caps (``budget[0]`` is what the run may still read)."""
    data = bytearray()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                data += chunk
                _check_size(len(data), budget)
    except OSError as exc:
        raise _Unreadable(f"cannot be read ({exc.strerror or exc})") from None
    budget[0] -= len(data)
    return bytes(data)


def _check_size(size: int, budget: list[int]) -> None:
    if size > MAX_FILE_BYTES:
        raise _Unreadable(
            f"more than {MAX_FILE_BYTES // 2**20} MB, far more than a lesson notebook; not read "
            "(ask the student for the notebook again)"
        )
    if size > budget[0]:
        raise _Unreadable(
            f"not read: the notebooks add up to more than {MAX_TOTAL_BYTES // 2**20} MB; "
            "grade the submissions in smaller batches"
        )


# ------------------------------------------------------------------ Canvas
def parse_canvas_name(name: str) -> CanvasFile:
    """Read a Canvas "Download Submissions" file name; ValueError (the reason) when it is not one.

    As Canvas's own ``infer_comment_context_from_filename``: the first two ``_``-separated parts
    that are all digits are the user id and the attachment id; what follows is the original file
    name, what precedes the name slug and the late marker. Used for each file of a Canvas zip.
    """
    parts = name.split("_")
    if (len(parts) >= 3 and parts[0] == "anon") or (len(parts) >= 4 and parts[:2] == ["LATE", "anon"]):
        at = parts.index("anon")
        if not _DIGITS.fullmatch(parts[at + 1]):
            raise ValueError(
                "anonymous grading hides whose file this is; download the submissions with anonymous "
                "grading off, or grade this file by hand"
            )
    digits = [index for index, part in enumerate(parts) if _DIGITS.fullmatch(part)]
    if digits and parts[digits[0] + 1 :] in (["text.html"], ["link.html"]):  # add_text_or_url
        raise ValueError(
            "a text entry or a link submitted in Canvas, not an uploaded notebook; ask the student to upload "
            "the .ipynb file"
        )
    if len(digits) < 2 or digits[1] != digits[0] + 1 or digits[1] + 1 >= len(parts):
        raise ValueError(f"not a Canvas submission file; {CANVAS_EXPECTED}")
    user_at = digits[0]
    prefix = parts[:user_at]
    late = False
    if len(prefix) >= 2 and prefix[-1] in ("LATE", "late"):
        late, prefix = True, prefix[:-1]
    elif len(prefix) == 1 and prefix[0] == "LATE":  # a name slug that sanitizing left empty
        late, prefix = True, [""]
    slug = "_".join(prefix)
    if slug.endswith("-late") and len(slug) > len("-late"):  # Canvas's older lower-case form: <name>-late_<id>
        late, slug = True, slug[: -len("-late")]
    return CanvasFile(slug, late, parts[user_at], int(parts[user_at + 1]), "_".join(parts[user_at + 2 :]))


def canvas_lesson(original_name: str, lessons: tuple[str, ...]) -> str | None:
    """The lesson whose notebook ``original_name`` is, or None (Canvas zip).

    ``<lesson>.ipynb``, or with Canvas's renaming of a resubmitted file: ``<lesson>-2.ipynb``,
    ``<lesson>-<uuid>.ipynb``.
    """
    for lesson in lessons:
        if re.fullmatch(rf"{re.escape(lesson)}(?:-(?:[0-9]+|{_UUID}))?\.ipynb", original_name):
            return lesson
    return None


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as Canvas wrote it (UTF-8 bytes, flagged or not); _Unreadable when not UTF-8."""
    if info.orig_filename != info.filename:
        raise _Unreadable("has a NUL character in its name; not a file Canvas writes")
    if info.flag_bits & _UTF8_NAME_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        raise _Unreadable("its name is not UTF-8 text; not a file Canvas writes") from None


def _member_problem(info: zipfile.ZipInfo, name: str, times_named: int) -> str | None:
    """Why a zip member cannot be taken in whatever its name says, or None."""
    mode = info.external_attr >> 16
    if times_named > 1:
        return f"appears {times_named} times in the zip; download the zip again from Canvas"
    if stat.S_ISLNK(mode):
        return "is a symbolic link, not a file; not taken in"
    if info.is_dir() or stat.S_ISDIR(mode):
        return "is a folder; a Canvas zip holds only files, at its top level"
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        return "is not a regular file; not taken in"
    if "/" in name or "\\" in name or re.match(r"[A-Za-z]:", name):
        return f"is inside a folder; a Canvas zip holds only files at its top level, {CANVAS_EXPECTED}"
    if info.flag_bits & _ENCRYPTED_FLAG:
        return "is encrypted; Canvas does not encrypt, download the zip again from Canvas"
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> bytes:
    """One member's bytes, read in chunks so that neither its header nor a zip bomb can exceed the caps."""
    _check_size(info.file_size, budget)
    data = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                data += chunk
                _check_size(len(data), budget)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError) as exc:
        raise _Unreadable(f"cannot be read from the zip ({exc}); download the zip again from Canvas") from None
    budget[0] -= len(data)
    return bytes(data)


def _take_canvas_zip(source: Path, work: Path, lessons: tuple[str, ...], roster: Roster | None) -> Intake:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, UnicodeDecodeError, OSError, ValueError, EOFError) as exc:
        if source.suffix.lower() != ".zip":
            raise ValueError(
                f"SUBMISSIONS {source} is a file but not a zip; pass the folder of submissions or Canvas's zip"
            ) from None
        raise ValueError(
            f"SUBMISSIONS {source} is not a readable zip file: {exc}; download it again from Canvas"
        ) from None
    intake = Intake(work, "canvas-zip")
    expected_lessons = ", ".join(f"{lesson}.ipynb" for lesson in lessons)
    with archive:
        members = archive.infolist()
        names: list[tuple[zipfile.ZipInfo, str]] = []
        for info in members:
            try:
                names.append((info, _member_name(info)))
            except _Unreadable as exc:
                shown = _shown(info.filename)
                intake.unplaced.append((shown, f"{shown}: {exc}"))
        counts = Counter(name for _, name in names)
        found: dict[tuple[str, str], list[tuple[CanvasFile, str, zipfile.ZipInfo]]] = {}
        for info, name in names:
            shown = _shown(name)
            problem = _member_problem(info, name, counts[name])
            if problem is None:
                try:
                    parsed = parse_canvas_name(name)
                except ValueError as exc:
                    problem = str(exc)
            if problem is not None:
                intake.unplaced.append((shown, f"{shown}: {problem}"))
                continue
            lesson = canvas_lesson(parsed.original_name, lessons)
            if lesson is None:
                intake.unplaced.append(
                    (
                        shown,
                        f"{shown}: {_shown(parsed.original_name)} is not a lesson notebook; expected one of "
                        f"{expected_lessons} (Canvas may add -1, -2 for a resubmission)",
                    )
                )
                continue
            if roster is not None:
                entry = roster.by_lms_user_id(parsed.user_id)
                if entry is None:
                    intake.unplaced.append(
                        (
                            shown,
                            f"{shown}: Canvas user {parsed.user_id} ({parsed.name_slug or 'no name'}) is not on "
                            f"the roster {roster.path}; add their row with lms_user_id {parsed.user_id}",
                        )
                    )
                    continue
                student_id = entry.student_id
            else:
                student_id = parsed.user_id
            found.setdefault((student_id, lesson), []).append((parsed, shown, info))

        files: dict[tuple[str, str], bytes] = {}
        budget = [MAX_TOTAL_BYTES]
        for key in sorted(found):
            candidates = sorted(found[key], key=lambda each: each[0].attachment_id)
            chosen, shown, info = candidates[-1]
            try:
                files[key] = _read_member(archive, info, budget)
            except _Unreadable as exc:
                intake.unplaced.append((shown, f"{shown}: {exc}"))
                continue
            if chosen.late:
                intake.late_marked.add(key)
            if roster is None:
                intake.note(
                    key,
                    f"the Canvas user id {chosen.user_id} is the student id (no roster; "
                    "ROSTER=roster.csv maps Canvas user ids to student ids)",
                )
            if len(candidates) > 1:
                ignored = ", ".join(each[1] for each in candidates[:-1])
                intake.note(
                    key,
                    f"{len(candidates)} files for {key[1]} in the Canvas zip: graded {shown} (attachment "
                    f"{chosen.attachment_id}, the newest upload); ignored {ignored}",
                )
    _write_work(work, files)
    return intake


# ------------------------------------------------------------------ writing OUT/intake
def _shown(name: str) -> str:
    """A file name fit for a message: as it is when printable, escaped otherwise."""
    return name if name.isprintable() else ascii(name)


def _write_work(work: Path, files: dict[tuple[str, str], bytes], create: bool = True) -> None:
    """Make ``work`` hold exactly ``work/<student>/<lesson>/<lesson>.ipynb`` for ``files``.

    Each file is written to a temporary name beside it and renamed (atomic), and left alone when
    it already holds those bytes; whatever else is in ``work`` (a previous run's files) is removed.
    ``work`` is created even when empty (discover() reads it) unless ``create`` is false.
    """
    if not create and not os.path.lexists(work):
        return
    if work.is_symlink():
        raise ValueError(f"the intake folder {work} is a symbolic link; remove it and run again")
    work.mkdir(parents=True, exist_ok=True)
    root = work.resolve()
    wanted = {Path(student, lesson, f"{lesson}.ipynb"): data for (student, lesson), data in files.items()}
    _remove_others(work, Path(), wanted)
    for relative, data in sorted(wanted.items()):
        target = work / relative
        if root not in target.resolve().parents:
            raise ValueError(f"{relative} would be written outside the intake folder {work}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
            continue
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".intake-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _remove_others(work: Path, relative: Path, wanted: dict[Path, bytes]) -> None:
    """Remove what is under ``work/relative`` and is neither a wanted file nor a folder leading to one."""
    keep_folders = {parent for path in wanted for parent in path.parents}
    with os.scandir(work / relative) as entries:
        for entry in list(entries):
            path = relative / entry.name
            if entry.is_dir(follow_symlinks=False):
                if path in keep_folders:
                    _remove_others(work, path, wanted)
                else:
                    shutil.rmtree(entry.path)
            elif path not in wanted or entry.is_symlink():
                os.unlink(entry.path)
