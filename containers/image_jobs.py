"""Job services for images: pull, build, push, remove, prune.

Each takes the JobContext, reads its parameters, talks to the engine through
the gateway, reports honest progress and returns the job's result. Errors
inside the engine's stream fail the job with the engine's own words.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

from console import dockerapi
from console.crypto import unseal
from containers.jobs import JobContext, JobFailed
from containers.references import split_image_reference

DONE_STATES = (
    "Pull complete",
    "Already exists",
    "Pushed",
    "Layer already exists",
    "Mounted from",
)
STEP = re.compile(r"^Step (\d+)/(\d+)")


class LayerProgress:
    """One percentage for a pull or push, aggregated over its layers.

    Every layer weighs the same (their sizes are unknown until they start),
    80% for moving the bytes and 20% for extracting them, so the figure
    never runs backwards when a large layer appears late.
    """

    def __init__(self) -> None:
        self.layers: dict[str, tuple[str, int, int]] = {}

    def update(self, message: dict[str, Any]) -> bool:
        """Take one engine message; True when a layer changed state."""
        layer, status = message.get("id"), message.get("status") or ""
        if not layer or status.startswith(("Pulling from", "The push refers")):
            return False
        if status.startswith("Digest") or status.startswith("Status"):
            return False
        detail = message.get("progressDetail") or {}
        previous = self.layers.get(layer, ("", 0, 0))[0]
        self.layers[layer] = (
            status,
            int(detail.get("current") or 0),
            int(detail.get("total") or 0),
        )
        return status != previous

    def percent(self) -> int:
        if not self.layers:
            return 0
        done = sum(self._weight(*state) for state in self.layers.values())
        return int(100 * done / len(self.layers))

    @staticmethod
    def _weight(status: str, current: int, total: int) -> float:
        if status.startswith(DONE_STATES):
            return 1.0
        if status in ("Downloading", "Pushing") and total:
            return 0.8 * min(current, total) / total
        if status in ("Verifying Checksum", "Download complete"):
            return 0.8
        if status == "Extracting" and total:
            return 0.8 + 0.2 * min(current, total) / total
        return 0.0


def _registry_auth(context: JobContext) -> dict[str, str] | None:
    params = context.params
    if not params.get("username"):
        return None
    return {
        "username": params["username"],
        "password": unseal(params.get("password_sealed", "")),
    }


def follow_layers(
    context: JobContext, stream: Any, *, scale: tuple[int, int] = (0, 100)
) -> LayerProgress:
    """Drive the job's percent and output from a pull or push stream."""
    low, high = scale
    progress = LayerProgress()
    with contextlib.closing(stream):
        for message in stream:
            if progress.update(message):
                context.log(f"{message['id']}: {message['status']}")
            elif message.get("status") and not message.get("id"):
                context.log(message["status"])
            context.progress(
                low + (high - low) * progress.percent() // 100,
                step=message.get("status") or context.step,
            )
            context.check_cancelled()
    return progress


def pull_image(
    context: JobContext, reference: str, *, scale: tuple[int, int] = (0, 100)
) -> str:
    """Pull `reference` with progress; returns the pulled image's id."""
    parsed = split_image_reference(reference)
    tag = parsed.digest or parsed.tag or "latest"
    context.progress(scale[0], step=f"Pulling {parsed.familiar}")
    stream = dockerapi.pull_stream(parsed.repository, tag, auth=_registry_auth(context))
    follow_layers(context, stream, scale=scale)
    image = dockerapi.inspect_image(parsed.for_pull)
    return image["Id"]


def image_pull(context: JobContext) -> dict[str, Any]:
    reference = context.params["reference"]
    image_id = pull_image(context, reference)
    context.log(f"Pulled {reference} ({image_id[7:19]}).")
    return {"image_id": image_id, "reference": reference}


