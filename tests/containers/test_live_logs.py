"""Log sockets against the real engine: tail then follow, stream flags, TTY,
stop and start, one shared engine stream, slow viewers, merged views."""

from __future__ import annotations

import asyncio

import pytest
from django.test import override_settings

from containers.loghub import hub
from tests.support.sockets import LogClient, open_socket, session_cookie

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]

QUIET = "trap 'exit 0' TERM; sleep 3600 & wait"


@pytest.fixture
def viewer_cookie(viewer_user):
    return session_cookie(viewer_user)


@pytest.fixture
def admin_cookie(admin_user):
    return session_cookie(admin_user)


def write(engine, container_id: str, script: str) -> None:
    """Write to the container's own stdout/stderr (PID 1's), from outside."""
    exec_id = engine.exec_create(container_id, ["sh", "-c", script])["Id"]
    engine.exec_start(exec_id)


async def logs_socket(container_id: str, cookie: str, query: str = "") -> LogClient:
    socket = await open_socket(f"/ws/containers/{container_id}/logs/{query}", cookie)
    client = LogClient(socket)
    hello = await client.receive()
    assert hello["type"] == "hello"
    return client


async def test_it_sends_the_tail_then_follows_with_stdout_and_stderr_apart(
    engine, make_container, viewer_cookie
):
    container = make_container(
        f"for i in 1 2 3 4; do echo tail-$i; done; sleep 0.1; echo err-1 >&2; {QUIET}",
        team="blue",
    )
    await asyncio.sleep(0.5)
    client = await logs_socket(container["Id"], viewer_cookie, "?tail=3")
    await client.until(lambda m: m["type"] == "live")
    assert client.texts() == ["tail-3", "tail-4", "err-1"]
    assert [line[0] for line in client.lines] == [1, 1, 2]
    write(engine, container["Id"], "echo live-out > /proc/1/fd/1")
    await client.until_text("live-out")
    write(engine, container["Id"], "echo live-err > /proc/1/fd/2")
    await client.until_text("live-err")
    streams = {line[2]: line[0] for line in client.lines}
    assert streams["live-out"] == 1 and streams["live-err"] == 2
    assert all(line[1].endswith("Z") for line in client.lines)  # timestamps
    assert client.texts().count("err-1") == 1  # no duplicate at the join
    await client.socket.disconnect()


async def test_a_tty_container_streams_whole_lines(
    engine, make_container, viewer_cookie
):
    container = make_container(
        f"echo one; printf 'two\\nthree\\n'; {QUIET}", team="blue", tty=True
    )
    await asyncio.sleep(0.5)
    client = await logs_socket(container["Id"], viewer_cookie, "?tail=all")
    await client.until(lambda m: m["type"] == "live")
    assert client.texts() == ["one", "two", "three"]
    write(
        engine, container["Id"], "echo 'é ✓ colour \033[31mred\033[0m' > /proc/1/fd/1"
    )
    await client.until(lambda m: any("red" in t for t in client.texts()))
    assert client.texts()[-1] == "é ✓ colour \x1b[31mred\x1b[0m"
    await client.socket.disconnect()


async def test_a_stopped_container_ends_the_stream_and_a_start_resumes_it(
    engine, make_container, viewer_cookie
):
    container = make_container(f"echo first-run; {QUIET}", team="blue")
    client = await logs_socket(container["Id"], viewer_cookie)
    await client.until_text("first-run")
    engine.stop(container["Id"], timeout=2)
    stopped = await client.until(lambda m: m.get("state") == "stopped")
    assert stopped["exit_code"] == 0
    shared = hub.logs[container["Id"]]
    assert shared._stream.closed  # the engine stream is closed while stopped
    engine.start(container["Id"])
    await client.until(lambda m: m.get("state") == "running")
    await client.until(lambda m: client.texts().count("first-run") == 2)
    await client.socket.disconnect()


