"""The images page against the real engine: tags, users, removal and refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.models import AuditEvent
from tests.support.engine import build_image, run_labels, unique_name

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


@pytest.fixture
def own_image(engine, busybox_image):
    tag = f"{unique_name('img')}:v1"
    image_id = build_image(
        engine, tag, f"FROM {busybox_image}\nLABEL tag={tag}\n", labels=run_labels()
    )
    return tag, image_id


def test_it_lists_tags_size_and_the_containers_using_an_image(
    operator_client, own_image, make_container
):
    tag, image_id = own_image
    user = make_container(image=tag, start=False)
    body = operator_client.get(
        reverse("containers:images"), {"q": tag}
    ).content.decode()
    assert tag in body and image_id[7:19] in body
    assert user["Name"].lstrip("/") in body


def test_an_image_in_use_is_refused_with_its_users_named(
    operator_client, own_image, make_container, engine
):
    tag, image_id = own_image
    user = make_container(image=tag)
    response = operator_client.post(
        reverse("containers:image_remove"), {"image": image_id}, follow=True
    )
    body = response.content.decode()
    assert "Could not remove" in body and "in use by" in body
    assert user["Name"].lstrip("/") in body
    engine.inspect_image(image_id)  # still there
    event = AuditEvent.objects.get(action="image.remove")
    assert event.outcome == "failure"


def test_members_cannot_force_and_admins_can(
    operator_client, admin_client, own_image, make_container, engine
):
    tag, image_id = own_image
    make_container(image=tag, start=False)
    response = operator_client.post(
        reverse("containers:image_remove"), {"image": tag, "force": "on"}, follow=True
    )
    assert "Only admins can force" in response.content.decode()
    assert AuditEvent.objects.get(action="image.remove").outcome == "denied"
    response = admin_client.post(
        reverse("containers:image_remove"), {"image": tag, "force": "on"}, follow=True
    )
    assert f"Removed {tag}" in response.content.decode()
    assert not engine.images(name=tag.split(":")[0])


def test_an_unused_image_is_removed(operator_client, own_image, engine):
    tag, image_id = own_image
    response = operator_client.post(
        reverse("containers:image_remove"), {"image": image_id}, follow=True
    )
    body = response.content.decode()
    assert "Removed" in body, body[body.find('id="messages"') :][:500]
    assert not engine.images(name=tag.split(":")[0])


def test_dangling_images_are_shown_as_untagged_and_filtered(
    operator_client, engine, busybox_image
):
    marker = unique_name("dangle")
    first = build_image(engine, f"{marker}:x", f"FROM {busybox_image}\nLABEL v=1\n")
    build_image(engine, f"{marker}:x", f"FROM {busybox_image}\nLABEL v=2\n")
    body = operator_client.get(
        reverse("containers:images"), {"dangling": "on"}
    ).content.decode()
    assert first[7:19] in body and "&lt;untagged&gt;" in body
    assert f"{marker}:x" not in body


def test_viewers_cannot_remove_images(viewer_client, own_image, engine):
    tag, image_id = own_image
    response = viewer_client.post(
        reverse("containers:image_remove"), {"image": image_id}, follow=True
    )
    assert "Viewers cannot remove images." in response.content.decode()
    engine.inspect_image(image_id)
