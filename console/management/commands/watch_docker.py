"""`python manage.py watch_docker`: one per engine (see containers/watcher.py)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from console.heartbeat import start_heartbeat
from containers.watcher import AUDIT_DELAY, Watcher


class Command(BaseCommand):
    help = "Push engine events to open pages and audit changes made outside Berth."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--audit-delay",
            type=float,
            default=AUDIT_DELAY,
            help="seconds to wait for Berth's own audit event before calling a "
            "change an outside one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda number, frame: done.set())
        start_heartbeat("watcher")
        watcher = Watcher(audit_delay=options["audit_delay"]).start()
        self.stdout.write("watching the engine's container events")
        done.wait()
        watcher.stop()
        self.stdout.write("watcher stopped")
