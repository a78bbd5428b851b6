"""The launch policy: what a non-admin may ask of a new container.

Checked on the server on every path that creates a container (launch form,
catalog, and again inside the launch job, so a crafted or replayed job row
cannot skip it), on the typed ContainerSpec: access to the Docker API is root
on the host, so everything that reaches the host is for admins only. Each
refusal names its rule; the caller writes the audit event.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from console import dockerapi
from console.dockerapi import ContainerSpec
from console.models import Team
from console.permissions import ACT, Access
from containers.references import split_image_reference

# Labels Berth writes itself; a non-admin's spec carries no other berth.* label.
BERTH_LABELS = ("berth.owner", "berth.team", "berth.template", "berth.expires-at")


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str

    def __str__(self) -> str:
        return self.message


NAMESPACE_FIELDS = {
    "pid_mode": "PID",
    "ipc_mode": "IPC",
    "network_mode": "network",
    "uts_mode": "UTS",
    "userns_mode": "user",
    "cgroupns_mode": "cgroup",
}


def violations(spec: ContainerSpec, access: Access) -> list[Violation]:
    """Every rule `spec` breaks for this user (none for admins).

    Reads the engine for the volumes the spec mounts (driver options, owner).
    """
    if access.is_admin:
        return []
    if not access.can_launch:
        return [Violation("role", "Only operators and admins launch containers.")]
    found = _ownership(spec, access) + _host_power(spec) + _namespaces(spec)
    found += _mounts(spec) + _registry(spec) + _publishing(spec)
    found += _limits(spec) + _team_maxima(spec)
    if not any(v.rule == "bind-mounts" for v in found):
        found += _volumes(spec, access)
    return found


def _ownership(spec: ContainerSpec, access: Access) -> list[Violation]:
    found = []
    team = spec.labels.get("berth.team", "")
    if not access.can_launch_into(team):
        found.append(
            Violation(
                "team",
                f"You can launch only into your own teams "
                f"({', '.join(sorted(access.teams)) or 'none'}), not {team or 'none'}.",
            )
        )
    if spec.labels.get("berth.owner") != access.username:
        found.append(Violation("owner", "The berth.owner label must name you."))
    reserved = [
        key
        for key in spec.labels
        if key.startswith("berth.") and key not in BERTH_LABELS
    ]
    if reserved:
        found.append(
            Violation("labels", f"Labels {', '.join(reserved)} are Berth's own.")
        )
    return found


def _host_power(spec: ContainerSpec) -> list[Violation]:
    checks = [
        (spec.privileged, "privileged", "Privileged mode is for admins only."),
        (spec.cap_add, "capabilities", "Adding capabilities is for admins only."),
        (spec.devices, "devices", "Host devices are for admins only."),
        (spec.sysctls, "sysctls", "Sysctls are for admins only."),
        (spec.security_opt, "security-opt", "Security options are for admins only."),
        (
            spec.volumes_from,
            "volumes-from",
            "Borrowing another container's volumes is for admins only.",
        ),
    ]
    return [Violation(rule, message) for present, rule, message in checks if present]


def _namespaces(spec: ContainerSpec) -> list[Violation]:
    found = []
    # The network field becomes the network mode when no mode is given, so
    # "host" or "container:x" typed as a network name shares a namespace too.
    modes = {name: getattr(spec, name) for name in NAMESPACE_FIELDS}
    modes["network_mode"] = modes["network_mode"] or spec.network
    for field_name, label in NAMESPACE_FIELDS.items():
        mode = modes[field_name]
        if mode == "host" or mode.startswith("container:"):
            found.append(
                Violation(
                    "namespaces",
                    f"Sharing the {label} namespace ({mode}) is for admins only.",
                )
            )
    return found


def _mounts(spec: ContainerSpec) -> list[Violation]:
    return [
        Violation(
            "bind-mounts",
            f"Mounting the host path {m.source} is for admins "
            "only; use a named volume.",
        )
        for m in spec.mounts
        if m.kind != "volume" or m.source.startswith("/")
    ]


def _volumes(spec: ContainerSpec, access: Access) -> list[Violation]:
    """Existing named volumes: no hidden bind mount, and the user's team's own.

    A volume that does not exist yet is made by the launch, with the
    launcher's labels and no driver options.
    """
    found = []
    for mount in spec.mounts:
        try:
            volume = dockerapi.inspect_volume(mount.source)
        except dockerapi.NotFound:
            continue
        if volume.hides_bind_mount:
            found.append(
                Violation(
                    "bind-mounts",
                    f"Volume {volume.name} mounts a host path through its driver "
                    "options (o=bind, device=, type=none); only admins can use it.",
                )
            )
        elif not access.can_in_team(ACT, volume.labels.get("berth.team", "")):
            owner = volume.labels.get("berth.team") or "no team (unmanaged)"
            found.append(
                Violation(
                    "volume-owner",
                    f"Volume {volume.name} belongs to {owner}; you can mount "
                    "only your team's volumes.",
                )
            )
    return found


def registry_of(image: str) -> str:
    try:
        return split_image_reference(image).domain
    except ValueError:
        return ""


def _registry(spec: ContainerSpec) -> list[Violation]:
    allowed = settings.BERTH_ALLOWED_REGISTRIES
    if not allowed:
        return []
    registry = registry_of(spec.image)
    if registry in allowed:
        return []
    return [
        Violation(
            "registry",
            f"Images from {registry or 'this registry'} are not allowed; "
            f"use one of {', '.join(allowed)}.",
        )
    ]


def _publishing(spec: ContainerSpec) -> list[Violation]:
    """Host ports inside the range, published on the configured address only."""
    low, high = settings.BERTH_PORT_RANGE
    publish_ip = settings.BERTH_PUBLISH_IP
    found = []
    for port in spec.ports:
        if port.host_ip != publish_ip:
            found.append(
                Violation(
                    "publish-ip",
                    f"Ports are published on {publish_ip} only "
                    f"(not {port.host_ip or 'every address'}).",
                )
            )
        numbers = _numbers(port.host_port)
        if not numbers or not all(low <= n <= high for n in numbers):
            found.append(
                Violation(
                    "port-range",
                    f"Host port {port.host_port or '(chosen by the engine)'} is "
                    f"outside the allowed range {low}-{high}.",
                )
            )
    return found


def _numbers(host_port: str) -> list[int]:
    low, _, high = host_port.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return []
    return [int(low), int(high or low)]


def _limits(spec: ContainerSpec) -> list[Violation]:
    missing = [
        name
        for name, value in (
            ("memory", spec.memory_bytes),
            ("CPU", spec.nano_cpus),
            ("PIDs", spec.pids_limit),
        )
        if not value
    ]
    if not missing:
        return []
    return [Violation("limits", f"A {', '.join(missing)} limit is required.")]


def _team_maxima(spec: ContainerSpec) -> list[Violation]:
    team = team_named(spec.labels.get("berth.team", ""))
    if team is None:
        return []
    found = []
    if team.max_container_memory_mb and (
        spec.memory_bytes > team.max_container_memory_mb * 1024**2
    ):
        found.append(
            Violation(
                "limits",
                f"Team {team.name} allows at most {team.max_container_memory_mb} MB "
                f"of memory per container (asked {spec.memory_bytes // 1024**2} MB).",
            )
        )
    if team.max_container_cpus and spec.nano_cpus > team.max_container_cpus * 10**9:
        found.append(
            Violation(
                "limits",
                f"Team {team.name} allows at most {team.max_container_cpus:g} CPUs "
                f"per container (asked {spec.nano_cpus / 1e9:g}).",
            )
        )
    return found


def team_named(name: str) -> Team | None:
    if not name:
        return None
    return Team.objects.filter(name=name).first()
