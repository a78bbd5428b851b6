"""The launch policy: what a non-admin may ask of a new container.

Checked on the server on every path that creates a container (launch form,
catalog, jobs), on the typed ContainerSpec: access to the Docker API is root
on the host, so everything that reaches the host is for admins only.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.dockerapi import ContainerSpec
from console.permissions import Access


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
    """Every rule `spec` breaks for this user (none for admins)."""
    if access.is_admin:
        return []
    found = _host_power(spec) + _namespaces(spec) + _mounts(spec)
    found += _limits(spec)
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
    for field_name, label in NAMESPACE_FIELDS.items():
        mode = getattr(spec, field_name)
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
