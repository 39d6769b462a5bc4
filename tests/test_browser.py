"""The student's and the instructor's flows in a real browser: JupyterLab and the grader's pages in headless Chromium.

A copy of lessons/ is served (the committed notebooks are never touched) by the very recipe
students run, `make lab`, with PORT, LAB_ROOT and LAB_CONFIG pointing at the copy. Playwright
drives Debian's Chromium (/usr/bin/chromium; `make test` installs it as root, otherwise these
tests are skipped and say why; Playwright never downloads a browser here).

The student's flow: open lesson 01, paste the reference `rnn_forward` into the first exercise
cell, run the cells down to its visible test and read the pass line; run an unsolved exercise's
test and read its hint; press nbgrader's Validate button and read the verdict; open the
Assignment List from the Nbgrader menu and check that the lab shows none of the instructor's
tools (autograder/student-lab/ switches them off): no Formgrader and no Course List in that
menu, no Create Assignment panel, and 404 for /formgrader.

The instructor's flow: `make formgrader` on a grading folder with a gradebook (no grading run)
opens the Formgrader from the Nbgrader menu; the browser console is checked there, in the lab
and in the Formgrader's frame. A student's feedback page and the class report, written by the
grader on a synthetic grading folder, open as file:// pages in light and dark colour schemes.
Each step leaves a screenshot in test-artifacts/browser/ (git-ignored), the servers' logs too.

The lab runs in fast mode (RNNCOURSE_FAST=1 in its environment) so that the kernel and
Validate (which re-executes the whole notebook on the server) finish quickly.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.config import child_env
from rnncourse.grader.class_report import write_report
from rnncourse.grader.feedback import write_feedback
from rnncourse.grader.gradebook import write_formgrader_config
from rnncourse.grader.layout import Layout
from rnncourse.notebook import cell_source, nbgrader_metadata
from rnncourse.notebook import grade_id as grade_id_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
LESSON = "01_gradients"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
COURSE_CONFIG = ROOT / "autograder" / "nbgrader_config.py"
# Flags for a quiet, offline, sandbox-less (root, container) headless Chromium.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
PASS_LINE = "\u2714 rnn_forward: visible checks passed; hidden tests run at grading"

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing, so the browser test cannot run: `make test` installs it "
        "when run as root (apt-get install -y chromium); otherwise install Debian's "
        "chromium package yourself",
        allow_module_level=True,
    )
if shutil.which("make") is None:
    pytest.skip("`make` is not on PATH; the browser test starts JupyterLab with `make lab`", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing: run `make env` (it is pinned in pyproject.toml)"
)


# ---------------------------------------------------------------------------------------------
# The lab server: `make lab` on a copy of lessons/
# ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _cell_index(lesson_file: Path, grade_id: str) -> int:
    cells = json.loads(lesson_file.read_text(encoding="utf-8"))["cells"]
    for index, cell in enumerate(cells):
        if grade_id_of(cell) == grade_id:
            return index
    raise AssertionError(f"{lesson_file.name} has no cell with grade_id {grade_id!r}")


def _processes_naming(folder: Path) -> dict[int, bytes]:
    """Live (not zombie) processes whose command line contains ``folder``: pid -> command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if str(folder).encode() in cmdline and state != "Z":
            found[int(entry.name)] = cmdline
    return found


class Server:
    def __init__(self, url: str, token: str, root: Path, log: Path):
        self.url, self.token, self.root, self.log = url, token, root, log

    def page_url(self, path: str) -> str:
        return f"{self.url}/{path}?token={self.token}"


