"""Container and image actions: permission, engine call, audit event.

Each service returns an `Outcome` the view shows in place; it never raises
for a refusal the user should read (engine errors become the message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from console import dockerapi, permissions
from console.audit import Actor, record
from console.dockerapi import GatewayError
from console.models import ContainerAssignment, Team
from containers.quotas import start_violations

PAST_TENSE = {
    "start": "Started",
    "stop": "Stopped",
    "restart": "Restarted",
    "kill": "Killed",
    "pause": "Paused",
    "unpause": "Unpaused",
    "remove": "Removed",
}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: str


def container_act(
    *, actor: Actor, container_id: str, action: str, remove_volumes: bool = False
) -> Outcome:
    """Run one lifecycle action on a container and write its audit event."""
    if action not in dockerapi.ACTIONS:
        return Outcome(False, f"Unknown action '{action}'.")
    audit = {
        "action": f"container.{action}",
        "target_type": "container",
        "target_id": container_id,
    }
    params = {"remove_volumes": remove_volumes} if action == "remove" else {}
    try:
        container = dockerapi.inspect_container(container_id)
    except dockerapi.NotFound:
        message = f"No container {container_id[:12]} (it may have been removed)."
        record(actor, **audit, params=params, outcome="failure", error=message)
        return Outcome(False, message)
    audit |= {
        "target_id": container.id,
        "target_name": container.name,
        "team": container.labels.get("berth.team", ""),
    }
    if not permissions.can_act_on_container(actor.user, container):
        message = f"You may not {action} {container.name}."
        record(actor, **audit, params=params, outcome="denied", error=message)
        return Outcome(False, message)
    # Restarting a stopped container starts it too; both count against quotas.
    if action in ("start", "restart") and (
        over := start_violations(container, permissions.access_for(actor.user))
    ):
        message = " ".join(v.message for v in over)
        record(actor, **audit, params=params, outcome="denied", error=message)
        return Outcome(False, message)
    options = {"remove_volumes": remove_volumes} if action == "remove" else {}
    try:
        dockerapi.run_action(container.id, action, **options)
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        record(actor, **audit, params=params, outcome="failure", error=error.message)
        return Outcome(False, f"Could not {action} {container.name}: {error.message}")
    record(actor, **audit, params=params)
    return Outcome(True, f"{PAST_TENSE[action]} {container.name}.")


def image_remove(*, actor: Actor, image: str, force: bool = False) -> Outcome:
    """Remove an image (by id or tag); force is for admins only."""
    audit = {
        "action": "image.remove",
        "target_type": "image",
        "target_id": image,
        "target_name": image,
        "params": {"force": force},
    }
    if not permissions.can_remove_image(actor.user):
        message = "Viewers cannot remove images."
        record(actor, **audit, outcome="denied", error=message)
        return Outcome(False, message)
    if force and not permissions.can_force_remove_image(actor.user):
        message = "Only admins can force the removal of an image."
        record(actor, **audit, outcome="denied", error=message)
        return Outcome(False, message)
    try:
        dockerapi.remove_image(image, force=force)
    except dockerapi.Conflict as error:
        users = ", ".join(sorted(c.name for c in containers_using_image(image)))
        message = f"{image} is in use by {users}." if users else error.message
        record(actor, **audit, outcome="failure", error=error.message)
        return Outcome(False, f"Could not remove {short_image(image)}: {message}")
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        record(actor, **audit, outcome="failure", error=error.message)
        return Outcome(False, f"Could not remove {short_image(image)}: {error.message}")
    record(actor, **audit)
    return Outcome(True, f"Removed {short_image(image)}.")


def containers_using_image(image: str) -> list[dockerapi.ContainerSummary]:
    """Containers created from `image` (an id, a short id, or a tag)."""
    image_ids = {i.id for i in dockerapi.list_images() if image_matches(i, image)}
    return [c for c in dockerapi.list_containers() if c.image_id in image_ids]


def image_matches(summary: dockerapi.ImageSummary, image: str) -> bool:
    bare = image.removeprefix("sha256:")
    return (
        summary.id == image
        or summary.id.removeprefix("sha256:").startswith(bare)
        or image in summary.tags
    )


def short_image(image: str) -> str:
    """An image named by id ("sha256:…") shortened as docker ps does."""
    return image[7:19] if image.startswith("sha256:") else image


def container_assign(*, actor: Actor, container_id: str, team: str) -> Outcome:
    """Give an unmanaged container to a team ("" takes it back); admins only.

    A container's labels cannot change, so the assignment lives in Berth's
    database, keyed by container id, and is shown like a label.
    """
    audit = {
        "action": "container.assign",
        "target_type": "container",
        "target_id": container_id,
        "params": {"team": team},
    }
    try:
        container = dockerapi.inspect_container(container_id)
    except dockerapi.NotFound:
        message = f"No container {container_id[:12]} (it may have been removed)."
        record(actor, **audit, outcome="failure", error=message)
        return Outcome(False, message)
    audit |= {"target_id": container.id, "target_name": container.name, "team": team}
    problem = _assign_problem(actor, container, team)
    if problem:
        record(actor, **audit, outcome="denied", error=problem)
        return Outcome(False, problem)
    if team:
        ContainerAssignment.objects.update_or_create(
            container_id=container.id,
            defaults={
                "team": Team.objects.get(name=team),
                "container_name": container.name,
                "assigned_by": actor.user,
            },
        )
    else:
        ContainerAssignment.objects.filter(container_id=container.id).delete()
    permissions.forget_access(actor.user)
    record(actor, **audit)
    if team:
        return Outcome(True, f"Assigned {container.name} to team {team}.")
    return Outcome(True, f"{container.name} is unmanaged again.")


def _assign_problem(
    actor: Actor, container: dockerapi.ContainerDetail, team: str
) -> str:
    if not permissions.can(actor.user, permissions.ASSIGN, container):
        return "Only admins assign containers to teams."
    if "berth.team" in container.labels:
        return (
            f"{container.name} carries its own berth.team label "
            f"({container.labels['berth.team']}); labels cannot be overridden."
        )
    if team and not Team.objects.filter(name=team).exists():
        return f"There is no team called {team}."
    return ""


def _container_audit(container: dockerapi.ContainerDetail) -> dict[str, str]:
    return {
        "target_type": "container",
        "target_id": container.id,
        "target_name": container.name,
        "team": container.labels.get("berth.team", ""),
    }


def terminal_allowed(*, actor: Actor, container: dockerapi.ContainerDetail) -> Outcome:
    """Whether `actor` may open a terminal; a refusal is audited as denied."""
    if permissions.can(actor.user, permissions.TERMINAL, container):
        return Outcome(True, "")
    message = f"You may not open a terminal in {container.name}."
    record(
        actor,
        "container.terminal",
        **_container_audit(container),
        outcome="denied",
        error=message,
    )
    return Outcome(False, message)


def terminal_opened(
    *,
    actor: Actor,
    container: dockerapi.ContainerDetail,
    command: list[str],
    started: datetime,
) -> None:
    """Audit a terminal as it opens (so it is on record even if Berth dies)."""
    record(
        actor,
        "container.terminal",
        **_container_audit(container),
        params={"command": command, "started": started.isoformat()},
    )


def terminal_closed(
    *,
    actor: Actor,
    container: dockerapi.ContainerDetail,
    command: list[str],
    started: datetime,
    ended: datetime,
    exit_code: int | None,
    process_gone: bool,
) -> None:
    """Audit the end of a terminal: how long it ran and whether its processes
    are gone from the container."""
    record(
        actor,
        "container.terminal.end",
        **_container_audit(container),
        params={
            "command": command,
            "started": started.isoformat(),
            "ended": ended.isoformat(),
            "seconds": round((ended - started).total_seconds(), 1),
            "exit_code": exit_code,
            "process_gone": process_gone,
        },
        outcome="success" if process_gone else "failure",
        error="" if process_gone else "The shell was still running after SIGKILL.",
    )
