# The course's commands. `make lab` and `make test` create the environment first if needed.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8888
EX ?=
# JupyterLab refuses to run as root unless told it may (containers, CI machines).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install env-exists lab test test-fast test-install check stubs stubs-check bench bench-grading clean \
	release solutions publish collect students autograde feedback export report grade hub hub-remove

help:
	@echo "make lab          create the environment if needed and start JupyterLab on the course"
	@echo "make test         create the environment if needed and run the whole test suite"
	@echo "make check EX=manual_linear   run the graded checks of one exercise (all without EX)"
	@echo "make stubs        regenerate linear_exercises/ (student stubs) from solutions/"
	@echo "make test-fast    the suite without the slow tests (notebooks, browser)"
	@echo "make test-install the student's set-up from a fresh release folder, in a new environment (CI runs it too)"
	@echo "make bench        print the course's speed figures (bench-results/ gets the JSON)"
	@echo "Instructors (nbgrader course in autograder/):"
	@echo "make release      student version of the graded assignment in autograder/release/"
	@echo "make solutions    executed solution notebooks in solutions/notebooks/"
	@echo "make publish      put the release into nbgrader's exchange (Exchange.root in autograder/nbgrader_config.py)"
	@echo "make collect      collect submissions (ZIP=folder for an LMS download, else nbgrader's exchange)"
	@echo "make students CLASS_LIST=file.csv   names for formgrader (CSV: id,first_name,last_name,email)"
	@echo "make autograde    grade new or changed submissions on dask, with feedback (JOBS=n workers here,"
	@echo "                  SCHEDULER=tcp://host:8786 for a dask cluster, FORCE=1: regrade all)"
	@echo "make export       autograder/grades.csv, grades_by_exercise.csv, grades_canvas.csv, grades_moodle.csv"
	@echo "make report       autograder/class_report.html: scores, failing checks, misconceptions, similar code"
	@echo "make grade        autograde + export + report"
	@echo "sudo make hub     a class on JupyterHub on this machine: accounts, exchange, published assignment"
	@echo "                  (INSTRUCTOR=name STUDENTS=\"a b\" HUB_PORT=8000); sudo make hub-remove undoes it"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version' 
	@command -v bwrap >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& echo "installing bubblewrap (the sandbox student code runs in)" \
		&& { apt-get install -y -qq bubblewrap >/dev/null 2>&1 \
		     || { apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; }; }; } \
		|| echo "note: bubblewrap is not installed (apt-get install bubblewrap): self-checks run without a sandbox, class grading refuses to"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "First set-up: pip downloads the course's packages (PyTorch with its CUDA libraries is most of it,"
	@echo "about 3 GB) and installs about 6 GB into $(VENV). It takes 5 to 10 minutes; one line per package below."
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -e '.[instructor,dev]' 2>&1 \
		| { grep --line-buffered -E "^(Collecting|Installing collected|Successfully installed|ERROR|error)" || true; } \
		| cut -c1-100
	touch $(STAMP)

install: $(STAMP)

# Every other target needs the environment but does not build it (a 6 GB install should be asked for).
env-exists:
	@test -f $(STAMP) || { echo "The course environment is not set up here ($(VENV) is missing): run make install (or make lab / make test) first."; exit 2; }


# The environment's bin/ first on PATH: nbgrader's formgrader runs tools from it (alembic).
# formgrader_names (autograder/server_extensions/): formgrader shows a student without names by the id.
lab: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" PYTHONPATH="$(CURDIR)/autograder/server_extensions" \
		$(BIN)/jupyter lab --ip 127.0.0.1 --port $(PORT) $(ALLOW_ROOT) \
		--ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/notebooks \
		--ServerApp.jpserver_extensions formgrader_names=True

# Two test processes (pytest-xdist), each taking whole test files: a file's fixtures (a graded class) are made once.
TEST_JOBS ?= 2
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_JOBS) --dist loadfile

# The student's set-up from a fresh release folder alone, in a new environment (PyTorch again: minutes, 5 GB).
test-install: env-exists
	LINEAR_INSTALL_TEST=1 $(BIN)/python -m pytest tests/test_release_install.py -s

test-fast: env-exists
	$(BIN)/python -m pytest -m "not slow"

check: env-exists
	$(BIN)/python -m linear_checks $(EX) --package-root .

stubs:
	$(PYTHON) tools/make_stubs.py

stubs-check:
	$(PYTHON) tools/make_stubs.py --check

bench: env-exists
	$(BIN)/python benchmarks/bench.py

COURSE := $(BIN)/python autograder/course.py
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ZIP ?=

release: env-exists
	$(COURSE) release --validate

solutions: env-exists
	$(COURSE) solutions --jobs $(JOBS)

publish: env-exists
	$(COURSE) publish

CLASS_LIST ?=
students: env-exists
	@test -n "$(CLASS_LIST)" || { echo "usage: make students CLASS_LIST=class.csv (columns id,first_name,last_name,email)"; exit 2; }
	$(COURSE) students "$(CLASS_LIST)"

collect: env-exists
	$(COURSE) collect $(if $(ZIP),--zip "$(ZIP)",)

autograde: env-exists
	$(COURSE) autograde --jobs $(JOBS) $(if $(NO_SANDBOX),--no-sandbox,) $(if $(FORCE),--force,) \
	  $(if $(SCHEDULER),--scheduler "$(SCHEDULER)",)

feedback: env-exists
	$(COURSE) feedback

export: env-exists
	$(COURSE) export

report: env-exists
	$(COURSE) report

grade: autograde export report

# A class on JupyterHub (autograder/hub/class_hub.py says what it sets up), as root.
HUB_DIR ?= /srv/linear-layers-hub
HUB_PORT ?= 8000
INSTRUCTOR ?= instructor
STUDENTS ?= alice bob
hub: env-exists
	$(BIN)/python autograder/hub/class_hub.py start --hub-dir "$(HUB_DIR)" --port $(HUB_PORT) \
	  --instructor "$(INSTRUCTOR)" --students "$(STUDENTS)"

hub-remove: env-exists
	$(BIN)/python autograder/hub/class_hub.py remove --hub-dir "$(HUB_DIR)"

bench-grading: env-exists
	$(BIN)/python benchmarks/bench_grading.py

clean:
	rm -rf $(VENV) artifacts build *.egg-info
