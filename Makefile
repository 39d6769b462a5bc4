# Two commands on a fresh machine:  `make lab`  and  `make test`.
# Each creates .venv if it is missing and (re)installs only when its lock file or pyproject.toml
# changed. `make lab` installs the students' packages (requirements/lab.txt), `make test` adds
# the grader's and the tests' (requirements/test.txt), `make check` the linters
# (requirements/dev.txt): one .venv, each step adds what the previous one lacks.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP      := $(VENV)/.rnncourse-installed
TEST_STAMP := $(VENV)/.rnncourse-test-installed
DEV_STAMP  := $(VENV)/.rnncourse-dev-installed
PORT   ?= 8888
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k data -x"`.
PYTEST_ARGS ?=
# make check and make test run their tests in this many processes (pytest-xdist); 0 runs them in
# pytest's own, e.g. for --pdb. make test keeps the tests marked `serial` (grading at JOBS=2, the
# browser) in one worker, one after another; the root conftest.py says why.
CHECK_WORKERS ?= 2
TEST_WORKERS ?= 2

# JupyterLab refuses to run as root unless told to.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The environment's tools (jupyter, nbgrader, alembic) come first on PATH.
export PATH := $(abspath $(VENV))/bin:$(PATH)
export TF_CPP_MIN_LOG_LEVEL ?= 3
export TF_ENABLE_ONEDNN_OPTS ?= 0

.PHONY: check-outputs help env lock lab chromium postgres check test lessons solutions-outputs bench grade export feedback formgrader clean-data

help:
	@echo "make lab [PORT=$(PORT)] [LAB_ROOT=$(LAB_ROOT)]  start JupyterLab; open the URL with ?token= it prints (RNNCOURSE_FAST=1 make lab: fast mode)"
	@echo "make check [CHECK_WORKERS=$(CHECK_WORKERS)] [PYTEST_ARGS=...]  lint, format, types and the fast tests (in CHECK_WORKERS processes): run it before every commit"
	@echo "make test [TEST_WORKERS=$(TEST_WORKERS)] [PYTEST_ARGS=...]  run the whole test suite (unit tests, notebooks, autograder): what CI runs"
	@echo "make check-outputs  re-run the solutions under nbval with one thread: finds stored outputs that depend on the CPU"
	@echo "make lessons  regenerate lessons/ from solutions/ with nbgrader"
	@echo "make solutions-outputs  re-execute solutions/ in fast mode and store outputs (for nbval)"
	@echo "make grade SUBMISSIONS=<dir|canvas.zip> [OUT=<dir>] [ROSTER=roster.csv] [DUE=<ISO 8601> | DUE_FILE=<toml>] [JOBS=N] [SCHEDULER=tcp://host:8786] [SANDBOX=0] [DB_URL=<SQLAlchemy URL>]  grade student notebooks (with RNNCOURSE_SECRET set, hidden tests draw secret inputs)"
	@echo "make feedback [OUT=<dir>]  rewrite every student's feedback page (hand grades, comments, late penalty) and the class report"
	@echo "make export [OUT=<dir>] [FORMAT=canvas|wide|long] [ROSTER=roster.csv] [MISSING=empty|zero]  grades for the LMS, hand-graded points included"
	@echo "make formgrader [OUT=<dir>] [PORT=$(PORT)]  hand-grade free responses of a make grade run in JupyterLab's Formgrader"
	@echo "make bench [QUICK=1]  measure run times, memory, accuracy and grading speed"
	@echo "make clean-data  remove the data cache (data/cache); the next run unpacks it again from the installed packages"
	@echo "make env      install everything make test and make grade need into .venv, without running anything"
	@echo "make lock     regenerate requirements/*.txt (hashes) from pyproject.toml's pins; needs uv (USE_LOCK=0 makes any install skip the lock)"

# The environment. requirements/{lab,test,dev}.txt lock pyproject.toml's pins and every package
# below them, with hashes, for CPython 3.11 on Linux x86_64 (see their header). There they are
# installed with `uv pip sync` when uv is on PATH (the venv then holds exactly the lock), else
# with `pip install --require-hashes`; rnncourse itself follows as an editable install without
# dependencies, built with the lock's setuptools. Elsewhere (macOS: tensorflow instead of
# tensorflow-cpu) nothing is locked, and pip installs pyproject.toml's exact pins without
# hashes. USE_LOCK=0 forces that way anywhere.
# The stamps: a bigger install also stands for the smaller ones (make test after make check
# installs nothing), and a smaller one voids the bigger ones (uv pip sync removed their extras).
env: $(TEST_STAMP)

UV       ?= uv
USE_LOCK ?= $(if $(filter Linux-x86_64,$(shell uname -s)-$(shell uname -m)),1,0)
HAVE_UV  := $(shell command -v $(UV) 2> /dev/null)
PIP      := $(PY) -m pip install --disable-pip-version-check
, := ,

