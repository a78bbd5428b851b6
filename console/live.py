"""Live updates: telling open pages that something changed, over Channels.

`announce()` sends to a group from sync code (views, services, Celery tasks,
the watcher) and never raises: a Redis hiccup must not fail the action that
already happened. `BerthConsumer` is the base of every websocket consumer:
it authenticates, authorises in connect() and closes with 4401 (not logged
in) or 4403 (not allowed) after accepting, so browsers see the code.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

NOT_LOGGED_IN = 4401
NOT_ALLOWED = 4403


def announce(group: str, message: dict[str, Any]) -> bool:
    """Send `message` (with a "type") to every socket in `group`; False on failure."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as error:  # noqa: BLE001 (live updates are best effort)
        log.warning(
            "could not announce %s to %s: %s", message.get("type"), group, error
        )
        return False
    return True


class BerthConsumer(AsyncJsonWebsocketConsumer):
    """Authenticate, authorise, join groups; subclasses add handlers."""

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=NOT_LOGGED_IN)
            return
        if not await self.authorize(user):
            await self.close(code=NOT_ALLOWED)
            return
        self.joined = await self.groups_for(user)
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.on_connected()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.on_disconnected(code)

    async def authorize(self, user: Any) -> bool:
        """Whether this user may open this socket (checked on the server)."""
        return True

    async def groups_for(self, user: Any) -> list[str]:
        return []

    async def on_connected(self) -> None:
        """Runs after a successful connect (send the first state, start tasks)."""

    async def on_disconnected(self, code: int) -> None:
        """Runs after leaving the groups (stop tasks, close streams)."""
