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
from console.dockerapi.networks import (
    connect_container,
    create_network,
    disconnect_container,
    inspect_network,
    list_networks,
    remove_network,
)
from console.dockerapi.system import disk_usage, engine_info, ping
from console.dockerapi.types import (
    DEFAULT_NETWORKS,
    ContainerDetail,
    ContainerSummary,
    DiskUsage,
    EngineInfo,
    ImageSummary,
    IpamPool,
    NetworkAttachment,
    NetworkSummary,
    PublishedPort,
    UsageLine,
    VolumeEntry,
    VolumePruneResult,
    VolumeSummary,
)
from console.dockerapi.volume_files import (
    HELPER_LABEL,
    VolumeFile,
    clean_path,
    list_volume_dir,
    open_volume_file,
    remove_stale_helpers,
)
from console.dockerapi.volumes import (
    create_volume,
    inspect_volume,
    list_volumes,
    prune_volumes,
    remove_volume,
)

__all__ = [
    "ACTIONS",
    "DEFAULT_NETWORKS",
    "HELPER_LABEL",
    "Conflict",
    "ContainerDetail",
    "ContainerSummary",
    "DiskUsage",
    "EngineError",
    "EngineInfo",
    "EngineUnavailable",
    "GatewayError",
    "ImageSummary",
    "IpamPool",
    "NetworkAttachment",
    "NetworkSummary",
    "NotFound",
    "PublishedPort",
    "UsageLine",
    "VolumeEntry",
    "VolumeFile",
    "VolumePruneResult",
    "VolumeSummary",
    "clean_path",
    "connect_container",
    "create_network",
    "create_volume",
    "disconnect_container",
    "disk_usage",
    "engine_address",
    "engine_info",
    "inspect_container",
    "inspect_network",
    "inspect_volume",
    "list_containers",
    "list_images",
    "list_networks",
    "list_volume_dir",
    "list_volumes",
    "open_volume_file",
    "ping",
    "prune_volumes",
    "remove_container",
    "remove_image",
    "remove_network",
    "remove_stale_helpers",
    "remove_volume",
    "run_action",
]
