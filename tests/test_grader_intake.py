"""Intake (rnncourse.grader.intake, .roster): folders, nbgrader's submitted/ and exchange, Canvas zips.

Fast: real files in tmp_path, real zips built with zipfile (crafted members included), no grading.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rnncourse.grader import intake as intake_module
from rnncourse.grader.intake import parse_canvas_name, parse_nbgrader_time, take_in
from rnncourse.grader.outcome import Status
from rnncourse.grader.prepare import discover
from rnncourse.grader.roster import RosterEntry, load_roster

LESSONS = ("01_gradients", "02_gru_lstm", "03_embeddings", "04_sentiment", "05_language_model")
ROSTER_HEADER = "student_id,name,lms_user_id,sis_id,section\n"


# ------------------------------------------------------------------ helpers
def notebook(label: str) -> bytes:
    """A small notebook whose bytes differ by ``label``."""
    return json.dumps({"cells": [], "metadata": {"label": label}, "nbformat": 4, "nbformat_minor": 5}).encode()


def snapshot(root: Path) -> dict[str, str]:
    """Everything under ``root``: files by sha256, folders, symbolic links by target."""
    seen: dict[str, str] = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if path.is_symlink():
                seen[relative] = "link:" + os.readlink(path)
            elif path.is_dir():
                seen[relative] = "folder"
            else:
                seen[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def outside(tree: dict[str, str], work: str) -> dict[str, str]:
    """``tree`` without ``work``, what is in it and the folders leading to it."""
    leading = {parent.as_posix() for parent in Path(work).parents}
    return {
        path: value
        for path, value in tree.items()
        if path != work and not path.startswith(work + "/") and not (path in leading and value == "folder")
    }


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


class Crafted(zipfile.ZipInfo):
    """A zip member written with the given name bytes and extra flag bits (zipfile resets flag_bits)."""

    raw_name: bytes | None = None
    extra_flags = 0

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's name)
        name, flags = super()._encodeFilenameFlags()  # type: ignore[misc]
        return (name if self.raw_name is None else self.raw_name), flags | self.extra_flags


def raw_member(placeholder: str, raw: bytes, utf8_flag: bool) -> Crafted:
    info = Crafted(placeholder)
    info.raw_name = raw
    info.extra_flags = 0x800 if utf8_flag else 0
    return info


def canvas_zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def roster_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "roster.csv",
        ROSTER_HEADER
        + 'jdoe,"Doe, Jane",12345,S1,A\n'
        + 'mmuller,"Müller, Jürgen",23456,S2,A\n'
        + 'rsmith,"Smith, Rob",34567,S3,B\n',
    )


# ------------------------------------------------------------------ folders and nbgrader's submitted/
def test_plain_folder_is_used_in_place(tmp_path: Path) -> None:
    source = tmp_path / "submissions"
    write(source / "alice" / "01_gradients.ipynb", notebook("a"))
    write(source / "bob" / "02_gru_lstm" / "02_gru_lstm.ipynb", notebook("b"))
    before = snapshot(tmp_path)
    result = take_in(source, tmp_path / "out" / "intake", LESSONS)
    assert (result.folder, result.kind) == (source, "folder")
    assert (result.submitted_at, result.late_marked, result.notes, result.unplaced) == ({}, set(), {}, [])
    assert snapshot(tmp_path) == before  # nothing written, not even the intake folder


def test_submitted_folder_reads_timestamp_txt(tmp_path: Path) -> None:
    source = tmp_path / "submitted"
    write(source / "alice" / "01_gradients" / "01_gradients.ipynb", notebook("a"))
    write(source / "alice" / "01_gradients" / "timestamp.txt", "2026-12-15 23:10:05.123456 UTC")
    write(source / "alice" / "01_gradients" / "submission_secret.txt", "f" * 128)
    write(source / "bob" / "01_gradients" / "01_gradients.ipynb", notebook("b"))
    write(source / "bob" / "01_gradients" / "timestamp.txt", "yesterday-ish")
    before = snapshot(tmp_path)
    result = take_in(source, tmp_path / "out" / "intake", LESSONS)
    assert (result.folder, result.kind) == (source, "nbgrader-submitted")
    assert result.submitted_at == {("alice", "01_gradients"): datetime(2026, 12, 15, 23, 10, 5, 123456, tzinfo=UTC)}
    assert list(result.notes) == [("bob", "01_gradients")]
    assert result.notes[("bob", "01_gradients")][0].startswith("bob/01_gradients/timestamp.txt 'yesterday-ish' is not")
    assert result.notes[("bob", "01_gradients")][0].endswith(
        "the submission time is unknown, so no late penalty applies"
    )
    assert result.unplaced == []
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # nbgrader's default timestamp_format, "%Y-%m-%d %H:%M:%S.%f %Z" with timezone UTC
        ("2026-12-15 23:10:05.123456 UTC", datetime(2026, 12, 15, 23, 10, 5, 123456, tzinfo=UTC)),
        ("2026-12-16 00:10:05.000001 Europe/Berlin", datetime(2026, 12, 15, 23, 10, 5, 1, tzinfo=UTC)),
        ("2026-12-16 00:10:05 +0100", datetime(2026, 12, 15, 23, 10, 5, tzinfo=UTC)),  # nbgrader: 100 s
        ("2026-12-15 23:10:05.5", datetime(2026, 12, 15, 23, 10, 5, 500000, tzinfo=UTC)),  # no zone: UTC
        ("2026-12-15T18:10:05-05:00", datetime(2026, 12, 15, 23, 10, 5, tzinfo=UTC)),
        ("  2026-12-15 23:10:05.123456 UTC\n", datetime(2026, 12, 15, 23, 10, 5, 123456, tzinfo=UTC)),
    ],
)
def test_nbgrader_timestamps(text: str, expected: datetime) -> None:
    assert parse_nbgrader_time(text) == expected
    assert parse_nbgrader_time(text).utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["", "yesterday-ish", "2026-12-15 23:10:05 Nowhere/Atlantis", "2026-13-45 25:00:00"])
def test_unreadable_nbgrader_timestamps(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time nbgrader writes"):
        parse_nbgrader_time(text)


def test_discover_skips_nbgraders_files_but_flags_other_strays(tmp_path: Path) -> None:
    source = tmp_path / "submitted"
    write(source / "alice" / "01_gradients" / "01_gradients.ipynb", notebook("a"))
    write(source / "alice" / "01_gradients" / "timestamp.txt", "2026-12-15 23:10:05.123456 UTC")
    write(source / "alice" / "01_gradients" / "submission_secret.txt", "f" * 128)
    write(source / "alice" / "01_gradients" / "notes.txt", "my notes")
    write(source / "alice" / "timestamp.txt", "2026-12-15 23:10:05.123456 UTC")  # flat layout: not nbgrader's
    write(source / "alice" / "scratch" / "timestamp.txt", "2026-12-15 23:10:05.123456 UTC")  # not a lesson
    rows = discover(source, LESSONS)
    assert [(row.student_id, row.lesson, row.status) for row in rows] == [
        ("alice", "01_gradients", Status.PENDING),
        ("alice", "01_gradients/notes.txt", Status.INVALID),
        ("alice", "scratch/timestamp.txt", Status.INVALID),
        ("alice", "timestamp.txt", Status.INVALID),
    ]


# ------------------------------------------------------------------ nbgrader exchange
def exchange(tmp_path: Path) -> Path:
    """An exchange root with one course; returns the root."""
    inbound = tmp_path / "exchange" / "rnn101" / "inbound"
    write(tmp_path / "exchange" / "rnn101" / "outbound" / "01_gradients" / "01_gradients.ipynb", notebook("release"))
    older = inbound / "alice+01_gradients+2026-12-14 10:00:00.000001 UTC+AAAAAAAAAAAA"
    newer = inbound / "alice+01_gradients+2026-12-15 23:10:05.123456 UTC+bbbbbbbbbbbb"
    write(older / "01_gradients.ipynb", notebook("alice old"))
    write(older / "timestamp.txt", "2026-12-14 10:00:00.000001 UTC")
    write(newer / "01_gradients.ipynb", notebook("alice new"))
    write(newer / "timestamp.txt", "2026-12-15 23:10:05.123456 UTC")
    write(newer / "submission_secret.txt", "f" * 128)
    bob = inbound / "bob+02_gru_lstm+2026-12-13 08:00:00.000000 UTC"  # add_random_string off
    write(bob / "02_gru_lstm.ipynb", notebook("bob"))
    write(bob / "timestamp.txt", "2026-12-13 08:00:00.000000 UTC")
    carol = inbound / "carol+01_gradients+not a time+cccccccccccc"  # the name's time unreadable: timestamp.txt
    write(carol / "01_gradients.ipynb", notebook("carol"))
    write(carol / "timestamp.txt", "2026-12-12 12:00:00.000000 UTC")
    write(inbound / "dave+05_extra+2026-12-13 08:00:00.000000 UTC+dddddddddddd" / "05_extra.ipynb", notebook("d"))
    write(inbound / "erin+03_embeddings+2026-12-13 08:00:00.000000 UTC+eeeeeeeeeeee" / "notes.txt", "no notebook")
    write(inbound / "stray-folder" / "01_gradients.ipynb", notebook("stray"))
    write(inbound / "readme.txt", "not a submission")
    return tmp_path / "exchange"


@pytest.mark.parametrize("where", ["root", "course", "inbound"])
def test_exchange_takes_the_newest_submission(tmp_path: Path, where: str) -> None:
    root = exchange(tmp_path)
    source = {"root": root, "course": root / "rnn101", "inbound": root / "rnn101" / "inbound"}[where]
    work = tmp_path / "out" / "intake"
    before = snapshot(tmp_path)
    result = take_in(source, work, LESSONS)
    assert (result.folder, result.kind) == (work, "nbgrader-exchange")
    assert result.submitted_at == {
        ("alice", "01_gradients"): datetime(2026, 12, 15, 23, 10, 5, 123456, tzinfo=UTC),
        ("bob", "02_gru_lstm"): datetime(2026, 12, 13, 8, 0, tzinfo=UTC),
        ("carol", "01_gradients"): datetime(2026, 12, 12, 12, 0, tzinfo=UTC),
    }
    assert result.notes == {
        ("alice", "01_gradients"): [
            "nbgrader exchange: graded the newest of 2 submissions "
            "(alice+01_gradients+2026-12-15 23:10:05.123456 UTC+bbbbbbbbbbbb); 1 older one(s) ignored"
        ]
    }
    expected = "expected <student>+<lesson>+<timestamp>[+<random>] holding <lesson>.ipynb"
    assert result.unplaced == [
        (
            "inbound/dave+05_extra+2026-12-13 08:00:00.000000 UTC+dddddddddddd",
            "inbound/dave+05_extra+2026-12-13 08:00:00.000000 UTC+dddddddddddd: 05_extra is not a lesson of "
            "this course; expected one of 01_gradients, 02_gru_lstm, 03_embeddings, 04_sentiment, 05_language_model",
        ),
        ("inbound/readme.txt", f"inbound/readme.txt: not an nbgrader submission folder; {expected}"),
        ("inbound/stray-folder", f"inbound/stray-folder: not an nbgrader submission folder name; {expected}"),
        (
            "inbound/erin+03_embeddings+2026-12-13 08:00:00.000000 UTC+eeeeeeeeeeee",
            "inbound/erin+03_embeddings+2026-12-13 08:00:00.000000 UTC+eeeeeeeeeeee: no 03_embeddings.ipynb in "
            f"erin's newest submission; {expected}",
        ),
    ]
    after = snapshot(tmp_path)
    assert outside(after, "out/intake") == before  # the exchange is untouched, nothing else written
    assert {path: value for path, value in after.items() if path.startswith("out/intake/")} == {
        "out/intake/alice": "folder",
        "out/intake/alice/01_gradients": "folder",
        "out/intake/alice/01_gradients/01_gradients.ipynb": hashlib.sha256(notebook("alice new")).hexdigest(),
        "out/intake/bob": "folder",
        "out/intake/bob/02_gru_lstm": "folder",
        "out/intake/bob/02_gru_lstm/02_gru_lstm.ipynb": hashlib.sha256(notebook("bob")).hexdigest(),
        "out/intake/carol": "folder",
        "out/intake/carol/01_gradients": "folder",
        "out/intake/carol/01_gradients/01_gradients.ipynb": hashlib.sha256(notebook("carol")).hexdigest(),
    }
    rows = discover(result.folder, LESSONS)
    assert [(row.student_id, row.lesson, row.status) for row in rows if row.status != Status.MISSING] == [
        ("alice", "01_gradients", Status.PENDING),
        ("bob", "02_gru_lstm", Status.PENDING),
        ("carol", "01_gradients", Status.PENDING),
    ]


def test_exchange_notebook_over_the_cap_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake_module, "MAX_FILE_BYTES", 1024 * 1024)
    monkeypatch.setattr(intake_module, "CHUNK_BYTES", 64 * 1024)
    folder = tmp_path / "inbound" / "alice+01_gradients+2026-12-13 08:00:00 UTC+aaaaaaaaaaaa"
    write(folder / "01_gradients.ipynb", b" " * (2 * 1024 * 1024))
    write(tmp_path / "inbound" / "bob+01_gradients+2026-12-13 08:00:00 UTC+bbbbbbbbbbbb" / "01_gradients.ipynb", "{}")
    result = take_in(tmp_path / "inbound", tmp_path / "out" / "intake", LESSONS)
    assert result.unplaced == [
        (
            f"inbound/{folder.name}",
            f"inbound/{folder.name}/01_gradients.ipynb: more than 1 MB, far more than a lesson notebook; not read "
            "(ask the student for the notebook again)",
        )
    ]
    assert snapshot(tmp_path / "out" / "intake") == {
        "bob": "folder",
        "bob/01_gradients": "folder",
        "bob/01_gradients/01_gradients.ipynb": hashlib.sha256(b"{}").hexdigest(),
    }


def test_exchange_with_several_courses_asks_for_one(tmp_path: Path) -> None:
    for course in ("rnn101", "rnn202"):
        write(tmp_path / "exchange" / course / "inbound" / "a+01_gradients+2026-12-13 08:00:00 UTC" / "x", "")
    with pytest.raises(ValueError, match=r"several courses \(rnn101, rnn202\); pass one course's folder"):
        take_in(tmp_path / "exchange", tmp_path / "out" / "intake", LESSONS)


def test_exchange_symlinked_notebook_is_not_followed(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.ipynb", notebook("secret"))
    folder = tmp_path / "inbound" / "mallory+01_gradients+2026-12-13 08:00:00 UTC+mmmmmmmmmmmm"
    folder.mkdir(parents=True)
    (folder / "01_gradients.ipynb").symlink_to(secret)
    result = take_in(tmp_path / "inbound", tmp_path / "out" / "intake", LESSONS)
    assert [message.split(": ", 1)[1] for _, message in result.unplaced] == [
        "no 01_gradients.ipynb in mallory's newest submission; "
        "expected <student>+<lesson>+<timestamp>[+<random>] holding <lesson>.ipynb"
    ]
    assert discover(result.folder, LESSONS) == []  # the intake folder exists, empty


# ------------------------------------------------------------------ Canvas zips
def class_zip(path: Path) -> Path:
    """A Canvas "Download Submissions" zip as Canvas names its files (see intake's docstring)."""
    return canvas_zip(
        path,
        [
            ("doejane_12345_700001_01_gradients.ipynb", notebook("jane 1")),
            ("doejane_12345_700002_01_gradients-1.ipynb", notebook("jane 2")),
            ("doejane_12345_700003_01_gradients-2.ipynb", notebook("jane 3")),
            ("müllerjürgen_LATE_23456_700010_01_gradients.ipynb", notebook("jürgen")),  # UTF-8 flag set
            ("smithrob_34567_700021_02_gru_lstm.ipynb", notebook("rob new")),
            ("smithrob_34567_700019_02_gru_lstm.ipynb", notebook("rob old")),
            ("nobodyhere_99999_700030_01_gradients.ipynb", notebook("stranger")),
            ("doejane_12345_700004_notes.pdf", b"%PDF-1.4"),
            ("weird.txt", b"hello"),
            ("anon_x7Kp2_700040_01_gradients.ipynb", notebook("anonymous")),
            ("roerick_45678_text.html", b"<p>my answer</p>"),
        ],
    )


def test_canvas_zip_with_roster(tmp_path: Path, roster_file: Path) -> None:
    source = class_zip(tmp_path / "submissions.zip")
    work = tmp_path / "out" / "intake"
    digest = sha256(source)
    before = snapshot(tmp_path)
    result = take_in(source, work, LESSONS, load_roster(roster_file))
    assert (result.folder, result.kind) == (work, "canvas-zip")
    assert result.submitted_at == {}  # Canvas's zip has no submission times (member dates = zip time)
    assert result.late_marked == {("mmuller", "01_gradients")}
    assert result.notes == {
        ("jdoe", "01_gradients"): [
            "3 files for 01_gradients in the Canvas zip: graded doejane_12345_700003_01_gradients-2.ipynb "
            "(attachment 700003, the newest upload); ignored doejane_12345_700001_01_gradients.ipynb, "
            "doejane_12345_700002_01_gradients-1.ipynb"
        ],
        ("rsmith", "02_gru_lstm"): [
            "2 files for 02_gru_lstm in the Canvas zip: graded smithrob_34567_700021_02_gru_lstm.ipynb "
            "(attachment 700021, the newest upload); ignored smithrob_34567_700019_02_gru_lstm.ipynb"
        ],
    }
    assert result.unplaced == [
        (
            "nobodyhere_99999_700030_01_gradients.ipynb",
            f"nobodyhere_99999_700030_01_gradients.ipynb: Canvas user 99999 (nobodyhere) is not on the roster "
            f"{roster_file}; add their row with lms_user_id 99999",
        ),
        (
            "doejane_12345_700004_notes.pdf",
            "doejane_12345_700004_notes.pdf: notes.pdf is not a lesson notebook; expected one of 01_gradients.ipynb, "
            "02_gru_lstm.ipynb, 03_embeddings.ipynb, 04_sentiment.ipynb, 05_language_model.ipynb "
            "(Canvas may add -1, -2 for a resubmission)",
        ),
        (
            "weird.txt",
            "weird.txt: not a Canvas submission file; expected <name>_<user id>_<attachment id>_<lesson>.ipynb",
        ),
        (
            "anon_x7Kp2_700040_01_gradients.ipynb",
            "anon_x7Kp2_700040_01_gradients.ipynb: anonymous grading hides whose file this is; download the "
            "submissions with anonymous grading off, or grade this file by hand",
        ),
        (
            "roerick_45678_text.html",
            "roerick_45678_text.html: a text entry or a link submitted in Canvas, not an uploaded notebook; ask "
            "the student to upload the .ipynb file",
        ),
    ]
    assert sha256(source) == digest
    after = snapshot(tmp_path)
    assert outside(after, "out/intake") == before
    assert {path: value for path, value in after.items() if path.endswith(".ipynb")} == {
        "out/intake/jdoe/01_gradients/01_gradients.ipynb": hashlib.sha256(notebook("jane 3")).hexdigest(),
        "out/intake/mmuller/01_gradients/01_gradients.ipynb": hashlib.sha256(notebook("jürgen")).hexdigest(),
        "out/intake/rsmith/02_gru_lstm/02_gru_lstm.ipynb": hashlib.sha256(notebook("rob new")).hexdigest(),
    }


def test_canvas_zip_without_roster_uses_the_user_id(tmp_path: Path) -> None:
    source = canvas_zip(
        tmp_path / "submissions.zip",
        [
            ("doejane_LATE_12345_700001_01_gradients.ipynb", notebook("jane")),
            ("o_brien_23456_700002_03_embeddings.ipynb", notebook("pat")),  # an underscore in the name slug
        ],
    )
    result = take_in(source, tmp_path / "out" / "intake", LESSONS)
    assert result.late_marked == {("12345", "01_gradients")}
    note = "(no roster; ROSTER=roster.csv maps Canvas user ids to student ids)"
    assert result.notes == {
        ("12345", "01_gradients"): [f"the Canvas user id 12345 is the student id {note}"],
        ("23456", "03_embeddings"): [f"the Canvas user id 23456 is the student id {note}"],
    }
    assert result.unplaced == []
    assert (tmp_path / "out/intake/12345/01_gradients/01_gradients.ipynb").read_bytes() == notebook("jane")
    assert (tmp_path / "out/intake/23456/03_embeddings/03_embeddings.ipynb").read_bytes() == notebook("pat")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("doejane_12345_678901_01_gradients.ipynb", ("doejane", False, "12345", 678901, "01_gradients.ipynb")),
        ("doejane_LATE_12345_678901_01_gradients.ipynb", ("doejane", True, "12345", 678901, "01_gradients.ipynb")),
        ("doejane_late_12345_678901_01_gradients.ipynb", ("doejane", True, "12345", 678901, "01_gradients.ipynb")),
        ("doe--jane-late_12345_678901_a.ipynb", ("doe--jane", True, "12345", 678901, "a.ipynb")),  # old Canvas
        ("late_12345_678901_a.ipynb", ("late", False, "12345", 678901, "a.ipynb")),  # a student called Late
        ("_LATE_12345_678901_a.ipynb", ("", True, "12345", 678901, "a.ipynb")),  # an empty sortable name
        ("o_brien_12345_678901_x_y.ipynb", ("o_brien", False, "12345", 678901, "x_y.ipynb")),
        (
            "müllerjürgen_23456_700010_01_gradients-3.ipynb",
            ("müllerjürgen", False, "23456", 700010, "01_gradients-3.ipynb"),
        ),
    ],
)
def test_canvas_file_names(name: str, expected: tuple[str, bool, str, int, str]) -> None:
    parsed = parse_canvas_name(name)
    assert (parsed.name_slug, parsed.late, parsed.user_id, parsed.attachment_id, parsed.original_name) == expected


