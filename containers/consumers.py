"""Websocket consumers for one container's logs, a merged log view and stats.

Every consumer checks on the server, in connect(), that the user is logged in
(4401) and has the capability on that container (4403). Blocking engine reads
run in the blocking pool (console.live.run_blocking), never on the event loop.

Flow control: the server keeps at most WINDOW frames unacknowledged; the page
acknowledges what it received ({"type": "ack", "frames": total}). A viewer
that stops acknowledging stops receiving; its queue in the shared stream
fills and it is later told how many lines it missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings

from console import dockerapi, permissions
from console.dockerapi import GatewayError
from console.live import BerthConsumer, run_blocking
from containers.jobs import job_group
from containers.loghub import Viewer, encode_line, hub, lines_frame
from containers.models import Job

log = logging.getLogger(__name__)

WINDOW = 16  # frames in flight before the server waits for an ack
FRAME_LINES = 2000  # lines per frame at most
TAIL_BATCH = 5000  # lines of a tail read per trip to the blocking pool
MAX_TAIL = 100_000  # a number above this is "all"
MERGED_MAX = 20  # containers in one merged view
MERGED_TAIL_MAX = 5000


class Window:
    """Credit-based flow control for one socket."""

    def __init__(self, size: int = WINDOW) -> None:
        self.size = size
        self.sent = 0
        self.acked = 0
        self._open = asyncio.Event()
        self._open.set()

    async def acquire(self) -> None:
        while self.sent - self.acked >= self.size:
            self._open.clear()
            await self._open.wait()
        self.sent += 1

    def ack(self, frames: Any) -> None:
        if isinstance(frames, int):
            self.acked = max(self.acked, min(frames, self.sent))
            self._open.set()


def query(scope: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(scope.get("query_string", b"").decode("latin-1"))


def tail_option(value: str | None, default: int) -> int | str:
    """The tail a viewer asked for: a number of lines, or "all"."""
    if value == "all":
        return "all"
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        number = default
    return "all" if number > MAX_TAIL else max(number, 0)


async def may(user: Any, capability: str, container: Any) -> bool:
    return await database_sync_to_async(permissions.can)(user, capability, container)


class StreamingConsumer(BerthConsumer):
    """Shared parts of the log consumers: acks, sending frames in a window."""

    window: Window

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes old database connections on its single sync thread
        # before every handler; acks arrive many times a second per socket
        # and touch no database, so they skip that hop.
        if message["type"] == "websocket.receive" and hasattr(self, "window"):
            await self.websocket_receive(message)
            return
        await super().dispatch(message)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ack":
            self.window.ack(content.get("frames"))

    async def send_frame(self, frame: str) -> None:
        await self.window.acquire()
        await self.send(text_data=frame)

    async def pump(self, viewer: Viewer) -> None:
        """Send what the shared stream queued for this viewer, as it comes."""
        while True:
            await viewer.ready.wait()
            for frame in viewer.take(FRAME_LINES):
                await self.send_frame(frame)

    async def send_lines(self, fragments: list[str]) -> None:
        for start in range(0, len(fragments), FRAME_LINES):
            await self.send_frame(lines_frame(fragments[start : start + FRAME_LINES]))


def _next_encoded(lines: Any) -> tuple[list[str], str | None] | None:
    """The next lines of a finite (tail) read, JSON-encoded, and the last
    one's sort key: up to TAIL_BATCH lines per call, since a tail is all
    there already and every hop between threads costs."""
    fragments: list[str] = []
    last = None
    while len(fragments) < TAIL_BATCH:
        batch = next(lines, None)
        if batch is None:
            break
        fragments += [encode_line(line) for line in batch]
        last = batch[-1]
    if last is None:
        return None
    return fragments, last.key


class ContainerLogsConsumer(StreamingConsumer):
    """/ws/containers/<id>/logs/?tail=500: the last lines, then live ones."""

    async def authorize(self, user: Any) -> bool:
        container_id = self.scope["url_route"]["kwargs"]["container_id"]
        try:
            self.container = await run_blocking(
                dockerapi.inspect_container, container_id
            )
        except GatewayError:
            return False
        return await may(user, permissions.LOGS, self.container)

    async def on_connected(self) -> None:
        options = query(self.scope)
        self.tail = tail_option(
            (options.get("tail") or [None])[0], settings.BERTH_LOG_TAIL
        )
        self.window = Window()
        self.viewer = Viewer(settings.BERTH_LOG_VIEWER_BUFFER)
        self.tail_stream: dockerapi.LogStream | None = None
        hub.subscribe(self.container.id, self.container.tty, self.viewer)
        await self.send_json(
            {
                "type": "hello",
                "container": {"id": self.container.id, "name": self.container.name},
                "tail": self.tail,
            }
        )
        self.task = asyncio.create_task(self.stream())

    async def stream(self) -> None:
        try:
            after_key = await self.send_tail()
            await self.send_frame('{"type":"live"}')
            self.viewer.release(after_key)
            await self.pump(self.viewer)
        except GatewayError as error:
            await self.send_json({"type": "error", "message": error.message})

    async def send_tail(self) -> str | None:
        if self.tail == 0:
            return None
        self.tail_stream = await run_blocking(
            dockerapi.open_logs,
            self.container.id,
            tty=self.container.tty,
            follow=False,
            tail=self.tail,
        )
        lines = self.tail_stream.batches()
        last_key = None
        while (batch := await run_blocking(_next_encoded, lines)) is not None:
            fragments, last_key = batch
            await self.send_lines(fragments)
        return last_key

    async def on_disconnected(self, code: int) -> None:
        task = getattr(self, "task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if getattr(self, "tail_stream", None) is not None:
            self.tail_stream.close()
        if hasattr(self, "viewer"):
            hub.unsubscribe(self.container.id, self.viewer)


class MergedLogsConsumer(StreamingConsumer):
    """/ws/logs/?ids=a,b or ?project=name: several containers' logs, by time."""

    async def authorize(self, user: Any) -> bool:
        options = query(self.scope)
        ids = [i for value in options.get("ids", []) for i in value.split(",") if i]
        project = (options.get("project") or [""])[0]
        try:
            found = await run_blocking(_merged_containers, ids, project)
        except GatewayError:
            return False
        allowed = [c for c in found if await may(user, permissions.LOGS, c)]
        self.containers = allowed[:MERGED_MAX]
        return bool(self.containers)

    async def on_connected(self) -> None:
        tail = tail_option(
            (query(self.scope).get("tail") or [None])[0], settings.BERTH_LOG_TAIL
        )
        self.tail = MERGED_TAIL_MAX if tail == "all" else min(tail, MERGED_TAIL_MAX)
        self.window = Window()
        self.viewers = [
            Viewer(settings.BERTH_LOG_VIEWER_BUFFER, tag=index)
            for index in range(len(self.containers))
        ]
        for container, viewer in zip(self.containers, self.viewers, strict=True):
            hub.subscribe(container.id, container.tty, viewer)
        await self.send_json(
            {
                "type": "hello",
                "containers": [
                    {"id": c.id, "name": c.name, "tag": index}
                    for index, c in enumerate(self.containers)
                ],
            }
        )
        self.task = asyncio.create_task(self.stream())

    async def stream(self) -> None:
        try:
            keys = await self.send_merged_tail()
            await self.send_frame('{"type":"live"}')
            for viewer, key in zip(self.viewers, keys, strict=True):
                viewer.release(key)
            await asyncio.gather(*(self.pump(viewer) for viewer in self.viewers))
        except GatewayError as error:
            await self.send_json({"type": "error", "message": error.message})

    async def send_merged_tail(self) -> list[str | None]:
        if self.tail == 0:
            return [None] * len(self.containers)
        tails = await asyncio.gather(
            *(run_blocking(_read_tail, c.id, c.tty, self.tail) for c in self.containers)
        )
        merged = heapq.merge(
            *(
                [(line.key, index, line) for line in lines]
                for index, lines in enumerate(tails)
            ),
            key=lambda item: item[0],
        )
        await self.send_lines([encode_line(line, tag) for _, tag, line in merged])
        return [lines[-1].key if lines else None for lines in tails]

    async def on_disconnected(self, code: int) -> None:
        task = getattr(self, "task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for container, viewer in zip(
            getattr(self, "containers", []), getattr(self, "viewers", []), strict=False
        ):
            hub.unsubscribe(container.id, viewer)


