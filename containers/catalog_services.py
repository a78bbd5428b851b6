"""Services launched from the catalog: launch, extend, remove, and expiry.

Each service function takes keyword arguments and an Actor, checks the
permission, does its work, writes one audit event and returns an Outcome.
Generated credentials are stored sealed (console/crypto.py) and shown only
to the owning team's operators and to admins.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from console import dockerapi
from console.audit import Actor, record
from console.crypto import seal, unseal
from console.dockerapi import ContainerSpec, GatewayError, MountSpec, PortBinding
from console.permissions import ACT, SECRETS, VIEW, Access, access_for
from containers import allocation, launch, policy
from containers.catalog_templates import engine_healthcheck, fill, generate_secrets
from containers.jobs import job_start
from containers.models import Job, Service, ServiceTemplate
from containers.quotas import quota_violations
from containers.services import Outcome

MB = 1024**2
NAME_UNSAFE = re.compile(r"[^a-zA-Z0-9_.-]+")
HOST_WITHOUT_PORT = re.compile(r"^(\[[^\]]*\]|[^:]*)")
WILDCARD_IPS = ("", "0.0.0.0", "::")  # noqa: S104 (compared, never bound)


@dataclass(frozen=True)
class LaunchRequest:
    """What a person asked for in the catalog."""

    template: ServiceTemplate
    tag: str
    name: str
    ttl: timedelta | None
    team: str


def default_name(template: ServiceTemplate, owner: str) -> str:
    owner = NAME_UNSAFE.sub("-", owner).strip("-.") or "user"
    return f"{template.slug}-{owner}-{secrets.token_hex(2)}"


def service_launch(
    *, actor: Actor, ask: LaunchRequest
) -> tuple[Outcome, Service | None]:
    """Start the launch job for a catalog service; the Service row follows it."""
    access = access_for(actor.user)
    audit = _launch_audit(ask)
    if refusal := launch_refusal(access, ask):
        record(actor, **audit, outcome="denied", error=refusal)
        return Outcome(False, refusal), None
    values = generate_secrets(list(ask.template.secrets or []))
    containers = dockerapi.list_containers()  # one list for every check below
    ports, reservations, problems = allocation.reserve_ports(
        _wanted_ports(ask.template), fill_empty=True, containers=containers
    )
    if problems:
        record(actor, **audit, outcome="failure", error=" ".join(problems))
        return Outcome(False, " ".join(problems)), None
    spec = build_spec(ask, owner=actor.name, ports=ports, values=values)
    refused = policy.violations(spec, access) + quota_violations(
        spec, access, containers=containers
    )
    if refused or any(c.name == ask.name for c in containers):
        allocation.release(reservations)
        return _refused(actor, audit, ask, refused), None
    service = _service_row(ask, actor, spec, values)
    job = _start_job(actor, service, spec, reservations)
    if job.status == Job.Status.FAILED:
        allocation.release(reservations)
        Service.objects.filter(pk=service.pk).update(status=Service.Status.FAILED)
        record(actor, **audit, outcome="failure", error=job.error)
        return Outcome(False, job.error), service
    record(actor, **audit, target_id=str(service.pk))
    return Outcome(True, f"Launching {ask.name}."), service


def _start_job(
    actor: Actor, service: Service, spec: ContainerSpec, reservations: list
) -> Job:
    """The launch job (the same one the launch form starts), tied to the service."""
    job = job_start(
        actor=actor,
        kind=Job.Kind.LAUNCH,
        target=service.name,
        team=service.team,
        params={
            "spec": launch.spec_to_params(spec),
            "options": {"pull": True, "start": True},
            "service_id": service.pk,
        },
    )
    allocation.attach(reservations, job=job, service=service)
    Service.objects.filter(pk=service.pk).update(job=job)
    service.job = job
    return job


def _launch_audit(ask: LaunchRequest) -> dict[str, Any]:
    return {
        "action": "service.launch",
        "target_type": "service",
        "target_name": ask.name,
        "team": ask.team,
        "params": {
            "template": ask.template.slug,
            "tag": ask.tag,
            "ttl_seconds": int(ask.ttl.total_seconds()) if ask.ttl else None,
        },
    }


def launch_refusal(access: Access, ask: LaunchRequest) -> str:
    """Why this user may not launch this, before anything is reserved ("" = may)."""
    if not access.can_launch:
        return "Viewers cannot launch services; ask an operator or admin."
    if not ask.template.enabled:
        return f"{ask.template.name} is not offered at the moment."
    if ask.tag not in (ask.template.tags or []):
        return f"{ask.template.name} comes in {', '.join(ask.template.tags)} only."
    if not access.can_launch_into(ask.team):
        return f"You can launch only for your own teams, not {ask.team or 'none'}."
    if not launch.CONTAINER_NAME.match(ask.name):
        return "Use letters, digits, _ . and - in the name."
    if access.is_admin:
        return ""
    longest = timedelta(hours=settings.BERTH_MAX_TTL_HOURS)
    if ask.ttl is None or ask.ttl > longest:
        return f"Services expire within {settings.BERTH_MAX_TTL_HOURS} hours."
    return ""


def _wanted_ports(template: ServiceTemplate) -> tuple[PortBinding, ...]:
    """Every template port, on the publish address, host port still to allocate."""
    return tuple(
        PortBinding(p["port"], p.get("protocol", "tcp"), settings.BERTH_PUBLISH_IP, "")
        for p in template.ports
    )


def placeholder_values(
    name: str, ports: tuple[PortBinding, ...] | list[dict], values: dict[str, str]
) -> dict[str, str]:
    """Everything a {{ placeholder }} may name, for one service."""
    rows = [
        p
        if isinstance(p, dict)
        else {"container_port": p.container_port, "host_port": p.host_port}
        for p in ports
    ]
    filled = {"name": name, **values}
    for row in rows:
        filled[f"port_{row['container_port']}"] = str(row["host_port"])
    if rows:
        filled["port"] = str(rows[0]["host_port"])
    return filled


def build_spec(
    ask: LaunchRequest,
    *,
    owner: str,
    ports: tuple[PortBinding, ...],
    values: dict[str, str],
) -> ContainerSpec:
    """The container for one launch of a template (secrets only in env)."""
    template = ask.template
    everything = placeholder_values(ask.name, ports, values)
    public = {k: v for k, v in everything.items() if k not in values}
    labels = {"berth.owner": owner, "berth.template": template.slug}
    if ask.team:
        labels["berth.team"] = ask.team
    if ask.ttl:
        labels["berth.expires-at"] = _label_time(timezone.now() + ask.ttl)
    mounts = ()
    if template.volume_target:
        mounts = (MountSpec(volume_name(ask.name), template.volume_target),)
    return ContainerSpec(
        image=f"{template.image}:{ask.tag}",
        name=ask.name,
        command=tuple(fill(arg, public) for arg in template.command or ()),
        entrypoint=tuple(fill(a, public) for a in template.entrypoint)
        if template.entrypoint
        else None,
        env=tuple(
            f"{k}={fill(v, everything)}" for k, v in (template.env or {}).items()
        ),
        ports=ports,
        mounts=mounts,
        labels=labels,
        restart_policy="unless-stopped",
        memory_bytes=template.memory_mb * MB,
        nano_cpus=int(template.cpus * 10**9),
        pids_limit=template.pids,
        healthcheck=engine_healthcheck(template.healthcheck or {}),
    )


def volume_name(service_name: str) -> str:
    return f"{service_name}-data"


def _label_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _refused(
    actor: Actor, audit: dict[str, Any], ask: LaunchRequest, refused: list
) -> Outcome:
    if not refused:
        message = f"A container called {ask.name} already exists; choose another name."
        record(actor, **audit, outcome="failure", error=message)
        return Outcome(False, message)
    message = " ".join(v.message for v in refused)
    params = {**audit["params"], "rules": sorted({v.rule for v in refused})}
    record(actor, **{**audit, "params": params}, outcome="denied", error=message)
    return Outcome(False, message)


def _service_row(
    ask: LaunchRequest, actor: Actor, spec: ContainerSpec, values: dict[str, str]
) -> Service:
    template = ask.template
    if spec.mounts:
        # Launching again under an expired service's name takes its kept data
        # over: the grace period must not remove it from under the new one.
        Service.objects.filter(
            volume_name=spec.mounts[0].source, status=Service.Status.EXPIRED
        ).update(volume_kept_until=None)
    return Service.objects.create(
        template=template,
        template_slug=template.slug,
        template_name=template.name,
        name=ask.name,
        image=spec.image,
        owner=actor.user if actor.name else None,
        owner_name=actor.name,
        team=ask.team,
        volume_name=spec.mounts[0].source if spec.mounts else "",
        host_ip=settings.BERTH_PUBLISH_IP,
        ports=[
            {
                "container_port": p.container_port,
                "protocol": p.protocol,
                "host_port": int(p.host_port),
                "name": _port_name(template, p.container_port),
            }
            for p in spec.ports
        ],
        credentials_sealed=seal(json.dumps(values)) if values else "",
        connection_template=template.connection,
        credentials_template=dict(template.credentials or {}),
        links_template=dict(template.links or {}),
        expires_at=timezone.now() + ask.ttl if ask.ttl else None,
    )


def _port_name(template: ServiceTemplate, container_port: int) -> str:
    return next(
        (p.get("name", "") for p in template.ports if p["port"] == container_port), ""
    )


@dataclass(frozen=True)
class ConnectionInfo:
    connection: str
    credentials: list[tuple[str, str]]
    links: list[tuple[str, str]]


def connection_info(service: Service, host: str) -> ConnectionInfo:
    """The connection string, credentials and links, secrets filled in.

    Callers check permissions.SECRETS first: this is what viewers never see.
    """
    values = json.loads(unseal(service.credentials_sealed) or "{}")
    filled = {"host": host, **placeholder_values(service.name, service.ports, values)}
    return ConnectionInfo(
        connection=fill(service.connection_template, filled),
        credentials=[
            (label, fill(text, filled))
            for label, text in service.credentials_template.items()
        ],
        links=[
            (label, fill(text, filled))
            for label, text in service.links_template.items()
        ],
    )


def service_host(request_host: str) -> str:
    """Where people reach services: the publish address (bracketed when IPv6),
    or this console's host name when services are published on every address."""
    address = settings.BERTH_PUBLISH_IP
    if address not in WILDCARD_IPS:
        return f"[{address}]" if ":" in address else address
    return HOST_WITHOUT_PORT.match(request_host).group() or "localhost"


