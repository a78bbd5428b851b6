"""Host ports for launches: taken from BERTH_PORT_RANGE, never given twice.

Each port a launch publishes is a PortReservation row; the table's unique
constraint on (port, protocol) is what stops two launches running at the
same moment, in any process, from getting the same port. Allocation skips
ports published by any container and ports bound on the host, then tries to
insert; losing the insert race just moves on to the next port.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from console import dockerapi
from console.dockerapi import ContainerSummary, PortBinding
from containers.hostports import port_is_free
from containers.models import Job, PortReservation

# A reservation with neither a job nor a container is a launch that never got
# as far as queueing its job; after this long it is given back.
ORPHAN_AFTER = timedelta(minutes=10)


class PortsExhausted(Exception):
    """No free host port is left in the range."""


def release_stale() -> int:
    """Give back reservations nobody holds any more; returns how many.

    Reservations are read before the engine's list, so a container created
    after the list was made cannot be mistaken for a missing one (which is
    why this makes its own list rather than take an earlier one).
    """
    reservations = list(PortReservation.objects.select_related("job"))
    if not reservations:
        return 0
    live = {c.id for c in dockerapi.list_containers()}
    orphan_before = timezone.now() - ORPHAN_AFTER
    stale = [r.pk for r in reservations if _is_stale(r, live, orphan_before)]
    if stale:
        PortReservation.objects.filter(pk__in=stale).delete()
    return len(stale)


def _is_stale(reservation: PortReservation, live: set[str], orphan_before) -> bool:
    if reservation.container_id:
        return reservation.container_id not in live
    if reservation.job is not None:
        return reservation.job.is_finished
    return reservation.created < orphan_before


def taken_ports(
    containers: list[ContainerSummary] | None = None,
) -> dict[str, set[int]]:
    """Ports already promised to a launch or published by a container, by protocol."""
    taken: dict[str, set[int]] = {"tcp": set(), "udp": set(), "sctp": set()}
    for number, protocol in PortReservation.objects.values_list(
        "host_port", "protocol"
    ):
        taken.setdefault(protocol, set()).add(number)
    if containers is None:
        containers = dockerapi.list_containers()
    for container in containers:
        for port in container.ports:
            if port.host_port:
                taken.setdefault(port.protocol, set()).add(port.host_port)
    return taken


def allocate(
    host_ip: str, protocol: str = "tcp", taken: dict[str, set[int]] | None = None
) -> PortReservation:
    """Reserve the lowest free port of the range on `host_ip`."""
    low, high = settings.BERTH_PORT_RANGE
    taken = taken if taken is not None else taken_ports()
    skip = taken.setdefault(protocol, set())
    for number in range(low, high + 1):
        if number in skip:
            continue
        if settings.BERTH_CHECK_HOST_PORTS and not port_is_free(
            host_ip, number, protocol
        ):
            continue
        reservation = _try_reserve(number, protocol, host_ip)
        if reservation is not None:
            skip.add(number)
            return reservation
    raise PortsExhausted(
        f"No free host port is left in {low}-{high}; remove a service or ask "
        "an admin to widen BERTH_PORT_RANGE."
    )


def _try_reserve(number: int, protocol: str, host_ip: str) -> PortReservation | None:
    try:
        with transaction.atomic():
            return PortReservation.objects.create(
                host_port=number, protocol=protocol, host_ip=host_ip
            )
    except IntegrityError:
        return None  # another launch got there first


def reserve_explicit(binding: PortBinding) -> PortReservation | str:
    """Reserve the one host port a binding names; a refusal says who holds it."""
    number = int(binding.host_port)
    reservation = _try_reserve(number, binding.protocol, binding.host_ip)
    if reservation is not None:
        return reservation
    release_stale()
    reservation = _try_reserve(number, binding.protocol, binding.host_ip)
    if reservation is not None:
        return reservation
    holder = PortReservation.objects.filter(
        host_port=number, protocol=binding.protocol
    ).first()
    who = f"job {holder.job_id}" if holder and holder.job_id else "another launch"
    return f"Host port {number}/{binding.protocol} is reserved by {who}."


def reserve_ports(
    ports: tuple[PortBinding, ...],
    *,
    fill_empty: bool,
    containers: list[ContainerSummary] | None = None,
) -> tuple[tuple[PortBinding, ...], list[PortReservation], list[str]]:
    """Reserve every single host port of a launch.

    With `fill_empty`, a binding without a host port gets one from the range
    (the engine would otherwise pick one outside it). Returns the bindings as
    they will be used, the reservations, and refusals; on any refusal nothing
    stays reserved. `containers`, when the caller already listed them, saves
    the engine a second list.
    """
    taken = None
    if fill_empty and any(not p.host_port for p in ports):
        release_stale()
        taken = taken_ports(containers)
    bound, reservations, problems = [], [], []
    for port in ports:
        try:
            port, held = _reserve_one(port, taken)
        except PortsExhausted as error:
            problems.append(str(error))
            continue
        if isinstance(held, str):
            problems.append(held)
        elif held is not None:
            reservations.append(held)
        bound.append(port)
    if problems:
        release(reservations)
        return ports, [], problems
    return tuple(bound), reservations, []


def _reserve_one(
    port: PortBinding, taken: dict[str, set[int]] | None
) -> tuple[PortBinding, PortReservation | str | None]:
    if not port.host_port:
        if taken is None:
            return port, None
        held = allocate(port.host_ip, port.protocol, taken)
        return replace(port, host_port=str(held.host_port)), held
    if port.host_port.isdigit():
        return port, reserve_explicit(port)
    return port, None  # a range: the engine picks inside it


def release(reservations: list[PortReservation]) -> None:
    PortReservation.objects.filter(pk__in=[r.pk for r in reservations]).delete()


def attach(reservations: list[PortReservation], *, job: Job, service=None) -> None:
    """Tie reservations to the job (and service) that will use them."""
    PortReservation.objects.filter(pk__in=[r.pk for r in reservations]).update(
        job=job, service=service
    )


def job_created_container(job_id: int, container_id: str) -> None:
    PortReservation.objects.filter(job_id=job_id).update(container_id=container_id)


def job_failed(job_id: int) -> None:
    """A launch failed: its ports are free again, unless it kept a container."""
    for reservation in PortReservation.objects.filter(job_id=job_id):
        if reservation.container_id and _exists(reservation.container_id):
            continue
        reservation.delete()


def _exists(container_id: str) -> bool:
    return bool(dockerapi.list_containers(ids=[container_id]))


def release_container(container_id: str) -> None:
    """The container is gone (removed, expired): its ports are free again."""
    PortReservation.objects.filter(container_id=container_id).delete()
