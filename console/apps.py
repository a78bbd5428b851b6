from __future__ import annotations

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Berth console"

    def ready(self) -> None:
        from console import signals  # noqa: F401  (connects the receivers)
