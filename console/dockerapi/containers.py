"""Containers: list, inspect and lifecycle actions."""

from __future__ import annotations

from typing import Any

from console.dockerapi.client import engine_call
from console.dockerapi.errors import EngineError
from console.dockerapi.types import (
    ContainerDetail,
    ContainerSummary,
    HealthCheckResult,
    Mount,
    NetworkAttachment,
    PublishedPort,
    parse_engine_time,
)

ACTIONS = ("start", "stop", "restart", "kill", "pause", "unpause", "remove")


def list_containers(
    *,
    state: str = "",
    label: str = "",
    ids: list[str] | None = None,
    volume: str = "",
    network: str = "",
) -> list[ContainerSummary]:
    """Every container (running or not), in one engine request.

    `state`, `label`, `volume` and `network` are handed to the engine's own
    filters; `label` is "key" or "key=value".
    """
    filters: dict[str, Any] = {}
    if state:
        filters["status"] = state
    if label:
        filters["label"] = label
    if ids:
        filters["id"] = ids
    if volume:
        filters["volume"] = volume
    if network:
        filters["network"] = network
    with engine_call() as api:
        rows = api.containers(all=True, filters=filters or None)
    return [ContainerSummary.from_engine(row) for row in rows]


def inspect_container(container_id: str) -> ContainerDetail:
    """Everything the container page shows, from one inspect call."""
    with engine_call() as api:
        data = api.inspect_container(container_id)
    return _detail_from_inspect(data)


def start_container(container_id: str) -> None:
    with engine_call() as api:
        api.start(container_id)


def stop_container(container_id: str, *, timeout: int = 10) -> None:
    with engine_call() as api:
        api.stop(container_id, timeout=timeout)


def restart_container(container_id: str, *, timeout: int = 10) -> None:
    with engine_call() as api:
        api.restart(container_id, timeout=timeout)


def kill_container(container_id: str, *, signal: str = "SIGKILL") -> None:
    with engine_call() as api:
        api.kill(container_id, signal=signal)


def pause_container(container_id: str) -> None:
    with engine_call() as api:
        api.pause(container_id)


def unpause_container(container_id: str) -> None:
    with engine_call() as api:
        api.unpause(container_id)


def remove_container(
    container_id: str, *, remove_volumes: bool = False, force: bool = False
) -> None:
    """Remove a container; `remove_volumes` also drops its anonymous volumes."""
    with engine_call() as api:
        api.remove_container(container_id, v=remove_volumes, force=force)


def run_action(container_id: str, action: str, **options: Any) -> None:
    """Run one of ACTIONS by name (the views' single entry point)."""
    handlers = {
        "start": start_container,
        "stop": stop_container,
        "restart": restart_container,
        "kill": kill_container,
        "pause": pause_container,
        "unpause": unpause_container,
        "remove": remove_container,
    }
    if action not in handlers:
        raise EngineError(f"Unknown container action '{action}'")
    handlers[action](container_id, **options)


def _detail_from_inspect(data: dict[str, Any]) -> ContainerDetail:
    state = data.get("State") or {}
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    health = state.get("Health") or {}
    restart = host.get("RestartPolicy") or {}
    return ContainerDetail(
        id=data["Id"],
        name=(data.get("Name") or "").lstrip("/"),
        image=config.get("Image") or "",
        image_id=data.get("Image") or "",
        created=parse_engine_time(data.get("Created")),
        state=state.get("Status") or "",
        running=bool(state.get("Running")),
        paused=bool(state.get("Paused")),
        exit_code=int(state.get("ExitCode") or 0),
        error=state.get("Error") or "",
        started_at=parse_engine_time(state.get("StartedAt")),
        finished_at=parse_engine_time(state.get("FinishedAt")),
        health=health.get("Status") or "",
        health_log=tuple(
            HealthCheckResult(
                start=parse_engine_time(entry.get("Start")),
                exit_code=int(entry.get("ExitCode") or 0),
                output=entry.get("Output") or "",
            )
            for entry in health.get("Log") or ()
        ),
        entrypoint=tuple(config.get("Entrypoint") or ()),
        command=tuple(config.get("Cmd") or ()),
        working_dir=config.get("WorkingDir") or "",
        user=config.get("User") or "",
        tty=bool(config.get("Tty")),
        env=tuple(config.get("Env") or ()),
        ports=tuple(_inspect_ports(data)),
        mounts=tuple(_mounts(data.get("Mounts") or ())),
        networks=tuple(_networks(data)),
        labels=dict(config.get("Labels") or {}),
        restart_policy=restart.get("Name") or "no",
        restart_max_retries=int(restart.get("MaximumRetryCount") or 0),
        memory_limit=int(host.get("Memory") or 0),
        nano_cpus=int(host.get("NanoCpus") or 0),
        cpu_shares=int(host.get("CpuShares") or 0),
        pids_limit=host.get("PidsLimit") or None,
        privileged=bool(host.get("Privileged")),
        network_mode=host.get("NetworkMode") or "",
        raw=data,
        pid_mode=host.get("PidMode") or "",
    )


def _inspect_ports(data: dict[str, Any]) -> list[PublishedPort]:
    bound = (data.get("NetworkSettings") or {}).get("Ports") or {}
    exposed = (data.get("Config") or {}).get("ExposedPorts") or {}
    ports: list[PublishedPort] = []
    for key in sorted(set(bound) | set(exposed), key=_port_key_order):
        number, _, protocol = key.partition("/")
        bindings = bound.get(key) or []
        if not bindings:
            ports.append(PublishedPort(int(number), protocol or "tcp"))
        for binding in bindings:
            ports.append(
                PublishedPort(
                    container_port=int(number),
                    protocol=protocol or "tcp",
                    host_ip=binding.get("HostIp") or "",
                    host_port=int(binding["HostPort"])
                    if binding.get("HostPort")
                    else None,
                )
            )
    return ports


def _port_key_order(key: str) -> tuple[int, str]:
    number, _, protocol = key.partition("/")
    return int(number) if number.isdigit() else 0, protocol


def _mounts(rows: Any) -> list[Mount]:
    return [
        Mount(
            type=row.get("Type") or "",
            source=row.get("Source") or "",
            destination=row.get("Destination") or "",
            read_only=not row.get("RW", True),
            name=row.get("Name") or "",
        )
        for row in rows
    ]


def _networks(data: dict[str, Any]) -> list[NetworkAttachment]:
    networks = (data.get("NetworkSettings") or {}).get("Networks") or {}
    return [
        NetworkAttachment(
            name=name,
            ip_address=net.get("IPAddress") or "",
            ipv6_address=net.get("GlobalIPv6Address") or "",
            gateway=net.get("Gateway") or "",
            mac_address=net.get("MacAddress") or "",
            aliases=tuple(net.get("Aliases") or ()),
        )
        for name, net in sorted(networks.items())
    ]


def prune_containers(*, label: str = "") -> dict[str, Any]:
    """Remove stopped containers (optionally only those with `label`)."""
    with engine_call() as api:
        return api.prune_containers(filters={"label": label} if label else None)
