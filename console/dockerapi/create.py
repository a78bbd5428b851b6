"""Creating containers from a typed ContainerSpec."""

from __future__ import annotations

from typing import Any

from docker.types import Mount

from console.dockerapi.client import engine_call
from console.dockerapi.types import ContainerSpec, MountSpec, PortBinding


def create_container(spec: ContainerSpec) -> str:
    """Create (not start) a container from `spec`; returns its id."""
    with engine_call() as api:
        host_config = api.create_host_config(**_host_config(spec))
        created = api.create_container(
            spec.image,
            command=list(spec.command) or None,
            entrypoint=list(spec.entrypoint) if spec.entrypoint is not None else None,
            environment=list(spec.env) or None,
            ports=[(p.container_port, p.protocol) for p in spec.ports] or None,
            labels=dict(spec.labels) or None,
            name=spec.name or None,
            working_dir=spec.working_dir or None,
            user=spec.user or None,
            healthcheck=spec.healthcheck,
            host_config=host_config,
            networking_config=_networking(api, spec),
        )
    return created["Id"]


def _host_config(spec: ContainerSpec) -> dict[str, Any]:
    config: dict[str, Any] = {
        "port_bindings": _port_bindings(spec.ports) or None,
        "mounts": [_mount(m) for m in spec.mounts] or None,
        "restart_policy": _restart(spec),
        "mem_limit": spec.memory_bytes or None,
        "nano_cpus": spec.nano_cpus or None,
        "pids_limit": spec.pids_limit or None,
        "privileged": spec.privileged,
        "cap_add": list(spec.cap_add) or None,
        "devices": list(spec.devices) or None,
        "sysctls": dict(spec.sysctls) or None,
        "security_opt": list(spec.security_opt) or None,
        "pid_mode": spec.pid_mode or None,
        "ipc_mode": spec.ipc_mode or None,
        "network_mode": spec.network_mode or spec.network or None,
        "uts_mode": spec.uts_mode or None,
        "userns_mode": spec.userns_mode or None,
        "volumes_from": list(spec.volumes_from) or None,
    }
    if spec.cgroupns_mode:
        config["cgroupns"] = spec.cgroupns_mode
    return config


def _port_bindings(ports: tuple[PortBinding, ...]) -> dict[str, list[tuple[str, str]]]:
    bindings: dict[str, list[tuple[str, str]]] = {}
    for port in ports:
        key = f"{port.container_port}/{port.protocol}"
        bindings.setdefault(key, []).append((port.host_ip, port.host_port))
    return bindings


def _mount(mount: MountSpec) -> Mount:
    return Mount(
        target=mount.target,
        source=mount.source,
        type=mount.kind,
        read_only=mount.read_only,
    )


def _restart(spec: ContainerSpec) -> dict[str, Any] | None:
    if spec.restart_policy in ("", "no"):
        return None
    policy: dict[str, Any] = {"Name": spec.restart_policy}
    if spec.restart_policy == "on-failure" and spec.restart_max_retries:
        policy["MaximumRetryCount"] = spec.restart_max_retries
    return policy


def _networking(api: Any, spec: ContainerSpec) -> dict[str, Any] | None:
    if not spec.network or spec.network_mode:
        return None
    return api.create_networking_config({spec.network: api.create_endpoint_config()})
