"""The volume file browser: read-only, admins only, helpers always removed."""

from __future__ import annotations

import asyncio
import hashlib
import time
import urllib.request
import uuid
from contextlib import aclosing

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.http import StreamingHttpResponse
from django.test import AsyncClient
from django.urls import reverse

from console import dockerapi
from console.dockerapi import HELPER_LABEL
from console.dockerapi.volume_files import _parse_listing, clean_path
from console.models import AuditEvent
from tests.host.conftest import fill_volume


def helpers_for(engine, volume: str) -> list[dict]:
    return engine.containers(
        all=True, filters={"label": [HELPER_LABEL, f"berth.volume={volume}"]}
    )


@pytest.fixture
def filled_volume(engine, busybox_image, make_volume):
    name = make_volume(team="blue")
    fill_volume(
        engine,
        busybox_image,
        name,
        "mkdir -p /data/conf/deep && echo 'listen 80' > /data/conf/site.conf"
        " && head -c 3000000 /dev/urandom > /data/big.bin"
        " && printf x > '/data/odd name\nwith newline'"
        " && ln -s /etc/passwd /data/escape && chmod 600 /data/big.bin",
    )
    return name


# Pure parts first: the path cleaner and the listing parser.


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("", ""), ("/", ""), ("a/b", "a/b"), ("/a//./b/", "a/b"), ("./a", "a")],
)
def test_paths_are_normalised_inside_the_volume(raw, clean):
    assert clean_path(raw) == clean


@pytest.mark.parametrize("raw", ["..", "../etc", "a/../../b", "a/..", "a\x00b"])
def test_paths_that_climb_out_are_refused(raw):
    with pytest.raises(ValueError):
        clean_path(raw)


def test_the_listing_parser_survives_names_with_newlines_and_spaces():
    marker = "m4rk3r"
    output = (
        f"{marker}41ed 4096 1700000000 /v/dir\n"
        f"{marker}81a4 12 1700000001 /v/odd name\nwith newline\n"
        f"{marker}a1ff 11 1700000002 /v/link\n"
    )
    entries = _parse_listing(output, marker, "/v/")
    assert [(e.name, e.kind) for e in entries] == [
        ("dir", "dir"),
        ("link", "link"),
        ("odd name\nwith newline", "file"),
    ]
    assert entries[2].size == 12


# Against the engine.


@pytest.mark.django_db
@pytest.mark.engine
def test_admins_browse_directories_and_the_helper_is_gone_afterwards(
    admin_client, engine, filled_volume
):
    url = reverse("host:volume_files", args=[filled_volume])
    body = admin_client.get(url).content.decode()
    for name in ("conf", "big.bin", "escape", "odd name\nwith newline"):
        assert f'data-entry="{name}"' in body
    assert "2.9\xa0MB" in body
    body = admin_client.get(url, {"path": "conf"}).content.decode()
    assert 'data-entry="site.conf"' in body and 'data-entry="deep"' in body
    assert helpers_for(engine, filled_volume) == []


