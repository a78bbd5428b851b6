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
class ContainerSummary:
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
    def owner_labels(self) -> dict[str, str]:
        return {key: self.labels[key] for key in OWNER_LABELS if key in self.labels}

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


@dataclass(frozen=True)
class HealthCheckResult:
    start: datetime | None
    exit_code: int
    output: str


@dataclass(frozen=True)
class ContainerDetail:
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

    @property
    def owner_labels(self) -> dict[str, str]:
        return {key: self.labels[key] for key in OWNER_LABELS if key in self.labels}


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


# Local-driver options that make a "volume" mount a host directory.
BIND_OPTION_KEYS = ("device",)


@dataclass(frozen=True)
class VolumeInfo:
    """One volume, from inspect or create."""

    name: str
    driver: str
    options: dict[str, str]
    labels: dict[str, str]
    mountpoint: str = ""

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
            or any(options.get(key) for key in BIND_OPTION_KEYS)
            or options.get("type", "").lower() == "none"
        )

    @classmethod
    def from_engine(cls, data: dict[str, Any]) -> VolumeInfo:
        return cls(
            name=data.get("Name") or "",
            driver=data.get("Driver") or "",
            options=dict(data.get("Options") or {}),
            labels=dict(data.get("Labels") or {}),
            mountpoint=data.get("Mountpoint") or "",
        )