@pytest.mark.parametrize(
    ("original", "lesson"),
    [
        ("01_gradients.ipynb", "01_gradients"),
        ("01_gradients-7.ipynb", "01_gradients"),
        ("01_gradients-0b7e4c1a-4f7e-4c8e-9a57-3d2f1e0c9b8a.ipynb", "01_gradients"),
        ("01_gradients.ipynb0b7e4c1a-4f7e-4c8e-9a57-3d2f1e0c9b8a", None),  # Canvas's last resort: not a notebook
        ("01_gradients (1).ipynb", None),
        ("01_Gradients.ipynb", None),
        ("01_gradients-1.ipynb.txt", None),
    ],
)
def test_canvas_lesson_names(original: str, lesson: str | None) -> None:
    assert intake_module.canvas_lesson(original, LESSONS) == lesson


def symlink_member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def encrypted_member(name: str) -> zipfile.ZipInfo:
    info = Crafted(name)
    info.extra_flags = 0x1
    return info


ESCAPES = [
    ("../doejane_12345_700001_01_gradients.ipynb", "is inside a folder"),
    ("/etc/doejane_12345_700001_01_gradients.ipynb", "is inside a folder"),
    ("C:\\doejane_12345_700001_01_gradients.ipynb", "is inside a folder"),
    ("sub\\..\\..\\doejane_12345_700001_01_gradients.ipynb", "is inside a folder"),
    ("C:doejane_12345_700001_01_gradients.ipynb", "is inside a folder"),
    ("submissions/doejane_12345_700001_01_gradients.ipynb", "is inside a folder"),
    (symlink_member("doejane_12345_700001_01_gradients.ipynb"), "is a symbolic link, not a file; not taken in"),
    (zipfile.ZipInfo("doejane_12345_700001_01_gradients.ipynb/"), "is a folder; a Canvas zip holds only files"),
    (encrypted_member("doejane_12345_700001_01_gradients.ipynb"), "is encrypted; Canvas does not encrypt"),
    (
        raw_member("xx_12345_700001_01_gradients.ipynb", b"\xff\xfe_12345_700001_01_gradients.ipynb", False),
        "its name is not UTF-8 text; not a file Canvas writes",
    ),
    (
        raw_member("x", b"doejane_12345_700001_01_gradients.ipynb\x00/../../x", False),
        "has a NUL character in its name; not a file Canvas writes",
    ),
]


