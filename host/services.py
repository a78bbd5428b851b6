"""Volume and network actions, and the background disk-usage refresh.

Each action checks permission, calls the engine, writes exactly one audit
event and returns an `Outcome` the page shows in place; refusals a person
should read are outcomes, never exceptions. EngineUnavailable is re-raised
for the middleware's 503 banner.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import transaction
from django.template.defaultfilters import filesizeformat

from console import dockerapi
from console.audit import Actor, record
from console.dockerapi import ContainerSummary, GatewayError
from console.permissions import (
    ACT,
    Access,
    access_for,
    can_on_object,
    can_prune_volumes,
    can_use_driver_options,
    creatable_teams,
)
from containers.services import Outcome
from host.models import DiskUsageSnapshot

KEEP_SNAPSHOTS = 5


def _denied(actor: Actor, audit: dict[str, Any], message: str) -> Outcome:
    record(actor, **audit, outcome="denied", error=message)
    return Outcome(False, message)


def _failed(actor: Actor, audit: dict[str, Any], what: str, error: str) -> Outcome:
    record(actor, **audit, outcome="failure", error=error)
    return Outcome(False, f"{what}: {error}")


def users_named(access: Access, users: list[ContainerSummary]) -> str:
    """'web, db and 2 containers you cannot see', for refusal messages."""
    seen = sorted(c.name for c in users if access.can("view", c))
    hidden = len(users) - len(seen)
    if hidden:
        seen.append(f"{hidden} container{'s' if hidden > 1 else ''} you cannot see")
    if len(seen) < 2:
        return "".join(seen)
    return f"{', '.join(seen[:-1])} and {seen[-1]}"


def _stamp(labels: dict[str, str], actor: Actor, team: str) -> dict[str, str]:
    stamped = dict(labels)
    if actor.name:
        stamped["berth.owner"] = actor.name
    if team:
        stamped["berth.team"] = team
    return stamped


def _team_refusal(access: Access, team: str, all_teams: list[str]) -> str:
    allowed = creatable_teams(access, all_teams)
    if not access.can_launch:
        return "Viewers cannot create anything."
    if team and team not in allowed:
        return f"You may not create objects for team {team}."
    if not team and not access.is_admin:
        return "Choose one of your teams: only admins create unmanaged objects."
    return ""


def _all_teams() -> list[str]:
    from console.models import Team

    return list(Team.objects.values_list("name", flat=True))


# Volumes.


def volume_create(
    *,
    actor: Actor,
    name: str = "",
    driver: str = "local",
    labels: dict[str, str] | None = None,
    driver_options: dict[str, str] | None = None,
    team: str = "",
) -> Outcome:
    """Create a volume stamped with its team and owner; driver options and
    other drivers than `local` are for admins (they can bind any host path)."""
    access = access_for(actor.user)
    driver = driver or "local"
    audit = {
        "action": "volume.create",
        "target_type": "volume",
        "target_id": name,
        "target_name": name,
        "team": team,
        "params": {
            "driver": driver,
            "labels": labels or {},
            "driver_options": driver_options or {},
        },
    }
    if refusal := _team_refusal(access, team, _all_teams()):
        return _denied(actor, audit, refusal)
    if (driver_options or driver != "local") and not can_use_driver_options(access):
        return _denied(
            actor, audit, "Only admins may set a volume driver or driver options."
        )
    try:
        volume = dockerapi.create_volume(
            name=name,
            driver=driver,
            labels=_stamp(labels or {}, actor, team),
            driver_options=driver_options,
        )
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        return _failed(
            actor, audit, f"Could not create {name or 'the volume'}", error.message
        )
    audit |= {"target_id": volume.name, "target_name": volume.name}
    record(actor, **audit)
    return Outcome(True, f"Created volume {volume.name}.")


def volume_remove(*, actor: Actor, name: str) -> Outcome:
    """Remove a volume; refused, with its users named, while any container
    (running or stopped) mounts it."""
    access = access_for(actor.user)
    audit = {"action": "volume.remove", "target_type": "volume", "target_id": name}
    audit["target_name"] = name
    try:
        volume = dockerapi.inspect_volume(name)
    except dockerapi.NotFound:
        return _failed(actor, audit, f"Could not remove {name}", "No such volume")
    audit["team"] = volume.team
    if not can_on_object(access, ACT, volume):
        return _denied(actor, audit, f"You may not remove volume {name}.")
    users = dockerapi.list_containers(volume=name)
    if users:
        message = f"Volume {name} is in use by {users_named(access, users)}."
        record(actor, **audit, outcome="failure", error=message)
        return Outcome(False, message)
    try:
        dockerapi.remove_volume(name)
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        return _failed(actor, audit, f"Could not remove {name}", error.message)
    record(actor, **audit)
    return Outcome(True, f"Removed volume {name}.")


def volume_prune(*, actor: Actor, label: str = "") -> Outcome:
    """Remove every unused volume (narrowed by a label filter): admins only.

    The engine decides what is unused at that moment; the outcome names what
    it actually removed and the space it freed.
    """
    audit = {
        "action": "volume.prune",
        "target_type": "volume",
        "target_name": label or "all unused",
        "params": {"label": label},
    }
    if not can_prune_volumes(access_for(actor.user)):
        return _denied(actor, audit, "Only admins may prune volumes.")
    try:
        result = dockerapi.prune_volumes(label=label)
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        return _failed(actor, audit, "Could not prune volumes", error.message)
    audit["params"] |= {
        "deleted": list(result.deleted),
        "space_reclaimed": result.space_reclaimed,
    }
    record(actor, **audit)
    count = len(result.deleted)
    return Outcome(
        True,
        f"Removed {count} unused volume{'s' if count != 1 else ''}, "
        f"freed {filesizeformat(result.space_reclaimed)}.",
    )


# Networks.


def network_create(
    *,
    actor: Actor,
    name: str,
    subnet: str = "",
    gateway: str = "",
    internal: bool = False,
    labels: dict[str, str] | None = None,
    team: str = "",
) -> Outcome:
    """Create a bridge network stamped with its team and owner."""
    access = access_for(actor.user)
    audit = {
        "action": "network.create",
        "target_type": "network",
        "target_id": name,
        "target_name": name,
        "team": team,
        "params": {
            "subnet": subnet,
            "gateway": gateway,
            "internal": internal,
            "labels": labels or {},
        },
    }
    if refusal := _team_refusal(access, team, _all_teams()):
        return _denied(actor, audit, refusal)
    try:
        network = dockerapi.create_network(
            name=name,
            subnet=subnet,
            gateway=gateway,
            internal=internal,
            labels=_stamp(labels or {}, actor, team),
        )
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        return _failed(actor, audit, f"Could not create {name}", error.message)
    record(actor, **audit | {"target_id": network.id})
    return Outcome(True, f"Created network {name}.")


def _network_for_action(
    actor: Actor, network: str, audit: dict[str, Any], verb: str
) -> tuple[dockerapi.NetworkSummary | None, Outcome | None]:
    """The network, or the refusal outcome (already audited)."""
    try:
        found = dockerapi.inspect_network(network)
    except dockerapi.NotFound:
        return None, _failed(
            actor, audit, f"Could not {verb} {network}", "No such network"
        )
    audit |= {"target_id": found.id, "target_name": found.name, "team": found.team}
    if not can_on_object(access_for(actor.user), ACT, found):
        return None, _denied(actor, audit, f"You may not {verb} network {found.name}.")
    return found, None


def network_remove(*, actor: Actor, network: str) -> Outcome:
    """Remove a network; never the engine's own bridge, host and none, and
    not while containers (running or stopped) are attached."""
    audit = {"action": "network.remove", "target_type": "network"}
    audit |= {"target_id": network, "target_name": network}
    found, refusal = _network_for_action(actor, network, audit, "remove")
    if refusal:
        return refusal
    if found.is_default:
        message = f"{found.name} is one of the engine's default networks: it stays."
        return _denied(actor, audit, message)
    # By name: a container that never ran lists its networks with no id, and
    # the engine would remove the network under it (it checks running ones).
    users = dockerapi.list_containers(network=found.name)
    if users:
        named = users_named(access_for(actor.user), users)
        message = f"Network {found.name} is in use by {named}."
        record(actor, **audit, outcome="failure", error=message)
        return Outcome(False, message)
    try:
        dockerapi.remove_network(found.id)
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        return _failed(actor, audit, f"Could not remove {found.name}", error.message)
    record(actor, **audit)
    return Outcome(True, f"Removed network {found.name}.")


def network_connect(
    *, actor: Actor, network: str, container: str, alias: str = ""
) -> Outcome:
    """Attach a container to a network (optionally under an alias). Operators
    need the right to act on both, so only their team's containers go on
    their team's networks."""
    audit = {"action": "network.connect", "target_type": "network"}
    audit |= {"target_id": network, "target_name": network}
    audit["params"] = {"container": container, "alias": alias}
    return _attachment(actor, network, container, audit, alias=alias, connect=True)


