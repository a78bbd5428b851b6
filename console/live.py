"""Live updates: telling open pages that something changed, over Channels.

`announce()` sends to a group from sync code (views, services, Celery tasks,
the watcher) and never raises: a Redis hiccup must not fail the action that
already happened. `BerthConsumer` is the base of every websocket consumer:
it authenticates, authorises in connect() and closes with 4401 (not logged
in) or 4403 (not allowed) after accepting, so browsers see the code.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import async_to_sync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

log = logging.getLogger(__name__)

NOT_LOGGED_IN = 4401
NOT_ALLOWED = 4403

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def blocking_pool() -> ThreadPoolExecutor:
    """The threads that run blocking engine reads for this web process.

    Never the event loop, and never asgiref's single sync_to_async thread
    (Channels runs every consumer's database work there): a log stream that
    blocks it would freeze every socket in the process.
    """
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = ThreadPoolExecutor(
                    max_workers=settings.BERTH_STREAM_THREADS,
                    thread_name_prefix="berth-stream",
                )
    return _pool


async def run_blocking(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `func` in the blocking pool and await its result."""
    loop = asyncio.get_running_loop()
    call = functools.partial(func, *args, **kwargs)
    return await loop.run_in_executor(blocking_pool(), call)


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