@pytest.fixture
async def async_db_connections():
    """Async views run in asgiref's sync thread, whose database connection
    the test client never closes; close it, or PostgreSQL cannot drop the
    test database at the end."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.engine
@pytest.mark.usefixtures("async_db_connections")
async def test_a_download_streams_the_exact_bytes_without_buffering(
    engine, filled_volume, busybox_image, admin_user
):
    client = AsyncClient()
    await client.aforce_login(admin_user)
    response = await client.get(
        reverse("host:volume_download", args=[filled_volume]), {"path": "big.bin"}
    )
    assert isinstance(response, StreamingHttpResponse)
    # An async iterator: under ASGI a sync one would be read into memory whole.
    assert response.is_async
    assert response["Content-Disposition"] == (
        "attachment; filename=\"big.bin\"; filename*=UTF-8''big.bin"
    )
    chunks = [chunk async for chunk in response.streaming_content]
    assert len(chunks) > 10  # streamed in pieces, not one body
    data = b"".join(chunks)
    assert len(data) == 3_000_000 == int(response["Content-Length"])
    expected = _sha256_in_volume(engine, busybox_image, filled_volume, "big.bin")
    assert hashlib.sha256(data).hexdigest() == expected
    assert helpers_for(engine, filled_volume) == []  # removed once read
    event = await AuditEvent.objects.aget(action="volume.download")
    assert event.params == {"path": "big.bin"} and event.outcome == "success"


@pytest.mark.django_db(transaction=True)
@pytest.mark.engine
@pytest.mark.usefixtures("async_db_connections")
async def test_a_download_the_client_abandons_removes_the_helper(
    engine, filled_volume, admin_user
):
    client = AsyncClient()
    await client.aforce_login(admin_user)
    response = await client.get(
        reverse("host:volume_download", args=[filled_volume]), {"path": "big.bin"}
    )
    # What Django's ASGI handler does: read through an aclosing() wrapper,
    # stop when the client leaves, then close the response.
    async with aclosing(aiter(response)) as content:
        await anext(content)
        assert len(helpers_for(engine, filled_volume)) == 1
    await sync_to_async(response.close)()
    deadline = time.monotonic() + 10
    while helpers_for(engine, filled_volume) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert helpers_for(engine, filled_volume) == []


def _sha256_in_volume(engine, image: str, volume: str, path: str) -> str:
    container = engine.create_container(
        image,
        ["sha256sum", f"/data/{path}"],
        host_config=engine.create_host_config(binds={volume: {"bind": "/data"}}),
    )
    try:
        engine.start(container)
        engine.wait(container, timeout=30)
        return engine.logs(container, stderr=False).decode().split()[0]
    finally:
        engine.remove_container(container, force=True)


@pytest.mark.django_db
@pytest.mark.engine
def test_a_download_abandoned_half_way_still_removes_the_helper(
    engine, filled_volume, busybox_image
):
    opened = dockerapi.open_volume_file(filled_volume, "big.bin", image=busybox_image)
    next(iter(opened.chunks))
    assert len(helpers_for(engine, filled_volume)) == 1
    opened.close()
    assert helpers_for(engine, filled_volume) == []


@pytest.mark.django_db
@pytest.mark.engine
def test_links_directories_and_traversal_are_not_downloaded(
    admin_client, engine, filled_volume
):
    url = reverse("host:volume_download", args=[filled_volume])
    response = admin_client.get(url, {"path": "escape"}, follow=True)
    assert "is a symbolic link" in response.content.decode()
    response = admin_client.get(url, {"path": "conf"}, follow=True)
    assert "is a directory" in response.content.decode()
    assert admin_client.get(url, {"path": "../../etc/passwd"}).status_code == 404
    files = reverse("host:volume_files", args=[filled_volume])
    assert admin_client.get(files, {"path": "conf/../.."}).status_code == 404
    response = admin_client.get(files, {"path": "nowhere"})
    assert response.status_code == 404
    assert "No directory nowhere" in response.content.decode()
    assert helpers_for(engine, filled_volume) == []


@pytest.mark.django_db
@pytest.mark.engine
def test_only_admins_read_files(operator_client, viewer_client, filled_volume):
    for client in (operator_client, viewer_client):
        files = reverse("host:volume_files", args=[filled_volume])
        assert client.get(files).status_code == 403
        download = reverse("host:volume_download", args=[filled_volume])
        assert client.get(download, {"path": "conf/site.conf"}).status_code == 403
        page = client.get(reverse("host:volume", args=[filled_volume]))
        assert "Browse files" not in page.content.decode()


@pytest.mark.django_db
@pytest.mark.engine
def test_a_missing_helper_image_is_explained(admin_client, filled_volume, settings):
    settings.BERTH_HELPER_IMAGE = "berth-test/no-such-helper:never"
    body = admin_client.get(
        reverse("host:volume_files", args=[filled_volume])
    ).content.decode()
    assert (
        "The helper image berth-test/no-such-helper:never is not on this engine" in body
    )


@pytest.mark.django_db
@pytest.mark.engine
def test_the_helper_has_no_network_and_a_read_only_mount(
    engine, filled_volume, busybox_image, monkeypatch
):
    seen: list[dict] = []
    from console.dockerapi import volume_files

    real_remove = volume_files._remove_helper

    def inspect_then_remove(api, container_id):
        seen.append(engine.inspect_container(container_id))
        real_remove(api, container_id)

    monkeypatch.setattr(volume_files, "_remove_helper", inspect_then_remove)
    dockerapi.list_volume_dir(filled_volume, "", image=busybox_image)
    (helper,) = seen
    assert helper["HostConfig"]["NetworkMode"] == "none"
    assert helper["HostConfig"]["ReadonlyRootfs"] is True
    assert helper["HostConfig"]["CapDrop"] == ["ALL"]
    (mount,) = helper["Mounts"]
    assert (mount["Name"], mount["RW"]) == (filled_volume, False)
    assert helper["Config"]["Labels"][HELPER_LABEL] == "volume-browser"


@pytest.mark.django_db
@pytest.mark.engine
def test_helpers_left_behind_are_removed_by_the_periodic_task(engine, busybox_image):
    from tests.support.engine import run_labels

    marker = f"berth.test-helper={uuid.uuid4().hex[:8]}"
    key, value = marker.split("=")
    labels = run_labels(**{HELPER_LABEL: "volume-browser", key: value})
    left = engine.create_container(busybox_image, ["true"], labels=labels)
    assert dockerapi.remove_stale_helpers(older_than=3600, label=marker) == 0
    assert dockerapi.remove_stale_helpers(older_than=0, label=marker) == 1
    assert not engine.containers(all=True, filters={"id": left["Id"]})


@pytest.mark.django_db(transaction=True)
@pytest.mark.engine
def test_a_download_through_daphne_arrives_whole(
    berth_server, engine, filled_volume, busybox_image, admin_user
):
    """The real ASGI path: Berth's daphne process serves the stream."""
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    url = reverse("host:volume_download", args=[filled_volume]) + "?path=big.bin"
    request = urllib.request.Request(
        f"{berth_server.url}{url}", headers={"Cookie": cookie}
    )
    digest = hashlib.sha256()
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        assert answer.headers["Content-Length"] == "3000000"
        while block := answer.read(65536):
            digest.update(block)
    expected = _sha256_in_volume(engine, busybox_image, filled_volume, "big.bin")
    assert digest.hexdigest() == expected
    assert helpers_for(engine, filled_volume) == []
