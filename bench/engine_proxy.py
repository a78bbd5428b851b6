"""A counting proxy in front of the Docker engine's Unix socket.

Benchmarks and tests point Berth's DOCKER_HOST at it to count, honestly and
from outside, how many engine requests a page view makes.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections import Counter

REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.[01]$")


class EngineProxy:
    """Forwards bytes both ways and counts the HTTP requests sent to the engine."""

    def __init__(self, listen_path: str, engine_path: str = "/var/run/docker.sock"):
        self.listen_path = listen_path
        self.engine_path = engine_path
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: socket.socket | None = None

    @property
    def docker_host(self) -> str:
        return f"unix://{self.listen_path}"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def paths(self) -> Counter[str]:
        with self._lock:
            return Counter(path.split("?")[0] for _, path in self.requests)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def start(self) -> EngineProxy:
        if os.path.exists(self.listen_path):
            os.unlink(self.listen_path)
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(self.listen_path)
        self._server.listen(64)
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        if os.path.exists(self.listen_path):
            os.unlink(self.listen_path)

    def _accept_loop(self) -> None:
        assert self._server is not None
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                engine.connect(self.engine_path)
            except OSError:
                client.close()
                continue
            threading.Thread(
                target=self._pump_requests, args=(client, engine), daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(engine, client), daemon=True
            ).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source, target)

    def _pump_requests(self, client: socket.socket, engine: socket.socket) -> None:
        """Forward client bytes, counting each request's head as it passes."""
        buffer = b""
        body_left = 0
        opaque = False  # after an upgrade or a chunked body: just forward
        try:
            while data := client.recv(65536):
                engine.sendall(data)
                if opaque:
                    continue
                buffer += data
                while True:
                    if body_left:
                        taken = min(body_left, len(buffer))
                        buffer, body_left = buffer[taken:], body_left - taken
                        if body_left:
                            break
                    head_end = buffer.find(b"\r\n\r\n")
                    if head_end < 0:
                        break
                    head, buffer = buffer[:head_end], buffer[head_end + 4 :]
                    body_left, opaque = self._note_request(head)
                    if opaque:
                        break
        except OSError:
            pass
        finally:
            _close(client, engine)

    def _note_request(self, head: bytes) -> tuple[int, bool]:
        lines = head.split(b"\r\n")
        match = REQUEST_LINE.match(lines[0])
        if match:
            with self._lock:
                self.requests.append((match.group(1).decode(), match.group(2).decode()))
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        opaque = (
            b"upgrade" in headers or headers.get(b"transfer-encoding") == b"chunked"
        )
        return int(headers.get(b"content-length", b"0") or 0), opaque


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()