@pytest.mark.parametrize(("member", "message"), ESCAPES, ids=[str(index) for index in range(len(ESCAPES))])
def test_canvas_zip_escapes_create_nothing(tmp_path: Path, member: str | zipfile.ZipInfo, message: str) -> None:
    source = canvas_zip(
        tmp_path / "submissions.zip",
        [(member, b"/etc/passwd"), ("smithrob_34567_700021_02_gru_lstm.ipynb", notebook("rob"))],
    )
    digest = sha256(source)
    before = snapshot(tmp_path)
    result = take_in(source, tmp_path / "out" / "intake", LESSONS)
    assert len(result.unplaced) == 1
    shown, text = result.unplaced[0]
    assert text.startswith(f"{shown}: {message}")
    assert sha256(source) == digest
    after = snapshot(tmp_path)
    assert outside(after, "out/intake") == before
    assert sorted(path for path in after if path.startswith("out/intake/")) == [
        "out/intake/34567",
        "out/intake/34567/02_gru_lstm",
        "out/intake/34567/02_gru_lstm/02_gru_lstm.ipynb",
    ]


def test_canvas_zip_utf8_name_without_the_flag(tmp_path: Path) -> None:
    name = "müllerjürgen_23456_700010_01_gradients.ipynb"
    source = canvas_zip(tmp_path / "s.zip", [(raw_member("x", name.encode("utf-8"), False), notebook("jürgen"))])
    result = take_in(source, tmp_path / "out" / "intake", LESSONS)
    assert result.unplaced == []
    assert (tmp_path / "out/intake/23456/01_gradients/01_gradients.ipynb").read_bytes() == notebook("jürgen")


