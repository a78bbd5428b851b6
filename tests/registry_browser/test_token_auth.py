"""The bearer-token flow against a real Distribution configured with
`auth: token`, and a token service served by this test process.

The token service signs RS256 JWTs with a key whose self-signed certificate
the registry trusts (rootcertbundle); the certificate travels in the JWT
header's `x5c`, which is how Distribution finds the signing key. It grants
what is asked only to the right Basic credentials. The realm is on
"localhost" while the registry is on "127.0.0.1", so the realm allowlist
decides whether Berth sends the stored credentials there.
"""

from __future__ import annotations

import base64
import http.server
import json
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.urls import reverse

from console.crypto import seal
from registry_browser.browse import endpoint_for, tags_page
from registry_browser.client import RegistryClient, RegistryError
from registry_browser.models import Registry
from registry_browser.services import refresh_catalog
from tests.support.certs import make_certificate
from tests.support.live import free_port
from tests.support.oci import RegistryAPI
from tests.support.registry import (
    REGISTRY_BINARY,
    REGISTRY_PASSWORD,
    REGISTRY_USER,
    _wait_until_up,
)
from tests.support.registry import Registry as RunningRegistry

SERVICE = "berth-test-registry"
ISSUER = "berth-test-issuer"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenService:
    """Issues registry tokens; remembers who asked and with what."""

    key: object
    certificate: object
    url: str = ""
    requests: list[dict] = field(default_factory=list)

    def jwt(self, access: list[dict]) -> str:
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": REGISTRY_USER,
            "aud": SERVICE,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        encoded = [b64url(json.dumps(part).encode()) for part in (header, claims)]
        signing_input = ".".join(encoded)
        signature = self.key.sign(
            signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{b64url(signature)}"

    def answer(
        self, query: dict[str, list[str]], authorization: str
    ) -> tuple[int, dict]:
        expected = (
            "Basic "
            + base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode()).decode()
        )
        self.requests.append({"scope": query.get("scope", []), "auth": authorization})
        if authorization != expected:
            return 401, {"details": "credentials required"}
        access = [_access(scope) for scope in query.get("scope", []) if scope]
        return 200, {"token": self.jwt(access), "expires_in": 300}


def _access(scope: str) -> dict:
    kind, rest = scope.split(":", 1)
    name, actions = rest.rsplit(":", 1)
    return {"type": kind, "name": name, "actions": actions.split(",")}


def serve(tokens: TokenService) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            query = parse_qs(urlsplit(self.path).query)
            status, body = tokens.answer(query, self.headers.get("Authorization", ""))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory) -> Iterator[tuple[RunningRegistry, TokenService]]:
    root = tmp_path_factory.mktemp("token-registry")
    key, certificate = make_certificate("berth-test-token-issuer")
    bundle = root / "issuer.pem"
    bundle.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    tokens = TokenService(key, certificate)
    server = serve(tokens)
    tokens.url = f"http://localhost:{server.server_address[1]}/token"
    port = free_port()
    config = root / "config.yml"
    config.write_text(
        f"""version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {root / "data"}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
auth:
  token:
    realm: {tokens.url}
    service: {SERVICE}
    issuer: {ISSUER}
    rootcertbundle: {bundle}
"""
    )
    log = (root / "registry.log").open("w")
    process = subprocess.Popen(
        [REGISTRY_BINARY, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    running = RunningRegistry(host=f"127.0.0.1:{port}", process=process, root=root)
    _wait_until_up(running)
    status, body = tokens.answer(
        {"scope": ["repository:tok/app:pull,push"]},
        "Basic "
        + base64.b64encode(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}".encode()).decode(),
    )
    api = RegistryAPI(running.url, {"Authorization": f"Bearer {body['token']}"})
    api.image("tok/app", "1.0")
    tokens.requests.clear()
    yield running, tokens
    running.stop()
    server.shutdown()
    server.server_close()


def registered(running: RunningRegistry, realm_hosts: str) -> Registry:
    return Registry.objects.create(
        name=f"token-{realm_hosts or 'none'}",
        url=running.url,
        username=REGISTRY_USER,
        password_sealed=seal(REGISTRY_PASSWORD),
        token_realm_hosts=realm_hosts,
    )


def test_the_registry_really_wants_a_token(token_registry):
    running, _ = token_registry
    with pytest.raises(RegistryError) as refused:
        with RegistryClient(
            endpoint_for(Registry(name="x", url=running.url))
        ) as client:
            client.tags_page("tok/app", 10)
    assert refused.value.kind == "unauthorized"


def test_with_the_realm_allowed_berth_gets_a_token_and_browses(
    token_registry, viewer_client, db
):
    running, tokens = token_registry
    registry = registered(running, "localhost")
    assert refresh_catalog(registry, page_size=1) == 1
    assert tokens.requests and tokens.requests[-1]["auth"].startswith("Basic ")
    assert tokens.requests[-1]["scope"] == ["registry:catalog:*"]
    page = viewer_client.get(
        reverse("registry_browser:tag", args=[registry.key, "tok/app", "1.0"])
    )
    assert page.status_code == 200, page.content.decode()[-1500:]
    assert "80/tcp" in page.content.decode()


def test_tokens_are_cached_until_they_expire(token_registry, db):
    running, tokens = token_registry
    registry = registered(running, "localhost")
    endpoint = endpoint_for(registry)
    tags_page(endpoint, "tok/app")
    asked = len(tokens.requests)
    tags_page(endpoint, "tok/app")
    tags_page(endpoint, "tok/app")
    assert len(tokens.requests) == asked


def test_credentials_never_go_to_a_realm_host_not_on_the_list(
    token_registry, viewer_client, db
):
    running, tokens = token_registry
    registry = registered(running, "")
    tokens.requests.clear()
    response = viewer_client.get(
        reverse("registry_browser:repository", args=[registry.key, "tok/app"])
    )
    page = response.content.decode()
    assert response.status_code == 502
    assert "did not send the stored credentials there" in page
    assert "localhost" in page
    assert tokens.requests and all(r["auth"] == "" for r in tokens.requests)
