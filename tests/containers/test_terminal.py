"""The exec terminal against the real engine: echo, multi-byte characters,
resize, the shell ended when the socket closes, audit of open and end."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from asgiref.sync import sync_to_async

from console.models import AuditEvent
from tests.support.sockets import open_socket, session_cookie

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


async def read_until(socket, needle: bytes, timeout: float = 10) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} not seen in {seen[-400:]!r}")
        if await socket.receive_nothing(timeout=0.05, interval=0.01):
            continue
        message = await socket.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            raise AssertionError(f"closed {message} after {seen!r}")
        seen += message.get("bytes") or b""
    return seen


async def test_echo_and_multibyte_characters_go_through_and_closing_ends_the_shell(
    engine, make_container, operator_user
):
    container = make_container(team="blue")
    cookie = await sync_to_async(session_cookie)(operator_user)
    socket = await open_socket(f"/ws/containers/{container['Id']}/terminal/", cookie)
    await socket.send_to(
        text_data=json.dumps({"type": "resize", "rows": 30, "cols": 100})
    )
    await socket.send_to(bytes_data=b"echo hi\n")
    assert b"\r\nhi\r\n" in await read_until(socket, b"\r\nhi\r\n")
    await socket.send_to(bytes_data="echo 'héllo ✓ 日本'\n".encode())
    output = await read_until(socket, "\r\nhéllo ✓ 日本\r\n".encode())
    assert "héllo ✓ 日本" in output.decode("utf-8", "replace")
    await socket.send_to(bytes_data=b"stty size\n")
    assert b"30 100" in await read_until(socket, b"30 100")
    await socket.send_to(bytes_data=b"sleep 1234\n")
    await asyncio.sleep(0.3)
    assert any("sleep 1234" in p[-1] for p in engine.top(container["Id"])["Processes"])
    await socket.disconnect()
    processes = [p[-1] for p in engine.top(container["Id"])["Processes"]]
    assert not any("sleep 1234" in cmd for cmd in processes), processes
    events = await sync_to_async(
        lambda: list(
            AuditEvent.objects.filter(target_id=container["Id"]).order_by("id")
        )
    )()
    assert [e.action for e in events] == [
        "container.terminal",
        "container.terminal.end",
    ]
    opened, ended = events
    assert opened.actor_name == ended.actor_name == "otto"
    assert opened.params["command"][0] == "sh"
    assert ended.params["process_gone"] is True
    assert ended.params["started"] == opened.params["started"]
    assert ended.params["ended"] >= ended.params["started"]


async def test_bash_falls_back_to_sh_when_the_image_has_none(
    make_container, admin_user
):
    container = make_container()
    cookie = await sync_to_async(session_cookie)(admin_user)
    socket = await open_socket(
        f"/ws/containers/{container['Id']}/terminal/?shell=bash", cookie
    )
    await socket.send_to(bytes_data=b"echo $0\n")
    assert b"sh" in await read_until(socket, b"\r\nsh\r\n")
    await socket.disconnect()
