"""In real Chromium: log in, find a container the test started, stop it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.base import PASSWORD, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.engine,
    pytest.mark.django_db(transaction=True),
]


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    expect(page.locator("header.topbar")).to_contain_text(username)


def test_a_member_stops_a_running_container_from_the_page(
    page, berth_server, make_container, engine
):
    make_user("otto", "operator", ["blue"])
    container = make_container(team="blue")
    name = container["Name"].lstrip("/")
    log_in(page, berth_server.url, "otto", PASSWORD)
    page.goto(f"{berth_server.url}/containers/?q={name}")
    row = page.locator(f"#container-{container['Id']}")
    expect(row).to_have_attribute("data-state", "running")
    row.locator("button[data-action=stop]").click()
    expect(row).to_have_attribute("data-state", "exited")
    expect(row.locator(".outcome")).to_have_text(f"Stopped {name}.")
    assert engine.inspect_container(container["Id"])["State"]["Status"] == "exited"


def test_a_wrong_password_shows_a_plain_message(page, berth_server):
    page.goto(f"{berth_server.url}/login/")
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong")
    page.click("button.primary")
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")


def test_hostile_labels_do_not_run_script(page, berth_server, make_container):
    make_user("vera", "viewer", ["blue"])
    container = make_container(
        team="blue",
        labels={
            "berth.owner": "<img src=x onerror=\"document.title='pwned'\">",
            "berth.template": "<script>document.title='pwned'</script>",
        },
    )
    log_in(page, berth_server.url, "vera", PASSWORD)
    for path in (
        f"/containers/{container['Id']}/",
        f"/containers/?q={container['Id']}",
    ):
        page.goto(berth_server.url + path)
        expect(page.locator("body")).to_contain_text("<script>document.title='pwned'")
        assert page.title() != "pwned"
        assert page.locator("img[src=x]").count() == 0
