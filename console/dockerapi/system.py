"""The engine itself: info, disk usage and a quick ping for health checks."""

from __future__ import annotations

import docker

from console.dockerapi.client import engine_address, engine_call
from console.dockerapi.errors import translated
from console.dockerapi.types import DiskUsage, EngineInfo

# An old API version that every engine speaks: with a fixed version docker-py
# skips its /version probe, so a ping is exactly one request.
_PING_API_VERSION = "1.24"


def engine_info() -> EngineInfo:
    """Version, OS, kernel, resources and object counts: one `info` request.

    The API version is the one the shared client negotiated with the engine
    (docker-py reads /version once when the client is made), so it costs no
    request of its own.
    """
    with engine_call() as api:
        info = api.info()
        return EngineInfo.from_engine(info, api_version=api.api_version)


def disk_usage() -> DiskUsage:
    """`docker system df`: slow on big hosts (the engine sizes every volume),
    so only the background task calls it."""
    with engine_call() as api:
        return DiskUsage.from_engine(api.df())


def ping(*, timeout: float = 2.0) -> None:
    """Raise EngineUnavailable unless the engine answers /_ping in `timeout`."""
    address = engine_address()
    with translated(address):
        client = docker.APIClient(
            base_url=address, version=_PING_API_VERSION, timeout=timeout
        )
        try:
            client.ping()
        finally:
            client.close()
