"""The audit trail: one row per mutating action, chained by hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success", "success"
        FAILURE = "failure", "failure"
        DENIED = "denied", "denied"
        CANCELLED = "cancelled", "cancelled"

    class Source(models.TextChoices):
        WEB = "web", "web"
        JOB = "job", "job"
        WEBSOCKET = "websocket", "websocket"
        ENGINE = "engine", "engine (outside Berth)"
        SYSTEM = "system", "system"

    created = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the trail still names people after they are deleted.
    actor_name = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=16, choices=Source, default=Source.WEB)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=128, blank=True, db_index=True)
    target_name = models.CharField(max_length=255, blank=True)
    team = models.CharField(max_length=150, blank=True, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome)
    error = models.TextField(blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        who = self.actor_name or "unknown"
        return f"{self.created:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.outcome}"

    def chained_fields(self) -> dict[str, Any]:
        """The fields the hash covers, in a stable, serialisable form."""
        return {
            "created": self.created.isoformat(),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "source": self.source,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_name": self.target_name,
            "team": self.team,
            "params": self.params,
            "outcome": self.outcome,
            "error": self.error,
            "client_ip": self.client_ip,
        }

    def compute_hash(self) -> str:
        body = json.dumps(self.chained_fields(), sort_keys=True, default=str)
        return hashlib.sha256(f"{self.prev_hash}\n{body}".encode()).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events cannot be changed once written")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Audit events cannot be deleted")


class Team(models.Model):
    """A group of people who own containers together, with its quotas."""

    name = models.SlugField(
        max_length=64, unique=True, help_text="Written into the berth.team label."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True
    )
    max_running_containers = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: no limit."
    )
    max_total_memory_mb = models.PositiveIntegerField(
        null=True, blank=True, help_text="Sum of running containers' memory limits."
    )
    max_container_memory_mb = models.PositiveIntegerField(
        null=True, blank=True, help_text="Largest memory limit one container may ask."
    )
    max_container_cpus = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    """A user's role in Berth. Superusers are always admins."""

    class Role(models.TextChoices):
        ADMIN = "admin", "admin"
        OPERATOR = "operator", "operator"
        VIEWER = "viewer", "viewer"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="berth_profile"
    )
    role = models.CharField(max_length=16, choices=Role, default=Role.VIEWER)

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class ContainerAssignment(models.Model):
    """An admin's assignment of an unmanaged container to a team.

    A container's labels cannot change after creation, so the assignment
    lives here, keyed by container id, and is shown like a label.
    """

    container_id = models.CharField(max_length=64, unique=True)
    container_name = models.CharField(max_length=255, blank=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.container_name or self.container_id[:12]} → {self.team}"
