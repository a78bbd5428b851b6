"""Plain frozen dataclasses the gateway returns; never docker-py objects."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Container ports that usually speak HTTP, so a published one becomes a link.
HTTP_PORTS = frozenset(
    {80, 443, 3000, 5000, 5601, 8000, 8008, 8080, 8081, 8088, 8443, 8888, 9000, 9090}
)
_HEALTH_IN_STATUS = re.compile(r"\((healthy|unhealthy|health: starting)\)")
OWNER_LABELS = ("berth.owner", "berth.team", "berth.template", "berth.expires-at")


class Labelled:
    """Berth's ownership labels, for any engine object with `labels`."""

    labels: dict[str, str]

    @property
    def team(self) -> str:
        return self.labels.get("berth.team", "")

    @property
    def owner_labels(self) -> dict[str, str]:
        return {key: self.labels[key] for key in OWNER_LABELS if key in self.labels}


def from_timestamp(seconds: int | float | None) -> datetime | None:
    if not seconds:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_engine_time(text: str | None) -> datetime | None:
    """Parse the engine's RFC 3339 times (nanoseconds, 'Z'); None for zero."""
    if not text or text.startswith("0001-01-01"):
        return None
    head, _, rest = text.partition(".")
    zone = "+00:00"
    if rest:
        digits = re.match(r"\d*", rest).group()
        zone = rest[len(digits) :] or zone
        head = f"{head}.{digits[:6]}"
    else:
        # No fraction (volumes): "2026-01-01T10:00:00Z" or "...+01:00".
        head, zone = head[:19], head[19:] or zone
    if zone == "Z" or not zone:
        zone = "+00:00"
    try:
        return datetime.fromisoformat(head + zone)
    except ValueError:
        return None


@dataclass(frozen=True)
class PublishedPort:
    container_port: int
    protocol: str
    host_ip: str = ""
    host_port: int | None = None

    @property
    def is_published(self) -> bool:
        return self.host_port is not None

    @property
    def looks_like_http(self) -> bool:
        return (
            self.is_published
            and self.protocol == "tcp"
            and (self.container_port in HTTP_PORTS)
        )

    @property
    def host_label(self) -> str:
        ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
        return f"{ip}:{self.host_port}" if ip else str(self.host_port)

    def __str__(self) -> str:
        target = f"{self.container_port}/{self.protocol}"
        return f"{self.host_label} → {target}" if self.is_published else target