# $(call install,<lock file>,<extras for the unlocked way>)
ifeq ($(USE_LOCK),1)
ifneq ($(HAVE_UV),)
install = $(UV) pip sync --python $(PY) --require-hashes $(1) && \
	$(UV) pip install --python $(PY) --no-deps --no-build-isolation -e .
else
install = $(PIP) --require-hashes -r $(1) && $(PIP) --no-deps --no-build-isolation -e .
endif
else
install = @echo "requirements/*.txt lock Linux x86_64 only: installing pyproject.toml's pins without hashes" && \
	$(PIP) -e ".$(if $(2),[$(2)])"
endif

# The interpreter that builds (or built) .venv must suit the locks: one line says what to do if not.
define venv
	@$(if $(wildcard $(PY)),$(PY),$(PYTHON)) requirements/check_python.py $(USE_LOCK) $(or $(firstword $(MAKECMDGOALS)),lab)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
endef

# This machine sets PYTHONDONTWRITEBYTECODE=1; without .pyc files `import tensorflow` is ~4x slower.
compile = $(PY) -m compileall -q -j 0 $(VENV)/lib > /dev/null || true

$(STAMP): pyproject.toml requirements/lab.txt
	$(venv)
	$(call install,requirements/lab.txt,)
	$(compile)
	@rm -f $(TEST_STAMP) $(DEV_STAMP)
	@touch $@

$(TEST_STAMP): pyproject.toml requirements/test.txt
	$(venv)
	$(call install,requirements/test.txt,grader$(,)tests)
	$(compile)
	@rm -f $(DEV_STAMP)
	@touch $(STAMP) $@

# Regenerate the locks after changing a pin in pyproject.toml (uv: `pip install uv` anywhere, or
# pipx). The widest lock comes first and bounds the others, so the three agree on every version
# they share. uv keeps the versions a lock already holds unless pyproject.toml needs others;
# add --upgrade to the first command to move every unpinned package to its newest release.
# The committed locks were written by uv 0.13.9.
LOCK_FLAGS := --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28
lock:
	@command -v $(UV) > /dev/null || { echo "make lock needs uv on PATH (e.g. pipx install uv, or pip install uv in any venv and UV=<its bin>/uv)"; exit 2; }
	$(UV) pip compile --quiet pyproject.toml --extra grader --extra tests --extra dev $(LOCK_FLAGS) -o requirements/dev.txt
	$(UV) pip compile --quiet pyproject.toml --extra grader --extra tests $(LOCK_FLAGS) -c requirements/dev.txt -o requirements/test.txt
	$(UV) pip compile --quiet pyproject.toml $(LOCK_FLAGS) -c requirements/test.txt -o requirements/lab.txt
	@for f in dev test lab; do { \
		echo "# Locked for CPython 3.11 on Linux x86_64 (manylinux_2_28: glibc 2.28 or newer), the only"; \
		echo "# platform it is tested on. macOS (tensorflow, not tensorflow-cpu) and other platforms have no"; \
		echo "# lock: there make installs pyproject.toml's exact pins, without hashes. Do not edit this file:"; \
		echo "# change pyproject.toml, then run make lock (it runs the uv command below)."; \
		cat requirements/$$f.txt; } > requirements/$$f.txt.tmp && mv requirements/$$f.txt.tmp requirements/$$f.txt; \
	done

# `make lab` serves LAB_ROOT (default lessons/). Its nbgrader extensions (Validate, Assignment
# List) read nbgrader_config.py from LAB_CONFIG (default autograder/, the course config:
# Validate gets the course's cell time limit, not nbgrader's 30 s); autograder/student-lab/
# turns the instructor's tools (Formgrader, Course List, Create Assignment) off for students.
# jupyter_server reads the token from JUPYTER_TOKEN when it is set. tests/test_browser.py runs
# this recipe on a copy.
LAB_ROOT   ?= lessons
LAB_CONFIG ?= autograder