@contextlib.contextmanager
def _serve(tmp: Path, name: str, make_args: list[str], root: Path, banner: str) -> Iterator[Server]:
    """Run `make <make_args> PORT=<free port>` (a JupyterLab recipe) and yield once it answers.

    Everything JupyterLab keeps (settings, workspaces, runtime files) goes into ``tmp``; the
    token comes from JUPYTER_TOKEN. ``banner`` is the recipe's own line, with ``{url}`` in it.
    Afterwards every process whose command line names ``tmp`` is stopped, by pid, and the log
    is copied to test-artifacts/browser/<name>.log.
    """
    # JupyterLab's own state goes into the temp folder too, and it asks nobody about news.
    settings = tmp / "lab-settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = child_env(
        fast=True,
        extra={
            "JUPYTER_TOKEN": token,
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "lab-workspaces"),
            "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter-runtime"),
        },
    )
    # Kernels draw inline, as in a student's lab (conftest.py sets Agg for pytest itself), and
    # variables of an outer `make test` must not leak into this make.
    for variable in ("MPLBACKEND", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(variable, None)
    venv = Path(sys.prefix)
    cmd = [
        "make",
        "--no-print-directory",
        "-C",
        str(ROOT),
        # the environment is the one running this test: never reinstall it from here
        "-o",
        f"{venv}/.rnncourse-installed",
        f"VENV={venv}",
        *make_args,
        f"PORT={port}",
    ]
    log_path = tmp / f"{name}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"make {name} exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"JupyterLab (make {name}) did not answer in 90 s:\n{log_path.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.5)
        text = log_path.read_text()
        assert banner.format(url=url) in text, text[-3000:]  # the recipe's own line
        assert f"Serving notebooks from local directory: {root}" in text
        yield Server(url, token, root, log_path)
    finally:
        # Stop what we started, by pid: the processes whose command line names this temp folder
        # (make, its shell, jupyter-lab, and the kernels, which have sessions of their own).
        # SIGTERM to jupyter-lab shuts its kernels down, then the shell and make exit.
        servers = [pid for pid, cmdline in _processes_naming(tmp).items() if b"jupyter-lab" in cmdline]
        for pid in servers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        deadline = time.monotonic() + 30
        while _processes_naming(tmp) and time.monotonic() < deadline:
            time.sleep(0.5)
        for pid in _processes_naming(tmp):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / f"{name}.log")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """`make lab` on a copy of lessons/: the student's lab."""
    committed = _tree_digest(course.LESSONS_DIR / LESSON)
    tmp = tmp_path_factory.mktemp("browser")
    root = tmp / "lessons"
    shutil.copytree(course.LESSONS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))

    # The lab's nbgrader extensions read this nbgrader_config.py (`make lab LAB_CONFIG=...`): the
    # course config, with the course root, the gradebook and the exchange moved into the copy.
    nbgrader_dir = tmp / "nbgrader"
    exchange = nbgrader_dir / "exchange"
    nbgrader_dir.mkdir()
    (nbgrader_dir / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"load_subconfig({str(COURSE_CONFIG)!r})  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(nbgrader_dir / 'gradebook.db')!r}\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
    )
    # What `nbgrader release_assignment` would leave in the exchange, so that the student's
    # Assignment List has a released lesson to show.
    course_id = "rnn-language-modeling-ch2"
    assert f'course_id = "{course_id}"' in COURSE_CONFIG.read_text()
    shutil.copytree(root / LESSON, exchange / course_id / "outbound" / LESSON)

    make_args = ["lab", f"LAB_ROOT={root}", f"LAB_CONFIG={nbgrader_dir}"]
    with _serve(tmp, "lab", make_args, root, "Starting JupyterLab on {url}/lab") as server:
        yield server
    assert _tree_digest(course.LESSONS_DIR / LESSON) == committed, f"lessons/{LESSON} changed"


