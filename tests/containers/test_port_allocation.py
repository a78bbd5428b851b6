"""Host ports from BERTH_PORT_RANGE: free of containers' and the host's ports,
never the same port for two launches at once, given back when not used."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from console.dockerapi import PortBinding
from containers import allocation
from containers.models import Job, PortReservation
from tests.support.live import free_port_in_range

pytestmark = [pytest.mark.engine]


def free_block(size: int) -> int:
    """The first port of `size` consecutive ports nothing listens on."""
    for _ in range(200):
        first = free_port_in_range(20000, 29999 - size)
        if all(_free(first + i) for i in range(size)):
            return first
    raise RuntimeError("no free block of ports")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.django_db
def test_it_skips_ports_bound_on_the_host_and_published_by_containers(
    settings, make_container
):
    first = free_block(4)
    settings.BERTH_PORT_RANGE = (first, first + 3)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", first))
        listener.listen()
        make_container(publish={80: ("127.0.0.1", first + 1)})
        got = allocation.allocate("127.0.0.1")
        assert got.host_port == first + 2
        assert allocation.allocate("127.0.0.1").host_port == first + 3
        with pytest.raises(allocation.PortsExhausted, match=f"{first}-{first + 3}"):
            allocation.allocate("127.0.0.1")


@pytest.mark.django_db(transaction=True)
def test_launches_at_the_same_moment_never_get_the_same_port(settings):
    """Eight launches race for a range of four: four ports, each given once."""
    first = free_block(4)
    settings.BERTH_PORT_RANGE = (first, first + 3)
    start = threading.Barrier(8)
    got: list[int] = []
    exhausted: list[str] = []

    def one_launch() -> None:
        try:
            start.wait()
            ports, reservations, problems = allocation.reserve_ports(
                (PortBinding(6379, "tcp", "127.0.0.1", ""),), fill_empty=True
            )
            if problems:
                exhausted.extend(problems)
            else:
                got.append(int(ports[0].host_port))
        finally:
            connection.close()

    threads = [threading.Thread(target=one_launch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(got) == [first, first + 1, first + 2, first + 3]
    assert len(exhausted) == 4 and "No free host port" in exhausted[0]
    assert PortReservation.objects.count() == 4


@pytest.mark.django_db
def test_an_explicit_port_reserved_by_a_running_launch_is_refused():
    port = str(free_port_in_range())
    job = Job.objects.create(kind=Job.Kind.LAUNCH, status=Job.Status.RUNNING)
    _, held, _ = allocation.reserve_ports(
        (PortBinding(80, "tcp", "127.0.0.1", port),), fill_empty=False
    )
    allocation.attach(held, job=job)
    _, again, problems = allocation.reserve_ports(
        (PortBinding(80, "tcp", "127.0.0.1", port),), fill_empty=False
    )
    assert not again and problems == [
        f"Host port {port}/tcp is reserved by job {job.pk}."
    ]


@pytest.mark.django_db
def test_stale_reservations_are_given_back(make_container):
    alive = make_container()
    finished = Job.objects.create(kind=Job.Kind.LAUNCH, status=Job.Status.FAILED)
    running = Job.objects.create(kind=Job.Kind.LAUNCH, status=Job.Status.RUNNING)
    keep_alive = PortReservation.objects.create(host_port=1, container_id=alive["Id"])
    keep_running = PortReservation.objects.create(host_port=2, job=running)
    PortReservation.objects.create(host_port=3, container_id="f" * 64)
    PortReservation.objects.create(host_port=4, job=finished)
    PortReservation.objects.create(
        host_port=5, created=timezone.now() - timedelta(hours=1)
    )
    assert allocation.release_stale() == 3
    assert set(PortReservation.objects.values_list("pk", flat=True)) == {
        keep_alive.pk,
        keep_running.pk,
    }


@pytest.mark.django_db
def test_a_refused_launch_keeps_nothing_reserved(settings):
    first = free_block(2)
    settings.BERTH_PORT_RANGE = (first, first)
    _, _, problems = allocation.reserve_ports(
        (
            PortBinding(1, "tcp", "127.0.0.1", ""),
            PortBinding(2, "tcp", "127.0.0.1", ""),
        ),
        fill_empty=True,
    )
    assert problems and not PortReservation.objects.exists()
