"""In real Chromium: log in, find a container the test started, stop it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
    page, berth_server, make_container, django_user_model, engine
):
    django_user_model.objects.create_user(username="mo", password="mo-password-1")
    container = make_container()
    name = container["Name"].lstrip("/")
    log_in(page, berth_server.url, "mo", "mo-password-1")
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


def test_hostile_labels_do_not_run_script(
    page, berth_server, make_container, django_user_model
):
    django_user_model.objects.create_user(username="mo", password="mo-password-1")
    container = make_container(
        labels={
            "berth.owner": "<img src=x onerror=\"document.title='pwned'\">",
            "berth.team": "<script>document.title='pwned'</script>",
        }
    )
    log_in(page, berth_server.url, "mo", "mo-password-1")
    page.goto(f"{berth_server.url}/containers/{container['Id']}/")
    expect(page.locator("body")).to_contain_text("<script>document.title='pwned'")
    assert page.title() != "pwned"
    assert page.locator("img[src=x]").count() == 0
