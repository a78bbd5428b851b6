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
from console.dockerapi.images import list_images, remove_image
from console.dockerapi.types import (
    ContainerDetail,
    ContainerSummary,
    ImageSummary,
    PublishedPort,
)

__all__ = [
    "ACTIONS",
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
