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
    VolumeInfo,
)
from console.dockerapi.volumes import create_volume, inspect_volume, remove_volume

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
    "VolumeInfo",
    "build_stream",
    "create_container",
    "create_volume",
    "engine_address",
    "image_exists",
    "inspect_container",
    "inspect_image",
    "inspect_volume",
    "list_containers",
    "list_images",
    "network_names",
    "prune_containers",
    "prune_images",
    "pull_stream",
    "push_stream",
    "remove_container",
    "remove_image",
    "remove_volume",
    "run_action",
    "tag_image",
]
