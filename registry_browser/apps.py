from __future__ import annotations

from django.apps import AppConfig


class RegistryBrowserConfig(AppConfig):
    name = "registry_browser"
    verbose_name = "Registry browser"