def test_canvas_zip_duplicate_names_are_all_refused(tmp_path: Path) -> None:
    name = "doejane_12345_700001_01_gradients.ipynb"
    with pytest.warns(UserWarning, match="Duplicate name"):
        source = canvas_zip(tmp_path / "s.zip", [(name, notebook("one")), (name, notebook("two"))])
    result = take_in(source, tmp_path / "out" / "intake", LESSONS)
    message = f"{name}: appears 2 times in the zip; download the zip again from Canvas"
    assert result.unplaced == [(name, message), (name, message)]
    assert discover(result.folder, LESSONS) == []  # the intake folder exists, empty


def test_canvas_zip_bomb_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake_module, "MAX_FILE_BYTES", 1024 * 1024)
    monkeypatch.setattr(intake_module, "MAX_TOTAL_BYTES", 1536 * 1024)
    monkeypatch.setattr(intake_module, "CHUNK_BYTES", 64 * 1024)
    bomb = b"0" * (3 * 1024 * 1024)
    source = canvas_zip(
        tmp_path / "s.zip",
        [
            ("aa_1_10_01_gradients.ipynb", bomb),
            ("bb_2_20_01_gradients.ipynb", b" " * (1024 * 1024)),  # fits, and uses most of the total
            ("cc_3_30_01_gradients.ipynb", b" " * (1024 * 1024)),  # fits alone, but not in the total
        ],
    )
    assert (tmp_path / "s.zip").stat().st_size < 50 * 1024
    result = take_in(source, tmp_path / "out" / "intake", LESSONS)
    assert result.unplaced == [
        (
            "aa_1_10_01_gradients.ipynb",
            "aa_1_10_01_gradients.ipynb: more than 1 MB, far more than a lesson notebook; not read "
            "(ask the student for the notebook again)",
        ),
        (
            "cc_3_30_01_gradients.ipynb",
            "cc_3_30_01_gradients.ipynb: not read: the notebooks add up to more than 1 MB; "
            "grade the submissions in smaller batches",
        ),
    ]
    assert snapshot(tmp_path / "out" / "intake") == {
        "2": "folder",
        "2/01_gradients": "folder",
        "2/01_gradients/01_gradients.ipynb": hashlib.sha256(b" " * (1024 * 1024)).hexdigest(),
    }


