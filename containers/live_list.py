"""The containers page, live: the watcher's changes pushed to open pages.

The watcher sends every change to the "containers" group; each socket keeps
only the rows its user may see (checked here, on the server, with the same
permission matrix as the page), so nobody learns of other teams' containers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async

from console import permissions
from console.live import BerthConsumer

GROUP = "containers"


@dataclass(frozen=True)
class RowRef:
    """Just enough of a container for a permission check."""

    id: str
    labels: dict[str, str] = field(default_factory=dict)


class ContainerListConsumer(BerthConsumer):
    """/ws/containers/: row changes for the containers page."""

    async def groups_for(self, user: Any) -> list[str]:
        self.access = await database_sync_to_async(permissions.access_for)(user)
        return [GROUP]

    def visible(self, row: dict[str, Any]) -> bool:
        ref = RowRef(row.get("id", ""), row.get("labels") or {})
        return self.access.can(permissions.VIEW, ref)

    async def containers_changed(self, event: dict[str, Any]) -> None:
        rows = [
            {key: row.get(key) for key in ("id", "name", "state", "status", "health")}
            for row in event.get("rows", [])
            if self.visible(row)
        ]
        removed = [row["id"] for row in event.get("removed", []) if self.visible(row)]
        if rows or removed:
            await self.send_json({"type": "changed", "rows": rows, "removed": removed})
