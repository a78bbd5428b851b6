"""Volumes: inspect (for the launch policy), create and remove (for services)."""

from __future__ import annotations

from console.dockerapi.client import engine_call
from console.dockerapi.types import VolumeInfo


def inspect_volume(name: str) -> VolumeInfo:
    """One volume's driver, driver options and labels; NotFound when missing."""
    with engine_call() as api:
        data = api.inspect_volume(name)
    return VolumeInfo.from_engine(data)


def create_volume(name: str, *, labels: dict[str, str]) -> VolumeInfo:
    """Create a named local volume with `labels` (no driver options)."""
    with engine_call() as api:
        data = api.create_volume(name=name, driver="local", labels=labels or None)
    return VolumeInfo.from_engine(data)


def remove_volume(name: str, *, force: bool = False) -> None:
    """Remove a volume; Conflict while a container still uses it."""
    with engine_call() as api:
        api.remove_volume(name, force=force)
