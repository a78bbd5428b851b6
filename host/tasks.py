"""Background work for the host pages: a few lines each, one service call."""

from __future__ import annotations

from celery import shared_task

from console import dockerapi
from host import services


@shared_task(soft_time_limit=300, time_limit=360)
def refresh_disk_usage() -> int:
    """`docker system df` into a DiskUsageSnapshot (beat, and on demand)."""
    return services.disk_usage_refresh().pk


@shared_task(soft_time_limit=60, time_limit=90)
def remove_stale_helpers() -> int:
    """Remove volume-browser helpers a dead web process left behind."""
    return dockerapi.remove_stale_helpers(older_than=600)
