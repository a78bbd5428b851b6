"""Load the service catalog's YAML templates into the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from containers.catalog_templates import load_catalog


class Command(BaseCommand):
    help = (
        "Create or update service templates from containers/catalog/*.yaml "
        "(templates edited in the admin are left alone)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_catalog()
        except ValueError as error:
            raise CommandError(f"Catalog not loaded: {error}") from None
        for line in report:
            self.stdout.write(line)
