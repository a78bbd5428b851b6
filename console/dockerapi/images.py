"""Images: list and remove."""

from __future__ import annotations

from console.dockerapi.client import engine_call
from console.dockerapi.types import ImageSummary


def list_images(*, dangling_only: bool = False) -> list[ImageSummary]:
    """Every top-level image, in one engine request."""
    filters = {"dangling": True} if dangling_only else None
    with engine_call() as api:
        rows = api.images(filters=filters)
    return [ImageSummary.from_engine(row) for row in rows]


def remove_image(image: str, *, force: bool = False) -> None:
    """Remove an image by id or reference; Conflict when something uses it."""
    with engine_call() as api:
        api.remove_image(image, force=force)
