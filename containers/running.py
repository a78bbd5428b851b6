"""The admin's "Running now": every container, whose it is, and what is risky.

Engine requests stay bounded: one list call gives names, owners, ports,
network mode and mount types. Privileged, host PID, memory limit and start
time are only in inspect data, so those are read for the rows shown (or,
when filtering by one of those flags or exporting, for every candidate) —
at most BERTH_AUDIT_INSPECT_LIMIT per page load, eight at a time, and kept
in the cache for BERTH_INSPECT_CACHE_SECONDS. A reload within that time
costs the list call alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from console import dockerapi
from console.dockerapi import ContainerSummary
from console.permissions import Access
from containers.models import Job, Service

FLAGS = {
    "privileged": "privileged",
    "host-network": "host network",
    "host-pid": "host PID",
    "bind-mounts": "bind mounts",
    "public": "published on 0.0.0.0",
    "no-memory-limit": "no memory limit",
    "long-running": "long running",
    "unmanaged": "unmanaged",
}
INSPECT_FLAGS = frozenset({"privileged", "host-pid", "no-memory-limit", "long-running"})
WILDCARD_IPS = ("", "0.0.0.0", "::")  # noqa: S104 (compared, never bound)
INSPECT_THREADS = 8


@dataclass(frozen=True)
class Facts:
    """What only inspect tells, kept small enough to cache."""

    privileged: bool
    pid_mode: str
    memory_limit: int
    started_at: datetime | None


@dataclass
class RunningRow:
    container: ContainerSummary
    team: str
    assigned: bool
    facts: Facts | None = None
    launched_by: str = ""
    expires_at: datetime | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def owner(self) -> str:
        return self.container.labels.get("berth.owner", "")

    @property
    def template(self) -> str:
        return self.container.labels.get("berth.template", "")

    @property
    def started_at(self) -> datetime | None:
        return self.facts.started_at if self.facts else None

    @property
    def flag_labels(self) -> list[str]:
        return [FLAGS[flag] for flag in self.flags]


@dataclass
class Reads:
    """How many engine requests a page cost (shown on it)."""

    lists: int = 0
    inspects: int = 0
    cached: int = 0
    unread: int = 0


def rows_for(access: Access, containers: list[ContainerSummary]) -> list[RunningRow]:
    return [
        RunningRow(
            container=c,
            team=access.team_of(c),
            assigned="berth.team" not in c.labels and c.id in access.assignments,
        )
        for c in containers
    ]


def _cache_key(container: ContainerSummary) -> str:
    return f"berth:facts:{container.id}:{container.state}"


def read_facts(rows: Iterable[RunningRow], reads: Reads) -> None:
    """Fill `facts` for these rows: cached, else inspected (bounded)."""
    missing = []
    for row in rows:
        row.facts = cache.get(_cache_key(row.container))
        if row.facts is not None:
            reads.cached += 1
        else:
            missing.append(row)
    allowed = missing[: settings.BERTH_AUDIT_INSPECT_LIMIT]
    reads.unread += len(missing) - len(allowed)
    if not allowed:
        return
    with ThreadPoolExecutor(max_workers=INSPECT_THREADS) as pool:
        found = list(pool.map(_inspect, [row.container.id for row in allowed]))
    for row, facts in zip(allowed, found, strict=True):
        reads.inspects += 1
        row.facts = facts
        if facts is not None:
            cache.set(
                _cache_key(row.container), facts, settings.BERTH_INSPECT_CACHE_SECONDS
            )


def _inspect(container_id: str) -> Facts | None:
    try:
        detail = dockerapi.inspect_container(container_id)
    except dockerapi.NotFound:
        return None  # removed between the list and now
    return Facts(
        privileged=detail.privileged,
        pid_mode=detail.pid_mode,
        memory_limit=detail.memory_limit,
        started_at=detail.started_at,
    )


def flags_of(row: RunningRow, now: datetime) -> list[str]:
    container, found = row.container, []
    if row.facts and row.facts.privileged:
        found.append("privileged")
    if container.network_mode == "host":
        found.append("host-network")
    if row.facts and row.facts.pid_mode == "host":
        found.append("host-pid")
    if "bind" in container.mount_types:
        found.append("bind-mounts")
    if any(p.host_port and p.host_ip in WILDCARD_IPS for p in container.ports):
        found.append("public")
    if row.facts and not row.facts.memory_limit:
        found.append("no-memory-limit")
    long_ago = now - timedelta(days=settings.BERTH_LONG_RUNNING_DAYS)
    if (
        container.state == "running"
        and row.facts
        and row.facts.started_at
        and row.facts.started_at < long_ago
    ):
        found.append("long-running")
    if not row.team:
        found.append("unmanaged")
    return found


def label_time(text: str) -> datetime | None:
    """The berth.expires-at label ("2026-05-01T12:00:00Z"), None when unreadable."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def annotate(rows: list[RunningRow]) -> None:
    """Flags, who launched each container and when it expires (two queries)."""
    now = timezone.now()
    ids = [row.container.id for row in rows]
    services = {
        s.container_id: s
        for s in Service.objects.filter(container_id__in=ids).only(
            "container_id", "owner_name", "expires_at", "status"
        )
    }
    launchers = dict(
        Job.objects.filter(
            kind=Job.Kind.LAUNCH,
            status=Job.Status.SUCCEEDED,
            result__container_id__in=ids,
        ).values_list("result__container_id", "started_by__username")
    )
    for row in rows:
        cid = row.container.id
        service = services.get(cid)
        row.launched_by = (
            (service.owner_name if service else "") or launchers.get(cid) or ""
        )
        row.expires_at = (
            service.expires_at
            if service
            else label_time(row.container.labels.get("berth.expires-at", ""))
        )
        row.flags = flags_of(row, now)
