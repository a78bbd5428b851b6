"""An unreachable engine gives a clear 503 banner, never a 500, and recovers."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


@pytest.mark.parametrize("page", ["containers:list", "containers:images"])
def test_pages_answer_503_with_a_banner_when_the_engine_is_gone(
    viewer_client, tmp_path, page
):
    closed = f"unix://{tmp_path}/no-engine.sock"
    with override_settings(DOCKER_HOST=closed):
        response = viewer_client.get(reverse(page))
    body = response.content.decode()
    assert response.status_code == 503
    assert f"Docker engine at {closed} is not reachable" in body
    assert viewer_client.get(reverse(page)).status_code == 200  # back by itself


def test_an_action_while_the_engine_is_down_gets_the_banner(viewer_client, tmp_path):
    with override_settings(DOCKER_HOST=f"unix://{tmp_path}/none.sock"):
        response = viewer_client.post(
            reverse("containers:action", args=["abc", "stop"]),
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 503
    assert 'id="engine-banner"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_refused_tcp_port_is_unreachable_too(viewer_client):
    with override_settings(DOCKER_HOST="tcp://127.0.0.1:1"):
        response = viewer_client.get(reverse("containers:list"))
    assert response.status_code == 503
    assert "not reachable" in response.content.decode()
