"""Long-lived engine responses (logs, stats, events) on clients of their own.

An `EngineStream` owns one docker-py client and one streaming response, and
can be closed from any thread: `close()` shuts the socket down, so a reader
blocked in `recv()` in a pool thread returns at once (the way docker-py's
CancellableStream does it). Every stream opened is counted per process, so
tests and benchmarks can check that viewers share them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import docker
from django.conf import settings
from urllib3.exceptions import HTTPError as Urllib3Error

from console.dockerapi.client import engine_address
from console.dockerapi.errors import EngineUnavailable, translated

READ_SIZE = 256 * 1024
_opened: Counter[str] = Counter()
_opened_lock = threading.Lock()


def streams_opened(kind: str = "") -> int:
    """How many engine streams of `kind` ("logs", "stats", "events") this
    process has opened since it started (all kinds when empty)."""
    with _opened_lock:
        return _opened[kind] if kind else sum(_opened.values())


def _count(kind: str) -> None:
    with _opened_lock:
        _opened[kind] += 1


def _new_stream_client() -> docker.APIClient:
    # Streams have no read timeout (a quiet container is not an error), but
    # connecting still gives up after the usual engine timeout.
    with translated(engine_address()):
        return docker.APIClient(
            base_url=engine_address(),
            version="auto",
            timeout=settings.DOCKER_TIMEOUT,
            max_pool_size=1,
        )


def _raw_socket(client: docker.APIClient, response: Any) -> socket.socket | None:
    try:
        wrapped = client._get_raw_response_socket(response)
    except Exception:  # noqa: BLE001 (ssh transports have no plain socket)
        return None
    return getattr(wrapped, "_sock", wrapped)


class EngineStream:
    """One streaming engine response; iterate `chunks()`, `close()` from anywhere."""

    def __init__(self, kind: str, path: str, *args: str, params: dict[str, Any]):
        self.kind = kind
        self._client = _new_stream_client()
        self._closed = threading.Event()
        try:
            with translated(engine_address()):
                self._response = self._client._get(
                    self._client._url(path, *args),
                    params=params,
                    stream=True,
                    timeout=None,
                )
                self._client._raise_for_status(self._response)
        except BaseException:
            self._client.close()
            raise
        self._socket = _raw_socket(self._client, self._response)
        if self._socket is not None:
            self._socket.settimeout(None)
        _count(kind)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives, until the engine ends it or someone calls
        close(). Raises EngineUnavailable when the connection breaks otherwise.

        Each piece is everything the socket had ready (up to READ_SIZE): one
        frame when the container is quiet (low latency), thousands of lines
        when it is chatty (few wake-ups); never one byte at a time.
        """
        try:
            if self._response.headers.get("Transfer-Encoding") == "chunked":
                yield from _dechunked(self._response.raw._fp.fp)
            else:
                yield from self._response.raw.stream(READ_SIZE, decode_content=False)
        except (OSError, ValueError, Urllib3Error) as error:
            if not self.closed:
                raise EngineUnavailable(engine_address(), "stream broken") from error
        finally:
            self.close()

    def close(self) -> None:
        """End the stream; safe to call twice and from another thread."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            self._response.close()
        with contextlib.suppress(Exception):
            self._client.close()


def _dechunked(body: Any) -> Iterator[bytes]:
    """Decode HTTP/1.1 chunked transfer coding from a buffered reader, handing
    out whatever arrived with each read instead of one HTTP chunk at a time."""
    buffer = b""
    left = 0  # bytes of the current chunk's data still to come
    while True:
        data = body.read1(READ_SIZE)
        if not data:
            return
        buffer = buffer + data if buffer else data
        out: list[bytes] = []
        position, size = 0, len(buffer)
        while position < size:
            if left:
                end = min(position + left, size)
                out.append(buffer[position:end])
                left -= end - position
                position = end
                continue
            line_end = buffer.find(b"\r\n", position)
            if line_end < 0:
                break
            size_text = buffer[position:line_end].split(b";")[0].strip()
            position = line_end + 2
            if not size_text:  # the CRLF that closes a chunk's data
                continue
            left = int(size_text, 16)
            if left == 0:
                if out:
                    yield b"".join(out)
                return
        buffer = buffer[position:]
        if out:
            yield b"".join(out)
