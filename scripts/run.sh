#!/usr/bin/env bash
# `make run`: set up what is missing, then start web, worker, beat and watcher
# (and a local Redis when none answers) under honcho. Ctrl-C stops them all.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv "$ROOT/requirements.txt"
ensure_docker

PROCFILE="$VAR/Procfile"
cp "$ROOT/Procfile" "$PROCFILE"
if ! redis_answers "$(redis_url)"; then
  host="$(redis_host "$(redis_url)")"; port="$(redis_port "$(redis_url)")"
  is_loopback "$host" || die "Redis at $(redis_url) does not answer, and it is not on this machine"
  apt_install redis-server
  say "no Redis at $(redis_url): starting a local redis-server with the console"
  echo "redis: redis-server --bind $host --port $port --save '' --appendonly no --dir $VAR" >> "$PROCFILE"
fi

export DJANGO_SETTINGS_MODULE=console.settings
say "database migrations"
"$PY" manage.py migrate --noinput -v0
"$PY" manage.py collectstatic --noinput -v0
"$PY" manage.py ensure_admin
"$PY" manage.py load_catalog -v0 >/dev/null || die "the service catalog (containers/catalog/*.yaml) did not load"

BIND="${BERTH_BIND:-127.0.0.1}"
PORT="${BERTH_PORT:-8000}"
export BERTH_BIND="$BIND" BERTH_PORT="$PORT"
URL_HOST="$BIND"; [ "$BIND" = "0.0.0.0" ] && URL_HOST="127.0.0.1"
cat <<MSG

  Berth is starting: open http://$URL_HOST:$PORT/
  Log in as '${BERTH_ADMIN_USER:-admin}' with BERTH_ADMIN_PASSWORD, or the password
  printed above the first time. Ctrl-C stops web, worker, beat and watcher.

MSG
exec "$VENV/bin/honcho" -f "$PROCFILE" -d "$ROOT" start
