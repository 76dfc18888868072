# shequ — two commands: `make run` and `make test`. Everything else is for developers and CI.
# The first Python ≥ 3.11 that actually runs (a pyenv shim may exist for a version that is not active).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { command -v $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BIND ?= 127.0.0.1:8000

.PHONY: run test quality bench setup lock clean browser-deps messages

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -n "$(PYTHON)" || { echo "shequ needs Python >= 3.11 (python3 --version)"; exit 1; }
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

## Set up everything and serve the platform at http://$(BIND) (SQLite, Xuzhou territory, demo data).
run: $(STAMP)
	@$(BIN)/shequ setup
	@echo ""
	@echo "  社区服务平台 / shequ: http://$(BIND)/   (Ctrl-C to stop)"
	@echo ""
	@$(BIN)/shequ serve --bind $(BIND)

## Set up and run the whole test suite (SQLite unless DATABASE_URL says otherwise), one worker per core;
## the browser journeys share one worker (they start one server per module).
test: $(STAMP)
	@$(BIN)/pytest -q -p no:randomly -n auto --dist loadgroup

quality: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src/shequ/core $$(ls -d src/shequ/*/actions.py src/shequ/*/actions src/shequ/*/queries.py src/shequ/*/queries 2>/dev/null | grep -v /core/)
	$(BIN)/shequ manage makemigrations --check --dry-run

bench: $(STAMP)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

lock:
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Exact versions of every dependency, used by `make` (pip -c). Regenerate with `make lock`.' > requirements/constraints.txt

## Refresh the English catalogue from the Chinese source strings, then compile it (commit the .po and the .mo).
messages: $(STAMP)
	cd src/shequ && ../../$(BIN)/shequ manage makemessages -l en --ignore "static/vendor/*" --ignore "*/tests/*" --no-obsolete
	cd src/shequ && ../../$(BIN)/shequ manage compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
