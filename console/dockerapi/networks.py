"""Networks: list, inspect, create, remove, connect and disconnect."""

from __future__ import annotations

import docker.types

from console.dockerapi.client import engine_call
from console.dockerapi.types import NetworkSummary


def list_networks() -> list[NetworkSummary]:
    """Every network, in one engine request.

    The list's `Containers` is empty on Engine 20.10 (only inspect fills it,
    and only with running containers), so attachments come from the
    container list instead: see `ContainerSummary.networks`.
    """
    with engine_call() as api:
        rows = api.networks()
    return sorted(
        (NetworkSummary.from_engine(row) for row in rows),
        key=lambda network: network.name,
    )


def inspect_network(network: str) -> NetworkSummary:
    """One network by id or name; NotFound when there is none."""
    with engine_call() as api:
        return NetworkSummary.from_engine(api.inspect_network(network))


def create_network(
    *,
    name: str,
    subnet: str = "",
    gateway: str = "",
    internal: bool = False,
    labels: dict[str, str] | None = None,
) -> NetworkSummary:
    """Create a bridge network, with an optional subnet and gateway."""
    ipam = None
    if subnet:
        pool = docker.types.IPAMPool(subnet=subnet, gateway=gateway or None)
        ipam = docker.types.IPAMConfig(pool_configs=[pool])
    with engine_call() as api:
        created = api.create_network(
            name,
            driver="bridge",
            internal=internal,
            labels=labels or None,
            ipam=ipam,
            check_duplicate=True,
        )
        return NetworkSummary.from_engine(api.inspect_network(created["Id"]))


def remove_network(network: str) -> None:
    """Remove a network; the engine refuses while running containers use it."""
    with engine_call() as api:
        api.remove_network(network)


def connect_container(
    network: str, container: str, *, aliases: tuple[str, ...] = ()
) -> None:
    """Attach a container to a network, reachable there under `aliases` too."""
    with engine_call() as api:
        api.connect_container_to_network(
            container, network, aliases=list(aliases) or None
        )


def disconnect_container(network: str, container: str) -> None:
    """Detach a container from a network."""
    with engine_call() as api:
        api.disconnect_container_from_network(container, network)
