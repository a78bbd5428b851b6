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
    prune_containers,
    remove_container,
    run_action,
)
from console.dockerapi.create import create_container, network_names
from console.dockerapi.errors import (
    Conflict,
    EngineError,
    EngineUnavailable,
    GatewayError,
    NotFound,
)
from console.dockerapi.images import (
    build_stream,
    image_exists,
    inspect_image,
    list_images,
    prune_images,
    pull_stream,
    push_stream,
    remove_image,
    tag_image,
)
from console.dockerapi.types import (
    ContainerDetail,
    ContainerSpec,
    ContainerSummary,
    ImageSummary,
    MountSpec,
    PortBinding,
    PublishedPort,
)

__all__ = [
    "ACTIONS",
    "Conflict",
    "ContainerDetail",
    "ContainerSpec",
    "ContainerSummary",
    "EngineError",
    "EngineUnavailable",
    "GatewayError",
    "ImageSummary",
    "MountSpec",
    "NotFound",
    "PortBinding",
    "PublishedPort",
    "build_stream",
    "create_container",
    "engine_address",
    "image_exists",
    "inspect_container",
    "inspect_image",
    "list_containers",
    "list_images",
    "network_names",
    "prune_containers",
    "prune_images",
    "pull_stream",
    "push_stream",
    "remove_container",
    "remove_image",
    "run_action",
    "tag_image",
]
