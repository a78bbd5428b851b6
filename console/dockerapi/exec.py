"""Exec sessions for the browser terminal: a shell on a TTY over a raw socket.

The engine does not end an exec process when its client goes away, so the
shell first prints its own pid (inside the container) on a marker line that
`start_shell` reads and hides; `end_shell` then hangs up the shell's whole
session from a second exec, and kills what is left.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from dataclasses import dataclass
from typing import Any

from console.dockerapi.client import engine_address, engine_call
from console.dockerapi.errors import EngineError, translated
from console.dockerapi.streams import _new_stream_client

SHELLS = ("bash", "sh")
_MARKER = re.compile(rb"berth-shell-pid:(\d+)\r?\n")
# Hang up (then kill) every process in the shell's session, using only sh
# builtins: field 4 after the command name in /proc/PID/stat is the session.
_END_SESSION = (
    'for p in /proc/[0-9]*; do read -r s 2>/dev/null < "$p/stat" || continue; '
    'set -- ${s##*) }; [ "$4" = "$1SID" ] && kill -$SIG "${p#/proc/}" 2>/dev/null; '
    "done; true"
)


def shell_command(shell: str) -> list[str]:
    """The command an exec runs for `shell`: bash falls back to sh."""
    start = "exec sh"
    if shell == "bash":
        start = "command -v bash >/dev/null 2>&1 && exec bash || exec sh"
    return ["sh", "-c", f'echo "berth-shell-pid:$$"; {start}']


@dataclass
class ShellSession:
    """A running exec: read and write `sock` (raw bytes, TTY), resize, end."""

    container_id: str
    exec_id: str
    pid: int
    sock: socket.socket
    early_output: bytes  # what the shell printed after the pid marker
    command: tuple[str, ...]
    client: Any = None  # the docker-py client holding the connection

    def resize(self, rows: int, cols: int) -> None:
        with engine_call() as api:
            api.exec_resize(self.exec_id, height=rows, width=cols)


def start_shell(
    container_id: str, shell: str = "sh", timeout: float = 10
) -> ShellSession:
    """Start `shell` on a TTY in the container and return its session."""
    command = shell_command(shell)
    with engine_call() as api:
        created = api.exec_create(
            container_id,
            command,
            stdin=True,
            tty=True,
            environment={"TERM": "xterm-256color"},
        )
    client = _new_stream_client()
    try:
        with translated(engine_address()):
            wrapped = client.exec_start(created["Id"], tty=True, socket=True)
        sock = getattr(wrapped, "_sock", wrapped)
        pid, early = _read_marker(sock, timeout)
    except BaseException:
        client.close()
        raise
    sock.setblocking(False)
    return ShellSession(
        container_id, created["Id"], pid, sock, early, tuple(command), client
    )


def _read_marker(sock: socket.socket, timeout: float) -> tuple[int, bytes]:
    sock.settimeout(timeout)
    received = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = sock.recv(4096)
        if not data:
            break
        received += data
        match = _MARKER.search(received)
        if match:
            return int(match.group(1)), received[match.end() :]
    sock.close()
    raise EngineError("The shell did not start in the container.")


def shell_state(exec_id: str) -> tuple[bool, int | None]:
    """Whether the exec still runs, and its exit code once it ended."""
    with engine_call() as api:
        info = api.exec_inspect(exec_id)
    return bool(info.get("Running")), info.get("ExitCode")


def end_shell(session: ShellSession, grace: float = 1.0) -> bool:
    """Close the socket and end the shell's session; True when it is gone."""
    with contextlib.suppress(OSError):
        session.sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        session.sock.close()
    if session.client is not None:
        session.client.close()
    for signal_name in ("HUP", "KILL"):
        running, _ = shell_state(session.exec_id)
        if not running:
            return True
        _signal_session(session.container_id, session.pid, signal_name)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not shell_state(session.exec_id)[0]:
                return True
            time.sleep(0.1)
    return not shell_state(session.exec_id)[0]


def _signal_session(container_id: str, pid: int, signal_name: str) -> None:
    script = _END_SESSION.replace("$1SID", str(pid)).replace("$SIG", signal_name)
    with engine_call() as api:
        created = api.exec_create(container_id, ["sh", "-c", script])
        api.exec_start(created["Id"])
