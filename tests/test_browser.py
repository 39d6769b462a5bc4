"""The student's flow in a real browser: JupyterLab (started by `make lab`) in headless Chromium.

A copy of lessons/ is served (the committed notebooks are never touched) by the very recipe
students run, `make lab`, with PORT, LAB_ROOT and LAB_CONFIG pointing at the copy. Playwright
drives Debian's Chromium (/usr/bin/chromium; `make test` installs it as root, otherwise these
tests are skipped and say why; Playwright never downloads a browser here).

The flow: open lesson 01, paste the reference `rnn_forward` into the first exercise cell, run
the cells down to its visible test and read the pass line; run an unsolved exercise's test and
read its hint; press nbgrader's Validate button and read the verdict; open the Assignment List
and the Formgrader and check the browser console. Each step leaves a screenshot in
test-artifacts/browser/ (git-ignored).

The lab runs in fast mode (RNNCOURSE_FAST=1 in its environment) so that the kernel and
Validate (which re-executes the whole notebook on the server) finish quickly.
"""

from __future__ import annotations

import contextlib
import hashlib
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
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.config import child_env
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


class Lab:
    def __init__(self, url: str, token: str, root: Path, log: Path):
        self.url, self.token, self.root, self.log = url, token, root, log

    def page_url(self, path: str) -> str:
        return f"{self.url}/{path}?token={self.token}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    committed = _tree_digest(course.LESSONS_DIR / LESSON)
    tmp = tmp_path_factory.mktemp("browser")
    root = tmp / "lessons"
    shutil.copytree(course.LESSONS_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))

    # The lab's nbgrader extensions read this nbgrader_config.py (`make lab LAB_CONFIG=...`): the
    # course config, with the course root, the gradebook and the exchange moved into the copy.
    # The formgrader insists that the course root lies inside the lab's root folder.
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
    for name in ("MPLBACKEND", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(name, None)
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
        "lab",
        f"PORT={port}",
        f"LAB_ROOT={root}",
        f"LAB_CONFIG={nbgrader_dir}",
    ]
    log_path = tmp / "lab.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"make lab exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"JupyterLab did not answer in 90 s:\n{log_path.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.5)
        text = log_path.read_text()
        assert f"Starting JupyterLab on {url}/lab" in text  # the recipe's own line
        assert f"Serving notebooks from local directory: {root}" in text
        yield Lab(url, token, root, log_path)
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
        shutil.copy(log_path, ARTIFACTS / "lab.log")
        assert _tree_digest(course.LESSONS_DIR / LESSON) == committed, f"lessons/{LESSON} changed"


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
    sync_api.expect(page.locator(f"{NOTEBOOK} .jp-Notebook .jp-Cell")).to_have_count(expected_cells)
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


def test_assignment_list_and_formgrader_load_without_console_errors(lab, page):
    console = Console(page)
    page.goto(lab.page_url("lab") + "&reset")  # a fresh workspace: no tabs from the other test
    page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)

    # The student's Assignment List (Nbgrader menu) shows the released lesson.
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
    released = page.locator("#released_assignments_list")
    released.locator(".list_item", has_text=LESSON).wait_for()
    shot(page, "06-assignment-list")
    assert "error" not in released.inner_text().lower()

    # The instructor's Formgrader (Nbgrader menu) opens Manage Assignments in a frame.
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    page.locator(".lm-Menu-itemLabel", has_text="Formgrader").first.click()
    frame = page.frame_locator("iframe[src*='formgrader']")
    frame.locator("h1", has_text="Manage Assignments").wait_for()
    frame.locator("table").first.wait_for()
    page.wait_for_load_state("networkidle")
    shot(page, "07-formgrader")
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
