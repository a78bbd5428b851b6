"""The containers page against the real engine: what it shows and how it filters."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from django.urls import reverse

from bench.engine_proxy import EngineProxy
from tests.support.engine import unique_name

pytestmark = [pytest.mark.django_db, pytest.mark.engine]


def test_it_lists_running_and_stopped_containers_with_ports_and_owner(
    viewer_client, make_container
):
    marker = uuid.uuid4().hex[:8]
    web = make_container(
        labels={"berth.owner": "vera", "berth.probe": marker},
        team="blue",
        publish={80: ("127.0.0.1", None)},
    )
    stopped = make_container("true", start=False, labels={"berth.probe": marker})
    response = viewer_client.get(
        reverse("containers:list"), {"label": f"berth.probe={marker}"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    host_port = web["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
    assert web["Name"].lstrip("/") in body
    assert stopped["Name"].lstrip("/") in body
    assert f"127.0.0.1:{host_port} → 80/tcp" in body
    assert f'href="http://127.0.0.1:{host_port}/"' in body
    assert "owner: vera" in body and "team: blue" in body
    assert "berth-test/busybox" in body


def test_it_filters_by_state_text_and_label(viewer_client, make_container):
    marker = uuid.uuid4().hex[:8]
    up = make_container(labels={"berth.probe": marker})
    down = make_container("true", start=False, labels={"berth.probe": marker})
    up_name, down_name = up["Name"].lstrip("/"), down["Name"].lstrip("/")

    def names(**query: str) -> str:
        response = viewer_client.get(reverse("containers:list"), query)
        assert response.status_code == 200
        return response.content.decode()

    body = names(label=f"berth.probe={marker}", state="running")
    assert up_name in body and down_name not in body
    body = names(label=f"berth.probe={marker}", state="created")
    assert down_name in body and up_name not in body
    body = names(q=up_name)
    assert up_name in body and down_name not in body
    body = names(q=down["Id"][:10])
    assert down_name in body and up_name not in body


def test_a_malformed_label_filter_is_explained_not_an_error(viewer_client):
    response = viewer_client.get(reverse("containers:list"), {"label": "=oops"})
    assert response.status_code == 200
    assert "Write a label key, or key=value." in response.content.decode()


def test_it_sorts_by_name_both_ways(viewer_client, make_container):
    marker = uuid.uuid4().hex[:8]
    prefix = unique_name("sort")
    for suffix in ("b", "a", "c"):
        make_container(
            name=f"{prefix}-{suffix}", labels={"berth.probe": marker}, start=False
        )
    body = viewer_client.get(
        reverse("containers:list"), {"label": f"berth.probe={marker}", "sort": "-name"}
    ).content.decode()
    positions = [body.index(f'data-name="{prefix}-{s}"') for s in ("c", "b", "a")]
    assert positions == sorted(positions)
    body = viewer_client.get(
        reverse("containers:list"), {"label": f"berth.probe={marker}", "sort": "name"}
    ).content.decode()
    positions = [body.index(f'data-name="{prefix}-{s}"') for s in ("a", "b", "c")]
    assert positions == sorted(positions)


def test_a_page_view_makes_exactly_one_engine_request(
    viewer_client, tmp_path, make_container
):
    make_container()
    proxy = EngineProxy(str(tmp_path / "engine.sock")).start()
    try:
        with override_settings(DOCKER_HOST=proxy.docker_host):
            viewer_client.get(reverse("containers:list"))  # makes the client
            proxy.reset()
            response = viewer_client.get(
                reverse("containers:list"), {"state": "running", "q": "berth"}
            )
            assert response.status_code == 200
            assert proxy.count == 1, proxy.requests
            assert all(path.endswith("/containers/json") for path in proxy.paths())
    finally:
        proxy.stop()


def test_other_teams_containers_are_hidden_from_non_admins(
    viewer_client, admin_client, make_container
):
    marker = uuid.uuid4().hex[:8]
    ours = make_container(team="blue", labels={"berth.probe": marker})
    theirs = make_container(team="red", labels={"berth.probe": marker})
    loose = make_container(labels={"berth.probe": marker})
    query = {"label": f"berth.probe={marker}"}
    body = viewer_client.get(reverse("containers:list"), query).content.decode()
    assert ours["Id"] in body and loose["Id"] in body and theirs["Id"] not in body
    assert 'name="ids"' not in body  # a viewer has nothing to select for
    body = admin_client.get(reverse("containers:list"), query).content.decode()
    assert all(c["Id"] in body for c in (ours, theirs, loose))
