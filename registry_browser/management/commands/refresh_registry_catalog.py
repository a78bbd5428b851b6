"""Read a registry's catalog now, without a worker (for cron and benchmarks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from registry_browser.client import RegistryError
from registry_browser.models import Registry
from registry_browser.services import refresh_catalog


class Command(BaseCommand):
    help = "Refresh the cached catalog of the named registry (or of all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="registry names; none = all")

    def handle(self, *args: Any, names: list[str], **options: Any) -> None:
        registries = Registry.objects.all()
        if names:
            registries = registries.filter(name__in=names)
            missing = set(names) - set(registries.values_list("name", flat=True))
            if missing:
                raise CommandError(f"no registry called {', '.join(sorted(missing))}")
        failed = False
        for registry in registries:
            try:
                count = refresh_catalog(registry)
            except (RegistryError, ValueError) as error:
                message = getattr(error, "message", str(error))
                Registry.objects.filter(pk=registry.pk).update(catalog_error=message)
                self.stderr.write(f"{registry.name}: {message}")
                failed = True
                continue
            self.stdout.write(f"{registry.name}: {count} repositories")
        if failed:
            raise CommandError("some catalogs could not be read")