def lie_about_size(path: Path, size: int) -> None:
    """Rewrite the uncompressed size in the zip's (only) local header and central directory entry."""
    data = bytearray(path.read_bytes())
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    data[local + 22 : local + 26] = size.to_bytes(4, "little")
    data[central + 24 : central + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("claimed", [100, 200 * 1024 * 1024 * 10])
def test_canvas_zip_header_sizes_are_not_trusted(tmp_path: Path, claimed: int) -> None:
    source = canvas_zip(tmp_path / "s.zip", [("aa_1_10_01_gradients.ipynb", b"0" * (2 * 1024 * 1024))])
    lie_about_size(source, claimed)
    result = take_in(source, tmp_path / "out" / "intake", LESSONS)
    assert len(result.unplaced) == 1
    message = result.unplaced[0][1]
    if claimed == 100:  # reading stops at the claimed size, and the checksum then fails
        assert message.startswith("aa_1_10_01_gradients.ipynb: cannot be read from the zip (Bad CRC-32")
    else:
        assert message.startswith("aa_1_10_01_gradients.ipynb: more than 50 MB")
    assert discover(result.folder, LESSONS) == []  # the intake folder exists, empty


def corrupt_zips(tmp_path: Path) -> list[Path]:
    garbage = write(tmp_path / "garbage.zip", b"this is not a zip")
    whole = canvas_zip(tmp_path / "whole.zip", [("aa_1_10_01_gradients.ipynb", notebook("a"))])
    truncated = write(tmp_path / "truncated.zip", whole.read_bytes()[:-30])
    flagged = canvas_zip(
        tmp_path / "flagged.zip", [(raw_member("x", b"\xff\xfe_1_10_01_gradients.ipynb", True), notebook("a"))]
    )
    return [garbage, truncated, flagged]


def test_corrupt_zip_is_refused(tmp_path: Path) -> None:
    for source in corrupt_zips(tmp_path):
        with pytest.raises(
            ValueError, match=r"is not a readable zip file: .*; download it again from Canvas$"
        ) as error:
            take_in(source, tmp_path / "out" / "intake", LESSONS)
        assert str(error.value).startswith(f"SUBMISSIONS {source} is not a readable zip file: ")
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    source = write(tmp_path / "01_gradients.ipynb", notebook("a"))
    with pytest.raises(ValueError, match="is a file but not a zip; pass the folder of submissions or Canvas's zip"):
        take_in(source, tmp_path / "out" / "intake", LESSONS)


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist; pass a folder of submissions"):
        take_in(tmp_path / "nowhere", tmp_path / "out" / "intake", LESSONS)


def test_intake_folder_inside_submissions_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path / "submissions" / "alice" / "01_gradients.ipynb", notebook("a")).parent.parent
    with pytest.raises(ValueError, match="overlap"):
        take_in(source, source / "intake", LESSONS)
    with pytest.raises(ValueError, match="overlap"):
        take_in(source, tmp_path, LESSONS)


