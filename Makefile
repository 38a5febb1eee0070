# The checks CI runs (.ci/run), in one command: `make check` (`make -k check` runs all three
# even when one fails). Uses the project's .venv when there is one, else python3 on PATH.
PY ?= $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

.PHONY: check lint types test test-unit

check: lint types test

lint:
	$(PY) -m ruff check .

types:
	$(PY) -m mypy

# Everything, integration tests included (about 22 minutes on two cores).
test:
	$(PY) -m pytest -q

# The unit tests alone: fakes, no model, no servers (seconds).
test-unit:
	$(PY) -m pytest -q tests/unit
