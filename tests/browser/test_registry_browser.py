"""In Chromium: open a registry, find a repository by search, open a tag,
click Launch, and land on the launch form filled in with its image and ports."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from console.crypto import seal
from registry_browser.models import Registry
from registry_browser.services import refresh_catalog
from tests.base import PASSWORD, make_user
from tests.browser.test_containers_page import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.engine,
    pytest.mark.django_db(transaction=True),
]


def test_an_operator_finds_a_repository_opens_a_tag_and_launches_it(
    page, berth_server, auth_registry, engine, httpd_image
):
    auth_registry.push(engine, httpd_image, "browse/httpd", "2.0")
    auth_registry.push(engine, httpd_image, "browse/other", "1")
    registry = Registry.objects.create(
        name="team registry",
        url=auth_registry.url,
        username=auth_registry.username,
        password_sealed=seal(auth_registry.password),
    )
    refresh_catalog(registry)
    make_user("otto", "operator", ["blue"])
    log_in(page, berth_server.url, "otto", PASSWORD)

    page.click("header.topbar >> text=Registries")
    page.click("#registry-table >> text=team registry")
    page.fill("input[name=q]", "browse/htt")
    table = page.locator("#catalog-table")
    expect(table).to_contain_text("1 repository")
    expect(table).not_to_contain_text("browse/other")
    table.locator("a.name", has_text="browse/httpd").click()

    page.locator("#tag-table a.name", has_text="2.0").click()
    expect(page.locator("#exposed-ports")).to_contain_text("80/tcp")
    expect(page.locator("#pull-command")).to_have_value(
        f"docker pull {auth_registry.host}/browse/httpd:2.0"
    )
    page.click("#launch-link")

    expect(page.locator("h1")).to_have_text("Launch a container")
    expect(page.locator("input[name=image]")).to_have_value(
        f"{auth_registry.host}/browse/httpd:2.0"
    )
    expect(page.locator("textarea[name=ports]")).to_have_value("80")
