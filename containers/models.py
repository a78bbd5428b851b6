"""Jobs: every slow operation is a row here plus a Celery task."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Job(models.Model):
    class Kind(models.TextChoices):
        PULL = "pull", "pull image"
        BUILD = "build", "build image"
        PUSH = "push", "push image"
        LAUNCH = "launch", "launch container"
        REMOVE_IMAGE = "remove_image", "remove images"
        PRUNE = "prune", "prune"
        REGISTRY_REFRESH = "registry_refresh", "refresh registry catalog"

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"
        CANCELLED = "cancelled", "cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)
    CANCELLABLE_KINDS = (Kind.PULL, Kind.BUILD, Kind.LAUNCH, Kind.PUSH)

    kind = models.CharField(max_length=16, choices=Kind)
    # What the job works on, for lists ("mongo:latest", "web-1").
    target = models.CharField(max_length=512, blank=True)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=Status, default=Status.QUEUED, db_index=True
    )
    percent = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=255, blank=True)
    output = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    team = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    # The worker touches this while it runs; the reaper fails jobs it forgot.
    heartbeat = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("containers:job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def can_be_cancelled(self) -> bool:
        return not self.is_finished and self.kind in self.CANCELLABLE_KINDS

    @property
    def duration_seconds(self) -> float | None:
        if not self.started:
            return None
        end = self.finished or timezone.now()
        return (end - self.started).total_seconds()

    def snapshot(self) -> dict[str, object]:
        """What a job page needs to draw the job, for the websocket."""
        return {
            "id": self.pk,
            "status": self.status,
            "percent": self.percent,
            "step": self.step,
            "error": self.error,
            "result": self.result,
            "finished": self.is_finished,
            "can_cancel": self.can_be_cancelled,
        }