def test_rerun_is_byte_identical_and_clears_leftovers(tmp_path: Path, roster_file: Path) -> None:
    source = class_zip(tmp_path / "submissions.zip")
    work = tmp_path / "out" / "intake"
    write(work / "old" / "01_gradients" / "01_gradients.ipynb", notebook("previous run"))
    write(work / "jdoe" / "01_gradients" / "01_gradients.ipynb", notebook("stale"))
    write(work / "jdoe" / "01_gradients" / "extra.txt", "left over")
    roster = load_roster(roster_file)
    take_in(source, work, LESSONS, roster)
    first = snapshot(work)
    assert sorted(path for path in first if path.endswith(".ipynb")) == [
        "jdoe/01_gradients/01_gradients.ipynb",
        "mmuller/01_gradients/01_gradients.ipynb",
        "rsmith/02_gru_lstm/02_gru_lstm.ipynb",
    ]
    assert first["jdoe/01_gradients/01_gradients.ipynb"] == hashlib.sha256(notebook("jane 3")).hexdigest()
    assert "jdoe/01_gradients/extra.txt" not in first and "old" not in first
    take_in(source, work, LESSONS, roster)
    assert snapshot(work) == first
    take_in(tmp_path / "submissions.zip", work, LESSONS, roster)
    assert snapshot(work) == first
    # A folder source needs nothing in OUT/intake: a previous run's files go.
    folder = write(tmp_path / "folder" / "alice" / "01_gradients.ipynb", notebook("a")).parent.parent
    take_in(folder, work, LESSONS)
    assert snapshot(work) == {}


