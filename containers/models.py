"""Jobs: every slow operation is a row here plus a Celery task."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
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


class ServiceTemplate(models.Model):
    """A catalog entry: an auxiliary service people launch for themselves.

    Loaded from containers/catalog/*.yaml by `manage.py load_catalog` and
    editable in the admin (an edited template is no longer overwritten by
    its file). Values may use {{ password }}-style placeholders, filled per
    launch: every name in `secrets` gets a fresh random value, plus `host`,
    `port` (the first port's host port), `port_<container port>` and `name`.
    """

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    image = models.CharField(max_length=255, help_text="Repository, without a tag.")
    tags = models.JSONField(
        default=list, help_text="Allowed tags; the first is the default."
    )
    ports = models.JSONField(
        default=list, help_text='[{"port": 6379, "protocol": "tcp", "name": "redis"}]'
    )
    secrets = models.JSONField(
        default=list, blank=True, help_text="Placeholders generated per launch."
    )
    env = models.JSONField(default=dict, blank=True)
    entrypoint = models.JSONField(default=list, blank=True)
    command = models.JSONField(default=list, blank=True)
    volume_target = models.CharField(
        max_length=255, blank=True, help_text="Where the data volume is mounted."
    )
    healthcheck = models.JSONField(default=dict, blank=True)
    default_ttl_hours = models.PositiveIntegerField(
        default=24, help_text="0: no expiry (only admins may launch without one)."
    )
    memory_mb = models.PositiveIntegerField(default=512)
    cpus = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    pids = models.PositiveIntegerField(default=512)
    connection = models.CharField(max_length=500, blank=True)
    credentials = models.JSONField(default=dict, blank=True)
    links = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    source_digest = models.CharField(max_length=64, blank=True, editable=False)
    edited = models.BooleanField(
        default=False, help_text="Changed in the admin: load_catalog leaves it alone."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def default_tag(self) -> str:
        return self.tags[0] if self.tags else "latest"

    def clean(self) -> None:
        from containers.catalog_templates import problems

        if found := problems(self):
            raise ValidationError(found)


class Service(models.Model):
    """One launch from the catalog, with its sealed credentials and expiry."""

    class Status(models.TextChoices):
        LAUNCHING = "launching", "launching"
        ACTIVE = "active", "active"
        FAILED = "failed", "failed"
        EXPIRED = "expired", "expired"
        REMOVED = "removed", "removed"

    template = models.ForeignKey(
        ServiceTemplate, null=True, blank=True, on_delete=models.SET_NULL
    )
    template_slug = models.CharField(max_length=64)
    template_name = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=128)
    image = models.CharField(max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
    owner_name = models.CharField(max_length=150)
    team = models.CharField(max_length=64, blank=True, db_index=True)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL)
    container_id = models.CharField(max_length=64, blank=True, db_index=True)
    volume_name = models.CharField(max_length=255, blank=True)
    host_ip = models.CharField(max_length=64)
    # [{"container_port": 6379, "protocol": "tcp", "host_port": 20001, "name": ...}]
    ports = models.JSONField(default=list)
    # Fernet-sealed JSON of the generated values ({"password": ...}).
    credentials_sealed = models.TextField(blank=True)
    # Copies of the template's texts at launch time (no secrets in them).
    connection_template = models.CharField(max_length=500, blank=True)
    credentials_template = models.JSONField(default=dict, blank=True)
    links_template = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=Status, default=Status.LAUNCHING, db_index=True
    )
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    volume_kept_until = models.DateTimeField(null=True, blank=True)
    volume_removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.template_slug}, {self.status})"

    def get_absolute_url(self) -> str:
        return reverse("containers:service", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status in (self.Status.LAUNCHING, self.Status.ACTIVE)

    @property
    def seconds_left(self) -> float | None:
        if self.expires_at is None:
            return None
        return (self.expires_at - timezone.now()).total_seconds()


class PortReservation(models.Model):
    """A host port promised to one launch, so two launches never share it.

    The unique constraint is the lock: whoever inserts the row first has the
    port. A reservation is released when its launch fails or its service is
    removed or expires; one whose container no longer exists, or whose job
    ended without making one, is stale and taken back by the next allocation.
    """

    host_port = models.PositiveIntegerField()
    protocol = models.CharField(max_length=8, default="tcp")
    host_ip = models.CharField(max_length=64, blank=True)
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reservations",
    )
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL)
    container_id = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["host_port", "protocol"], name="one_launch_per_host_port"
            )
        ]

    def __str__(self) -> str:
        return f"{self.host_ip}:{self.host_port}/{self.protocol}"
