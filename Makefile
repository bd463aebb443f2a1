# MovCon: `make run` starts the console on the demo store, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export LANG ?= C.UTF-8

.PHONY: run test lint bench package clean

$(STAMP): pyproject.toml packaging/debian-deps.sh
	bash packaging/debian-deps.sh $(DEPS_FLAGS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The store `make run` opens: $MOVCON_DB, else the one in the user data folder. The demo is
# written there first when it is missing, so the console starts without the first-run
# questions a bare `movcon` asks.
RUN_DB = $(or $(MOVCON_DB),$(shell $(PY) -c 'from app.core.paths import default_store_path; print(default_store_path())'))

run: DEPS_FLAGS = --gui
run: $(STAMP)
	@bash packaging/debian-deps.sh --gui
	@test -e "$(RUN_DB)" || $(VENV)/bin/movcon --db "$(RUN_DB)" demo
	$(VENV)/bin/movcon --db "$(RUN_DB)"

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check app tests bench

# The desktop application as one folder, dist/movcon (PyInstaller; see packaging/README.md).
package: $(STAMP)
	$(PY) -m pip install --quiet -e '.[package]'
	$(VENV)/bin/pyinstaller packaging/movcon.spec --noconfirm --log-level WARN \
		--distpath dist --workpath build/pyinstaller
	cp packaging/movcon.desktop resources/icons/movcon-256.png dist/movcon/
	dist/movcon/movcon --version

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
