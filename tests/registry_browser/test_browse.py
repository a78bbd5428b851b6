"""Browsing a real Distribution registry (htpasswd auth) through Berth."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse

from registry_browser.browse import endpoint_for
from registry_browser.client import RegistryClient
from registry_browser.services import refresh_catalog
from tests.registry_browser.conftest import register
from tests.support.oci import basic

pytestmark = pytest.mark.engine


def raw_catalog(registry) -> list[str]:
    request = urllib.request.Request(
        f"{registry.url}/v2/_catalog?n=1000",
        headers=basic(registry.username, registry.password),
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
        return json.load(response)["repositories"]


def tag_url(registry, repository: str, tag: str) -> str:
    return reverse("registry_browser:tag", args=[registry.key, repository, tag])


def test_the_catalog_is_read_page_by_page_following_link(
    private_registry, filled_registry
):
    pages: list[tuple[int, int]] = []
    count = refresh_catalog(
        private_registry, page_size=2, on_page=lambda n, c: pages.append((n, c))
    )
    expected = raw_catalog(filled_registry)
    assert count == len(expected) >= 6
    assert len(pages) == -(-count // 2)  # n=2 each, so the Link was followed
    names = list(private_registry.repositories.values_list("name", flat=True))
    assert names == sorted(expected)
    private_registry.refresh_from_db()
    assert private_registry.catalog_count == count
    assert private_registry.catalog_refreshed is not None


def test_a_second_refresh_replaces_rows_that_are_gone(private_registry):
    private_registry.repositories.create(name="rb/deleted-long-ago")
    refresh_catalog(private_registry, page_size=50)
    names = set(private_registry.repositories.values_list("name", flat=True))
    assert "rb/deleted-long-ago" not in names and "rb/web" in names


def test_the_catalog_page_searches_and_pages_from_the_database(
    private_registry, viewer_client
):
    refresh_catalog(private_registry, page_size=3)
    url = reverse("registry_browser:catalog", args=[private_registry.key])
    page = viewer_client.get(url, {"q": "alpha"}).content.decode()
    assert "rb/alpha-one" in page and "rb/alpha-two" in page
    assert "rb/beta-three" not in page
    assert "2 repositories" in page


def test_tags_show_digest_compressed_size_created_and_platform(
    private_registry, viewer_client
):
    response = viewer_client.get(
        reverse(
            "registry_browser:repository", args=[private_registry.key, "rb/busybox"]
        )
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="tag-v1"' in page and 'id="tag-v2"' in page
    assert "linux/amd64" in page
    assert "Compressed size" in page and "sha256:" in page


@override_settings(BERTH_REGISTRY_TAGS_PAGE=1)
def test_tags_are_paged_with_the_link_header(private_registry, viewer_client):
    url = reverse(
        "registry_browser:repository", args=[private_registry.key, "rb/busybox"]
    )
    first = viewer_client.get(url).content.decode()
    assert 'id="tag-v1"' in first and 'id="tag-v2"' not in first
    assert 'id="next-tags"' in first
    second = viewer_client.get(url, {"last": "v1"}).content.decode()
    assert 'id="tag-v2"' in second and 'id="tag-v1"' not in second


def test_a_multi_platform_index_shows_one_row_per_platform_without_attestations(
    private_registry, viewer_client, filled_registry
):
    url = reverse(
        "registry_browser:repository", args=[private_registry.key, "rb/multi"]
    )
    page = viewer_client.get(url).content.decode()
    row = page[page.index('id="tag-1"') :]
    assert "2 platforms" in row
    assert "linux/amd64" in row and "linux/arm64/v8" in row
    assert "unknown/unknown" not in page
    detail = viewer_client.get(tag_url(private_registry, "rb/multi", "1"))
    text = detail.content.decode()
    assert filled_registry.index["index"] in text
    assert text.count('class="platform-row"') == 2
    assert "1 attestation manifest" in text
    assert "OCI image index" in text


def test_a_tag_page_shows_config_layers_and_the_pull_command(
    private_registry, operator_client
):
    response = operator_client.get(tag_url(private_registry, "rb/web", "1.0"))
    page = response.content.decode()
    assert response.status_code == 200
    host = private_registry.host
    assert f"docker pull {host}/rb/web:1.0" in page
    assert "80/tcp" in page  # EXPOSE 80 in the httpd image
    assert "httpd" in page  # its command
    assert 'id="layers"' in page and "Docker image manifest (schema 2)" in page
    query = parse_qs(urlsplit(launch_href(page)).query)
    assert query == {"image": [f"{host}/rb/web:1.0"], "ports": ["80"]}


def launch_href(page: str) -> str:
    """The href of the Launch link on a tag page."""
    before = page[: page.index('id="launch-link"')]
    return before.rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")


def test_the_launch_link_opens_a_pre_filled_launch_form(
    private_registry, operator_client
):
    page = operator_client.get(tag_url(private_registry, "rb/multi", "1"))
    href = launch_href(page.content.decode())
    query = parse_qs(urlsplit(href).query)
    assert query["image"] == [f"{private_registry.host}/rb/multi:1"]
    assert query["ports"] == ["80"]
    form = operator_client.get(href).content.decode()
    assert f'value="{private_registry.host}/rb/multi:1"' in form
    assert "\n80</textarea>" in form


def test_secret_looking_env_is_masked_for_viewers(private_registry, viewer_client):
    page = viewer_client.get(tag_url(private_registry, "rb/multi", "1")).content
    assert b"hunter2" not in page and b"API_TOKEN" in page


def test_a_wrong_password_says_so(filled_registry, viewer_client, db):
    wrong = register(filled_registry, password="not-the-password", name="wrong")
    response = viewer_client.get(
        reverse("registry_browser:repository", args=[wrong.key, "rb/web"])
    )
    assert response.status_code == 502
    assert "refused the stored credentials (401 unauthorized)" in (
        response.content.decode()
    )


def test_an_unknown_repository_says_so(private_registry, viewer_client):
    response = viewer_client.get(
        reverse("registry_browser:repository", args=[private_registry.key, "rb/nope"])
    )
    assert response.status_code == 404
    assert "There is no such repository" in response.content.decode()


def test_an_unknown_tag_says_so(private_registry, viewer_client):
    response = viewer_client.get(tag_url(private_registry, "rb/web", "missing"))
    assert response.status_code == 404
    assert "no such tag or manifest" in response.content.decode()


def test_deleting_resolves_the_index_digest_with_a_full_accept_head(
    registry, engine, busybox_image, admin_client, db
):
    from tests.support.oci import RegistryAPI

    digests = RegistryAPI(registry.url).multi_platform("rb/deletable", "1")
    RegistryAPI(registry.url).image("rb/deletable", "keep", "s390x")
    open_registry = register(registry, password="", name="open")
    open_registry.username = ""
    open_registry.save()
    with RegistryClient(endpoint_for(open_registry)) as client:
        assert client.head_manifest("rb/deletable", "1").digest == digests["index"]
    response = admin_client.post(
        reverse("registry_browser:delete", args=[open_registry.key, "rb/deletable"]),
        {"tag": "1", "digest": digests["index"]},
        follow=True,
    )
    page = response.content.decode()
    assert "and every tag that pointed to it" in page
    with RegistryClient(endpoint_for(open_registry)) as client:
        tags, _ = client.tags_page("rb/deletable", 10)
    assert "1" not in tags and "keep" in tags
    from console.models import AuditEvent

    event = AuditEvent.objects.get(action="registry.manifest_delete")
    assert event.outcome == "success" and event.params["digest"] == digests["index"]


def test_delete_refuses_when_the_tag_moved_since_it_was_shown(
    private_registry, admin_client
):
    response = admin_client.post(
        reverse("registry_browser:delete", args=[private_registry.key, "rb/web"]),
        {"tag": "1.0", "digest": "sha256:" + "0" * 64},
        follow=True,
    )
    assert "nothing was deleted" in response.content.decode()
    with RegistryClient(endpoint_for(private_registry)) as client:
        assert client.tags_page("rb/web", 10)[0] == ["1.0"]


def test_a_registry_without_delete_enabled_gets_a_clear_message():
    import httpx

    from registry_browser.client import Endpoint, error_from_response

    response = httpx.Response(
        405,
        json={"errors": [{"code": "UNSUPPORTED", "message": "operation unsupported"}]},
    )
    error = error_from_response(response, Endpoint(key="x", url="http://r.example"))
    assert "storage.delete.enabled" in error.message
    assert "UNSUPPORTED: operation unsupported" in error.message


def test_operators_cannot_delete_and_it_is_audited(private_registry, operator_client):
    from console.models import AuditEvent

    operator_client.post(
        reverse("registry_browser:delete", args=[private_registry.key, "rb/web"]),
        {"tag": "1.0"},
    )
    assert AuditEvent.objects.get(action="registry.manifest_delete").outcome == "denied"
    with RegistryClient(endpoint_for(private_registry)) as client:
        assert client.tags_page("rb/web", 10)[0] == ["1.0"]


def test_viewers_see_no_pull_launch_or_delete(private_registry, viewer_client):
    page = viewer_client.get(tag_url(private_registry, "rb/web", "1.0")).content
    assert b'id="pull-to-host"' not in page and b'id="launch-link"' not in page
    assert b'id="delete-manifest"' not in page


def test_names_outside_the_grammar_are_404_before_reaching_the_registry(
    private_registry, viewer_client
):
    for path in ("Bad/Name", "team/../../v2/_catalog"):
        response = viewer_client.get(
            f"/registries/{private_registry.key}/{path}/-/tags/"
        )
        assert response.status_code == 404
