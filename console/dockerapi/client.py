"""The one place a docker-py client is made.

Short calls share one client per process and engine address (docker-py's
client wraps a requests Session with a connection pool; sharing it between
threads works in practice and avoids a version probe per request). Long-lived
streams (logs, events, exec) open their own client with `stream_client()` and
close it when done, so they never hold the shared pool's connections.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import docker
from django.conf import settings

from console.dockerapi.errors import translated

POOL_SIZE = 32

_clients: dict[str, docker.APIClient] = {}
_lock = threading.Lock()


def engine_address() -> str:
    """The configured engine address, as shown to people."""
    return settings.DOCKER_HOST


def _new_client(timeout: int | None) -> docker.APIClient:
    # version="auto" probes /version once; after that every call is one request.
    with translated(engine_address()):
        return docker.APIClient(
            base_url=engine_address(),
            version="auto",
            timeout=timeout,
            max_pool_size=POOL_SIZE,
        )


def shared_client() -> docker.APIClient:
    """The process-wide client for short calls (made on first use)."""
    address = engine_address()
    client = _clients.get(address)
    if client is None:
        with _lock:
            client = _clients.get(address)
            if client is None:
                client = _new_client(settings.DOCKER_TIMEOUT)
                _clients[address] = client
    return client


@contextlib.contextmanager
def stream_client() -> Iterator[docker.APIClient]:
    """A client of its own for one long-lived stream, closed on exit."""
    client = _new_client(settings.DOCKER_TIMEOUT)
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def engine_call() -> Iterator[docker.APIClient]:
    """The shared client, with every error translated into a gateway error."""
    with translated(engine_address()):
        yield shared_client()
