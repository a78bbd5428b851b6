# Berth: two commands do everything on a fresh Debian machine.
#   make run   set up and start the console (prints where to open it)
#   make test  install and start what the tests need, then run every test

.PHONY: run test lint format bench clean

run:
	./scripts/run.sh

test:
	./scripts/test.sh $(PYTEST_ARGS)

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