lab: $(STAMP)
	@mkdir -p autograder/.exchange  # nbgrader's Assignment List needs its exchange folder
	@echo "Starting JupyterLab on http://127.0.0.1:$(PORT)/lab ($(LAB_ROOT) is the root; Ctrl-C stops it). Open the URL with ?token= that JupyterLab prints below."
	JUPYTER_CONFIG_PATH="$(abspath $(LAB_CONFIG)):$(abspath autograder/student-lab)$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))" \
		$(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 --port=$(PORT) \
		--ServerApp.root_dir="$(LAB_ROOT)" $(ALLOW_ROOT)

# tests/test_browser.py drives Debian's Chromium. As root with apt-get, `make test` installs it
# when it is missing (once; a no-op afterwards); elsewhere that test is skipped and says why.
CHROMIUM := /usr/bin/chromium

chromium:
	@if [ ! -x $(CHROMIUM) ] && [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
		echo "Installing Chromium for the browser test (apt-get install -y chromium) ..."; \
		apt-get update -qq > /dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null \
		|| echo "WARNING: could not install chromium; tests/test_browser.py will be skipped"; \
	fi

# tests/test_grader_postgres.py grades into a throwaway PostgreSQL cluster (DB_URL); as root
# with apt-get, `make test` installs Debian's server when it is missing, else that test is skipped.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 && ! command -v initdb > /dev/null \
		&& [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
		echo "Installing PostgreSQL for the gradebook test (apt-get install -y postgresql) ..."; \
		apt-get update -qq > /dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null \
		|| echo "WARNING: could not install postgresql; tests/test_grader_postgres.py will be skipped"; \
	fi

# The loop to run before every commit: lint, format, types and the fast tests (about 2 minutes).
# `make test` (everything, what CI runs) stays the full check.
LINTED    := rnncourse tests bench conftest.py

$(DEV_STAMP): pyproject.toml requirements/dev.txt
	$(venv)
	$(call install,requirements/dev.txt,grader$(,)tests$(,)dev)
	$(compile)
	@touch $(STAMP) $(TEST_STAMP) $@

check: $(DEV_STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -n $(CHECK_WORKERS) -m "not slow and not browser" $(PYTEST_ARGS)

test: $(TEST_STAMP) chromium postgres
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup tests solutions --nbval --nbval-current-env --durations=25 $(PYTEST_ARGS)

# Stored outputs that depend on the machine: every solution under nbval with one BLAS and one
# TensorFlow thread, which changes the order of floating-point sums as another CPU would. A cell
# that fails here but passes in make test prints a digit that rounding decides (about 2.5 min).
check-outputs: $(TEST_STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \
		$(PY) -m pytest -q solutions --nbval --nbval-current-env $(PYTEST_ARGS)

# Grade submissions: make grade SUBMISSIONS=<dir or Canvas zip> [OUT=<dir>] [JOBS=N] [SANDBOX=0]
# [ROSTER=roster.csv] [DUE=2026-12-15T23:59:00+00:00 | DUE_FILE=<toml>] (default autograder/due.toml)
# Every kernel runs in bubblewrap; SANDBOX=0 grades without it (each row then says so).
# RNNCOURSE_SECRET=<secret> in the environment: hidden tests draw their inputs from it (docs/instructors.md).
# Grading runs on Dask: a local cluster of JOBS workers, or SCHEDULER=tcp://host:8786.
SUBMISSIONS ?=
SCHEDULER ?=
ROSTER ?=
DUE ?=
DUE_FILE ?=
OUT ?= grading-output
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
grade: $(TEST_STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<dir|canvas.zip> [OUT=<dir>] [ROSTER=roster.csv] [DUE=<ISO 8601>] [JOBS=N] [SCHEDULER=tcp://host:8786] [SANDBOX=0] [DB_URL=<SQLAlchemy URL>]"; exit 2; }
	$(PY) -m rnncourse.grader "$(SUBMISSIONS)" --out "$(OUT)" --jobs $(JOBS) $(if $(filter 0,$(SANDBOX)),--no-sandbox,) \
		$(if $(SCHEDULER),--scheduler "$(SCHEDULER)",) $(if $(ROSTER),--roster "$(ROSTER)",) \
		$(if $(DUE),--due "$(DUE)",) $(if $(DUE_FILE),--due-file "$(DUE_FILE)",)

# Grades for the LMS: make export OUT=<dir> [FORMAT=canvas|wide] (autograded + hand-graded points)
FORMAT ?= canvas
MISSING ?= empty
export: $(TEST_STAMP)
	$(PY) -m rnncourse.grader.export "$(OUT)" --format $(FORMAT) $(if $(ROSTER),--roster "$(ROSTER)",) --missing $(MISSING)

# Rewrite the feedback pages and the class report of a make grade run from its gradebook (after
# hand grading in formgrader): OUT/feedback/<student_id>.html, OUT/feedback.zip, OUT/report.html.
feedback: $(TEST_STAMP)
	$(PY) -m rnncourse.grader.feedback "$(OUT)"

# Formgrader on the results of `make grade` (OUT holds the gradebook, the autograded notebooks
# and the nbgrader_config.py the grader wrote).
formgrader: $(STAMP)
	@test -f "$(OUT)/nbgrader_config.py" || { echo "no grading results in $(OUT): run make grade SUBMISSIONS=<dir> OUT=$(OUT) first"; exit 2; }
	@echo "Formgrader on http://127.0.0.1:$(PORT)/lab (Nbgrader > Formgrader; Ctrl-C stops it). Open the URL with ?token= that JupyterLab prints below."
	JUPYTER_CONFIG_PATH="$(abspath $(OUT))" $(VENV)/bin/jupyter lab --no-browser --ip=127.0.0.1 \
		--port=$(PORT) --ServerApp.root_dir="$(abspath $(OUT))" $(ALLOW_ROOT)

lessons: $(STAMP)
	$(PY) -m rnncourse.course lessons

solutions-outputs: $(STAMP)
	$(PY) -m rnncourse.course outputs

# Benchmarks (not tests): make bench [QUICK=1]; writes bench/results.json
bench: $(TEST_STAMP)
	$(PY) bench/run.py $(if $(QUICK),--quick,)

clean-data:
	rm -rf data/cache
