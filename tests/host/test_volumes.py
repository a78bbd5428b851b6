"""Volumes against the real engine: create, use, refuse, remove, prune, rights."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from django.urls import reverse

from bench.engine_proxy import EngineProxy
from console.audit import Actor
from console.models import AuditEvent
from host import services
from tests.host.conftest import fill_volume
from tests.support.engine import RUN_ID, RUN_LABEL, unique_name

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


def test_an_operator_creates_a_volume_stamped_with_team_and_owner(
    operator_client, engine
):
    name = unique_name("vol")
    response = operator_client.post(
        reverse("host:volume_create"),
        {"name": name, "team": "blue", "labels": f"{RUN_LABEL}={RUN_ID}\napp=web"},
        follow=True,
    )
    assert f"Created volume {name}." in response.content.decode()
    labels = engine.inspect_volume(name)["Labels"]
    assert labels["berth.team"] == "blue" and labels["berth.owner"] == "otto"
    assert labels["app"] == "web"
    event = AuditEvent.objects.get(action="volume.create")
    assert (event.outcome, event.target_name, event.team) == ("success", name, "blue")


def test_a_volume_in_use_is_refused_with_its_users_named_then_removed(
    operator_client, engine, make_volume, make_container
):
    name = make_volume(team="blue")
    user = make_container(
        team="blue",
        start=False,
        host_config=engine.create_host_config(binds={name: {"bind": "/data"}}),
    )
    user_name = user["Name"].lstrip("/")
    body = operator_client.get(reverse("host:volumes"), {"q": name}).content.decode()
    assert user_name in body and "(created)" in body
    response = operator_client.post(
        reverse("host:volume_remove", args=[name]), follow=True
    )
    assert f"Volume {name} is in use by {user_name}." in response.content.decode()
    engine.inspect_volume(name)  # still there
    assert AuditEvent.objects.get(action="volume.remove").outcome == "failure"

    engine.remove_container(user["Id"], force=True)
    response = operator_client.post(
        reverse("host:volume_remove", args=[name]), follow=True
    )
    assert f"Removed volume {name}." in response.content.decode()
    assert not engine.volumes(filters={"name": name}).get("Volumes")


def test_users_in_other_teams_are_counted_not_named(
    operator_client, engine, make_volume, make_container
):
    name = make_volume(team="blue")
    theirs = make_container(
        team="red",
        start=False,
        host_config=engine.create_host_config(binds={name: {"bind": "/d"}}),
    )
    response = operator_client.post(
        reverse("host:volume_remove", args=[name]), follow=True
    )
    body = response.content.decode()
    assert "in use by 1 container you cannot see" in body
    assert theirs["Name"].lstrip("/") not in body


def test_viewers_see_volumes_but_cannot_remove_them(viewer_client, engine, make_volume):
    name = make_volume(team="blue")
    body = viewer_client.get(reverse("host:volumes")).content.decode()
    assert name in body
    assert reverse("host:volume_remove", args=[name]) not in body
    response = viewer_client.post(
        reverse("host:volume_remove", args=[name]), follow=True
    )
    assert f"You may not remove volume {name}." in response.content.decode()
    assert AuditEvent.objects.get(action="volume.remove").outcome == "denied"
    engine.inspect_volume(name)


def test_other_teams_volumes_are_hidden_and_untouchable(
    outsider_client, engine, make_volume
):
    name = make_volume(team="blue")
    assert name not in outsider_client.get(reverse("host:volumes")).content.decode()
    assert outsider_client.get(reverse("host:volume", args=[name])).status_code == 404
    response = outsider_client.post(
        reverse("host:volume_remove", args=[name]), follow=True
    )
    assert "You may not remove" in response.content.decode()
    engine.inspect_volume(name)


def test_unmanaged_volumes_are_listed_for_all_and_removed_only_by_admins(
    operator_client, admin_client, engine, make_volume
):
    name = make_volume()
    body = operator_client.get(reverse("host:volumes"), {"q": name}).content.decode()
    assert name in body and "unmanaged" in body
    response = operator_client.post(
        reverse("host:volume_remove", args=[name]), follow=True
    )
    assert "You may not remove" in response.content.decode()
    response = admin_client.post(
        reverse("host:volume_remove", args=[name]), follow=True
    )
    assert f"Removed volume {name}." in response.content.decode()


def test_operators_may_not_stamp_another_team_or_leave_a_volume_unmanaged(
    operator_client, engine
):
    name = unique_name("vol")
    response = operator_client.post(
        reverse("host:volume_create"), {"name": name, "team": "red"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice" in body and f'value="{name}"' in body  # input kept
    response = operator_client.post(reverse("host:volume_create"), {"name": name})
    assert (
        response.status_code == 400
        and "This field is required" in response.content.decode()
    )
    assert not engine.volumes(filters={"name": name}).get("Volumes")


def test_driver_options_are_for_admins_only(operator_user, admin_client, engine):
    name = unique_name("vol")
    outcome = services.volume_create(
        actor=Actor(user=operator_user),
        name=name,
        team="blue",
        driver_options={"type": "none", "o": "bind", "device": "/"},
    )
    assert not outcome.ok and "Only admins" in outcome.message
    assert AuditEvent.objects.get(action="volume.create").outcome == "denied"
    assert not engine.volumes(filters={"name": name}).get("Volumes")

    # The operator's form has no such field at all; an admin's has.
    assert (
        "driver_options" in admin_client.get(reverse("host:volumes")).content.decode()
    )
    response = admin_client.post(
        reverse("host:volume_create"),
        {
            "name": name,
            "driver": "local",
            "driver_options": "type=tmpfs\ndevice=tmpfs\no=size=1m",
            "labels": f"{RUN_LABEL}={RUN_ID}",
        },
        follow=True,
    )
    assert f"Created volume {name}." in response.content.decode()
    assert engine.inspect_volume(name)["Options"] == {
        "type": "tmpfs",
        "device": "tmpfs",
        "o": "size=1m",
    }


def test_reserved_labels_cannot_be_typed_in(operator_client):
    response = operator_client.post(
        reverse("host:volume_create"),
        {"name": unique_name("vol"), "team": "blue", "labels": "berth.team=red"},
    )
    assert response.status_code == 400
    assert "berth.team is set by Berth" in response.content.decode()


def test_the_dangling_filter_shows_only_unused_volumes(
    viewer_client, engine, make_volume, make_container
):
    marker = uuid.uuid4().hex[:8]
    used = make_volume(team="blue", labels={"probe": marker})
    unused = make_volume(team="blue", labels={"probe": marker})
    make_container(
        team="blue",
        start=False,
        host_config=engine.create_host_config(binds={used: {"bind": "/d"}}),
    )
    body = viewer_client.get(
        reverse("host:volumes"), {"q": marker, "usage": "dangling"}
    ).content.decode()
    assert unused in body and used not in body
    body = viewer_client.get(
        reverse("host:volumes"), {"q": marker, "usage": "in-use"}
    ).content.decode()
    assert used in body and unused not in body


def test_sizes_come_from_the_last_background_figures(
    viewer_client, engine, make_volume, busybox_image
):
    name = make_volume(team="blue")
    fill_volume(engine, busybox_image, name, "head -c 300000 /dev/zero > /data/blob")
    body = viewer_client.get(reverse("host:volume", args=[name])).content.decode()
    assert "not computed yet" in body
    services.disk_usage_refresh()
    body = viewer_client.get(reverse("host:volume", args=[name])).content.decode()
    assert "293.0\xa0KB" in body  # 300000 bytes, as Django writes it


def test_the_list_costs_two_engine_requests(viewer_client, tmp_path, make_volume):
    make_volume(team="blue")
    proxy = EngineProxy(str(tmp_path / "engine.sock")).start()
    try:
        with override_settings(DOCKER_HOST=proxy.docker_host):
            viewer_client.get(reverse("host:volumes"))  # makes the client
            proxy.reset()
            assert viewer_client.get(reverse("host:volumes")).status_code == 200
            assert proxy.count == 2, proxy.requests
            ends = sorted(path.split("/", 2)[-1] for path in proxy.paths())
            assert ends == ["containers/json", "volumes"], proxy.requests
    finally:
        proxy.stop()


# Prune: only this test's volumes are ever at stake (a label filter).


def test_prune_shows_what_would_go_and_removes_only_unused_labelled_volumes(
    admin_client, engine, make_volume, make_container, busybox_image
):
    marker = f"berth.test-prune={uuid.uuid4().hex[:8]}"
    key, value = marker.split("=")
    unused = make_volume(labels={key: value})
    used = make_volume(labels={key: value})
    fill_volume(engine, busybox_image, unused, "head -c 100000 /dev/zero > /data/x")
    make_container(
        start=False, host_config=engine.create_host_config(binds={used: {"bind": "/d"}})
    )
    services.disk_usage_refresh()

    body = admin_client.get(
        reverse("host:volume_prune_confirm"), {"label": marker}
    ).content.decode()
    assert f'data-volume="{unused}"' in body and f'data-volume="{used}"' not in body
    assert '<strong id="prune-total">97.7\xa0KB</strong>' in body

    response = admin_client.post(
        reverse("host:volume_prune"), {"label": marker}, follow=True
    )
    assert "Removed 1 unused volume, freed 97.7\xa0KB." in response.content.decode()
    assert not engine.volumes(filters={"name": unused}).get("Volumes")
    engine.inspect_volume(used)
    event = AuditEvent.objects.get(action="volume.prune")
    assert event.params["deleted"] == [unused] and event.params["label"] == marker


def test_prune_is_for_admins_only(operator_client, engine, make_volume):
    marker = f"berth.test-prune={uuid.uuid4().hex[:8]}"
    key, value = marker.split("=")
    name = make_volume(team="blue", labels={key: value})
    assert operator_client.get(reverse("host:volume_prune_confirm")).status_code == 403
    response = operator_client.post(
        reverse("host:volume_prune"), {"label": marker}, follow=True
    )
    assert "Only admins may prune volumes." in response.content.decode()
    assert AuditEvent.objects.get(action="volume.prune").outcome == "denied"
    engine.inspect_volume(name)
