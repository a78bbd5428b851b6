"""The watcher: engine events → live container pages, and an audit of
changes made outside Berth.

It subscribes to the engine's container events first, then lists (so nothing
falls between the two), and re-lists after every reconnect. Events are read
by one thread and handled by another in small batches: one engine request
and one group message per batch, never per event.

Telling Berth's own changes from outside ones: an engine event with action A
on container X is Berth's own when the audit trail holds an event written by
Berth (source web, job, websocket or system) on X (for "create": X's id or
its name) whose action's last word is one that causes A (CAUSES below), from
AUDIT_BEFORE seconds before the engine event to the moment of the check.
The check waits `audit_delay` seconds after the event, since Berth's services
write their audit event after the engine call returns. Anything else is
recorded as source "engine" with an empty actor.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import close_old_connections
from django.db.models import Q

from console import dockerapi
from console.audit import ENGINE, record
from console.dockerapi import ContainerSummary, EngineEvent, GatewayError
from console.live import announce
from console.models import AuditEvent
from containers.live_list import GROUP

log = logging.getLogger(__name__)

BATCH_WINDOW = 0.05  # seconds to gather events into one update
AUDIT_DELAY = 5.0
AUDIT_BEFORE = 60.0
BERTH_SOURCES = ("web", "job", "websocket", "system")
LAUNCH_WORDS = {"create", "launch", "run", "recreate", "deploy", "clone"}
# Engine action → the last words of Berth audit actions that cause it.
CAUSES: dict[str, set[str]] = {
    "create": LAUNCH_WORDS,
    "start": {"start", "restart"} | LAUNCH_WORDS,
    "restart": {"restart"},
    "kill": {"stop", "restart", "kill", "remove", "expire", "recreate"},
    "stop": {"stop", "restart", "remove", "expire", "recreate"},
    "pause": {"pause"},
    "unpause": {"unpause"},
    "rename": {"rename", "recreate"},
    "destroy": {"remove", "expire", "recreate", "prune"},
}
AUDIT_ACTION = {"destroy": "remove"}


def row_json(container: ContainerSummary) -> dict[str, Any]:
    return {
        "id": container.id,
        "name": container.name,
        "state": container.state,
        "status": container.status,
        "health": container.health,
        "labels": container.labels,
    }


def is_berths_own(event: EngineEvent, now: datetime | None = None) -> bool:
    """Whether Berth's audit trail explains this engine event (see above)."""
    happened = datetime.fromtimestamp(event.time_nano / 1e9, tz=UTC)
    words = CAUSES.get(event.verb, set())
    candidates = AuditEvent.objects.filter(
        source__in=BERTH_SOURCES,
        created__gte=happened - timedelta(seconds=AUDIT_BEFORE),
        created__lte=now or datetime.now(tz=UTC),
    )
    same = Q(target_id=event.container_id)
    if event.verb == "create" and event.name:
        same |= Q(target_name=event.name)
    candidates = candidates.filter(same)
    return any(
        action.rsplit(".", 1)[-1] in words
        for action in candidates.values_list("action", flat=True)
    )


def audit_outside(event: EngineEvent) -> AuditEvent | None:
    """Record `event` as an outside change unless Berth explains it."""
    if event.verb not in CAUSES or dockerapi.HELPER_LABEL in event.attributes:
        return None  # Berth's own short-lived volume helpers are not news
    if is_berths_own(event):
        return None
    attributes = event.attributes
    params = {"engine_action": event.action, "image": attributes.get("image", "")}
    if event.verb == "rename":
        params["old_name"] = attributes.get("oldName", "").lstrip("/")
    return record(
        ENGINE,
        f"container.{AUDIT_ACTION.get(event.verb, event.verb)}",
        target_type="container",
        target_id=event.container_id,
        target_name=event.name,
        team=attributes.get("berth.team", ""),
        params=params,
    )


