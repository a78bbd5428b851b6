"""The containers page with a fake gateway: paging, sorting and parsing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console import dockerapi
from console.dockerapi import ContainerSummary
from tests.support.fakes import FakeGateway, summary


@pytest.fixture
def gateway(monkeypatch):
    fake = FakeGateway(
        [summary(i, state="running" if i % 3 else "exited") for i in range(5000)]
    )
    monkeypatch.setattr(dockerapi, "list_containers", fake.list_containers)
    return fake


@pytest.mark.django_db
def test_five_thousand_containers_are_paged_on_the_server(
    viewer_client, gateway, settings
):
    settings.BERTH_PAGE_SIZE = 50
    response = viewer_client.get(reverse("containers:list"), {"page": 3})
    body = response.content.decode()
    assert "5000 containers" in body and "page 3 of 100" in body
    assert body.count('<tr id="container-') == 50
    assert "svc-00100" in body and "svc-00149" in body and "svc-00150" not in body
    assert len(gateway.calls) == 1


@pytest.mark.django_db
def test_state_goes_to_the_engine_and_text_is_matched_here(viewer_client, gateway):
    response = viewer_client.get(
        reverse("containers:list"), {"state": "exited", "q": "svc-0000"}
    )
    body = response.content.decode()
    assert gateway.calls == [("list_containers", {"state": "exited", "label": ""})]
    assert "svc-00000" in body and "svc-00003" in body and "svc-00001" not in body


@pytest.mark.django_db
def test_htmx_filtering_answers_with_the_table_only(viewer_client, gateway):
    response = viewer_client.get(
        reverse("containers:list"), {"q": "svc-00042"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="container-table"')
    assert "svc-00042" in body and "<html" not in body


def test_summaries_parse_names_health_ports_and_owner_labels():
    row = {
        "Id": "f" * 64,
        "Names": ["/web"],
        "Image": "nginx",
        "ImageID": "sha256:1",
        "Command": "nginx",
        "Created": 1_700_000_000,
        "State": "running",
        "Status": "Up 3 minutes (unhealthy)",
        "Ports": [
            {"PrivatePort": 80, "Type": "tcp", "IP": "0.0.0.0", "PublicPort": 8080},
            {"PrivatePort": 80, "Type": "tcp", "IP": "::", "PublicPort": 8080},
            {"PrivatePort": 53, "Type": "udp"},
        ],
        "Labels": {"berth.owner": "mo", "other": "x"},
    }
    container = ContainerSummary.from_engine(row)
    assert (container.name, container.health, container.short_id) == (
        "web",
        "unhealthy",
        "f" * 12,
    )
    assert [str(p) for p in container.ports] == [
        "53/udp",
        "0.0.0.0:8080 → 80/tcp",
        "[::]:8080 → 80/tcp",
    ]
    assert container.ports[1].looks_like_http and not container.ports[0].is_published
    assert container.owner_labels == {"berth.owner": "mo"}


@pytest.mark.django_db
def test_an_image_shown_by_id_is_shortened_like_docker_ps(viewer_client, monkeypatch):
    fake = FakeGateway([summary(1, image="sha256:" + "ab" * 32)])
    monkeypatch.setattr(dockerapi, "list_containers", fake.list_containers)
    body = viewer_client.get(reverse("containers:list")).content.decode()
    assert f">{'ab' * 6}</td>" in body