@dataclass(frozen=True)
class ContainerSummary(Labelled):
    """One row of the engine's container list (GET /containers/json)."""

    id: str
    name: str
    image: str
    image_id: str
    command: str
    created: datetime | None
    state: str
    status: str
    ports: tuple[PublishedPort, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    # Named volumes it mounts and networks it is attached to, both from the
    # same list row, so pages that ask "who uses this?" need no inspect.
    volumes: tuple[str, ...] = ()
    networks: tuple[NetworkAttachment, ...] = ()
    # From the same list row: "host", "bridge", "container:<id>"...; and the
    # type of each mount ("bind", "volume", "tmpfs"), for the audit's flags.
    network_mode: str = ""
    mount_types: tuple[str, ...] = ()

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def health(self) -> str:
        match = _HEALTH_IN_STATUS.search(self.status)
        if not match:
            return ""
        return "starting" if match.group(1) == "health: starting" else match.group(1)

    @property
    def compose_project(self) -> str:
        return self.labels.get("com.docker.compose.project", "")

    @classmethod
    def from_engine(cls, row: dict[str, Any]) -> ContainerSummary:
        names = row.get("Names") or []
        return cls(
            id=row["Id"],
            name=names[0].lstrip("/") if names else row["Id"][:12],
            image=row.get("Image") or "",
            image_id=row.get("ImageID") or "",
            command=row.get("Command") or "",
            created=from_timestamp(row.get("Created")),
            state=row.get("State") or "",
            status=row.get("Status") or "",
            ports=tuple(_summary_ports(row.get("Ports") or [])),
            labels=dict(row.get("Labels") or {}),
            volumes=tuple(
                mount["Name"]
                for mount in row.get("Mounts") or ()
                if mount.get("Type") == "volume" and mount.get("Name")
            ),
            networks=tuple(
                network_attachment(name, net)
                for name, net in sorted(
                    ((row.get("NetworkSettings") or {}).get("Networks") or {}).items()
                )
            ),
            network_mode=(row.get("HostConfig") or {}).get("NetworkMode") or "",
            mount_types=tuple(m.get("Type") or "" for m in row.get("Mounts") or ()),
        )


def _summary_ports(rows: list[dict[str, Any]]) -> list[PublishedPort]:
    ports = {
        PublishedPort(
            container_port=int(port["PrivatePort"]),
            protocol=port.get("Type", "tcp"),
            host_ip=port.get("IP", "") if port.get("PublicPort") else "",
            host_port=port.get("PublicPort"),
        )
        for port in rows
    }
    return sorted(ports, key=lambda p: (p.container_port, p.protocol, p.host_ip))


@dataclass(frozen=True)
class Mount:
    type: str
    source: str
    destination: str
    read_only: bool
    name: str = ""


@dataclass(frozen=True)
class NetworkAttachment:
    name: str
    ip_address: str
    ipv6_address: str
    gateway: str
    mac_address: str
    aliases: tuple[str, ...] = ()
    network_id: str = ""


def network_attachment(name: str, net: dict[str, Any]) -> NetworkAttachment:
    """One entry of NetworkSettings.Networks (container list or inspect)."""
    return NetworkAttachment(
        name=name,
        ip_address=net.get("IPAddress") or "",
        ipv6_address=net.get("GlobalIPv6Address") or "",
        gateway=net.get("Gateway") or "",
        mac_address=net.get("MacAddress") or "",
        aliases=tuple(net.get("Aliases") or ()),
        network_id=net.get("NetworkID") or "",
    )


@dataclass(frozen=True)
class HealthCheckResult:
    start: datetime | None
    exit_code: int
    output: str


@dataclass(frozen=True)
class ContainerDetail(Labelled):
    """What the container page shows, read from one inspect call."""

    id: str
    name: str
    image: str
    image_id: str
    created: datetime | None
    state: str
    running: bool
    paused: bool
    exit_code: int
    error: str
    started_at: datetime | None
    finished_at: datetime | None
    health: str
    health_log: tuple[HealthCheckResult, ...]
    entrypoint: tuple[str, ...]
    command: tuple[str, ...]
    working_dir: str
    user: str
    tty: bool
    env: tuple[str, ...]
    ports: tuple[PublishedPort, ...]
    mounts: tuple[Mount, ...]
    networks: tuple[NetworkAttachment, ...]
    labels: dict[str, str]
    restart_policy: str
    restart_max_retries: int
    memory_limit: int
    nano_cpus: int
    cpu_shares: int
    pids_limit: int | None
    privileged: bool
    network_mode: str
    raw: dict[str, Any]
    pid_mode: str = ""

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def cpus(self) -> float:
        return self.nano_cpus / 1e9


@dataclass(frozen=True)
class ImageSummary:
    """One row of the engine's image list (GET /images/json)."""

    id: str
    tags: tuple[str, ...]
    digests: tuple[str, ...]
    created: datetime | None
    size: int
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]

    @property
    def is_dangling(self) -> bool:
        return not self.tags

    @classmethod
    def from_engine(cls, row: dict[str, Any]) -> ImageSummary:
        tags = tuple(t for t in row.get("RepoTags") or () if t != "<none>:<none>")
        digests = tuple(
            d for d in row.get("RepoDigests") or () if not d.startswith("<none>")
        )
        return cls(
            id=row["Id"],
            tags=tags,
            digests=digests,
            created=from_timestamp(row.get("Created")),
            size=int(row.get("Size") or 0),
            labels=dict(row.get("Labels") or {}),
        )


@dataclass(frozen=True)
class PortBinding:
    """One published port for a new container (from containers.ports)."""

    container_port: int
    protocol: str = "tcp"
    host_ip: str = ""
    host_port: str = ""  # "" lets the engine choose; "8000-8010" a range


@dataclass(frozen=True)
class MountSpec:
    """A named volume (kind "volume") or a host path (kind "bind") to mount."""

    source: str
    target: str
    read_only: bool = False
    kind: str = "volume"


