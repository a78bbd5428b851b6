"""Websocket clients for consumer tests: Channels' WebsocketCommunicator on the
real ASGI application (origin check, sessions, routing), as a browser would."""

from __future__ import annotations

import json
import time
from typing import Any

from channels.testing import WebsocketCommunicator
from django.test import Client

ORIGIN = "http://127.0.0.1:8000"


def session_cookie(user: Any) -> str:
    """A real session for `user` (call from sync code: fixtures)."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def communicator(
    path: str, cookie: str | None = None, origin: str = ORIGIN
) -> WebsocketCommunicator:
    from console.asgi import application

    headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def open_socket(path: str, cookie: str | None = None) -> WebsocketCommunicator:
    socket = communicator(path, cookie)
    connected, _ = await socket.connect(timeout=10)
    assert connected, f"{path} refused the handshake"
    return socket


async def close_code(socket: WebsocketCommunicator, timeout: float = 10) -> int:
    """The code the server closed with (after accepting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await socket.receive_output(timeout=deadline - time.monotonic())
        if message["type"] == "websocket.close":
            return message.get("code", 1000)
    raise AssertionError("the server did not close the socket")


class LogClient:
    """Reads a log socket like the page does: collects lines, acknowledges frames."""

    def __init__(self, socket: WebsocketCommunicator, *, ack: bool = True) -> None:
        self.socket = socket
        self.ack = ack
        self.frames = 0
        self.lines: list[list[Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.skipped = 0

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        """The next message; asyncio.TimeoutError when none comes in time.

        (The communicator's own timeout would cancel the application, so
        wait with receive_nothing, which does not.)"""
        deadline = time.monotonic() + timeout
        while await self.socket.receive_nothing(timeout=0.02, interval=0.005):
            if time.monotonic() > deadline:
                raise TimeoutError
        message = json.loads(await self.socket.receive_from(timeout=5))
        self.frames += 1
        if self.ack:
            await self.acknowledge()
        if message["type"] == "lines":
            self.lines.extend(message["lines"])
        elif message["type"] == "skipped":
            self.skipped += message["count"]
        self.messages.append(message)
        return message

    async def acknowledge(self) -> None:
        await self.socket.send_json_to({"type": "ack", "frames": self.frames})

    def texts(self) -> list[str]:
        return [line[2] for line in self.lines]

    async def until(self, predicate: Any, timeout: float = 10) -> dict[str, Any]:
        """Receive until `predicate(message)` holds for a message; return it."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"not seen in {timeout}s; last messages: {self.messages[-3:]}"
                )
            try:
                message = await self.receive(timeout=left)
            except TimeoutError:
                continue
            if predicate(message):
                return message

    async def until_lines(self, count: int, timeout: float = 10) -> None:
        await self.until(lambda m: len(self.lines) + self.skipped >= count, timeout)

    async def until_text(self, text: str, timeout: float = 10) -> None:
        if text not in self.texts():
            await self.until(lambda m: text in self.texts(), timeout)
