from __future__ import annotations

from django.apps import AppConfig


class ContainersConfig(AppConfig):
    name = "containers"
