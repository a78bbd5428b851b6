"""One engine log stream per container per web process, shared by its viewers.

A `ContainerLog` reads the engine's follow stream in a thread of the blocking
pool and hands each batch of lines (encoded to JSON once, for everyone) to the
event loop, which appends it to every `Viewer`'s bounded queue. A viewer that
falls behind loses its oldest queued lines and is told how many ("N lines
skipped"); nobody else waits for it. When the container stops, the engine
ends the stream and the viewers are told; when it starts again (an engine
event, or a periodic check), the stream is reopened from the last line seen,
so nothing is shown twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import deque
from json.encoder import encode_basestring
from typing import Any

from console import dockerapi
from console.dockerapi import GatewayError, LogLine, NotFound
from console.live import blocking_pool

log = logging.getLogger(__name__)

# The shared stream starts this long before its first viewer asked, so lines
# written while that viewer's tail is being read are in it (the join drops the
# overlap by timestamp).
START_MARGIN = 2.0
RECHECK_STOPPED = 5.0  # seconds between state checks while a container is down
DIE_GRACE = 1.0  # let the last lines drain before closing on a "die" event

Entry = tuple[str | None, str]  # (sort key, JSON); key None: a whole notice frame


def encode_line(line: LogLine, tag: int | None = None) -> str:
    """A line as a JSON array: [stream, timestamp, text] (+ container tag)."""
    text = f"[{line.stream},{encode_basestring(line.timestamp)},"
    text += encode_basestring(line.text)
    return f"{text},{tag}]" if tag is not None else f"{text}]"


def lines_frame(fragments: list[str], tag: int | None = None) -> str:
    body = ",".join(fragments)
    if tag is None:
        return f'{{"type":"lines","lines":[{body}]}}'
    return f'{{"type":"lines","c":{tag},"lines":[{body}]}}'


class Viewer:
    """One socket's place in a shared stream: a bounded queue of what is
    still to be sent, and a count of what was dropped."""

    def __init__(self, limit: int, tag: int | None = None) -> None:
        self.entries: deque[Entry] = deque()
        self.limit = limit
        self.tag = tag
        self.skipped = 0
        self.dropped_notice: str | None = None
        self.held = True  # until its tail is sent, live lines only queue up
        self.floor: str | None = None  # lines at or below it were in the tail
        self.ready = asyncio.Event()

    def _above_floor(self, entries: list[Entry]) -> list[Entry]:
        kept = [e for e in entries if e[0] is None or e[0] > self.floor]
        if any(e[0] is not None for e in kept):
            self.floor = None  # the shared stream is past the tail for good
        return kept

    def offer(self, entries: list[Entry]) -> None:
        if self.floor is not None:
            entries = self._above_floor(entries)
        self.entries.extend(entries)
        # A batch (at most one engine read) is never cut by itself; what a
        # viewer had not taken yet goes first.
        overflow = len(self.entries) - max(self.limit, len(entries))
        for _ in range(max(overflow, 0)):
            key, fragment = self.entries.popleft()
            if key is None:
                self.dropped_notice = fragment
            else:
                self.skipped += 1
        if not self.held:
            self.ready.set()

    def release(self, after_key: str | None) -> None:
        """The tail is sent: drop queued lines it already had, start sending."""
        if after_key is not None:
            self.floor = after_key
            self.entries = deque(self._above_floor(list(self.entries)))
        self.held = False
        self.ready.set()

    def take(self, max_lines: int) -> list[str]:
        """The next frames to send (a skipped marker first when lines were lost)."""
        frames: list[str] = []
        if self.skipped:
            frames.append(
                json.dumps({"type": "skipped", "count": self.skipped, "c": self.tag})
            )
            self.skipped = 0
        if self.dropped_notice:
            frames.append(self.dropped_notice)
            self.dropped_notice = None
        lines: list[str] = []
        while self.entries and len(lines) < max_lines:
            key, fragment = self.entries.popleft()
            if key is not None:
                lines.append(fragment)
                continue
            if lines:
                frames.append(lines_frame(lines, self.tag))
                lines = []
            frames.append(fragment)
        if lines:
            frames.append(lines_frame(lines, self.tag))
        if not self.entries:
            self.ready.clear()
        return frames


class ContainerLog:
    """The shared follow stream of one container in this process."""

    def __init__(
        self, hub: LogHub, container_id: str, tty: bool, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.hub = hub
        self.container_id = container_id
        self.tty = tty
        self.loop = loop
        self.viewers: set[Viewer] = set()
        self.state = "running"
        self.streams_opened = 0
        self._start_since = f"{time.time() - START_MARGIN:.9f}"
        self._last_key = ""
        self._last_stamp = ""
        self._stream: dockerapi.LogStream | None = None
        self._closing = False
        self._wakeup = threading.Event()
        self.future = loop.run_in_executor(blocking_pool(), self._run)

    # In the pool thread ------------------------------------------------------

    def _run(self) -> None:
        backoff = 1.0
        while not self._closing:
            try:
                self._follow()
                if self._closing:
                    break
                self._read(follow=False)  # whatever the follow stream left
                self._wait_while_stopped()
                backoff = 1.0
            except NotFound:
                self._announce_state("removed")
                break
            except GatewayError as error:
                self._announce_state("unreachable", error=error.message)
                self._wakeup.wait(backoff)
                backoff = min(backoff * 2, 30.0)
            except Exception:  # a bug must not leave viewers hanging silently
                log.exception("log stream of %s failed", self.container_id[:12])
                self._announce_state("unreachable", error="Berth's log reader failed")
                self._wakeup.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _since(self) -> str:
        if self._last_stamp:
            return dockerapi.timestamp_seconds(self._last_stamp)
        return self._start_since

    def _follow(self) -> None:
        self._read(follow=True)

    def _read(self, *, follow: bool) -> None:
        stream = dockerapi.open_logs(
            self.container_id, tty=self.tty, follow=follow, since=self._since()
        )
        self._stream = stream
        if follow:
            self.streams_opened += 1
            if self.state != "running":
                self._announce_state("running")
        if self._closing:
            stream.close()
            return
        try:
            for batch in stream.batches():
                self._publish(batch)
        finally:
            stream.close()

    def _publish(self, batch: list[LogLine]) -> None:
        entries: list[Entry] = []
        last = self._last_key
        for line in batch:
            key = line.key
            if key <= last:  # already sent (a reopened stream starts at `since`)
                continue
            last = key
            entries.append((key, encode_line(line)))
        if entries:
            self._last_key = last
            self._last_stamp = batch[-1].timestamp
            self.loop.call_soon_threadsafe(self._deliver, entries)

    def _wait_while_stopped(self) -> None:
        self._wakeup.clear()
        detail = dockerapi.inspect_container(self.container_id)
        if detail.running:
            return
        self._announce_state("stopped", exit_code=detail.exit_code)
        while not self._closing:
            if self._wakeup.wait(RECHECK_STOPPED):
                self._wakeup.clear()
            if self._closing or dockerapi.inspect_container(self.container_id).running:
                return

    def _announce_state(self, state: str, **details: Any) -> None:
        self.state = state
        frame = json.dumps({"type": "state", "state": state, **details})
        self.loop.call_soon_threadsafe(self._deliver, [(None, frame)])

    # On the event loop -------------------------------------------------------

    def _deliver(self, entries: list[Entry]) -> None:
        for viewer in tuple(self.viewers):
            viewer.offer(entries)

    # From the event feed's thread ------------------------------------------------

    def on_event(self, verb: str) -> None:
        if verb == "start":
            self._wakeup.set()
        elif verb == "die":
            # Engines that keep a follow stream open after the container
            # stops (some do) would leave it hanging: close it after the
            # last lines had time to arrive; the catch-up read gets the rest.
            stream = self._stream
            if stream is not None:
                timer = threading.Timer(DIE_GRACE, stream.close)
                timer.daemon = True
                timer.start()
        elif verb == "destroy":
            self.close()

    def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._stream is not None:
            self._stream.close()


class EventFeed:
    """One engine event subscription per process, while any log is watched:
    tells each ContainerLog when its container starts, dies or is removed."""

    def __init__(self, hub: LogHub) -> None:
        self.hub = hub
        self._closing = False
        self._stream: Any = None
        self._wakeup = threading.Event()
        self.future = blocking_pool().submit(self._run)

    def _run(self) -> None:
        backoff = 1.0
        while not self._closing:
            try:
                self._stream = dockerapi.open_events(("start", "die", "destroy"))
                if self._closing:
                    break
                for event in self._stream.events():
                    backoff = 1.0
                    self.hub.on_event(event)
            except GatewayError as error:
                log.info("engine events unavailable: %s", error.message)
            if not self._closing:
                self._wakeup.wait(backoff)
                backoff = min(backoff * 2, 30.0)
        if self._stream is not None:
            self._stream.close()

    def close(self) -> None:
        self._closing = True
        self._wakeup.set()
        if self._stream is not None:
            self._stream.close()


class LogHub:
    """This process's shared log streams, by container id (event loop only)."""

    def __init__(self) -> None:
        self.logs: dict[str, ContainerLog] = {}
        self.streams_opened = 0
        self._feed: EventFeed | None = None

    def subscribe(self, container_id: str, tty: bool, viewer: Viewer) -> ContainerLog:
        shared = self.logs.get(container_id)
        if shared is None:
            shared = ContainerLog(self, container_id, tty, asyncio.get_running_loop())
            self.logs[container_id] = shared
            self.streams_opened += 1
            if self._feed is None:
                self._feed = EventFeed(self)
        shared.viewers.add(viewer)
        if shared.state != "running":
            viewer.offer([(None, json.dumps({"type": "state", "state": shared.state}))])
        return shared

    def unsubscribe(self, container_id: str, viewer: Viewer) -> None:
        shared = self.logs.get(container_id)
        if shared is None:
            return
        shared.viewers.discard(viewer)
        if not shared.viewers:
            del self.logs[container_id]
            shared.close()
        if not self.logs and self._feed is not None:
            self._feed.close()
            self._feed = None

    def on_event(self, event: dockerapi.EngineEvent) -> None:
        shared = self.logs.get(event.container_id)
        if shared is not None:
            shared.on_event(event.verb)

    def engine_streams(self, container_id: str) -> int:
        """How many follow streams the shared log of this container opened."""
        shared = self.logs.get(container_id)
        return shared.streams_opened if shared else 0


hub = LogHub()


async def wait_closed(shared: ContainerLog, timeout: float = 5.0) -> None:
    """Wait for a closed ContainerLog's reader thread to finish (tests)."""
    with contextlib.suppress(asyncio.TimeoutError, Exception):
        await asyncio.wait_for(asyncio.shield(shared.future), timeout)
