"""Volumes: list, inspect, create, remove and prune."""

from __future__ import annotations

from typing import Any

from console.dockerapi.client import engine_call
from console.dockerapi.types import VolumePruneResult, VolumeSummary


def list_volumes(*, label: str = "") -> list[VolumeSummary]:
    """Every volume, in one engine request (`label` is the engine's filter)."""
    filters = {"label": label} if label else None
    with engine_call() as api:
        answer = api.volumes(filters=filters) or {}
    return sorted(
        (VolumeSummary.from_engine(row) for row in answer.get("Volumes") or ()),
        key=lambda volume: volume.name,
    )


def inspect_volume(name: str) -> VolumeSummary:
    """One volume by name; NotFound when there is none."""
    with engine_call() as api:
        return VolumeSummary.from_engine(api.inspect_volume(name))


def create_volume(
    *,
    name: str = "",
    driver: str = "local",
    labels: dict[str, str] | None = None,
    driver_options: dict[str, str] | None = None,
) -> VolumeSummary:
    """Create a volume (the engine names it when `name` is empty).

    Driver options can turn a volume into a bind mount of any host path
    (`type=none,o=bind,device=/`): callers must restrict them to admins.
    """
    with engine_call() as api:
        row = api.create_volume(
            name=name or None,
            driver=driver or "local",
            driver_opts=driver_options or None,
            labels=labels or None,
        )
    return VolumeSummary.from_engine(row)


def remove_volume(name: str) -> None:
    """Remove a volume; Conflict while a container (running or not) uses it."""
    with engine_call() as api:
        api.remove_volume(name)


def prune_volumes(*, label: str = "") -> VolumePruneResult:
    """Remove every volume no container uses, narrowed by a label filter.

    On API 1.41 (Engine 20.10) this includes named volumes; newer engines
    prune only anonymous ones unless told `all=true`.
    """
    filters: dict[str, Any] = {"label": label} if label else {}
    with engine_call() as api:
        answer = api.prune_volumes(filters=filters or None) or {}
    return VolumePruneResult(
        deleted=tuple(answer.get("VolumesDeleted") or ()),
        space_reclaimed=int(answer.get("SpaceReclaimed") or 0),
    )
