#!/usr/bin/env bash
# `make test`: install and start what the tests need (Docker engine, Redis,
# the registry and Chromium packages, PostgreSQL), then run every test with
# pytest on SQLite, and once more on a throwaway PostgreSQL (browser tests
# excepted: they exercise pages, not SQL). `make test-image` builds the image.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install docker.io redis-server chromium busybox-static docker-registry apache2-utils \
  docker-compose postgresql
ensure_venv "$ROOT/requirements-dev.txt"
ensure_docker

# Tests use their own Redis database so a running console is left alone.
export REDIS_URL="${BERTH_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
redis_answers "$REDIS_URL" || start_redis_daemon "$REDIS_URL"

export DJANGO_SETTINGS_MODULE=tests.settings
"$PY" manage.py collectstatic --noinput -v0

if [ -n "${BERTH_TEST_IMAGE:-}" ]; then
  say "building Berth's image"
  exec "$PY" -m pytest "$@"
fi

say "running the tests (SQLite)"
status=0
"$PY" -m pytest -m "not image" "$@" || status=$?
[ "$status" = 5 ] && status=0  # a -k that selects nothing is not a failure

if [ "${BERTH_TEST_POSTGRES:-1}" = 1 ]; then
  trap stop_test_postgres EXIT
  start_test_postgres
  say "running the tests again on PostgreSQL (browser tests excepted)"
  pg_status=0
  DATABASE_URL="$PG_TEST_URL" "$PY" -m pytest -m "not image and not browser" "$@" \
    || pg_status=$?
  [ "$pg_status" = 5 ] && pg_status=0
  [ "$status" = 0 ] && status=$pg_status
fi
exit "$status"