# ------------------------------------------------------------------ roster
def test_roster_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path / "roster.csv",
        "\ufeff"  # Excel's byte-order mark
        + "name,student_id,lms_user_id,sis_id,section\r\n"  # any column order
        + '"Doe, Jane",jdoe,12345,S1,A\r\n'
        + "\r\n"
        + " Roe Rick , rroe ,,,B\r\n",
    )
    roster = load_roster(path)
    assert roster.path == path
    assert roster.students == (
        RosterEntry("jdoe", "Doe, Jane", "12345", "S1", "A"),
        RosterEntry("rroe", "Roe Rick", "", "", "B"),
    )
    assert roster.by_lms_user_id("12345") == roster.students[0]
    assert roster.by_lms_user_id("") is None and roster.by_lms_user_id("99") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            None,
            "roster {path} does not exist; create it with the header student_id,name,lms_user_id,sis_id,section, "
            "or leave ROSTER unset.",
        ),
        ("", "roster {path} is empty; its first line must be the header student_id,name,lms_user_id,sis_id,section."),
        (
            "student_id,name,lms_user_id,section\n",
            "roster {path}, line 1: missing column(s) sis_id; the header must "
            "be student_id,name,lms_user_id,sis_id,section.",
        ),
        (
            "student_id,name,lms_user_id,sis_id,section,email\n",
            "roster {path}, line 1: unknown column(s) email; the "
            "header must be student_id,name,lms_user_id,sis_id,section.",
        ),
        (
            ROSTER_HEADER + "jdoe,Jane,1,,\n\njdoe,Jane again,2,,\n",
            "roster {path}, line 4: student_id jdoe is already on line 2; list each student once.",
        ),
        (
            ROSTER_HEADER + "jdoe,Jane,1,,\nrroe,Rick,1,,\n",
            "roster {path}, line 3: lms_user_id 1 is already on line 2; each Canvas user id belongs to one student.",
        ),
        (ROSTER_HEADER + ",Jane,1,,\n", "roster {path}, line 2: student_id is empty; fill it in or delete the line."),
        (
            ROSTER_HEADER + "jdoe,Doe, Jane,1,,\n",
            'roster {path}, line 2: 6 values where the header has 5; quote a value that holds a comma ("Doe, Jane").',
        ),
        (
            ROSTER_HEADER + "../x,Jane,1,,\n",
            "roster {path}, line 2: student_id '../x' cannot name a folder (it starts "
            "with a dot (hidden folders are skipped)); use letters, digits, '-', '_' or '.'.",
        ),
    ],
)
def test_roster_errors(tmp_path: Path, text: str | None, message: str) -> None:
    path = tmp_path / "roster.csv"
    if text is not None:
        write(path, text)
    with pytest.raises(ValueError) as error:
        load_roster(path)
    assert str(error.value) == message.format(path=path)
