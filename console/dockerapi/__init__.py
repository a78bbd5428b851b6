"""The Docker gateway: the only code in Berth that imports docker-py.

Everything else calls these functions and gets plain frozen dataclasses back;
docker-py errors become EngineUnavailable, NotFound, Conflict or EngineError.
"""

from __future__ import annotations

from console.dockerapi.client import engine_address
from console.dockerapi.containers import (
    ACTIONS,
    inspect_container,
    list_containers,
    remove_container,
    run_action,
)
from console.dockerapi.errors import (
    Conflict,
    EngineError,
    EngineUnavailable,
    GatewayError,
    NotFound,
)
from console.dockerapi.events import CONTAINER_ACTIONS, EngineEvent, open_events
from console.dockerapi.exec import (
    SHELLS,
    ShellSession,
    end_shell,
    shell_state,
    start_shell,
)
from console.dockerapi.images import list_images, remove_image
from console.dockerapi.logs import (
    STDERR,
    STDOUT,
    LogLine,
    LogStream,
    open_logs,
    timestamp_key,
    timestamp_seconds,
)
from console.dockerapi.stats import StatsSample, open_stats, sample_stats
from console.dockerapi.streams import streams_opened
from console.dockerapi.types import (
    ContainerDetail,
    ContainerSummary,
    ImageSummary,
    PublishedPort,
)

__all__ = [
    "ACTIONS",
    "CONTAINER_ACTIONS",
    "SHELLS",
    "STDERR",
    "STDOUT",
    "EngineEvent",
    "LogLine",
    "LogStream",
    "ShellSession",
    "StatsSample",
    "end_shell",
    "open_events",
    "open_logs",
    "open_stats",
    "sample_stats",
    "shell_state",
    "start_shell",
    "streams_opened",
    "timestamp_key",
    "timestamp_seconds",
    "Conflict",
    "ContainerDetail",
    "ContainerSummary",
    "EngineError",
    "EngineUnavailable",
    "GatewayError",
    "ImageSummary",
    "NotFound",
    "PublishedPort",
    "engine_address",
    "inspect_container",
    "list_containers",
    "list_images",
    "remove_container",
    "remove_image",
    "run_action",
]
