"""Exit 0 when a process's heartbeat is fresh: compose healthchecks for the
worker, beat and watcher containers, which serve no HTTP."""

from __future__ import annotations

import sys
from typing import Any

import redis
from django.core.management.base import BaseCommand, CommandParser

from console import heartbeat


class Command(BaseCommand):
    help = "Exit 0 if the named process (worker, beat, watcher) beat recently."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=["worker", "beat", "watcher"])

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"]
        try:
            seen = heartbeat.last_seen(name)
        except redis.RedisError as error:
            self.stderr.write(f"{name}: cannot read its heartbeat ({error})")
            sys.exit(1)
        if seen is None:
            self.stderr.write(f"{name}: no heartbeat in the last {heartbeat.TTL} s")
            sys.exit(1)
        self.stdout.write(f"{name}: alive")
