"""Log search on the server and the streamed download; the list's usage
endpoint; the stats socket."""

from __future__ import annotations

import json
import time

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient
from django.urls import reverse

from tests.support.sockets import LogClient, open_socket, session_cookie

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]
QUIET = "trap 'exit 0' TERM; sleep 3600 & wait"


async def body_of(response) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


@pytest.fixture
def chatty(make_container):
    container = make_container(
        "seq 1 20000 | sed 's/^/row-/'; echo 'needle in the hay'; echo oops >&2; "
        + QUIET,
        team="blue",
    )
    time.sleep(1.5)
    return container


async def test_search_reaches_the_whole_history_on_the_server(chatty, viewer_user):
    client = AsyncClient()
    await sync_to_async(client.force_login)(viewer_user)
    url = reverse("containers:logs_search", args=[chatty["Id"]])
    response = await client.get(url, {"q": "needle"})
    rows = [json.loads(r) for r in (await body_of(response)).decode().splitlines()]
    assert [r[2] for r in rows if isinstance(r, list)] == ["needle in the hay"]
    assert rows[-1] == {"done": 1}
    response = await client.get(url, {"q": r"^row-1999\d$", "regex": "1"})
    rows = [json.loads(r) for r in (await body_of(response)).decode().splitlines()]
    assert [r[2] for r in rows if isinstance(r, list)] == [
        f"row-1999{d}" for d in range(10)
    ]
    response = await client.get(url, {"q": "(", "regex": "1"})
    assert response.status_code == 400


async def test_the_download_streams_every_line(chatty, viewer_user):
    client = AsyncClient()
    await sync_to_async(client.force_login)(viewer_user)
    url = reverse("containers:logs_download", args=[chatty["Id"]])
    response = await client.get(url)
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    lines = (await body_of(response)).decode().splitlines()
    assert len(lines) == 20002 and lines[:2] == ["row-1", "row-2"]
    assert "oops" in lines  # stderr has its own pipe: its place may vary
    assert [line for line in lines if line != "oops"][-1] == "needle in the hay"
    response = await client.get(url, {"timestamps": "1"})
    first = (await body_of(response)).decode().splitlines()[0]
    assert first.endswith("Z row-1")


def test_other_teams_cannot_search_or_download(outsider_client, make_container):
    container = make_container(team="blue")
    for name in ("logs_search", "logs_download", "logs"):
        response = outsider_client.get(
            reverse(f"containers:{name}", args=[container["Id"]])
        )
        assert response.status_code == 404


def test_the_usage_endpoint_fills_in_from_the_background_sampler(
    viewer_client, make_container
):
    ours = make_container(team="blue")
    theirs = make_container(team="red")
    url = reverse("containers:usage")
    ids = f"{ours['Id']},{theirs['Id']}"
    deadline = time.monotonic() + 15
    usage = {}
    while time.monotonic() < deadline and ours["Id"] not in usage:
        usage = viewer_client.get(url, {"ids": ids}).json()["usage"]
        time.sleep(0.3)
    assert ours["Id"] in usage and theirs["Id"] not in usage
    assert usage[ours["Id"]]["mem"] > 0


async def test_the_stats_socket_sends_a_sample_a_second(make_container, viewer_user):
    container = await sync_to_async(make_container)(team="blue")
    cookie = await sync_to_async(session_cookie)(viewer_user)
    client = LogClient(
        await open_socket(f"/ws/containers/{container['Id']}/stats/", cookie), ack=False
    )
    first = await client.until(lambda m: m["type"] == "sample", timeout=10)
    second = await client.until(lambda m: m["type"] == "sample", timeout=10)
    assert second["t"] > first["t"]
    assert second["cpu"] is not None and second["mem"] > 0 and second["mem_limit"] > 0
    await client.socket.disconnect()
