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
from console.dockerapi.create import create_container
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
from console.dockerapi.logs import (
    STDERR,
    STDOUT,
    LogLine,
    LogStream,
    open_logs,
    timestamp_key,
    timestamp_seconds,
)
from console.dockerapi.networks import (
    connect_container,
    create_network,
    disconnect_container,
    inspect_network,
    list_networks,
    remove_network,
)
from console.dockerapi.stats import StatsSample, open_stats, sample_stats
from console.dockerapi.streams import streams_opened
from console.dockerapi.system import disk_usage, engine_info, ping
from console.dockerapi.types import (
    DEFAULT_NETWORKS,
    ContainerDetail,
    ContainerSpec,
    ContainerSummary,
    DiskUsage,
    EngineInfo,
    ImageSummary,
    IpamPool,
    MountSpec,
    NetworkAttachment,
    NetworkSummary,
    PortBinding,
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
    "CONTAINER_ACTIONS",
    "Conflict",
    "ContainerDetail",
    "ContainerSpec",
    "ContainerSummary",
    "DEFAULT_NETWORKS",
    "DiskUsage",
    "EngineError",
    "EngineEvent",
    "EngineInfo",
    "EngineUnavailable",
    "GatewayError",
    "HELPER_LABEL",
    "ImageSummary",
    "IpamPool",
    "LogLine",
    "LogStream",
    "MountSpec",
    "NetworkAttachment",
    "NetworkSummary",
    "NotFound",
    "PortBinding",
    "PublishedPort",
    "SHELLS",
    "STDERR",
    "STDOUT",
    "ShellSession",
    "StatsSample",
    "UsageLine",
    "VolumeEntry",
    "VolumeFile",
    "VolumePruneResult",
    "VolumeSummary",
    "build_stream",
    "clean_path",
    "connect_container",
    "create_container",
    "create_network",
    "create_volume",
    "disconnect_container",
    "disk_usage",
    "end_shell",
    "engine_address",
    "engine_info",
    "image_exists",
    "inspect_container",
    "inspect_image",
    "inspect_network",
    "inspect_volume",
    "list_containers",
    "list_images",
    "list_networks",
    "list_volume_dir",
    "list_volumes",
    "open_events",
    "open_logs",
    "open_stats",
    "open_volume_file",
    "ping",
    "prune_containers",
    "prune_images",
    "prune_volumes",
    "pull_stream",
    "push_stream",
    "remove_container",
    "remove_image",
    "remove_network",
    "remove_stale_helpers",
    "remove_volume",
    "run_action",
    "sample_stats",
    "shell_state",
    "start_shell",
    "streams_opened",
    "tag_image",
    "timestamp_key",
    "timestamp_seconds",
]
