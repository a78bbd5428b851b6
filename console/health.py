"""Health endpoints for load balancers and compose healthchecks.

Both answer anonymous callers with one word and a status code, never with
what failed (that is for the overview, behind login):
- /healthz: the process serves requests and reaches its database (200/503).
  Redis or the engine being down does not make the web process unhealthy:
  restarting it would not help, and pages say what is wrong themselves.
- /readyz: the database, Redis and the Docker engine all answer (200/503),
  so a load balancer sends traffic only where pages can work.
"""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from console import dockerapi

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 2  # seconds per dependency, so a probe never hangs


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health: database check failed: %s", error)
        return False


def redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=CHECK_TIMEOUT,
            socket_timeout=CHECK_TIMEOUT,
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError as error:
        log.warning("health: Redis check failed: %s", error)
        return False


def engine_ok() -> bool:
    try:
        dockerapi.ping(timeout=CHECK_TIMEOUT)
    except dockerapi.GatewayError as error:
        log.warning("health: engine check failed: %s", error.message)
        return False
    return True


def _answer(ok: bool, word: str) -> HttpResponse:
    text = word if ok else f"not {word}"
    return HttpResponse(
        f"{text}\n", status=200 if ok else 503, content_type="text/plain"
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return _answer(database_ok(), "ok")


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    # Every check runs (no short-circuit) so the log says all that is wrong.
    results = [database_ok(), redis_ok(), engine_ok()]
    return _answer(all(results), "ready")
