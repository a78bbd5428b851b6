"""Fixtures for the host pages: labelled volumes and networks on the real engine."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import docker
import pytest

from tests.support.engine import run_labels, unique_name


@pytest.fixture
def make_volume(engine: docker.APIClient) -> Iterator[Callable[..., str]]:
    """Create a labelled volume (team optional); removed afterwards."""
    made: list[str] = []

    def make(*, team: str = "", labels: dict[str, str] | None = None) -> str:
        extra = dict(labels or {})
        if team:
            extra["berth.team"] = team
        name = unique_name("vol")
        engine.create_volume(name=name, labels=run_labels(**extra))
        made.append(name)
        return name

    yield make
    for name in made:
        try:
            engine.remove_volume(name, force=True)
        except docker.errors.APIError:
            pass


@pytest.fixture
def make_network(engine: docker.APIClient) -> Iterator[Callable[..., dict[str, Any]]]:
    """Create a labelled bridge network (team optional); removed afterwards."""
    made: list[str] = []

    def make(*, team: str = "", labels: dict[str, str] | None = None) -> dict:
        extra = dict(labels or {})
        if team:
            extra["berth.team"] = team
        created = engine.create_network(
            unique_name("net"), driver="bridge", labels=run_labels(**extra)
        )
        made.append(created["Id"])
        return engine.inspect_network(created["Id"])

    yield make
    for network_id in made:
        for row in engine.containers(all=True, filters={"network": network_id}):
            try:
                engine.disconnect_container_from_network(
                    row["Id"], network_id, force=True
                )
            except docker.errors.APIError:
                pass
        try:
            engine.remove_network(network_id)
        except docker.errors.APIError:
            pass


def free_subnet(engine: docker.APIClient) -> str:
    """A /24 no network on the engine uses (tests run side by side)."""
    used = {
        pool.get("Subnet")
        for network in engine.networks()
        for pool in (network.get("IPAM") or {}).get("Config") or ()
    }
    while True:
        subnet = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}.0/24"  # noqa: S311
        if subnet not in used:
            return subnet


def fill_volume(engine: docker.APIClient, image: str, volume: str, script: str) -> None:
    """Run `script` in a throwaway container with the volume at /data."""
    container = engine.create_container(
        image,
        ["sh", "-c", script],
        labels=run_labels(),
        host_config=engine.create_host_config(binds={volume: {"bind": "/data"}}),
    )
    try:
        engine.start(container["Id"])
        status = engine.wait(container["Id"], timeout=30)["StatusCode"]
        assert status == 0, engine.logs(container["Id"])
    finally:
        engine.remove_container(container["Id"], force=True)
