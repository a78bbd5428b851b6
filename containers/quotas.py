"""Team quotas: how many containers a team may run, and how much memory.

A container counts while it is running, paused or restarting (it holds its
memory). Launches already queued or running for the team count too, so two
launches at once cannot both squeeze under the limit. Admins are not bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from console import dockerapi
from console.dockerapi import ContainerSpec
from console.models import Team
from console.permissions import Access
from containers.models import Job
from containers.policy import Violation, team_named

RUNNING_STATES = ("running", "paused", "restarting")
MB = 1024**2


@dataclass(frozen=True)
class TeamUsage:
    containers: int
    memory_bytes: int


def team_usage(
    team: str,
    access: Access,
    *,
    exclude_job: int | None = None,
    containers: list[dockerapi.ContainerSummary] | None = None,
) -> TeamUsage:
    """What `team` runs now plus what its pending launches will add.

    One engine list; one inspect per running team container, only when the
    memory quota needs their limits (the list does not carry them).
    """
    if containers is None:
        containers = dockerapi.list_containers()
    running = [
        c for c in containers if c.state in RUNNING_STATES and access.team_of(c) == team
    ]
    pending = Job.objects.filter(
        kind=Job.Kind.LAUNCH,
        team=team,
        status__in=(Job.Status.QUEUED, Job.Status.RUNNING),
    ).exclude(pk=exclude_job)
    memory = 0
    count = len(running)
    team_row = team_named(team)
    if team_row is not None and team_row.max_total_memory_mb:
        memory = sum(dockerapi.inspect_container(c.id).memory_limit for c in running)
    for params in pending.values_list("params", flat=True):
        options = params.get("options") or {}
        if options.get("start", True):
            count += 1
            memory += int((params.get("spec") or {}).get("memory_bytes") or 0)
    return TeamUsage(containers=count, memory_bytes=memory)


def quota_violations(
    spec: ContainerSpec,
    access: Access,
    *,
    will_start: bool = True,
    exclude_job: int | None = None,
    containers: list[dockerapi.ContainerSummary] | None = None,
) -> list[Violation]:
    """Refusals, with the numbers, when starting `spec` would pass a team quota."""
    team = team_named(spec.labels.get("berth.team", ""))
    if access.is_admin or not will_start or team is None:
        return []
    if team.max_running_containers is None and not team.max_total_memory_mb:
        return []
    usage = team_usage(
        team.name, access, exclude_job=exclude_job, containers=containers
    )
    return starting_violations(team, usage, spec.memory_bytes)


def starting_violations(
    team: Team, usage: TeamUsage, memory_bytes: int
) -> list[Violation]:
    """Whether one more container of `memory_bytes` fits `team`'s quotas."""
    found = []
    limit = team.max_running_containers
    if limit is not None and usage.containers + 1 > limit:
        found.append(
            Violation(
                "quota-containers",
                f"Team {team.name} runs {usage.containers} of {limit} containers; "
                "stop or remove one first.",
            )
        )
    memory_limit = team.max_total_memory_mb
    if memory_limit and usage.memory_bytes + memory_bytes > memory_limit * MB:
        found.append(
            Violation(
                "quota-memory",
                f"Team {team.name} uses {usage.memory_bytes // MB} MB of its "
                f"{memory_limit} MB memory; this container asks "
                f"{memory_bytes // MB} MB more.",
            )
        )
    return found


def start_violations(
    container: dockerapi.ContainerDetail, access: Access
) -> list[Violation]:
    """Quota refusals for starting an existing, stopped container."""
    team = team_named(access.team_of(container))
    if access.is_admin or team is None or container.running:
        return []
    if team.max_running_containers is None and not team.max_total_memory_mb:
        return []
    usage = team_usage(team.name, access)
    return starting_violations(team, usage, container.memory_limit)
