# Shared helpers for scripts/run.sh and scripts/test.sh. Source, don't run.
# They install what is missing (Debian packages when root), and start Redis
# and the Docker engine when nothing answers at the configured address.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="${BERTH_VAR_DIR:-$ROOT/var}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
mkdir -p "$VAR"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33m!!  %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mxx  %s\033[0m\n' "$*" >&2; exit 1; }

is_root_debian() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; }

APT_UPDATED=""
apt_install() {
  # apt_install PACKAGE... : install the Debian packages that are missing.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  is_root_debian || die "missing packages: ${missing[*]} (install them, or run as root on Debian)"
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_venv() {
  # A virtual environment with the pinned requirements; reinstalls only when
  # a requirements file changed since the last install.
  local requirements="$1" stamp="$VENV/.installed-$(basename "$1")"
  if [ ! -x "$PY" ]; then
    say "creating the virtual environment in .venv"
    python3 -m venv "$VENV" || { apt_install python3-venv; python3 -m venv "$VENV"; }
  fi
  local digest
  digest="$(cat "$ROOT"/requirements*.txt "$ROOT/constraints.txt" | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    say "installing Python requirements ($(basename "$requirements"))"
    "$PY" -m pip install -q --disable-pip-version-check -r "$requirements" -c "$ROOT/constraints.txt"
    echo "$digest" > "$stamp"
  fi
}

redis_url() { echo "${REDIS_URL:-redis://127.0.0.1:6379/0}"; }
redis_host() { "$PY" -c 'import sys,urllib.parse as u; print(u.urlparse(sys.argv[1]).hostname or "127.0.0.1")' "$1"; }
redis_port() { "$PY" -c 'import sys,urllib.parse as u; print(u.urlparse(sys.argv[1]).port or 6379)' "$1"; }

redis_answers() {
  "$PY" - "$1" <<'PY' >/dev/null 2>&1
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()
PY
}

is_loopback() { case "$1" in 127.*|localhost|::1) return 0;; *) return 1;; esac; }

start_redis_daemon() {
  # start_redis_daemon URL: a local redis-server on the URL's port, in the
  # background, with its data and pid under var/.
  local url="$1" host port
  host="$(redis_host "$url")"; port="$(redis_port "$url")"
  is_loopback "$host" || die "Redis at $url does not answer, and it is not on this machine"
  apt_install redis-server
  say "starting redis-server on $host:$port"
  redis-server --bind "$host" --port "$port" --daemonize yes --save "" --appendonly no \
    --dir "$VAR" --pidfile "$VAR/redis-$port.pid" --logfile "$VAR/redis-$port.log"
  for _ in $(seq 50); do redis_answers "$url" && return 0; sleep 0.1; done
  die "redis-server did not start; see $VAR/redis-$port.log"
}

docker_host() { echo "${DOCKER_HOST:-unix:///var/run/docker.sock}"; }

docker_answers() {
  "$PY" - "$(docker_host)" <<'PY' >/dev/null 2>&1
import sys, docker
docker.APIClient(base_url=sys.argv[1], version="auto", timeout=5).ping()
PY
}

ensure_docker() {
  # The engine at DOCKER_HOST (default: the local socket); when none answers
  # on Debian as root, install docker.io and start dockerd in the background.
  docker_answers && return 0
  local host; host="$(docker_host)"
  if [ "$host" != "unix:///var/run/docker.sock" ]; then
    die "no Docker engine answers at DOCKER_HOST=$host"
  fi
  is_root_debian || die "no Docker engine answers at $host; start dockerd (or run as root on Debian to have it installed and started)"
  apt_install docker.io
  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
    systemctl start docker || true
  fi
  if ! docker_answers; then
    say "starting dockerd (log: $VAR/dockerd.log)"
    nohup dockerd >"$VAR/dockerd.log" 2>&1 &
    echo $! > "$VAR/dockerd.pid"
  fi
  for _ in $(seq 60); do docker_answers && return 0; sleep 0.5; done
  die "dockerd did not answer within 30 s; see $VAR/dockerd.log"
}

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

as_postgres() {
  # initdb and postgres refuse to run as root: use the package's system user.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_DIR=""
start_test_postgres() {
  # A throwaway PostgreSQL cluster (Debian's package) in var/pg-test on a free
  # loopback port, with a role that may create the test database. Sets
  # PG_TEST_URL; stop_test_postgres ends it by its pid.
  apt_install postgresql
  local bindir port password
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  [ -x "$bindir/initdb" ] || die "no initdb under /usr/lib/postgresql"
  PG_DIR="$VAR/pg-test"
  rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
  port="$(free_port)"
  password="$("$PY" -c 'import secrets; print(secrets.token_hex(12))')"
  as_postgres "$bindir/initdb" -D "$PG_DIR/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --no-sync -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
    || die "initdb failed; see $PG_DIR/initdb.log"
  # No fsync: the cluster lives for one test run.
  as_postgres "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
    -o "-h 127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "PostgreSQL did not start; see $PG_DIR/server.log"
  as_postgres "$bindir/psql" -h "$PG_DIR" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE berth LOGIN CREATEDB PASSWORD '$password'" \
    -c "CREATE DATABASE berth OWNER berth" >/dev/null
  PG_TEST_URL="postgres://berth:$password@127.0.0.1:$port/berth"
}

stop_test_postgres() {
  [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
  local pid; pid="$(head -1 "$PG_DIR/data/postmaster.pid")"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$PG_DIR"
}
