"""Heartbeats: each long-running process (worker, beat, watcher) says it is
alive by refreshing a short-lived Redis key; the overview and /readyz read
them. A process that dies stops refreshing and is reported down within TTL.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings

log = logging.getLogger(__name__)

INTERVAL = 10  # seconds between beats
TTL = 35  # a process is down after missing about three beats
PREFIX = "berth:heartbeat:"


def _redis() -> redis.Redis:
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
    )


def beat(name: str) -> None:
    """Record that `name` is alive now."""
    _redis().set(f"{PREFIX}{name}", str(time.time()), ex=TTL)


def last_seen(name: str) -> float | None:
    """When `name` last beat (epoch seconds), or None if not within TTL."""
    value = _redis().get(f"{PREFIX}{name}")
    return float(value) if value else None


def start_heartbeat(name: str) -> threading.Thread:
    """Beat for `name` every INTERVAL seconds from a daemon thread."""

    def run() -> None:
        while True:
            try:
                beat(name)
            except redis.RedisError as error:
                log.warning("heartbeat %s: Redis unreachable (%s)", name, error)
            time.sleep(INTERVAL)

    thread = threading.Thread(target=run, name=f"heartbeat-{name}", daemon=True)
    thread.start()
    return thread
