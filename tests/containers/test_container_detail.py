"""The container page: every fact, and secrets masked for non-admins."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.engine]

ENV = [
    "DB_PASSWORD=hunter2",
    "API_TOKEN=tok-123",
    "AWS_SECRET_ACCESS_KEY=aws-9",
    "PLAIN=visible-value",
    "MY_CREDENTIALS=cred-1",
]
SECRETS = ["hunter2", "tok-123", "aws-9", "cred-1"]


@pytest.fixture
def detailed(make_container):
    return make_container(
        environment=ENV,
        labels={"berth.team": "blue"},
        volumes=["/data"],
        publish={8080: ("127.0.0.1", None)},
    )


def test_it_shows_state_image_command_ports_mounts_networks_and_limits(
    viewer_client, detailed
):
    body = viewer_client.get(
        reverse("containers:detail", args=[detailed["Id"]])
    ).content.decode()
    assert detailed["Name"].lstrip("/") in body
    assert "running" in body and "berth-test/busybox" in body
    assert "trap &#x27;exit 0&#x27; TERM" in body
    port = detailed["NetworkSettings"]["Ports"]["8080/tcp"][0]["HostPort"]
    assert f"127.0.0.1:{port} → 8080/tcp" in body
    assert "/data" in body and "bridge" in body
    assert detailed["NetworkSettings"]["Networks"]["bridge"]["IPAddress"] in body
    assert "team: blue" in body and "Restart policy" in body


def test_secret_env_values_are_masked_for_viewers(viewer_client, detailed):
    body = viewer_client.get(
        reverse("containers:detail", args=[detailed["Id"]])
    ).content.decode()
    assert "visible-value" in body
    for secret in SECRETS:
        assert secret not in body


def test_admins_see_secret_env_values(admin_client, detailed):
    body = admin_client.get(
        reverse("containers:detail", args=[detailed["Id"]])
    ).content.decode()
    for secret in SECRETS:
        assert secret in body


def test_the_raw_inspect_document_is_masked_for_members(
    viewer_client, admin_client, detailed
):
    url = reverse("containers:inspect", args=[detailed["Id"]])
    body = viewer_client.get(url).content.decode()
    assert detailed["Id"] in body and "visible-value" in body
    for secret in SECRETS:
        assert secret not in body
    assert "hunter2" in admin_client.get(url).content.decode()


def test_a_missing_container_is_a_404_with_words(viewer_client):
    response = viewer_client.get(reverse("containers:detail", args=["nope-" * 3]))
    assert response.status_code == 404
    assert "it may have been removed" in response.content.decode()


def test_health_status_and_log_are_shown(viewer_client, make_container, engine):
    import time

    container = make_container(
        healthcheck={
            "test": ["CMD-SHELL", "echo probe-ok"],
            "interval": 200_000_000,
            "start_period": 0,
            "retries": 1,
        }
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        health = engine.inspect_container(container["Id"])["State"]["Health"]
        if health["Status"] == "healthy" and health["Log"]:
            break
        time.sleep(0.2)
    body = viewer_client.get(
        reverse("containers:detail", args=[container["Id"]])
    ).content.decode()
    assert "health-healthy" in body and "probe-ok" in body
    listing = viewer_client.get(
        reverse("containers:list"), {"q": container["Id"][:12]}
    ).content.decode()
    assert "health-healthy" in listing