@pytest.fixture(scope="module")
def formgrader(tmp_path_factory: pytest.TempPathFactory):
    """`make formgrader OUT=...` on a grading folder that holds only a gradebook and its config."""
    from nbgrader.api import Gradebook

    tmp = tmp_path_factory.mktemp("formgrader")
    out = tmp / "out"
    out.mkdir()
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's and SQLAlchemy's deprecation warnings
        with Gradebook(db_url) as gradebook:
            gradebook.add_assignment(LESSON)
    write_formgrader_config(out, db_url)
    with _serve(tmp, "formgrader", ["formgrader", f"OUT={out}"], out, "Formgrader on {url}/lab") as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Console:
    """Console messages of type error and uncaught page errors, with the page's URL."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on(
            "console",
            lambda msg: (
                msg.type == "error" and self.errors.append(f"console.error {msg.text} ({msg.location.get('url', '')})")
            ),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught {exc}"))


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    failed_before = request.session.testsfailed
    yield page
    if request.session.testsfailed > failed_before:  # what the browser showed when it failed
        shot(page, f"failed-{request.node.name}")
    context.close()


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# ---------------------------------------------------------------------------------------------
# Notebook helpers (JupyterLab 4.6 DOM: stable class names and keyboard shortcuts)
# ---------------------------------------------------------------------------------------------

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
KERNEL_IDLE = f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']"


def wait_kernel_idle(page, timeout: float = 120_000) -> None:
    page.wait_for_selector(KERNEL_IDLE, timeout=timeout)


def cell(page, index: int):
    return page.locator(f"{NOTEBOOK} .jp-Notebook .jp-Cell").nth(index)


def run_cells(page, first: int, last: int) -> None:
    """Select cell `first` and press Shift+Enter until cell `last` has run, as a student does."""
    cell(page, first).locator(".jp-InputPrompt, .jp-InputArea-prompt").first.click()
    page.keyboard.press("Escape")  # command mode
    for _ in range(first, last + 1):
        page.keyboard.press("Shift+Enter")


def output_text(page, index: int, containing: str, timeout: float = 120_000) -> str:
    outputs = cell(page, index).locator(".jp-OutputArea-output")
    outputs.filter(has_text=containing).first.wait_for(timeout=timeout)
    return "\n".join(outputs.all_inner_texts())


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def test_student_solves_an_exercise_sees_a_hint_and_validates(lab, page):
    console = Console(page)
    notebook = lab.root / LESSON / f"{LESSON}.ipynb"
    solution_index = _cell_index(notebook, "rnn_forward")
    test_index = _cell_index(notebook, "test_rnn_forward")
    stub_index = _cell_index(notebook, "scale_to_spectral_radius")
    stub_test_index = _cell_index(notebook, "test_scale_to_spectral_radius")
    answer = course.solution_answers(LESSON)["rnn_forward"]

    # 1. Open the lesson; a kernel starts.
    page.goto(lab.page_url(f"lab/tree/{LESSON}/{LESSON}.ipynb"))
    page.wait_for_selector(f"{NOTEBOOK} .jp-Notebook .jp-Cell", timeout=90_000)
    wait_kernel_idle(page)
    expected_cells = len(json.loads(notebook.read_text(encoding="utf-8"))["cells"])
    # JupyterLab adds the cells in batches: wait until all of them are there.
    sync_api.expect(page.locator(f"{NOTEBOOK} .jp-Notebook .jp-Cell")).to_have_count(expected_cells, timeout=60_000)
    assert "raise NotImplementedError()" in cell(page, solution_index).inner_text()
    shot(page, "01-lesson-opened")

    # 2. Paste the reference answer into the first exercise cell.
    editor = cell(page, solution_index).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(answer)
    page.keyboard.press("Escape")
    typed = cell(page, solution_index).locator(".cm-content").inner_text()
    assert "NotImplementedError" not in typed and "def rnn_forward(" in typed
    shot(page, "02-answer-pasted")

    # 3. Run every cell down to the exercise's visible test; the check's pass line appears.
    run_cells(page, 0, test_index)
    text = output_text(page, test_index, "rnn_forward")
    cell(page, test_index).scroll_into_view_if_needed()
    wait_kernel_idle(page)
    shot(page, "03-rnn_forward-passed")
    assert PASS_LINE in text, text
    assert "Error" not in text, text

    # 4. Run an unsolved exercise (its stub, then its test): the check's own sentence and hint.
    run_cells(page, stub_index, stub_test_index)
    text = output_text(page, stub_test_index, "not implemented yet")
    cell(page, stub_test_index).scroll_into_view_if_needed()
    wait_kernel_idle(page)
    shot(page, "04-unsolved-exercise-hint")
    assert "scale_to_spectral_radius is not implemented yet" in text, text
    assert "Hint: replace `raise NotImplementedError()` with your code" in text, text

    # 5. nbgrader's Validate button: saves the notebook, re-executes it on the server, and
    #    shows a verdict. One exercise is solved and four are not, so it must list failures,
    #    among them the scale_to_spectral_radius test, and not the rnn_forward test.
    page.locator(f"{NOTEBOOK} jp-button.validate-button").click()
    dialog = page.locator(".jp-Dialog #validation-message")
    dialog.wait_for(timeout=150_000)
    verdict = dialog.inner_text()
    shot(page, "05-validate-verdict")
    (ARTIFACTS / "05-validate-verdict.txt").write_text(verdict, encoding="utf-8")
    assert "validation-failed" in (dialog.get_attribute("class") or ""), verdict
    # Expected failures: every graded cell but the solved exercise's test and the hidden-test
    # placeholders (in the student notebook they hold only a docstring, which passes).
    cells = json.loads(course.lesson_path(LESSON).read_text(encoding="utf-8"))["cells"]
    graded = {grade_id_of(c): cell_source(c).splitlines()[0] for c in cells if nbgrader_metadata(c).get("grade")}
    expected = {
        gid: first for gid, first in graded.items() if gid != "test_rnn_forward" and not gid.endswith("_hidden")
    }
    assert verdict.count("The following cell failed:") == len(expected), verdict
    for gid, first_line in expected.items():
        assert first_line in verdict, f"{gid} is missing from the verdict:\n{verdict}"
    assert graded["test_rnn_forward"] not in verdict, verdict
    assert "scale_to_spectral_radius is not implemented yet" in verdict
    page.locator(".jp-Dialog .jp-mod-accept").click()

    # Validate saved the notebook first: the answer is on disk in the copy (and only there).
    saved = json.loads(notebook.read_text(encoding="utf-8"))["cells"][solution_index]
    assert "".join(saved["source"]).strip() == answer.strip()
    assert console.errors == [], console.errors


def open_nbgrader_menu(page) -> list[str]:
    """Open the Nbgrader menu; return the labels of its visible items."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = page.locator(".lm-Menu .lm-Menu-item:visible .lm-Menu-itemLabel")
    items.first.wait_for()
    return items.all_inner_texts()


