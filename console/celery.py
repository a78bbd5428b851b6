"""The Celery app for the worker and beat."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _worker_heartbeat(**kwargs: object) -> None:
    from console.heartbeat import start_heartbeat

    start_heartbeat("worker")


@beat_init.connect
def _beat_heartbeat(**kwargs: object) -> None:
    from console.heartbeat import start_heartbeat

    start_heartbeat("beat")


@beat_init.connect
def _disk_usage_at_start(**kwargs: object) -> None:
    # Interval tasks first run one interval after beat starts; a fresh console
    # should not say "not computed yet" for its first ten minutes.
    app.send_task("host.tasks.refresh_disk_usage")