def image_push(context: JobContext) -> dict[str, Any]:
    """Tag the local image as the target, then push it with progress."""
    source, target = context.params["image"], context.params["target"]
    parsed = split_image_reference(target)
    tag = parsed.tag or "latest"
    dockerapi.tag_image(source, parsed.repository, tag)
    context.progress(0, step=f"Pushing {parsed.familiar}")
    stream = dockerapi.push_stream(parsed.repository, tag, auth=_registry_auth(context))
    follow_layers(context, stream)
    context.log(f"Pushed {parsed.familiar}.")
    return {"target": parsed.familiar}


def image_build(context: JobContext) -> dict[str, Any]:
    """Build from a typed Dockerfile or an uploaded context, streaming output."""
    params = context.params
    context.progress(0, step="Sending the build context")
    with _build_context(params) as (fileobj, is_gzip, dockerfile_only):
        stream = dockerapi.build_stream(
            context=fileobj,
            tag=params["tags"][0],
            gzip=is_gzip,
            dockerfile_only=dockerfile_only,
        )
        image_id = _follow_build(context, stream)
    for extra in params["tags"][1:]:
        parsed = split_image_reference(extra)
        dockerapi.tag_image(image_id, parsed.repository, parsed.tag or "latest")
    context.log(f"Built {image_id[7:19]} tagged {', '.join(params['tags'])}.")
    return {"image_id": image_id, "tags": params["tags"]}


def _follow_build(context: JobContext, stream: Any) -> str:
    image_id = ""
    with contextlib.closing(stream):
        for message in stream:
            text = message.get("stream") or message.get("status") or ""
            for line in text.splitlines():
                if line.strip():
                    context.log(line)
                if match := STEP.match(line):
                    done, total = int(match.group(1)), int(match.group(2))
                    context.progress(99 * (done - 1) // total, step=line[:255])
            aux = message.get("aux") or {}
            image_id = aux.get("ID", image_id)
            context.check_cancelled()
    if not image_id:
        raise JobFailed("The build ended without producing an image.")
    return image_id


@contextlib.contextmanager
def _build_context(params: dict[str, Any]) -> Any:
    """The build's input: an uploaded tar (gzip or not) or a bare Dockerfile."""
    upload = params.get("context_path")
    if not upload:
        yield io.BytesIO(params["dockerfile"].encode()), False, True
        return
    path = Path(upload)
    try:
        with path.open("rb") as fileobj:
            is_gzip = fileobj.read(2) == b"\x1f\x8b"
            fileobj.seek(0)
            yield fileobj, is_gzip, False
    finally:
        path.unlink(missing_ok=True)


def images_remove(context: JobContext) -> dict[str, Any]:
    """Remove several images one by one; the job fails if any could not go."""
    from containers.services import image_remove

    images, failed = context.params["images"], []
    for index, image in enumerate(images, start=1):
        outcome = image_remove(
            actor=context.actor, image=image, force=context.params.get("force", False)
        )
        context.log(outcome.message)
        if not outcome.ok:
            failed.append(image)
        context.progress(100 * index // len(images), step=f"{index}/{len(images)}")
    if failed:
        raise JobFailed(
            f"{len(failed)} of {len(images)} images could not be "
            "removed; see the output."
        )
    return {"removed": len(images)}


def system_prune(context: JobContext) -> dict[str, Any]:
    """Remove stopped containers and dangling images (admins only)."""
    label = context.params.get("label", "")
    result: dict[str, Any] = {}
    if context.params.get("containers"):
        context.progress(10, step="Removing stopped containers")
        pruned = dockerapi.prune_containers(label=label)
        removed = pruned.get("ContainersDeleted") or []
        result["containers_removed"] = len(removed)
        context.log(f"Removed {len(removed)} stopped container(s).")
    if context.params.get("images"):
        context.progress(55, step="Removing dangling images")
        pruned = dockerapi.prune_images(label=label)
        removed = pruned.get("ImagesDeleted") or []
        result["images_removed"] = len(removed)
        result["space_reclaimed"] = pruned.get("SpaceReclaimed") or 0
        context.log(
            f"Removed {len(removed)} dangling image layer(s), "
            f"{result['space_reclaimed']} bytes reclaimed."
        )
    return result
