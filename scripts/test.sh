#!/usr/bin/env bash
# `make test`: install and start what the tests need (Docker engine, Redis,
# the registry and Chromium packages), then run every test with pytest.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install docker.io redis-server chromium busybox-static docker-registry apache2-utils
ensure_venv "$ROOT/requirements-dev.txt"
ensure_docker

# Tests use their own Redis database so a running console is left alone.
export REDIS_URL="${BERTH_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
redis_answers "$REDIS_URL" || start_redis_daemon "$REDIS_URL"

export DJANGO_SETTINGS_MODULE=tests.settings
"$PY" manage.py collectstatic --noinput -v0
say "running the tests"
exec "$PY" -m pytest "$@"
