"""Admins register registries; credentials are sealed, never shown, audited."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from console.models import AuditEvent
from registry_browser.models import Registry, Repository

pytestmark = pytest.mark.engine


def form(registry, **overrides) -> dict[str, str]:
    data = {
        "name": "team",
        "url": registry.url,
        "username": registry.username,
        "password": registry.password,
        "verify_tls": "on",
        "token_realm_hosts": "",
    }
    data.update(overrides)
    return data


def test_an_admin_registers_a_registry_and_the_password_is_sealed(
    admin_client, filled_registry
):
    response = admin_client.post(
        reverse("registry_browser:add"), form(filled_registry), follow=True
    )
    page = response.content.decode()
    assert "Registered team." in page
    assert "lets Berth in" in page  # the connection check used the credentials
    registry = Registry.objects.get(name="team")
    assert filled_registry.password not in registry.password_sealed
    assert registry.password() == filled_registry.password
    assert registry.verify_tls is True
    edit = admin_client.get(reverse("registry_browser:edit", args=[registry.pk]))
    assert filled_registry.password not in edit.content.decode()
    listing = admin_client.get(reverse("registry_browser:list")).content.decode()
    assert filled_registry.password not in listing


def test_audit_names_changed_fields_but_never_the_password(
    admin_client, filled_registry
):
    admin_client.post(reverse("registry_browser:add"), form(filled_registry))
    registry = Registry.objects.get(name="team")
    admin_client.post(
        reverse("registry_browser:edit", args=[registry.pk]),
        form(filled_registry, password="a-new-secret-42", verify_tls=""),
    )
    events = AuditEvent.objects.filter(target_type="registry").order_by("id")
    assert [e.action for e in events] == ["registry.create", "registry.update"]
    update = events[1]
    assert sorted(update.params["changed"]) == ["password", "verify_tls"]
    for event in events:
        text = str(event.params) + event.error
        assert "a-new-secret-42" not in text and filled_registry.password not in text
    registry.refresh_from_db()
    assert registry.password() == "a-new-secret-42" and not registry.verify_tls


def test_an_empty_password_keeps_the_stored_one_unless_cleared(
    admin_client, filled_registry
):
    admin_client.post(reverse("registry_browser:add"), form(filled_registry))
    registry = Registry.objects.get(name="team")
    url = reverse("registry_browser:edit", args=[registry.pk])
    admin_client.post(url, form(filled_registry, password=""))
    registry.refresh_from_db()
    assert registry.password() == filled_registry.password
    admin_client.post(url, form(filled_registry, password="", clear_password="on"))
    registry.refresh_from_db()
    assert registry.password_sealed == ""


def test_a_wrong_password_is_reported_by_the_connection_check(
    admin_client, filled_registry
):
    response = admin_client.post(
        reverse("registry_browser:add"),
        form(filled_registry, password="wrong-password"),
        follow=True,
    )
    assert "refused the stored credentials (401 unauthorized)" in (
        response.content.decode()
    )


def test_bad_urls_and_realm_hosts_are_refused_beside_the_field(admin_client, db):
    response = admin_client.post(
        reverse("registry_browser:add"),
        {"name": "x", "url": "ftp://example.com", "token_realm_hosts": "https://a/b"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give an http:// or https:// address." in page
    assert "is not a host name" in page


@pytest.mark.parametrize("persona", ["operator_client", "viewer_client"])
def test_only_admins_manage_registries(request, persona, filled_registry, db):
    client = request.getfixturevalue(persona)
    response = client.post(reverse("registry_browser:add"), form(filled_registry))
    assert response.status_code == 403
    assert not Registry.objects.exists()
    registry = Registry.objects.create(name="kept", url=filled_registry.url)
    client.post(reverse("registry_browser:remove", args=[registry.pk]))
    assert Registry.objects.filter(pk=registry.pk).exists()
    assert AuditEvent.objects.get(action="registry.delete").outcome == "denied"


def test_removing_a_registry_forgets_its_catalog_and_is_audited(admin_client, db):
    registry = Registry.objects.create(name="gone", url="http://127.0.0.1:9")
    registry.repositories.create(name="a/b")
    admin_client.post(reverse("registry_browser:remove", args=[registry.pk]))
    assert not Registry.objects.exists() and not Repository.objects.exists()
    assert AuditEvent.objects.get(action="registry.delete").outcome == "success"


def test_docker_hub_is_listed_without_set_up(viewer_client):
    page = viewer_client.get(reverse("registry_browser:list")).content.decode()
    assert 'id="registry-hub"' in page and "Docker Hub" in page


def test_fifty_thousand_repositories_page_and_search_quickly(viewer_client, db):
    registry = Registry.objects.create(name="big", url="http://127.0.0.1:9")
    Repository.objects.bulk_create(
        [
            Repository(registry=registry, name=f"team-{i % 50:02d}/service-{i:05d}")
            for i in range(50_000)
        ],
        batch_size=5000,
    )
    Registry.objects.filter(pk=registry.pk).update(
        catalog_count=50_000, catalog_refreshed="2026-01-01T00:00:00Z"
    )
    url = reverse("registry_browser:catalog", args=[registry.key])
    timings = {}
    for label, query in [
        ("first", {}),
        ("last", {"page": "1000"}),
        ("search", {"q": "service-4999"}),
        ("prefix", {"q": "team-07/"}),
    ]:
        started = time.perf_counter()
        response = viewer_client.get(url, query)
        timings[label] = time.perf_counter() - started
        assert response.status_code == 200
    page = viewer_client.get(url, {"q": "service-4999"}).content.decode()
    assert "10 repositories" in page  # 4999 and 49990-49999
    assert "team-00/service-00000" in viewer_client.get(url).content.decode()
    assert max(timings.values()) < 1.0, timings


def test_a_new_address_forgets_the_old_catalog(admin_client, filled_registry):
    admin_client.post(reverse("registry_browser:add"), form(filled_registry))
    registry = Registry.objects.get(name="team")
    registry.repositories.create(name="old/catalog")
    admin_client.post(
        reverse("registry_browser:edit", args=[registry.pk]),
        form(filled_registry, url="http://127.0.0.1:9", password=""),
    )
    registry.refresh_from_db()
    assert not registry.repositories.exists() and registry.catalog_refreshed is None
    assert registry.password() == filled_registry.password
