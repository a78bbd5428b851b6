"""In Chromium: an operator launches Redis from the catalog in two clicks,
sees the connection string, copies it and connects with it; viewers do not
see the credentials; the admin sees the launch in the audit view."""

from __future__ import annotations

import re
import socket
import time

import pytest
from playwright.sync_api import expect

from containers.catalog_templates import load_catalog
from containers.models import Service
from tests.base import PASSWORD, make_user
from tests.browser.test_containers_page import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.engine,
    pytest.mark.django_db(transaction=True),
]
CONNECTION = re.compile(r"^redis://:([A-Za-z0-9]{24})@127\.0\.0\.1:(\d+)/0$")


def redis_ping(port: int, password: str) -> bytes:
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(f"AUTH {password}\r\nPING\r\nQUIT\r\n".encode())
                data = b""
                while chunk := sock.recv(1024):
                    data += chunk
                return data
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_an_operator_launches_redis_and_connects_others_do_not_see_the_secret(
    page, browser, berth_server, celery_worker, redis_standin
):
    load_catalog()
    make_user("otto", "operator", ["blue"])
    make_user("vera", "viewer", ["blue"])
    make_user("rita", "viewer", ["red"])
    make_user("ada", "admin")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, berth_server.url, "otto", PASSWORD)

    page.click("header nav >> text=Catalog")
    page.click("button[data-launch=redis]")
    field = page.locator("#connection-string")
    expect(field).to_have_value(CONNECTION, timeout=40_000)
    expect(page.locator("#service-status")).to_have_text("active")
    password, port = CONNECTION.match(field.input_value()).groups()
    assert redis_ping(int(port), password) == b"+OK\r\n+PONG\r\n+OK\r\n"
    page.click("button[data-copy='#connection-string']")
    expect(page.locator("button[data-copy='#connection-string']")).to_have_text(
        "Copied"
    )
    assert page.evaluate("navigator.clipboard.readText()") == field.input_value()
    service_url = page.url
    service = Service.objects.get()
    assert service_url.endswith(service.get_absolute_url())

    for viewer, visible in (("vera", True), ("rita", False)):
        context, other = new_page(browser)
        log_in(other, berth_server.url, viewer, PASSWORD)
        other.goto(service_url)
        assert password not in other.content()
        if visible:
            expect(other.locator("#connection")).to_contain_text(
                "operators and admins only"
            )
        else:
            expect(other.locator("h1")).not_to_contain_text(service.name)
        context.close()

    context, admin = new_page(browser)
    log_in(admin, berth_server.url, "ada", PASSWORD)
    admin.click("header nav >> text=Audit")
    row = admin.locator("#audit-table tr", has_text="service.launch")
    expect(row.first).to_contain_text("otto")
    expect(row.first).to_contain_text(service.name)
    admin.click("nav.subnav >> text=Running now")
    admin.fill("input[name=owner]", "otto")
    admin.select_option("select[name=team]", "blue")
    admin.click("form.filters button")
    running = admin.locator(f"#running-{service.container_id}")
    expect(running).to_contain_text("redis")
    expect(running).to_contain_text("otto")
    context.close()
