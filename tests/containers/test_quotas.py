"""Team quotas: running containers and total memory, refused with the numbers
on every path (form, catalog, job, starting a stopped container).

Each test uses a team of its own: other test runs on the same engine have
containers of team blue running at any moment.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from console.models import AuditEvent, Team
from containers import launch
from containers.catalog_templates import load_catalog
from containers.jobs import run_job
from containers.models import Job
from tests.containers.test_policy import base_spec, crafted_job

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


@pytest.fixture
def team(operator_user, admin_user):
    team = Team.objects.create(name=f"q-{uuid.uuid4().hex[:8]}")
    team.members.add(operator_user, admin_user)
    return team


def post_launch(client, team, **fields):
    data = {
        "image": "berth-test/busybox",
        "restart_policy": "no",
        "team": team.name,
        "memory": "64m",
        "cpus": "0.5",
        "pids": "64",
        "start": "on",
    }
    data.update(fields)
    return client.post(reverse("containers:launch"), data)


def test_a_launch_over_the_container_quota_is_refused_with_the_numbers(
    team, operator_client, admin_client, make_container
):
    team.max_running_containers = 2
    team.save()
    make_container(team=team.name)
    make_container(team=team.name)
    make_container(team=team.name, start=False)  # stopped: does not count
    response = post_launch(operator_client, team)
    assert response.status_code == 400
    assert f"Team {team.name} runs 2 of 2 containers" in response.content.decode()
    event = AuditEvent.objects.get(action="container.launch")
    assert event.outcome == "denied" and event.params["rules"] == ["quota-containers"]
    assert post_launch(admin_client, team).status_code == 302


def test_a_launch_over_the_memory_quota_is_refused_with_the_numbers(
    team, operator_client, make_container, engine
):
    team.max_total_memory_mb = 100
    team.save()
    make_container(
        team=team.name, host_config=engine.create_host_config(mem_limit="64m")
    )
    response = post_launch(operator_client, team, memory="48m")
    assert (
        f"Team {team.name} uses 64 MB of its 100 MB memory; this container asks "
        "48 MB more." in response.content.decode()
    )
    assert post_launch(operator_client, team, memory="32m").status_code == 302


def test_queued_launches_count_so_two_at_once_cannot_both_fit(team, operator_client):
    team.max_running_containers = 1
    team.save()
    assert post_launch(operator_client, team).status_code == 302
    response = post_launch(operator_client, team)
    assert f"Team {team.name} runs 1 of 1 containers" in response.content.decode()


def test_a_created_but_not_started_container_is_not_counted(team, operator_client):
    team.max_running_containers = 0
    team.save()
    assert post_launch(operator_client, team, start="").status_code == 302


def test_starting_a_stopped_container_over_the_quota_is_refused(
    team, operator_client, make_container, engine
):
    team.max_running_containers = 1
    team.save()
    make_container(team=team.name)
    stopped = make_container(team=team.name, start=False)
    for action in ("start", "restart"):
        operator_client.post(reverse("containers:action", args=[stopped["Id"], action]))
        assert engine.inspect_container(stopped["Id"])["State"]["Status"] == "created"
        event = AuditEvent.objects.get(action=f"container.{action}")
        assert event.outcome == "denied" and "runs 1 of 1" in event.error


def test_the_catalog_and_the_job_both_count(
    team, operator_client, operator_user, make_container
):
    load_catalog()
    team.max_running_containers = 1
    team.save()
    make_container(team=team.name)
    response = operator_client.post(
        reverse("containers:catalog_launch", args=["redis"]),
        {"redis-tag": "7.4", "redis-ttl": "1h", "redis-team": team.name},
    )
    assert f"Team {team.name} runs 1 of 1 containers" in response.content.decode()
    job = crafted_job(operator_user, base_spec("otto", team=team.name))
    run_job(job.pk, launch.container_launch)
    job.refresh_from_db()
    assert job.status == "failed" and "runs 1 of 1 containers" in job.error
    assert Job.objects.count() == 1
