from __future__ import annotations

from django.apps import AppConfig


class HostConfig(AppConfig):
    """The Docker host: overview, volumes and networks."""

    name = "host"
    verbose_name = "Docker host"
    default_auto_field = "django.db.models.BigAutoField"
