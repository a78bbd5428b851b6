"""Images: list and remove."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from console.dockerapi.client import engine_address, engine_call, stream_client
from console.dockerapi.errors import EngineError, NotFound, translated
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


def image_exists(reference: str) -> bool:
    """Whether the engine has `reference` (a tag or id) locally."""
    try:
        with engine_call() as api:
            api.inspect_image(reference)
    except NotFound:
        return False
    return True


def inspect_image(reference: str) -> dict[str, Any]:
    with engine_call() as api:
        return api.inspect_image(reference)


def tag_image(image: str, repository: str, tag: str) -> None:
    with engine_call() as api:
        api.tag(image, repository, tag)


def _checked(messages: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Pass the engine's progress messages on; raise on an error inside them.

    Pull, push and build errors arrive inside a 200 stream, so every message
    is checked: a pull is never reported done when the stream said no.
    """
    for message in messages:
        if "error" in message or "errorDetail" in message:
            detail = message.get("errorDetail") or {}
            raise EngineError(
                detail.get("message")
                or message.get("error")
                or "the engine reported an error"
            )
        yield message


def pull_stream(
    repository: str, tag: str, *, auth: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """Pull, yielding the engine's progress messages (close it to stop)."""
    with stream_client() as api, translated(engine_address()):
        yield from _checked(
            api.pull(
                repository, tag=tag or None, stream=True, decode=True, auth_config=auth
            )
        )


def push_stream(
    repository: str, tag: str, *, auth: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """Push, yielding the engine's progress messages (close it to stop)."""
    with stream_client() as api, translated(engine_address()):
        yield from _checked(
            api.push(
                repository, tag=tag or None, stream=True, decode=True, auth_config=auth
            )
        )


def build_stream(
    *,
    context: BinaryIO,
    tag: str,
    gzip: bool = False,
    dockerfile_only: bool = False,
    labels: dict[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Build from a tar context (or a bare Dockerfile), yielding build output."""
    options: dict[str, Any] = {
        "fileobj": context,
        "tag": tag,
        "rm": True,
        "forcerm": True,
        "decode": True,
        "labels": labels,
    }
    if not dockerfile_only:
        options["custom_context"] = True
        options["encoding"] = "gzip" if gzip else None
    with stream_client() as api, translated(engine_address()):
        yield from _checked(api.build(**options))


def prune_images(*, label: str = "") -> dict[str, Any]:
    """Remove dangling images (optionally only those with `label`)."""
    filters: dict[str, Any] = {"dangling": True}
    if label:
        filters["label"] = label
    with engine_call() as api:
        return api.prune_images(filters=filters)
