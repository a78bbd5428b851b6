"""Container logs: stdout and stderr told apart, TTY containers read in chunks.

docker-py's `logs()` drops the stream flag of each frame and reads TTY output
one byte at a time, so this module asks the engine itself and parses the
8-byte frame headers (1 = stdout, 2 = stderr). Timestamps are always asked
for: they order merged views and join a tail to a live stream without gaps.
Lines over 16 KB arrive as several frames, each with its own timestamp; they
are joined back into one line with the first timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from console.dockerapi.streams import EngineStream

STDOUT, STDERR = 1, 2
# The json-file and local drivers cut long lines into 16 KiB messages.
PARTIAL_SIZE = 16 * 1024
_TIMESTAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ")


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of a container's log, without its line ending."""

    stream: int  # STDOUT or STDERR (a TTY container's output is all STDOUT)
    timestamp: str  # the engine's RFC 3339 time, nanoseconds
    text: str

    @property
    def key(self) -> str:
        return timestamp_key(self.timestamp)


def timestamp_key(timestamp: str) -> str:
    """A form of an engine timestamp that sorts as text (nanoseconds padded)."""
    head, _, fraction = timestamp.rstrip("Z").partition(".")
    return f"{head}.{fraction.ljust(9, '0')[:9]}"


def timestamp_seconds(timestamp: str) -> str:
    """An engine timestamp as the "seconds.nanoseconds" the API's since/until take."""
    head, _, fraction = timestamp.rstrip("Z").partition(".")
    moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    return f"{int(moment.timestamp())}.{fraction.ljust(9, '0')[:9]}"


class LogStream:
    """A container's log as `LogLine`s; `close()` works from any thread."""

    def __init__(
        self,
        container_id: str,
        *,
        tty: bool,
        follow: bool,
        tail: int | str = "all",
        since: str | float | None = None,
        until: str | float | None = None,
    ) -> None:
        params: dict[str, object] = {
            "stdout": 1,
            "stderr": 1,
            "timestamps": 1,
            "follow": int(follow),
            "tail": "all" if tail in ("all", None) else str(int(tail)),
        }
        if since:
            params["since"] = since
        if until:
            params["until"] = until
        self.tty = tty
        self._stream = EngineStream(
            "logs", "/containers/{0}/logs", container_id, params=params
        )

    def lines(self) -> Iterator[LogLine]:
        """Every line, in order, until the engine or close() ends the stream."""
        chunks = self._stream.chunks()
        if self.tty:
            return _tty_lines(chunks)
        return _multiplexed_lines(chunks)

    def batches(self) -> Iterator[list[LogLine]]:
        """The lines grouped as they arrived (one list per HTTP chunk)."""
        chunks = self._stream.chunks()
        split = _tty_batches if self.tty else _multiplexed_batches
        return split(chunks)

    def close(self) -> None:
        self._stream.close()

    @property
    def closed(self) -> bool:
        return self._stream.closed


def open_logs(container_id: str, **options: object) -> LogStream:
    """Open a container's log (see LogStream for the options); close it after."""
    return LogStream(container_id, **options)  # type: ignore[arg-type]


def _split_timestamp(payload: bytes) -> tuple[str, bytes]:
    stamp, _, rest = payload.partition(b" ")
    return stamp.decode("ascii", "replace"), rest


def _decode(text: bytes) -> str:
    return text.decode("utf-8", "replace")


def _multiplexed_batches(chunks: Iterator[bytes]) -> Iterator[list[LogLine]]:
    buffer = bytearray()
    pending: dict[int, tuple[str, bytearray]] = {}
    for chunk in chunks:
        buffer += chunk
        batch: list[LogLine] = []
        offset, size = 0, len(buffer)
        while size - offset >= 8:
            length = int.from_bytes(buffer[offset + 4 : offset + 8], "big")
            end = offset + 8 + length
            if end > size:
                break
            stream = buffer[offset] or STDOUT
            stamp, text = _split_timestamp(bytes(buffer[offset + 8 : end]))
            offset = end
            if stream in pending:  # the rest of a line cut into 16 KB frames
                first, parts = pending.pop(stream)
                parts += text
                stamp, text = first, bytes(parts)
            if text.endswith(b"\n"):
                batch.append(LogLine(stream, stamp, _decode(text[:-1])))
            else:
                pending[stream] = (stamp, bytearray(text))
        del buffer[:offset]
        if batch:
            yield batch
    for stream, (stamp, parts) in pending.items():  # a last line with no newline
        yield [LogLine(stream, stamp, _decode(bytes(parts)))]


def _tty_batches(chunks: Iterator[bytes]) -> Iterator[list[LogLine]]:
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        if b"\n" not in chunk:
            continue
        head, _, rest = bytes(buffer).rpartition(b"\n")
        buffer = bytearray(rest)
        yield [_tty_line(raw) for raw in head.split(b"\n")]
    if buffer:
        yield [_tty_line(bytes(buffer))]


def _tty_line(raw: bytes) -> LogLine:
    stamp, text = _split_timestamp(raw)
    if len(text) > PARTIAL_SIZE:
        text = _join_partials(text)
    return LogLine(STDOUT, stamp, _decode(text.removesuffix(b"\r")))


def _join_partials(text: bytes) -> bytes:
    """A TTY stream has no frames: a long line's continuation messages carry
    their own timestamp every 16 KiB; cut them out."""
    parts, rest = [], text
    while len(rest) > PARTIAL_SIZE and _TIMESTAMP.match(rest, PARTIAL_SIZE):
        parts.append(rest[:PARTIAL_SIZE])
        rest = rest[_TIMESTAMP.match(rest, PARTIAL_SIZE).end() :]
    parts.append(rest)
    return b"".join(parts)


def _multiplexed_lines(chunks: Iterator[bytes]) -> Iterator[LogLine]:
    for batch in _multiplexed_batches(chunks):
        yield from batch


def _tty_lines(chunks: Iterator[bytes]) -> Iterator[LogLine]:
    for batch in _tty_batches(chunks):
        yield from batch
