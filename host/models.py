"""The last `docker system df` figures, computed in the background."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from console.dockerapi import DiskUsage


class DiskUsageSnapshot(models.Model):
    """One `docker system df`, summarised. Pages read the newest row and show
    its age; only the Celery task writes (it keeps the newest few)."""

    taken_at = models.DateTimeField(default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-taken_at", "-id"]
        get_latest_by = ["taken_at", "id"]

    def __str__(self) -> str:
        return f"disk usage at {self.taken_at:%Y-%m-%d %H:%M:%S}"

    @property
    def usage(self) -> DiskUsage:
        return DiskUsage.from_json(self.data)

    @property
    def age_seconds(self) -> float:
        return (timezone.now() - self.taken_at).total_seconds()