def can_see(access: Access, service: Service, capability: str = VIEW) -> bool:
    """The permission matrix, for the team that owns the service."""
    return access.can_in_team(capability, service.team)


def can_see_credentials(access: Access, service: Service) -> bool:
    return can_see(access, service, SECRETS)


def can_manage(access: Access, service: Service) -> bool:
    return can_see(access, service, ACT)


def _service_audit(service: Service, action: str) -> dict[str, Any]:
    return {
        "action": f"service.{action}",
        "target_type": "container" if service.container_id else "service",
        "target_id": service.container_id or str(service.pk),
        "target_name": service.name,
        "team": service.team,
    }


def service_extend(*, actor: Actor, service: Service, by: timedelta) -> Outcome:
    """Push the expiry later (non-admins: at most BERTH_MAX_TTL_HOURS from now)."""
    access = access_for(actor.user)
    audit = _service_audit(service, "extend")
    audit["params"] = {"by_seconds": int(by.total_seconds())}
    if not can_manage(access, service) or not service.is_live:
        message = f"You cannot extend {service.name}."
        record(actor, **audit, outcome="denied", error=message)
        return Outcome(False, message)
    now = timezone.now()
    expires = max(now, service.expires_at or now) + by
    longest = now + timedelta(hours=settings.BERTH_MAX_TTL_HOURS)
    if not access.is_admin and expires > longest:
        expires = longest
    Service.objects.filter(pk=service.pk).update(expires_at=expires)
    service.expires_at = expires
    record(actor, **audit | {"params": {**audit["params"], "expires_at": str(expires)}})
    return Outcome(True, f"{service.name} now expires {expires:%Y-%m-%d %H:%M} UTC.")