# The sidebar panel of nbgrader's create-assignment plugin (its id, misspelt by nbgrader 0.9).
CREATE_ASSIGNMENT = "#nbgrader-create_assignemnt, .lm-TabBar-tab[data-id='nbgrader-create_assignemnt']"


def instructor_tools(page, server: Server, menu: list[str]) -> dict[str, object]:
    """What of nbgrader's instructor tools a lab shows (``menu``: the Nbgrader menu's labels)."""
    return {
        "Formgrader in the Nbgrader menu": any("Formgrader" in label for label in menu),
        "Course List in the Nbgrader menu": any("Course List" in label for label in menu),
        "Create assignment in the Nbgrader menu": any("create assignment" in label.lower() for label in menu),
        "Create Assignment panel": page.locator(CREATE_ASSIGNMENT).count() > 0,
        "GET /formgrader": page.request.get(server.page_url("formgrader")).status,
    }


def test_student_lab_has_the_assignment_list_and_no_instructor_tools(lab, page):
    console = Console(page)
    page.goto(lab.page_url("lab") + "&reset")  # a fresh workspace: no tabs from the other test
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)

    # The Nbgrader menu: the student's Assignment List, and none of the instructor's entries.
    menu = open_nbgrader_menu(page)
    shot(page, "06-student-nbgrader-menu")
    assert "Assignment List" in menu, menu

    # The Assignment List shows the released lesson.
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    released = page.locator("#released_assignments_list")
    released.locator(".list_item", has_text=LESSON).wait_for()
    page.wait_for_load_state("networkidle")
    shot(page, "07-assignment-list")
    assert "error" not in released.inner_text().lower()

    # autograder/student-lab/ (added by `make lab`) switched the instructor's tools off: no menu
    # entries, no Create Assignment panel, no Formgrader behind the menu either.
    # test_formgrader_opens_manage_assignments_without_console_errors sees each of them in the
    # instructor's lab, so these checks can fail.
    assert instructor_tools(page, lab, menu) == {
        "Formgrader in the Nbgrader menu": False,
        "Course List in the Nbgrader menu": False,
        "Create assignment in the Nbgrader menu": False,
        "Create Assignment panel": False,
        "GET /formgrader": 404,
    }
    assert console.errors == [], console.errors


def test_formgrader_opens_manage_assignments_without_console_errors(formgrader, page):
    console = Console(page)
    page.goto(formgrader.page_url("lab") + "&reset")
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)  # attached once every plugin started

    # The instructor's lab has every tool the student's lab lacks.
    menu = open_nbgrader_menu(page)
    shot(page, "08-formgrader-nbgrader-menu")
    assert instructor_tools(page, formgrader, menu) == {
        "Formgrader in the Nbgrader menu": True,
        "Course List in the Nbgrader menu": True,
        "Create assignment in the Nbgrader menu": True,
        "Create Assignment panel": True,
        "GET /formgrader": 200,
    }

    # The Formgrader (Nbgrader menu) opens Manage Assignments in a frame, with the gradebook's lesson.
    page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel", has_text="Formgrader").first.click()
    frame = page.frame_locator("iframe[src*='formgrader']")
    frame.locator("h1", has_text="Manage Assignments").wait_for()
    frame.locator("table").first.locator("tr", has_text=LESSON).first.wait_for()
    page.wait_for_load_state("networkidle")
    shot(page, "09-formgrader")
    alerts = frame.locator(".alert-danger, .alert-warning")
    assert alerts.count() == 0, alerts.all_inner_texts()

    # The listener does hear console errors, in the lab and in the formgrader's frame.
    probes = []
    for target in page.frames:
        probe = f"rnncourse-console-probe {target.url.split('?')[0]}"
        target.evaluate("text => console.error(text)", probe)
        probes.append(probe)
    assert any("/formgrader/" in probe for probe in probes), probes
    page.wait_for_timeout(500)
    for probe in probes:
        assert any(probe in error for error in console.errors), (probe, console.errors)
    errors = [e for e in console.errors if "rnncourse-console-probe" not in e]
    assert errors == [], errors


