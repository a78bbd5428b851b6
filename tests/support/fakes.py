"""Small fakes of the Docker gateway for unit tests of views and forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from console.dockerapi import ContainerSummary, PublishedPort

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def summary(
    index: int, *, state: str = "running", **overrides: object
) -> ContainerSummary:
    fields = {
        "id": f"{index:064x}",
        "name": f"svc-{index:05d}",
        "image": "berth-test/busybox",
        "image_id": "sha256:" + "a" * 64,
        "command": "sh",
        "created": EPOCH + timedelta(minutes=index),
        "state": state,
        "status": "Up 2 minutes" if state == "running" else "Exited (0) 1 minute ago",
        "ports": (PublishedPort(80, "tcp", "0.0.0.0", 8000 + index),),
        "labels": {},
    }
    fields.update(overrides)
    return ContainerSummary(**fields)


class FakeGateway:
    """Records calls; answers list_containers from a fixed set of summaries."""

    def __init__(self, containers: list[ContainerSummary]):
        self.containers = containers
        self.calls: list[tuple[str, dict]] = []

    def list_containers(self, **filters: object) -> list[ContainerSummary]:
        self.calls.append(("list_containers", filters))
        rows = self.containers
        if filters.get("state"):
            rows = [c for c in rows if c.state == filters["state"]]
        return list(rows)