def _merged_containers(ids: list[str], project: str) -> list[dockerapi.ContainerDetail]:
    if project:
        rows = dockerapi.list_containers(label=f"com.docker.compose.project={project}")
        ids = [row.id for row in rows]
    details = []
    for container_id in ids[:MERGED_MAX]:
        with contextlib.suppress(dockerapi.NotFound):
            details.append(dockerapi.inspect_container(container_id))
    return details


def _read_tail(container_id: str, tty: bool, tail: int) -> list[dockerapi.LogLine]:
    stream = dockerapi.open_logs(container_id, tty=tty, follow=False, tail=tail)
    try:
        return list(stream.lines())
    finally:
        stream.close()


class ContainerStatsConsumer(BerthConsumer):
    """/ws/containers/<id>/stats/: one sample a second from a streamed stats
    call of this socket's own, closed when the socket closes."""

    async def authorize(self, user: Any) -> bool:
        container_id = self.scope["url_route"]["kwargs"]["container_id"]
        try:
            self.container = await run_blocking(
                dockerapi.inspect_container, container_id
            )
        except GatewayError:
            return False
        return await may(user, permissions.STATS, self.container)

    async def on_connected(self) -> None:
        self.stats: Any = None
        self.task = asyncio.create_task(self.stream())

    async def stream(self) -> None:
        try:
            self.stats = await run_blocking(dockerapi.open_stats, self.container.id)
            samples = self.stats.samples()
            while (sample := await run_blocking(next, samples, None)) is not None:
                await self.send_json({"type": "sample", **_sample_json(sample)})
            await self.send_json({"type": "ended"})
        except GatewayError as error:
            await self.send_json({"type": "error", "message": error.message})

    async def on_disconnected(self, code: int) -> None:
        if getattr(self, "stats", None) is not None:
            self.stats.close()
        task = getattr(self, "task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _sample_json(sample: dockerapi.StatsSample) -> dict[str, Any]:
    return {
        "t": sample.read_at,
        "cpu": None if sample.cpu_percent is None else round(sample.cpu_percent, 2),
        "mem": sample.memory_used,
        "mem_limit": sample.memory_limit,
        "net_rx": sample.net_rx,
        "net_tx": sample.net_tx,
        "blk_read": sample.block_read,
        "blk_write": sample.block_write,
        "pids": sample.pids,
    }


class JobConsumer(BerthConsumer):
    """A job's progress and output, live: the snapshot first, then updates."""

    async def authorize(self, user: Any) -> bool:
        self.job_id = int(self.scope["url_route"]["kwargs"]["job_id"])
        return await database_sync_to_async(self._visible)(user)

    def _visible(self, user: Any) -> bool:
        from containers.job_views import visible_jobs

        return visible_jobs(user).filter(pk=self.job_id).exists()

    async def groups_for(self, user: Any) -> list[str]:
        return [job_group(self.job_id)]

    async def on_connected(self) -> None:
        job = await database_sync_to_async(Job.objects.get)(pk=self.job_id)
        await self.send_json(
            {"type": "snapshot", "job": job.snapshot(), "output": job.output}
        )

    async def job_update(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "update", "job": event["job"], "lines": event["lines"]}
        )