# ---------------------------------------------------------------------------------------------
# The grader's pages: a student's feedback page and the class report, as file:// pages
# ---------------------------------------------------------------------------------------------

# The colours a reader sees: the body's text colour, and its background (body's, else the root
# element's, else the canvas, i.e. the system colour Canvas under the page's colour scheme).
COLOURS_JS = """() => {
  const probe = document.createElement("div");
  probe.style.cssText = "display: none; background-color: Canvas";
  document.body.append(probe);
  const canvas = getComputedStyle(probe).backgroundColor;
  probe.remove();
  const painted = [document.body, document.documentElement]
    .map(element => getComputedStyle(element).backgroundColor)
    .filter(colour => colour !== "transparent" && !/^rgba\\(.*, 0\\)$/.test(colour));
  return {text: getComputedStyle(document.body).color, background: painted[0] || canvas};
}"""


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a CSS ``rgb(...)`` / ``rgba(...)`` colour."""
    channels = [float(part) / 255 for part in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def check_static_page(browser, path: Path, name: str) -> dict[str, dict[str, str]]:
    """Open ``path`` in light and in dark colour scheme; check it; return the colours per scheme.

    Each scheme: a screenshot, no console errors, every image loaded, ``lang="en"``, and text
    that stands out from its background (WCAG contrast 4.5 or more, which the screenshot's
    corner pixel, the page background, confirms).
    """
    from PIL import Image

    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme=scheme)
        try:
            page = context.new_page()
            console = Console(page)
            page.goto(path.as_uri())
            page.wait_for_load_state("load")
            png = page.screenshot(path=str(ARTIFACTS / f"{name}-{scheme}.png"), full_page=True)
            assert console.errors == [], (scheme, console.errors)
            images = page.evaluate(
                "() => [...document.images].map(i => ({src: i.src.slice(0, 60), loaded: i.naturalWidth > 0}))"
            )
            assert all(image["loaded"] for image in images), (scheme, images)
            lang = page.evaluate("() => document.documentElement.lang")
            assert lang == "en", (scheme, lang)
            colours[scheme] = page.evaluate(COLOURS_JS) | {"images": str(len(images))}
            corner = Image.open(io.BytesIO(png)).convert("RGB").getpixel((2, 2))
            colours[scheme]["corner"] = "rgb({}, {}, {})".format(*corner)
        finally:
            context.close()
        seen = colours[scheme]
        assert _contrast(seen["text"], seen["background"]) >= 4.5, (scheme, seen)
        assert _contrast(seen["corner"], seen["background"]) < 1.1, (scheme, seen)  # what was painted
    # Each scheme really is itself: dark text on a light page, light text on a dark page.
    assert _luminance(colours["light"]["background"]) > 0.8 > _luminance(colours["light"]["text"]), colours
    assert _luminance(colours["dark"]["background"]) < 0.1 < _luminance(colours["dark"]["text"]), colours
    return colours


def test_feedback_page_and_class_report_read_well_in_light_and_dark(browser, tmp_path):
    from test_grader_feedback import build_out  # the synthetic grading folder of the feedback tests

    out = build_out(tmp_path)
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    run.update(
        started="2026-12-16T09:00:00+00:00",
        seconds=12.5,
        jobs=2,
        notebooks={"alice/01_gradients": {"seconds": 8.25, "worker": "worker-1", "attempts": 1, "status": "graded"}},
    )
    write_feedback(out, rows)
    report = write_report(out, rows, run)

    feedback = check_static_page(browser, Layout(out).feedback("alice"), "10-feedback")
    assert feedback["light"]["text"] != feedback["dark"]["text"], feedback
    assert feedback["light"]["background"] != feedback["dark"]["background"], feedback

    colours = check_static_page(browser, report, "11-class-report")
    assert int(colours["light"]["images"]) >= 1, "the class report shows no histogram"
