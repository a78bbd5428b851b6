"""The host overview (the page after login) and the disk-usage refresh.

The overview costs three engine requests (info, the volume list and the
network list); disk usage comes from the last background `docker system df`,
never computed here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from kombu.exceptions import OperationalError

from console import dockerapi, heartbeat
from console.health import redis_ok
from console.models import AuditEvent
from console.permissions import access_for
from containers.job_views import visible_jobs
from host import services

PROCESSES = ("worker", "beat", "watcher")
RECENT_EVENTS = 10
REFRESH_COOLDOWN = 15  # seconds: a fresher snapshot is not recomputed


@dataclass(frozen=True)
class HealthLine:
    name: str
    ok: bool | None  # None: cannot tell
    detail: str


def health_lines() -> list[HealthLine]:
    """Worker, beat and watcher (their Redis heartbeats), then Redis itself."""
    if not redis_ok():
        lines = [
            HealthLine(p, None, "unknown: Redis is not reachable") for p in PROCESSES
        ]
        return [*lines, HealthLine("redis", False, f"not reachable at {_redis_host()}")]
    lines = []
    for name in PROCESSES:
        try:
            seen = heartbeat.last_seen(name)
        except redis.RedisError:
            lines.append(HealthLine(name, None, "unknown: Redis is not reachable"))
            continue
        if seen is None:
            lines.append(HealthLine(name, False, f"no heartbeat in {heartbeat.TTL} s"))
        else:
            lines.append(
                HealthLine(name, True, f"alive, seen {_ago(time.time() - seen)}")
            )
    return [*lines, HealthLine("redis", True, f"answers at {_redis_host()}")]


def _redis_host() -> str:
    # Host and port only: the URL may carry a password.
    from urllib.parse import urlparse

    url = urlparse(settings.REDIS_URL)
    return f"{url.hostname or '127.0.0.1'}:{url.port or 6379}"


def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"


def recent_events(user: Any) -> tuple[list[AuditEvent], bool]:
    """Admins see the latest events of everyone; others their own."""
    events = AuditEvent.objects.select_related("actor")
    everyone = access_for(user).is_admin
    if not everyone:
        events = events.filter(actor=user)
    return list(events.order_by("-id")[:RECENT_EVENTS]), everyone


def engine_facts() -> dict[str, Any]:
    """Info and object counts; an `engine_error` instead when it is down."""
    try:
        return {
            "engine": dockerapi.engine_info(),
            "volume_count": len(dockerapi.list_volumes()),
            "network_count": len(dockerapi.list_networks()),
        }
    except dockerapi.EngineUnavailable as error:
        return {"engine_error": error.message}


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    facts = engine_facts()
    events, everyone = recent_events(request.user)
    context = {
        **facts,
        "engine_address": dockerapi.engine_address(),
        "usage": services.latest_disk_usage(),
        "health": health_lines(),
        "events": events,
        "events_of_everyone": everyone,
        "jobs": visible_jobs(request.user).defer("output", "params")[:8],
        "can_refresh": access_for(request.user).can_launch,
    }
    status = 503 if "engine_error" in facts else 200
    return render(request, "host/overview.html", context, status=status)


@require_POST
def refresh_usage(request: HttpRequest) -> HttpResponse:
    """Queue a `docker system df` now (operators and admins)."""
    from host.tasks import refresh_disk_usage

    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}):
        back = "home"
    if not access_for(request.user).can_launch:
        messages.error(request, "Viewers cannot refresh disk usage.")
        return redirect(back)
    latest = services.latest_disk_usage()
    if latest is not None and latest.age_seconds < REFRESH_COOLDOWN:
        messages.info(request, "Sizes were computed moments ago.")
        return redirect(back)
    try:
        refresh_disk_usage.delay()
    except (OperationalError, redis.RedisError):
        messages.error(
            request,
            "Could not queue the refresh: Redis is not reachable. Try again later.",
        )
        return redirect(back)
    messages.success(
        request,
        "Computing sizes in the background: reload in a moment for new figures.",
    )
    return redirect(back)
