"""Container actions really change the engine's state, and each is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


def state(engine, container_id: str) -> str:
    return engine.inspect_container(container_id)["State"]["Status"]


def act(client, container_id: str, action: str, **data):
    return client.post(reverse("containers:action", args=[container_id, action]), data)


def test_stop_start_restart_pause_unpause_kill_change_the_state(
    operator_client, make_container, engine
):
    container_id = make_container(team="blue")["Id"]
    steps = [
        ("stop", "exited"),
        ("start", "running"),
        ("pause", "paused"),
        ("unpause", "running"),
        ("restart", "running"),
        ("kill", "exited"),
    ]
    for action, expected in steps:
        response = act(operator_client, container_id, action)
        assert response.status_code == 302, action
        assert state(engine, container_id) == expected, action
    actions = list(
        AuditEvent.objects.filter(target_id=container_id)
        .order_by("id")
        .values_list("action", "outcome")
    )
    assert actions == [(f"container.{a}", "success") for a, _ in steps]


def test_remove_with_volumes_removes_the_anonymous_volume(
    operator_client, make_container, engine
):
    container = make_container("true", start=False, volumes=["/data"], team="blue")
    volume = next(m["Name"] for m in container["Mounts"] if m["Type"] == "volume")
    response = act(operator_client, container["Id"], "remove", remove_volumes="on")
    assert response.status_code == 302
    assert response["Location"] == reverse("containers:list")
    assert not engine.containers(all=True, filters={"id": container["Id"]})
    names = [v["Name"] for v in engine.volumes().get("Volumes") or []]
    assert volume not in names
    event = AuditEvent.objects.get(action="container.remove")
    assert event.params == {"remove_volumes": True}


def test_the_engine_refusal_is_shown_in_words_in_the_row(
    operator_client, make_container
):
    container_id = make_container(team="blue")["Id"]
    response = operator_client.post(
        reverse("containers:action", args=[container_id, "unpause"]),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="container-{container_id}"' in body
    assert "Could not unpause" in body and "is not paused" in body
    event = AuditEvent.objects.filter(action="container.unpause").last()
    assert event.outcome == "failure" and "not paused" in event.error


def test_htmx_actions_answer_with_the_updated_row(operator_client, make_container):
    container_id = make_container(team="blue")["Id"]
    response = operator_client.post(
        reverse("containers:action", args=[container_id, "stop"]),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert 'data-state="exited"' in body and "Stopped" in body


def test_an_action_on_a_missing_container_says_so(operator_client):
    response = act(operator_client, "f" * 64, "stop")
    assert response.status_code == 302
    follow = operator_client.get(response["Location"])
    assert follow.status_code == 404
    event = AuditEvent.objects.get(action="container.stop")
    assert event.outcome == "failure" and "it may have been removed" in event.error


def test_an_unknown_action_is_404(operator_client):
    assert act(operator_client, "abc", "explode").status_code == 404


def test_bulk_stop_then_remove_selected_rows(operator_client, make_container, engine):
    ids = [make_container(team="blue")["Id"] for _ in range(3)]
    response = operator_client.post(
        reverse("containers:bulk"), {"action": "stop", "ids": ids[:2]}
    )
    assert response.status_code == 302
    assert [state(engine, i) for i in ids] == ["exited", "exited", "running"]
    operator_client.post(
        reverse("containers:bulk"), {"action": "remove", "ids": ids[:2]}
    )
    assert not engine.containers(all=True, filters={"id": ids[0]})
    assert not engine.containers(all=True, filters={"id": ids[1]})
    assert (
        AuditEvent.objects.filter(action="container.remove", outcome="success").count()
        == 2
    )


def test_bulk_without_a_selection_explains_itself(operator_client):
    response = operator_client.post(
        reverse("containers:bulk"), {"action": "stop"}, follow=True
    )
    assert "Select at least one container first." in response.content.decode()


def test_viewers_and_other_teams_cannot_act_and_are_audited(
    viewer_client, outsider_client, make_container, engine
):
    container_id = make_container(team="blue")["Id"]
    for client in (viewer_client, outsider_client):
        act(client, container_id, "stop")
    assert state(engine, container_id) == "running"
    outcomes = set(
        AuditEvent.objects.filter(action="container.stop").values_list(
            "actor_name", "outcome"
        )
    )
    assert outcomes == {("vera", "denied"), ("oscar", "denied")}


def test_only_admins_act_on_unmanaged_containers(
    operator_client, admin_client, make_container, engine
):
    container_id = make_container()["Id"]
    act(operator_client, container_id, "stop")
    assert state(engine, container_id) == "running"
    act(admin_client, container_id, "stop")
    assert state(engine, container_id) == "exited"