def service_remove(*, actor: Actor, service: Service, remove_volume: bool) -> Outcome:
    """Remove the service's container, and its data volume when asked."""
    access = access_for(actor.user)
    audit = _service_audit(service, "remove")
    audit["params"] = {"remove_volume": remove_volume}
    if not can_manage(access, service):
        message = f"You may not remove {service.name}."
        record(actor, **audit, outcome="denied", error=message)
        return Outcome(False, message)
    try:
        _remove_container(service)
        if remove_volume:
            _remove_volume(service)
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        record(actor, **audit, outcome="failure", error=error.message)
        return Outcome(False, f"Could not remove {service.name}: {error.message}")
    # A kept volume is kept for good (no grace period): the person chose it.
    Service.objects.filter(pk=service.pk).update(
        status=Service.Status.REMOVED,
        ended_at=service.ended_at or timezone.now(),
        volume_kept_until=None,
    )
    record(actor, **audit)
    if remove_volume or not service.volume_name or service.volume_removed:
        return Outcome(True, f"Removed {service.name}.")
    return Outcome(
        True, f"Removed {service.name}; its data volume {service.volume_name} is kept."
    )


def _remove_container(service: Service) -> None:
    if service.container_id:
        try:
            dockerapi.remove_container(service.container_id, force=True)
        except dockerapi.NotFound:
            pass  # already gone
        allocation.release_container(service.container_id)
    Service.objects.filter(pk=service.pk).update(container_id="")


def _remove_volume(service: Service) -> None:
    if service.volume_name and not service.volume_removed:
        try:
            dockerapi.remove_volume(service.volume_name)
        except dockerapi.NotFound:
            pass
    Service.objects.filter(pk=service.pk).update(volume_removed=True)