class Watcher:
    """Runs until stop(): reader thread, batch handler, delayed auditor."""

    def __init__(self, *, audit_delay: float = AUDIT_DELAY) -> None:
        self.audit_delay = audit_delay
        self.snapshot: dict[str, ContainerSummary] = {}
        self.events: queue.Queue[EngineEvent | None] = queue.Queue()
        self.audits: queue.Queue[tuple[float, EngineEvent] | None] = queue.Queue()
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self._stream: Any = None
        self._threads: list[threading.Thread] = []

    def start(self) -> Watcher:
        for target, name in (
            (self.read_events, "watcher-events"),
            (self.handle_events, "watcher-updates"),
            (self.audit_events, "watcher-audit"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        if self._stream is not None:
            self._stream.close()
        self.events.put(None)
        self.audits.put(None)
        for thread in self._threads:
            thread.join(timeout)

    # Reading --------------------------------------------------------------

    def read_events(self) -> None:
        backoff = 1.0
        while not self.stopping.is_set():
            try:
                self._stream = dockerapi.open_events()  # subscribed from here on
                self.resync(dockerapi.list_containers())
                self.connected.set()
                backoff = 1.0
                for event in self._stream.events():
                    self.events.put(event)
            except GatewayError as error:
                log.warning("engine events: %s", error.message)
            self.connected.clear()
            if self.stopping.wait(backoff):
                break
            backoff = min(backoff * 2, 30.0)
            log.info("reconnecting to the engine's events")

    def resync(self, containers: list[ContainerSummary]) -> None:
        """Replace the snapshot; announce what changed while we were away."""
        fresh = {c.id: c for c in containers}
        if self.snapshot:
            changed = [c for i, c in fresh.items() if self.snapshot.get(i) != c]
            removed = [self.snapshot[i] for i in self.snapshot if i not in fresh]
            self.announce(changed, [{"id": c.id, "labels": c.labels} for c in removed])
        self.snapshot = fresh

    # Handling -------------------------------------------------------------

    def handle_events(self) -> None:
        while not self.stopping.is_set():
            first = self.events.get()
            if first is None:
                return
            batch = [first]
            deadline = time.monotonic() + BATCH_WINDOW
            while (left := deadline - time.monotonic()) > 0:
                try:
                    event = self.events.get(timeout=left)
                except queue.Empty:
                    break
                if event is None:
                    return
                batch.append(event)
            try:
                self.handle_batch(batch)
            except GatewayError as error:
                log.warning("could not refresh containers: %s", error.message)

    def handle_batch(self, batch: list[EngineEvent]) -> None:
        due = time.monotonic() + self.audit_delay
        for event in batch:
            if event.verb in CAUSES:
                self.audits.put((due, event))
        ids = list(dict.fromkeys(e.container_id for e in batch))
        rows = {c.id: c for c in dockerapi.list_containers(ids=ids)}
        removed = []
        for event in batch:
            cid = event.container_id
            if cid not in rows and (event.verb == "destroy" or cid in self.snapshot):
                removed.append({"id": cid, "labels": _labels(event)})
                self.snapshot.pop(cid, None)
        self.snapshot.update(rows)
        self.announce(list(rows.values()), removed)

    def announce(self, rows: list[ContainerSummary], removed: list[dict]) -> None:
        if rows or removed:
            announce(
                GROUP,
                {
                    "type": "containers.changed",
                    "rows": [row_json(c) for c in rows],
                    "removed": list({r["id"]: r for r in removed}.values()),
                },
            )

    # Auditing -------------------------------------------------------------

    def audit_events(self) -> None:
        while True:
            item = self.audits.get()
            if item is None:
                return
            due, event = item
            if self.stopping.wait(max(due - time.monotonic(), 0)):
                return
            try:
                audit_outside(event)
            except Exception:  # the trail must not stop the live pages
                log.exception("could not audit engine event %s", event.action)
            finally:
                close_old_connections()


def _labels(event: EngineEvent) -> dict[str, str]:
    # An event's attributes carry the container's labels beside name/image.
    skip = {"name", "image", "exitCode", "oldName", "signal", "execID"}
    return {k: v for k, v in event.attributes.items() if k not in skip}
