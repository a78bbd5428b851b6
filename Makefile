# Berth: two commands do everything on a fresh Debian machine.
#   make run   set up and start the console (prints where to open it)
#   make test  install and start what the tests need, then run every test

.PHONY: run test test-image lint format bench clean

run:
	./scripts/run.sh

test:
	./scripts/test.sh $(PYTEST_ARGS)

# Builds a local python:3.11-slim stand-in (once) and Berth's image on it.
test-image:
	BERTH_TEST_IMAGE=1 ./scripts/test.sh -m image $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

bench:
	.venv/bin/python bench/list_containers.py --containers 500

clean:
	rm -rf var/staticfiles var/test.sqlite3* .pytest_cache
