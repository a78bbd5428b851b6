"""Each way a registry can fail gets its own message, never a 500 page."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from django.test import override_settings
from django.urls import reverse

from registry_browser.client import Endpoint, RegistryClient, RegistryError
from registry_browser.models import Registry
from tests.support.live import free_port


def browse(client, registry: Registry, repository: str = "any/thing"):
    return client.get(
        reverse("registry_browser:repository", args=[registry.key, repository])
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_a_registry_that_is_down_says_it_cannot_be_reached(viewer_client, db):
    down = Registry.objects.create(name="down", url=f"http://127.0.0.1:{free_port()}")
    response = browse(viewer_client, down)
    assert response.status_code == 502
    assert "cannot be reached" in response.content.decode()
    assert "Is the registry running" in response.content.decode()


@override_settings(BERTH_REGISTRY_TIMEOUT=1)
def test_a_registry_that_does_not_answer_times_out_with_a_message(
    viewer_client, db, silent_server
):
    slow = Registry.objects.create(name="slow", url=f"http://127.0.0.1:{silent_server}")
    response = browse(viewer_client, slow)
    assert response.status_code == 502
    assert "did not answer within 1 s" in response.content.decode()


def test_tls_to_a_plain_http_registry_is_a_tls_failure(viewer_client, registry, db):
    tls = Registry.objects.create(name="tls", url=f"https://{registry.host}")
    response = browse(viewer_client, tls)
    assert response.status_code == 502
    assert "TLS" in response.content.decode()
    assert "cannot be reached" not in response.content.decode()


def test_a_self_signed_certificate_is_refused_while_verify_tls_is_on(tls_server):
    endpoint = Endpoint(key="t", url=tls_server)
    with pytest.raises(RegistryError) as refused, RegistryClient(endpoint) as client:
        client.ping()
    assert refused.value.kind == "tls"
    assert "could not be verified" in refused.value.message
    assert "verify TLS" in refused.value.message


def test_verify_tls_off_accepts_the_self_signed_certificate(tls_server):
    with RegistryClient(Endpoint(key="t", url=tls_server, verify_tls=False)) as c:
        c.ping()


@pytest.fixture
def tls_server(tmp_path) -> Iterator[str]:
    """An HTTPS server with a self-signed certificate that answers /v2/ with 200."""
    import http.server
    import ssl

    from tests.support.certs import self_signed

    cert, key = self_signed(tmp_path, "127.0.0.1")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fake(status: int, **kwargs: object) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, **kwargs))


def call(transport: httpx.MockTransport) -> RegistryError:
    endpoint = Endpoint(key="fake", url="http://registry.test")
    with pytest.raises(RegistryError) as failed:
        with RegistryClient(endpoint, transport=transport) as client:
            client.tags_page("team/app", 10)
    return failed.value


def test_429_says_when_to_try_again():
    error = call(
        fake(
            429,
            headers={"Retry-After": "30"},
            json={"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]},
        )
    )
    assert error.kind == "rate_limited"
    assert "Try again in 30 s" in error.message
    assert "TOOMANYREQUESTS: slow down" in error.message


def test_an_error_body_that_is_not_json_still_gets_words():
    error = call(fake(500, text="<html>oops</html>"))
    assert "failed with HTTP 500" in error.message


def test_a_link_to_another_host_is_not_followed_with_credentials():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={"repositories": ["a"]},
            headers={
                "Link": '<http://elsewhere.test/v2/_catalog?n=1&last=a>; rel="next"'
            },
        )

    endpoint = Endpoint(key="l", url="http://registry.test", username="u", password="p")
    with RegistryClient(endpoint, transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(RegistryError) as refused:
            list(client.catalog_pages(1))
    assert "another host" in refused.value.message
    assert {request.url.host for request in seen} == {"registry.test"}


def test_registry_warnings_are_collected_for_the_page():
    transport = fake(
        200,
        json={"name": "team/app", "tags": ["1"]},
        headers={"Warning": '299 - "this repository is deprecated"'},
    )
    endpoint = Endpoint(key="w", url="http://registry.test")
    with RegistryClient(endpoint, transport=transport) as client:
        client.tags_page("team/app", 10)
    assert client.warnings == ["this repository is deprecated"]


def test_tags_follow_the_link_header_when_the_registry_sends_one():
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("last") == "b":
            return httpx.Response(200, json={"tags": ["c"]})
        return httpx.Response(
            200,
            json={"tags": ["a", "b"]},
            headers={"Link": '</v2/team/app/tags/list?n=2&last=b>; rel="next"'},
        )

    endpoint = Endpoint(key="t", url="http://registry.test")
    with RegistryClient(endpoint, transport=httpx.MockTransport(answer)) as client:
        assert client.tags_page("team/app", 2) == (["a", "b"], "b")
        assert client.tags_page("team/app", 2, "b") == (["c"], "")
