"""Engine events: what happens to containers, as it happens.

Open the stream BEFORE listing: the request is sent when the stream opens,
so nothing that happens between the list and the first event is missed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from console.dockerapi.streams import EngineStream

CONTAINER_ACTIONS = (
    "create",
    "start",
    "restart",
    "stop",
    "die",
    "kill",
    "pause",
    "unpause",
    "rename",
    "destroy",
    "oom",
    "health_status",
    "update",
)


@dataclass(frozen=True, slots=True)
class EngineEvent:
    """One engine event about a container."""

    action: str  # "start", "die", "health_status: healthy", ...
    container_id: str
    time_nano: int
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def verb(self) -> str:
        """The action without its detail ("health_status: x" is "health_status")."""
        return self.action.partition(":")[0].strip()

    @property
    def name(self) -> str:
        return self.attributes.get("name", "")


class EventStream:
    """Container events as they happen; `close()` from any thread ends it."""

    def __init__(
        self, actions: tuple[str, ...] = CONTAINER_ACTIONS, since: str | None = None
    ) -> None:
        filters = {"type": ["container"], "event": list(actions)}
        params: dict[str, object] = {"filters": json.dumps(filters)}
        if since:
            params["since"] = since
        self._stream = EngineStream("events", "/events", params=params)

    def events(self) -> Iterator[EngineEvent]:
        buffer = b""
        for chunk in self._stream.chunks():
            buffer += chunk
            *documents, buffer = buffer.split(b"\n")
            for document in documents:
                if document.strip():
                    yield _event(json.loads(document))

    def close(self) -> None:
        self._stream.close()


def open_events(
    actions: tuple[str, ...] = CONTAINER_ACTIONS, since: str | None = None
) -> EventStream:
    """Subscribe to container events (the subscription starts right here)."""
    return EventStream(actions, since)


def _event(raw: dict) -> EngineEvent:
    actor = raw.get("Actor") or {}
    return EngineEvent(
        action=raw.get("Action") or raw.get("status") or "",
        container_id=actor.get("ID") or raw.get("id") or "",
        time_nano=int(raw.get("timeNano") or 0),
        attributes=dict(actor.get("Attributes") or {}),
    )