async def test_two_viewers_share_one_engine_stream(
    engine, make_container, viewer_cookie, admin_cookie
):
    container = make_container(team="blue")
    first = await logs_socket(container["Id"], viewer_cookie)
    second = await logs_socket(container["Id"], admin_cookie)
    for client in (first, second):
        await client.until(lambda m: m["type"] == "live")
    write(engine, container["Id"], "seq 1 50 > /proc/1/fd/1")
    for client in (first, second):
        await client.until_lines(50)
        assert client.texts() == [str(n) for n in range(1, 51)]
    assert hub.logs[container["Id"]].streams_opened == 1
    assert len(hub.logs[container["Id"]].viewers) == 2
    await first.socket.disconnect()
    await second.socket.disconnect()
    assert container["Id"] not in hub.logs  # the last viewer closed it


@override_settings(BERTH_LOG_VIEWER_BUFFER=5000)
async def test_a_slow_viewer_gets_a_skipped_marker_and_the_fast_one_every_line(
    engine, make_container, viewer_cookie, admin_cookie
):
    container = make_container(team="blue")
    fast = await logs_socket(container["Id"], viewer_cookie, "?tail=0")
    slow = await logs_socket(container["Id"], admin_cookie, "?tail=0")
    await fast.until(lambda m: m["type"] == "live")
    await slow.until(lambda m: m["type"] == "live")
    slow.ack = False  # it reads, but never says so: the server must stop sending
    write(engine, container["Id"], "seq 1 20000 > /proc/1/fd/1")
    await fast.until_lines(20000, timeout=30)
    assert fast.texts() == [str(n) for n in range(1, 20001)]
    assert fast.skipped == 0
    while True:  # drain what the server sent before its window closed
        try:
            await slow.receive(timeout=0.5)
        except TimeoutError:
            break
    slow.ack = True
    await slow.acknowledge()
    await slow.until(lambda m: len(slow.lines) + slow.skipped >= 20000, timeout=30)
    assert slow.skipped > 0
    marker = next(m for m in slow.messages if m["type"] == "skipped")
    assert marker["count"] > 0
    assert slow.texts()[-1] == "20000"
    for client in (fast, slow):
        await client.socket.disconnect()


async def test_the_merged_view_interleaves_containers_by_time(
    engine, make_container, viewer_cookie
):
    first = make_container(team="blue")
    second = make_container(team="blue")
    for target, text in ((first, "a-1"), (second, "b-1"), (first, "a-2")):
        write(engine, target["Id"], f"echo {text} > /proc/1/fd/1")
    await asyncio.sleep(0.3)
    socket = await open_socket(
        f"/ws/logs/?ids={first['Id']},{second['Id']}&tail=10", viewer_cookie
    )
    client = LogClient(socket)
    hello = await client.receive()
    tags = {c["id"]: c["tag"] for c in hello["containers"]}
    await client.until(lambda m: m["type"] == "live")
    assert client.texts() == ["a-1", "b-1", "a-2"]
    assert [line[3] for line in client.lines] == [
        tags[first["Id"]],
        tags[second["Id"]],
        tags[first["Id"]],
    ]
    write(engine, second["Id"], "echo b-live > /proc/1/fd/1")
    message = await client.until(lambda m: m["type"] == "lines")
    assert message["c"] == tags[second["Id"]]
    assert message["lines"][0][2] == "b-live"
    await socket.disconnect()


async def test_the_merged_view_leaves_out_containers_the_user_may_not_see(
    make_container, viewer_cookie
):
    ours = make_container(f"echo ours; {QUIET}", team="blue")
    theirs = make_container(f"echo theirs; {QUIET}", team="red")
    await asyncio.sleep(0.5)
    socket = await open_socket(
        f"/ws/logs/?ids={ours['Id']},{theirs['Id']}", viewer_cookie
    )
    client = LogClient(socket)
    hello = await client.receive()
    assert [c["id"] for c in hello["containers"]] == [ours["Id"]]
    await client.until(lambda m: m["type"] == "live")
    assert client.texts() == ["ours"]
    await socket.disconnect()
