"""The admin's audit view: Running now (owners, risk flags, filters, CSV,
bounded engine requests), Activity (team filter, streamed CSV), each
container's timeline, audit_verify, and a trail the admin cannot edit."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from console import dockerapi
from console.audit import ENGINE, Actor, record
from console.models import AuditEvent
from containers.models import Job, Service
from tests.support.engine import unique_name
from tests.support.fakes import FakeDetail, FakeInspectingGateway, summary
from tests.support.live import ROOT, subprocess_env

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeInspectingGateway(
        [
            summary(i, labels={"berth.team": "blue", "berth.owner": "otto"})
            for i in range(300)
        ],
        details={f"{3:064x}": FakeDetail(privileged=True, memory_limit=1)},
    )
    monkeypatch.setattr(dockerapi, "list_containers", fake.list_containers)
    monkeypatch.setattr(dockerapi, "inspect_container", fake.inspect_container)
    return fake


def test_running_now_makes_one_list_call_and_inspects_only_the_rows_shown(
    admin_client, gateway, settings
):
    settings.BERTH_PAGE_SIZE = 50
    body = admin_client.get(reverse("containers:running")).content.decode()
    assert "300 containers" in body and body.count('<tr id="running-') == 50
    assert (gateway.count("list_containers"), gateway.count("inspect_container")) == (
        1,
        50,
    )
    assert "engine requests: 1 list + 50 inspects" in body
    gateway.calls.clear()
    body = admin_client.get(reverse("containers:running")).content.decode()
    assert (gateway.count("list_containers"), gateway.count("inspect_container")) == (
        1,
        0,
    )
    assert "(50 from cache)" in body


def test_filtering_by_an_inspect_flag_reads_at_most_the_limit(
    admin_client, gateway, settings
):
    settings.BERTH_AUDIT_INSPECT_LIMIT = 120
    body = admin_client.get(reverse("containers:running"), {"flag": "privileged"})
    body = body.content.decode()
    assert gateway.count("inspect_container") == 120
    assert "180 not inspected yet" in body
    assert body.count('<tr id="running-') == 1 and "svc-00003" in body


def test_only_admins_see_the_audit_views(operator_client, viewer_client):
    for client in (operator_client, viewer_client):
        assert client.get(reverse("containers:running")).status_code == 403
        assert client.get(reverse("audit")).status_code == 403
        assert client.get(reverse("timeline", args=["abc"])).status_code == 403


@pytest.mark.engine
def test_running_now_flags_what_is_risky_on_the_real_engine(
    admin_client, make_container, engine, tmp_path, settings
):
    settings.BERTH_LONG_RUNNING_DAYS = 0
    owner = unique_name("owner")
    labels = {"berth.owner": owner}
    made = {
        "privileged": make_container(
            labels=labels,
            start=False,
            host_config=engine.create_host_config(privileged=True),
        ),
        "host-pid": make_container(
            labels=labels,
            start=False,
            host_config=engine.create_host_config(pid_mode="host"),
        ),
        "host-network": make_container(
            labels=labels,
            start=False,
            host_config=engine.create_host_config(network_mode="host"),
        ),
        "bind-mounts": make_container(
            labels=labels,
            start=False,
            host_config=engine.create_host_config(
                binds={str(tmp_path): {"bind": "/x", "mode": "ro"}}
            ),
        ),
        "public": make_container(
            labels={**labels, "berth.team": "blue"}, publish={80: ("0.0.0.0", None)}
        ),
        "limited": make_container(
            labels={**labels, "berth.team": "blue"},
            host_config=engine.create_host_config(mem_limit="32m"),
        ),
    }
    response = admin_client.get(
        reverse("containers:running"), {"owner": owner, "state": "all"}
    )
    body = response.content.decode()
    flags = {name: _flags(body, c["Id"]) for name, c in made.items()}
    assert "privileged" in flags["privileged"] and "unmanaged" in flags["privileged"]
    assert "host-pid" in flags["host-pid"]
    assert "host-network" in flags["host-network"]
    assert "bind-mounts" in flags["bind-mounts"]
    assert {"public", "no-memory-limit", "long-running"} <= flags["public"]
    assert "unmanaged" not in flags["public"]
    assert flags["limited"] == {"long-running"}
    only = admin_client.get(
        reverse("containers:running"),
        {"owner": owner, "state": "all", "flag": "privileged"},
    ).content.decode()
    assert only.count('<tr id="running-') == 1


def _flags(body: str, container_id: str) -> set[str]:
    marker = f'<tr id="running-{container_id}" data-flags="'
    start = body.index(marker) + len(marker)
    return set(body[start : body.index('"', start)].split())


@pytest.mark.engine
def test_running_now_exports_csv_with_who_launched_each(
    admin_client, make_container, operator_user
):
    owner = unique_name("owner")
    container = make_container(labels={"berth.owner": owner, "berth.team": "blue"})
    Job.objects.create(
        kind=Job.Kind.LAUNCH,
        status=Job.Status.SUCCEEDED,
        started_by=operator_user,
        result={"container_id": container["Id"]},
    )
    response = admin_client.get(
        reverse("containers:running"), {"owner": owner, "format": "csv"}
    )
    assert response["Content-Type"] == "text/csv"
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [(r["id"], r["owner"], r["team"], r["launched by"]) for r in rows] == [
        (container["Id"], owner, "blue", "otto")
    ]
    assert "no-memory-limit" in rows[0]["flags"]


def test_activity_filters_by_team_and_exports_csv(admin_client, operator_user):
    actor = Actor(user=operator_user)
    record(actor, "container.stop", target_name="frontend", team="blue")
    record(actor, "container.stop", target_name="db", team="red", params={"x": 1})
    body = admin_client.get(reverse("audit"), {"team": "red"}).content.decode()
    table = body.split("<tbody>")[1].split("</tbody>")[0]
    assert table.count("<tr ") == 1 and "db" in table and "frontend" not in table
    response = admin_client.get(reverse("audit"), {"team": "red", "format": "csv"})
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    )
    assert [(r["target_name"], r["team"], r["actor_name"]) for r in rows] == [
        ("db", "red", "otto")
    ]
    assert rows[0]["hash"] == AuditEvent.objects.get(target_name="db").hash


def test_a_containers_timeline_has_berths_and_the_watchers_events(
    admin_client, operator_user
):
    cid = "c" * 64
    actor = Actor(user=operator_user)
    record(
        actor,
        "container.launch",
        target_type="job",
        target_id="7",
        params={"container_id": cid, "name": "web"},
    )
    record(
        actor,
        "container.stop",
        target_type="container",
        target_id=cid,
        target_name="web",
    )
    record(
        ENGINE,
        "container.kill",
        target_type="container",
        target_id=cid,
        target_name="web",
    )
    record(actor, "container.stop", target_type="container", target_id="d" * 64)
    service = Service.objects.create(
        template_slug="redis",
        name="web",
        image="redis:7.4",
        owner_name="otto",
        host_ip="127.0.0.1",
        container_id=cid,
    )
    record(actor, "service.launch", target_type="service", target_id=str(service.pk))
    body = admin_client.get(reverse("timeline", args=[cid])).content.decode()
    assert body.count("<tr class=") == 4 and "service.launch" in body
    assert 'data-source="engine"' in body and "engine (outside Berth)" in body
    assert body.index("container.launch") < body.index("container.kill")


def test_audit_verify_names_the_first_broken_link(operator_user):
    actor = Actor(user=operator_user)
    events = [record(actor, f"step.{i}") for i in range(5)]
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit chain intact: 5 events." in out.getvalue()
    AuditEvent.objects.filter(pk=events[3].pk).update(error="rewritten")
    with pytest.raises(CommandError, match=f"event #{events[3].pk} .*changed after"):
        call_command("audit_verify")
    AuditEvent.objects.filter(pk=events[3].pk).update(error="")
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    with pytest.raises(
        CommandError, match=f"event #{events[2].pk} .*does not follow #{events[0].pk}"
    ):
        call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_audit_verify_exits_non_zero_on_a_broken_chain(operator_user):
    first = record(Actor(user=operator_user), "a")
    record(Actor(user=operator_user), "b")
    AuditEvent.objects.filter(pk=first.pk).update(action="hidden")
    broken = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
    )
    assert broken.returncode == 1
    assert f"Broken link at event #{first.pk}" in broken.stderr


def test_the_admin_cannot_add_change_or_delete_audit_events(
    admin_client, operator_user
):
    event = record(Actor(user=operator_user), "container.stop", target_name="web")
    count = AuditEvent.objects.count()
    change = reverse("admin:console_auditevent_change", args=[event.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"action": "forged"}).status_code == 403
    delete = reverse("admin:console_auditevent_delete", args=[event.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:console_auditevent_add")).status_code == 403
    listing = admin_client.post(
        reverse("admin:console_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert listing.status_code in (200, 302)
    event.refresh_from_db()
    assert event.action == "container.stop" and AuditEvent.objects.count() == count


def test_team_changes_made_in_the_admin_are_audited(admin_client, operator_user):
    response = admin_client.post(
        reverse("admin:console_team_add"),
        {"name": "green", "members": [operator_user.pk], "max_running_containers": "3"},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    event = AuditEvent.objects.get(action="team.add")
    assert event.actor_name == "ada" and event.target_name == "green"
    assert event.params["members"] == ["otto"]
    assert event.params["max_running_containers"] == 3
