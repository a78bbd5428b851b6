"""Admins give an unmanaged container to a team from its page; the team's
operators may then act on it, and it shows like a label."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.models import AuditEvent, ContainerAssignment, Team

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


def assign(client, container, team):
    return client.post(
        reverse("containers:assign", args=[container["Id"]]), {"team": team}
    )


def test_an_admin_assigns_an_unmanaged_container_and_the_team_may_act(
    admin_client, operator_client, make_container, engine
):
    Team.objects.get_or_create(name="blue")
    container = make_container()
    url = reverse("containers:detail", args=[container["Id"]])
    assert 'id="assign-form"' in admin_client.get(url).content.decode()
    operator_client.post(reverse("containers:action", args=[container["Id"], "pause"]))
    assert engine.inspect_container(container["Id"])["State"]["Status"] == "running"

    response = assign(admin_client, container, "blue")
    assert response.status_code == 302
    assert ContainerAssignment.objects.get().team.name == "blue"
    event = AuditEvent.objects.get(action="container.assign", outcome="success")
    assert event.params == {"team": "blue"} and event.target_id == container["Id"]
    page = operator_client.get(url).content.decode()
    assert "team: blue (assigned)" in page
    name = container["Name"].lstrip("/")
    listed = operator_client.get(reverse("containers:list"), {"q": name})
    assert "team: blue (assigned)" in listed.content.decode()
    operator_client.post(reverse("containers:action", args=[container["Id"], "pause"]))
    assert engine.inspect_container(container["Id"])["State"]["Status"] == "paused"
    engine.unpause(container["Id"])

    assign(admin_client, container, "")
    assert not ContainerAssignment.objects.exists()


def test_labelled_containers_and_non_admins_are_refused(
    admin_client, operator_client, make_container
):
    Team.objects.get_or_create(name="red")
    labelled = make_container(team="blue")
    assign(admin_client, labelled, "red")
    unmanaged = make_container()
    assign(operator_client, unmanaged, "blue")
    assign(admin_client, unmanaged, "no-such-team")
    errors = list(
        AuditEvent.objects.filter(action="container.assign")
        .order_by("id")
        .values_list("outcome", "error")
    )
    assert [outcome for outcome, _ in errors] == ["denied"] * 3
    assert "carries its own berth.team label" in errors[0][1]
    assert errors[1][1] == "Only admins assign containers to teams."
    assert "no team called no-such-team" in errors[2][1]
    assert not ContainerAssignment.objects.exists()