@dataclass(frozen=True)
class ContainerSpec:
    """Everything Berth may ask of a new container, as typed fields.

    Container bodies are only ever built from this (never raw JSON from a
    form), so the launch policy can check every field that matters.
    """

    image: str
    name: str = ""
    command: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()
    ports: tuple[PortBinding, ...] = ()
    mounts: tuple[MountSpec, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    restart_policy: str = "no"
    restart_max_retries: int = 0
    memory_bytes: int = 0
    nano_cpus: int = 0
    pids_limit: int = 0
    network: str = ""
    working_dir: str = ""
    user: str = ""
    healthcheck: dict[str, Any] | None = None
    # The rest is host-level power: the launch policy allows it to admins only.
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    sysctls: dict[str, str] = field(default_factory=dict)
    security_opt: tuple[str, ...] = ()
    pid_mode: str = ""
    ipc_mode: str = ""
    network_mode: str = ""
    uts_mode: str = ""
    userns_mode: str = ""
    cgroupns_mode: str = ""
    volumes_from: tuple[str, ...] = ()


# Volumes, networks and the engine itself (issue 7).

DEFAULT_NETWORKS = frozenset({"bridge", "host", "none"})


def parse_engine_time_or_stamp(value: Any) -> datetime | None:
    """Volumes and networks give RFC 3339 text; be lenient with numbers too."""
    if isinstance(value, int | float):
        return from_timestamp(value)
    return parse_engine_time(value)


@dataclass(frozen=True)
class VolumeSummary(Labelled):
    """One volume, from the volume list or an inspect (same shape)."""

    name: str
    driver: str
    mountpoint: str
    created: datetime | None
    scope: str
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def hides_bind_mount(self) -> bool:
        """Whether its driver options mount a host path (o=bind, device=, type=none).

        A local volume created with `-o type=none -o o=bind -o device=/` is a
        bind mount of / under another name; the launch policy refuses it.
        """
        options = {k.lower(): str(v) for k, v in self.options.items()}
        mount_options = {o.strip() for o in options.get("o", "").split(",")}
        return (
            "bind" in mount_options
            or "rbind" in mount_options
            or bool(options.get("device"))
            or options.get("type", "").lower() == "none"
        )

    @property
    def is_anonymous(self) -> bool:
        # The engine names anonymous volumes with 64 hex digits.
        return bool(re.fullmatch(r"[0-9a-f]{64}", self.name))

    @classmethod
    def from_engine(cls, row: dict[str, Any]) -> VolumeSummary:
        return cls(
            name=row["Name"],
            driver=row.get("Driver") or "",
            mountpoint=row.get("Mountpoint") or "",
            created=parse_engine_time_or_stamp(row.get("CreatedAt")),
            scope=row.get("Scope") or "",
            labels=dict(row.get("Labels") or {}),
            options=dict(row.get("Options") or {}),
        )


@dataclass(frozen=True)
class VolumePruneResult:
    deleted: tuple[str, ...]
    space_reclaimed: int


@dataclass(frozen=True)
class IpamPool:
    subnet: str
    gateway: str = ""
    ip_range: str = ""


@dataclass(frozen=True)
class NetworkSummary(Labelled):
    """One network, from the network list or an inspect (same shape)."""

    id: str
    name: str
    driver: str
    scope: str
    internal: bool
    attachable: bool
    ipv6: bool
    created: datetime | None
    ipam: tuple[IpamPool, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def is_default(self) -> bool:
        """The engine's own bridge, host and none: never removed."""
        return self.name in DEFAULT_NETWORKS

    @classmethod
    def from_engine(cls, row: dict[str, Any]) -> NetworkSummary:
        ipam = (row.get("IPAM") or {}).get("Config") or ()
        return cls(
            id=row["Id"],
            name=row.get("Name") or row["Id"][:12],
            driver=row.get("Driver") or "",
            scope=row.get("Scope") or "",
            internal=bool(row.get("Internal")),
            attachable=bool(row.get("Attachable")),
            ipv6=bool(row.get("EnableIPv6")),
            created=parse_engine_time_or_stamp(row.get("Created")),
            ipam=tuple(
                IpamPool(
                    subnet=pool.get("Subnet") or "",
                    gateway=pool.get("Gateway") or "",
                    ip_range=pool.get("IPRange") or "",
                )
                for pool in ipam
            ),
            labels=dict(row.get("Labels") or {}),
            options=dict(row.get("Options") or {}),
        )


@dataclass(frozen=True)
class EngineInfo:
    """What the overview says about the engine, from one `info` call."""

    name: str
    server_version: str
    api_version: str
    os: str
    os_type: str
    architecture: str
    kernel: str
    cpus: int
    memory: int
    storage_driver: str
    root_dir: str
    containers: int
    running: int
    paused: int
    stopped: int
    images: int
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_engine(cls, info: dict[str, Any], api_version: str) -> EngineInfo:
        return cls(
            name=info.get("Name") or "",
            server_version=info.get("ServerVersion") or "",
            api_version=api_version,
            os=info.get("OperatingSystem") or "",
            os_type=info.get("OSType") or "",
            architecture=info.get("Architecture") or "",
            kernel=info.get("KernelVersion") or "",
            cpus=int(info.get("NCPU") or 0),
            memory=int(info.get("MemTotal") or 0),
            storage_driver=info.get("Driver") or "",
            root_dir=info.get("DockerRootDir") or "",
            containers=int(info.get("Containers") or 0),
            running=int(info.get("ContainersRunning") or 0),
            paused=int(info.get("ContainersPaused") or 0),
            stopped=int(info.get("ContainersStopped") or 0),
            images=int(info.get("Images") or 0),
            warnings=tuple(info.get("Warnings") or ()),
        )


@dataclass(frozen=True)
class UsageLine:
    """One line of `docker system df`: count, in use, size, reclaimable."""

    kind: str
    total: int
    active: int
    size: int
    reclaimable: int

    @property
    def reclaimable_percent(self) -> int:
        # Truncated, as the docker CLI does.
        return int(100 * self.reclaimable / self.size) if self.size else 0


@dataclass(frozen=True)
class DiskUsage:
    """`docker system df`, summarised the way the docker CLI does it, plus
    each volume's size and reference count for the volume pages."""

    images: UsageLine
    containers: UsageLine
    volumes: UsageLine
    build_cache: UsageLine
    volume_sizes: dict[str, int] = field(default_factory=dict)
    volume_refs: dict[str, int] = field(default_factory=dict)

    @property
    def lines(self) -> tuple[UsageLine, ...]:
        return (self.images, self.containers, self.volumes, self.build_cache)

    @classmethod
    def from_engine(cls, df: dict[str, Any]) -> DiskUsage:
        return cls(
            images=_image_usage(df),
            containers=_container_usage(df.get("Containers") or ()),
            volumes=_volume_usage(df.get("Volumes") or ()),
            build_cache=_build_cache_usage(df),
            volume_sizes={
                v["Name"]: _volume_size(v)
                for v in df.get("Volumes") or ()
                if _volume_size(v) >= 0
            },
            volume_refs={
                v["Name"]: int((v.get("UsageData") or {}).get("RefCount", -1))
                for v in df.get("Volumes") or ()
            },
        )

    def to_json(self) -> dict[str, Any]:
        lines = {
            line.kind: [line.total, line.active, line.size, line.reclaimable]
            for line in self.lines
        }
        return {
            "lines": lines,
            "volume_sizes": self.volume_sizes,
            "volume_refs": self.volume_refs,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DiskUsage:
        lines = data.get("lines") or {}

        def line(kind: str) -> UsageLine:
            return UsageLine(kind, *(lines.get(kind) or (0, 0, 0, 0)))

        return cls(
            images=line("Images"),
            containers=line("Containers"),
            volumes=line("Local Volumes"),
            build_cache=line("Build Cache"),
            volume_sizes=dict(data.get("volume_sizes") or {}),
            volume_refs=dict(data.get("volume_refs") or {}),
        )


# The formulas below follow the docker CLI's `system df`
# (cli/command/formatter/disk_usage.go), so the figures match what people see.


def _image_usage(df: dict[str, Any]) -> UsageLine:
    images = df.get("Images") or ()
    total_size = int(df.get("LayersSize") or 0)
    used = sum(
        int(i.get("Size") or 0) - int(i.get("SharedSize") or 0)
        for i in images
        if i.get("Containers", 0) > 0 and i.get("SharedSize", 0) != -1
    )
    active = sum(1 for i in images if i.get("Containers", 0) > 0)
    return UsageLine("Images", len(images), active, total_size, total_size - used)


_ACTIVE_STATES = frozenset({"running", "paused", "restarting"})


def _container_usage(containers: Any) -> UsageLine:
    size = sum(int(c.get("SizeRw") or 0) for c in containers)
    idle = [c for c in containers if c.get("State") not in _ACTIVE_STATES]
    return UsageLine(
        "Containers",
        len(containers),
        len(containers) - len(idle),
        size,
        sum(int(c.get("SizeRw") or 0) for c in idle),
    )


def _volume_size(volume: dict[str, Any]) -> int:
    return int((volume.get("UsageData") or {}).get("Size", -1))


def _volume_usage(volumes: Any) -> UsageLine:
    active = [v for v in volumes if (v.get("UsageData") or {}).get("RefCount", 0) > 0]
    return UsageLine(
        "Local Volumes",
        len(volumes),
        len(active),
        sum(max(_volume_size(v), 0) for v in volumes),
        sum(
            max(_volume_size(v), 0)
            for v in volumes
            if (v.get("UsageData") or {}).get("RefCount", 0) == 0
        ),
    )


def _build_cache_usage(df: dict[str, Any]) -> UsageLine:
    records = df.get("BuildCache") or ()
    size = df.get("BuilderSize")
    if size is None:
        size = sum(int(r.get("Size") or 0) for r in records if not r.get("Shared"))
    return UsageLine(
        "Build Cache",
        len(records),
        sum(1 for r in records if r.get("InUse")),
        int(size),
        sum(
            int(r.get("Size") or 0)
            for r in records
            if not r.get("InUse") and not r.get("Shared")
        ),
    )


@dataclass(frozen=True)
class VolumeEntry:
    """One entry of a directory inside a volume, as the file browser shows it."""

    name: str
    kind: str  # "dir", "file", "link" or "other"
    size: int
    modified: datetime | None

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"

    @property
    def is_file(self) -> bool:
        return self.kind == "file"