def network_disconnect(*, actor: Actor, network: str, container: str) -> Outcome:
    """Detach a container from a network (same rights as connecting)."""
    audit = {"action": "network.disconnect", "target_type": "network"}
    audit |= {"target_id": network, "target_name": network}
    audit["params"] = {"container": container}
    return _attachment(actor, network, container, audit, alias="", connect=False)


def _attachment(
    actor: Actor,
    network: str,
    container: str,
    audit: dict[str, Any],
    *,
    alias: str,
    connect: bool,
) -> Outcome:
    verb = "connect" if connect else "disconnect"
    found, refusal = _network_for_action(actor, network, audit, verb)
    if refusal:
        return refusal
    try:
        target = dockerapi.inspect_container(container)
    except dockerapi.NotFound:
        return _failed(
            actor, audit, f"Could not {verb} {container}", "No such container"
        )
    audit["params"] |= {"container": target.name}
    if not access_for(actor.user).can(ACT, target):
        return _denied(actor, audit, f"You may not {verb} {target.name}.")
    try:
        if connect:
            aliases = (alias,) if alias else ()
            dockerapi.connect_container(found.id, target.id, aliases=aliases)
        else:
            dockerapi.disconnect_container(found.id, target.id)
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        what = f"Could not {verb} {target.name}"
        return _failed(actor, audit, what, error.message)
    record(actor, **audit)
    where = "to" if connect else "from"
    return Outcome(True, f"{verb.capitalize()}ed {target.name} {where} {found.name}.")


# Disk usage (a read of the engine, stored for the pages; not audited).


def disk_usage_refresh() -> DiskUsageSnapshot:
    """Run `docker system df` and store the summary; keep the newest few."""
    started = time.monotonic()
    usage = dockerapi.disk_usage()
    with transaction.atomic():
        snapshot = DiskUsageSnapshot.objects.create(
            duration_ms=int((time.monotonic() - started) * 1000),
            data=usage.to_json(),
        )
        stale = DiskUsageSnapshot.objects.order_by("-taken_at", "-id")[KEEP_SNAPSHOTS:]
        DiskUsageSnapshot.objects.filter(
            pk__in=list(stale.values_list("pk", flat=True))
        ).delete()
    return snapshot


def latest_disk_usage() -> DiskUsageSnapshot | None:
    return DiskUsageSnapshot.objects.order_by("-taken_at", "-id").first()
