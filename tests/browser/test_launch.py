"""In Chromium: launch a web server, watch the job reach 100 %, open its port."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.base import PASSWORD, make_user
from tests.browser.test_containers_page import log_in
from tests.support.engine import HTTPD_PAGE, RUN_ID, RUN_LABEL, unique_name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.engine,
    pytest.mark.django_db(transaction=True),
]


def test_an_operator_launches_httpd_and_opens_the_mapped_port(
    page, berth_server, celery_worker, httpd_image, engine
):
    make_user("otto", "operator", ["blue"])
    log_in(page, berth_server.url, "otto", PASSWORD)
    page.goto(f"{berth_server.url}/launch/")
    name = unique_name("web")
    page.fill("input[name=image]", httpd_image)
    page.fill("input[name=name]", name)
    page.fill("textarea[name=ports]", "127.0.0.1::80")
    page.fill("input[name=memory]", "64m")
    page.fill("textarea[name=labels]", f"{RUN_LABEL}={RUN_ID}")
    page.click("button.primary")
    expect(page.locator("#job-percent")).to_have_text("100%", timeout=30_000)
    expect(page.locator("#job-status")).to_have_text("succeeded")
    link = page.locator("#job-result a[target=_blank]")
    expect(link).to_contain_text("→ 80/tcp")
    page.goto(link.get_attribute("href"))
    expect(page.locator("body")).to_contain_text(HTTPD_PAGE)
    assert engine.containers(filters={"name": name})
