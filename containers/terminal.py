"""The browser terminal: a shell in the container over a websocket.

Keystrokes arrive as binary frames and go to the exec's socket unchanged;
output goes back as binary frames (xterm.js decodes UTF-8 across frames, so
a character cut between two reads survives). Text frames carry control
messages ({"type": "resize", "rows": r, "cols": c}). Closing the socket ends
the shell's whole session in the container.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from console import dockerapi
from console.audit import Actor
from console.dockerapi import GatewayError
from console.live import BerthConsumer, run_blocking
from containers import services
from containers.consumers import query

log = logging.getLogger(__name__)

NOT_RUNNING = 4409


class TerminalConsumer(BerthConsumer):
    """/ws/containers/<id>/terminal/?shell=bash|sh (operators and admins)."""

    session: dockerapi.ShellSession | None = None

    async def authorize(self, user: Any) -> bool:
        container_id = self.scope["url_route"]["kwargs"]["container_id"]
        try:
            self.container = await run_blocking(
                dockerapi.inspect_container, container_id
            )
        except GatewayError:
            return False
        self.shell = (query(self.scope).get("shell") or ["bash"])[0]
        if self.shell not in dockerapi.SHELLS:
            self.shell = "bash"
        outcome = await database_sync_to_async(services.terminal_allowed)(
            actor=Actor.from_scope(self.scope), container=self.container
        )
        return outcome.ok

    async def on_connected(self) -> None:
        if not self.container.running or self.container.paused:
            await self.send_json(
                {"type": "error", "message": f"{self.container.name} is not running."}
            )
            await self.close(code=NOT_RUNNING)
            return
        try:
            self.session = await run_blocking(
                dockerapi.start_shell, self.container.id, self.shell
            )
        except GatewayError as error:
            await self.send_json({"type": "error", "message": error.message})
            await self.close(code=NOT_RUNNING)
            return
        self.started = timezone.now()
        await database_sync_to_async(services.terminal_opened)(
            actor=Actor.from_scope(self.scope),
            container=self.container,
            command=list(self.session.command),
            started=self.started,
        )
        if self.session.early_output:
            await self.send(bytes_data=self.session.early_output)
        self.pump = asyncio.create_task(self.forward_output())

    async def forward_output(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(OSError):
            while data := await loop.sock_recv(self.session.sock, 65536):
                await self.send(bytes_data=data)
        await self.send_json({"type": "exited"})
        await self.close(code=1000)

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        if self.session is None:
            return
        if bytes_data:
            loop = asyncio.get_running_loop()
            with contextlib.suppress(OSError):
                await loop.sock_sendall(self.session.sock, bytes_data)
            return
        with contextlib.suppress(ValueError, TypeError):
            message = json.loads(text_data or "")
            if message.get("type") == "resize":
                rows = max(1, min(int(message["rows"]), 500))
                cols = max(1, min(int(message["cols"]), 1000))
                with contextlib.suppress(GatewayError):
                    await run_blocking(self.session.resize, rows, cols)

    async def on_disconnected(self, code: int) -> None:
        session = self.session
        if session is None:
            return
        self.session = None
        pump = getattr(self, "pump", None)
        if pump is not None:
            pump.cancel()
        gone, exit_code = False, None
        try:
            gone = await run_blocking(dockerapi.end_shell, session)
            exit_code = (await run_blocking(dockerapi.shell_state, session.exec_id))[1]
        except GatewayError as error:
            log.warning(
                "could not end the shell in %s: %s", session.container_id, error
            )
        await database_sync_to_async(services.terminal_closed)(
            actor=Actor.from_scope(self.scope),
            container=self.container,
            command=list(session.command),
            started=self.started,
            ended=timezone.now(),
            exit_code=exit_code,
            process_gone=gone,
        )
