"""In real Chromium: live logs arrive, the page stays small under 200,000
lines, and the terminal echoes."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.base import PASSWORD, make_user
from tests.browser.test_containers_page import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.engine,
    pytest.mark.django_db(transaction=True),
]
QUIET = "trap 'exit 0' TERM; sleep 3600 & wait"
LINES = "#log-viewer .log-lines > .line"


def write(engine, container_id: str, script: str) -> None:
    exec_id = engine.exec_create(container_id, ["sh", "-c", script])["Id"]
    engine.exec_start(exec_id)


def test_new_log_lines_arrive_live_with_colours_and_escaping(
    page, berth_server, make_container, engine
):
    make_user("vera", "viewer", ["blue"])
    container = make_container(f"echo 'first line'; {QUIET}", team="blue")
    log_in(page, berth_server.url, "vera", PASSWORD)
    page.goto(f"{berth_server.url}/containers/{container['Id']}/logs/")
    expect(page.locator(LINES).first).to_contain_text("first line")
    expect(page.locator(".log-status")).to_have_text("following")
    write(
        engine,
        container["Id"],
        "printf '\\033[31mred alert\\033[0m <img src=x onerror=alert(1)>\\n' "
        "> /proc/1/fd/1; echo 'to stderr' > /proc/1/fd/2",
    )
    red = page.locator(f"{LINES} .msg span.a-fg-1")
    expect(red).to_have_text("red alert")
    expect(page.locator(LINES).filter(has_text="<img src=x")).to_have_count(1)
    assert page.locator("#log-viewer img").count() == 0
    expect(page.locator(f"{LINES}.err")).to_contain_text("to stderr")
    page.fill("[data-filter]", "stderr")
    expect(page.locator(f"{LINES}:visible")).to_have_count(1)


def test_the_page_keeps_at_most_ten_thousand_lines_of_two_hundred_thousand(
    page, berth_server, make_container, engine
):
    make_user("vera", "viewer", ["blue"])
    container = make_container(team="blue")
    log_in(page, berth_server.url, "vera", PASSWORD)
    page.goto(f"{berth_server.url}/containers/{container['Id']}/logs/")
    expect(page.locator(".log-status")).to_have_text("following")
    write(engine, container["Id"], "seq 1 200000 > /proc/1/fd/1")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        last = page.evaluate(
            "() => { const v = document.querySelector('#log-viewer .log-lines');"
            " const l = v.lastElementChild; return l ? l.textContent : ''; }"
        )
        if last.endswith("200000"):
            break
        count = page.locator(LINES).count()
        assert count <= 10_000, count
        time.sleep(0.5)
    else:
        pytest.fail("the last line never arrived")
    count = page.locator(LINES).count()
    assert 9_000 <= count <= 10_000, count


def test_the_terminal_echoes(page, berth_server, make_container):
    make_user("otto", "operator", ["blue"])
    container = make_container(team="blue")
    log_in(page, berth_server.url, "otto", PASSWORD)
    page.goto(f"{berth_server.url}/containers/{container['Id']}/terminal/")
    expect(page.locator(".terminal-status")).to_have_text("connected")
    page.locator(".terminal-screen").click()
    page.keyboard.type("echo h''i\n")
    expect(page.locator(".xterm-rows")).to_contain_text("hi")
    rows = page.locator(".xterm-rows").inner_text()
    assert any(line.strip() == "hi" for line in rows.splitlines()), rows


def test_a_viewer_sees_no_terminal_tab_and_is_refused_the_page(
    page, berth_server, make_container
):
    make_user("vera", "viewer", ["blue"])
    container = make_container(team="blue")
    log_in(page, berth_server.url, "vera", PASSWORD)
    page.goto(f"{berth_server.url}/containers/{container['Id']}/")
    tabs = page.locator("nav.tabs")
    expect(tabs).to_contain_text("Logs")
    expect(tabs).not_to_contain_text("Terminal")
    response = page.goto(f"{berth_server.url}/containers/{container['Id']}/terminal/")
    assert response.status == 404


def test_the_containers_page_follows_changes_made_with_the_cli(
    page, berth_server, engine
):
    from containers.watcher import Watcher
    from tests.containers.test_watcher import docker_cli, labels_args
    from tests.support.engine import BUSYBOX, unique_name

    make_user("ada", "admin")
    watcher = Watcher(audit_delay=0.5).start()
    try:
        assert watcher.connected.wait(10)
        log_in(page, berth_server.url, "ada", PASSWORD)
        page.goto(f"{berth_server.url}/containers/")
        page.wait_for_timeout(500)  # the page's socket is open
        name = unique_name("live")
        container_id = docker_cli(
            "run", "-d", "--name", name, *labels_args(), BUSYBOX, "sleep", "60"
        )
        row = page.locator(f"#container-{container_id}")
        expect(row).to_have_attribute("data-state", "running")
        expect(row).to_contain_text(name)
        expect(row.locator("td.usage")).to_contain_text("KiB", timeout=15_000)
        docker_cli("kill", container_id)
        expect(row).to_have_attribute("data-state", "exited")
        docker_cli("rm", container_id)
        expect(row).to_have_count(0)
    finally:
        watcher.stop()
