"""The watcher against the real engine: a container made with the docker CLI
reaches an open containers socket within a second; changes made outside
Berth are audited as source "engine", Berth's own are not."""

from __future__ import annotations

import subprocess
import time

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from console.models import AuditEvent
from containers.watcher import Watcher
from tests.support.engine import BUSYBOX, run_labels, unique_name
from tests.support.sockets import LogClient, open_socket, session_cookie

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watcher(engine):
    started = Watcher(audit_delay=0.5).start()
    assert started.connected.wait(10), "the watcher did not subscribe"
    yield started
    started.stop()


def docker_cli(*args: str) -> str:
    return subprocess.run(
        ["docker", *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def labels_args(**extra: str) -> list[str]:
    return [
        part
        for key, value in run_labels(**extra).items()
        for part in ("--label", f"{key}={value}")
    ]


def wait_for_event(container_id: str, action: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = AuditEvent.objects.filter(target_id=container_id, action=action)
        if found.exists():
            return found.first()
        time.sleep(0.1)
    return None


async def test_a_container_run_with_the_cli_reaches_an_open_page_within_a_second(
    watcher, admin_user, engine
):
    cookie = await sync_to_async(session_cookie)(admin_user)
    client = LogClient(await open_socket("/ws/containers/", cookie))
    name = unique_name("cli")
    started = time.monotonic()
    container_id = await sync_to_async(docker_cli)(
        "run", "-d", "--name", name, *labels_args(), BUSYBOX, "sleep", "60"
    )
    message = await client.until(
        lambda m: any(r["id"] == container_id for r in m.get("rows", [])), timeout=5
    )
    assert time.monotonic() - started < 1.0 + 0.5  # docker run itself takes ~0.3 s
    row = next(r for r in message["rows"] if r["id"] == container_id)
    assert row["name"] == name
    await sync_to_async(docker_cli)("rm", "-f", container_id)
    await client.until(lambda m: container_id in m.get("removed", []), timeout=5)
    await client.socket.disconnect()


async def test_the_page_socket_only_carries_rows_the_user_may_see(
    watcher, viewer_user, make_container
):
    cookie = await sync_to_async(session_cookie)(viewer_user)
    client = LogClient(await open_socket("/ws/containers/", cookie))
    theirs = await sync_to_async(make_container)(team="red")
    ours = await sync_to_async(make_container)(team="blue")
    await client.until(lambda m: any(r["id"] == ours["Id"] for r in m.get("rows", [])))
    seen = {r["id"] for m in client.messages for r in m.get("rows", [])}
    assert theirs["Id"] not in seen
    await client.socket.disconnect()


def test_outside_changes_are_audited_as_engine_and_berths_own_are_not(
    watcher, admin_client, engine
):
    name = unique_name("outside")
    container_id = docker_cli(
        "run", "-d", "--name", name, *labels_args(), BUSYBOX, "sleep", "60"
    )
    try:
        created = wait_for_event(container_id, "container.create")
        assert created is not None, "the outside create was not audited"
        assert (created.source, created.actor_name, created.target_name) == (
            "engine",
            "",
            name,
        )
        assert wait_for_event(container_id, "container.start").source == "engine"
        response = admin_client.post(
            reverse("containers:action", args=[container_id, "pause"])
        )
        assert response.status_code == 302
        time.sleep(1.5)  # longer than the watcher's audit delay
        pauses = AuditEvent.objects.filter(
            target_id=container_id, action="container.pause"
        )
        assert [e.source for e in pauses] == ["web"]  # Berth's own, once
        docker_cli("unpause", container_id)
        assert wait_for_event(container_id, "container.unpause").source == "engine"
    finally:
        docker_cli("rm", "-f", container_id)


@pytest.mark.django_db
def test_berths_own_volume_helpers_are_not_audited_as_outside_changes():
    from console.dockerapi import EngineEvent
    from containers.watcher import audit_outside

    event = EngineEvent(
        action="create",
        container_id="a" * 64,
        time_nano=time.time_ns(),
        attributes={"berth.helper": "1", "name": "berth-helper-x"},
    )
    assert audit_outside(event) is None
    assert not AuditEvent.objects.exists()
