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


class FakeDetail:
    """The few inspect facts the audit view reads."""

    def __init__(
        self, *, privileged=False, pid_mode="", memory_limit=0, started_at=None
    ):
        self.privileged = privileged
        self.pid_mode = pid_mode
        self.memory_limit = memory_limit
        self.started_at = started_at or EPOCH


class FakeInspectingGateway(FakeGateway):
    """FakeGateway that also answers inspect_container, counting each call."""

    def __init__(self, containers: list[ContainerSummary], details=None):
        super().__init__(containers)
        self.details = details or {}

    def inspect_container(self, container_id: str) -> FakeDetail:
        self.calls.append(("inspect_container", {"id": container_id}))
        return self.details.get(container_id) or FakeDetail(memory_limit=64 * 1024**2)

    def count(self, name: str) -> int:
        return sum(1 for call, _ in self.calls if call == name)
