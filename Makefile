# Two commands for a fresh machine with Python 3.11 and make:
#   make demo   install everything, build the demo company, open the app on it
#   make test   install everything, run lint, layer contracts, type check and the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never

.PHONY: install system-deps demo test lint contracts typecheck pytest pytest-moved-clock clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Bytecode is compiled at install, as pip does: the app starts ~0.2 s faster even where
# PYTHONDONTWRITEBYTECODE keeps Python from caching it on first run.
$(VENV)/.synced: $(UV) pyproject.toml uv.lock tests/example_plugin/pyproject.toml
	$(UV) sync --frozen --compile-bytecode --python "$(PYTHON)"
	touch $@

install: $(VENV)/.synced
	@$(BIN)/python -m compileall -q core tui web plugins

# The terminal test drives the app in tmux, as a person on an SSH terminal would; faketime
# moves the clock for the subprocess tests; a real sshd and ssh client carry the SSH tests;
# Debian's chromium is the browser the candidate page's tests drive (Playwright downloads none).
system-deps:
	@command -v tmux >/dev/null && command -v faketime >/dev/null && \
		command -v /usr/sbin/sshd >/dev/null && command -v ssh >/dev/null && \
		command -v /usr/bin/chromium >/dev/null || \
		(apt-get update -qq && apt-get install -y -qq tmux faketime openssh-server openssh-client \
			chromium)

demo: install
	$(BIN)/panelist demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

contracts: install
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

pytest: install system-deps
	$(BIN)/pytest

# A subprocess reads the real clock: run those tests again 45 days ahead and 20 days back, so
# none passes only on the day it was written (tests/conftest.py marks them `subprocess`).
MOVED_CLOCKS := +45d -20d
pytest-moved-clock: install system-deps
	@for offset in $(MOVED_CLOCKS); do \
		echo "subprocess tests with the clock moved $$offset"; \
		faketime -f "$$offset" $(BIN)/pytest -q -m subprocess || exit 1; \
	done

test: lint contracts typecheck pytest pytest-moved-clock

clean:
	rm -rf $(VENV) $(TOOLS)
