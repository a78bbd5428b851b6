"""Docker Hub through Hub's API — against a local fake of that API.

Docker Hub itself cannot be reached from the test machines, so a small HTTP
server in this process answers with the shapes Hub's API uses (search, tags
with per-platform images, one tag, rate-limit headers, a 429). Hub's
registry is stood in for by the local Distribution registry, so the digest
HEAD and the optional full manifest are real registry calls.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse

from containers.models import Job
from tests.support.oci import RegistryAPI

pytestmark = pytest.mark.engine

ARM_DIGEST = "sha256:" + "b" * 64
TAG = {
    "name": "1.27",
    "digest": "sha256:" + "a" * 64,
    "full_size": 123456,
    "last_updated": "2026-02-03T04:05:06.123456Z",
    "images": [
        {
            "architecture": "amd64",
            "os": "linux",
            "digest": "sha256:" + "c" * 64,
            "size": 70000,
            "last_pushed": "2026-02-03T04:05:06Z",
        },
        {
            "architecture": "arm64",
            "variant": "v8",
            "os": "linux",
            "digest": ARM_DIGEST,
            "size": 65000,
            "last_pushed": "2026-02-03T04:05:06Z",
        },
        {"architecture": "unknown", "os": "unknown", "digest": "sha256:" + "d" * 64},
    ],
}


class FakeHub(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        FakeHub.seen.append(self.path)
        headers = {"X-RateLimit-Limit": "180", "X-RateLimit-Remaining": "3"}
        if url.path == "/v2/search/repositories/":
            if query["query"] == ["busy"]:
                return self.reply(429, {}, {"X-Retry-After": "1767225600"})
            return self.reply(200, self.search(query), headers)
        if url.path == "/v2/namespaces/library/repositories/nginx/tags":
            return self.reply(
                200, {"count": 1, "next": None, "results": [TAG]}, headers
            )
        if url.path == "/v2/namespaces/library/repositories/nginx/tags/1.27":
            return self.reply(200, TAG, headers)
        return self.reply(404, {"message": "object not found"}, {})

    def search(self, query: dict[str, list[str]]) -> dict:
        results = [
            {
                "repo_name": "nginx",
                "short_description": "Official build of Nginx.",
                "star_count": 20000,
                "pull_count": 1000000000,
                "repo_owner": "",
                "is_official": True,
            },
            {
                "repo_name": "bitnami/nginx",
                "short_description": "<script>alert(1)</script>",
                "star_count": 200,
                "pull_count": 5000,
                "is_official": False,
            },
        ]
        return {"count": 2, "next": None, "previous": None, "results": results}

    def reply(self, status: int, body: dict, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def fake_hub() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def hub(fake_hub, registry, settings):
    """Berth pointed at the fake Hub API and, for Hub's registry, the test one."""
    RegistryAPI(registry.url).multi_platform("library/nginx", "1.27")
    settings.BERTH_DOCKER_HUB_API = fake_hub
    settings.BERTH_DOCKER_HUB_REGISTRY = registry.url
    return registry


def test_hub_search_lists_repositories_and_warns_when_the_api_limit_is_low(
    hub, viewer_client
):
    response = viewer_client.get(
        reverse("registry_browser:catalog", args=["hub"]), {"q": "nginx"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "/registries/hub/library/nginx/-/tags/" in page
    assert "/registries/hub/bitnami/nginx/-/tags/" in page
    assert "official" in page
    assert "allows 3 more requests of 180" in page
    assert "<script>alert(1)</script>" not in page


def test_hub_tags_show_platforms_without_attestations(hub, viewer_client):
    page = viewer_client.get(
        reverse("registry_browser:repository", args=["hub", "library/nginx"])
    ).content.decode()
    assert 'id="tag-1.27"' in page
    assert "linux/amd64" in page and "linux/arm64/v8" in page
    assert "unknown" not in page
    assert "68.4\xa0KB" in page or "68.4 KB" in page  # 70000 bytes, compressed


def test_a_hub_tag_gets_its_digest_by_head_and_offers_pull_and_launch(
    hub, operator_client
):
    FakeHub.seen.clear()
    page = operator_client.get(
        reverse("registry_browser:tag", args=["hub", "library/nginx", "1.27"])
    ).content.decode()
    digest = (
        RegistryAPI(hub.url)
        .client.head(
            f"{hub.url}/v2/library/nginx/manifests/1.27",
            headers={"Accept": "application/vnd.oci.image.index.v1+json"},
        )
        .headers["docker-content-digest"]
    )
    assert digest in page
    assert "docker pull nginx:1.27" in page
    assert "/launch/?image=nginx%3A1.27" in page
    assert 'id="pull-to-host"' in page
    assert "counts as one pull" in page
    assert FakeHub.seen == ["/v2/namespaces/library/repositories/nginx/tags/1.27"]


def test_the_full_hub_manifest_is_fetched_only_when_asked(hub, operator_client):
    page = operator_client.get(
        reverse("registry_browser:tag", args=["hub", "library/nginx", "1.27"]),
        {"manifest": "1"},
    ).content.decode()
    assert "OCI image index" in page and "80/tcp" in page
    assert "ports=80" in page


def test_pull_to_host_from_hub_starts_a_pull_job_without_credentials(
    hub, operator_client
):
    operator_client.post(
        reverse("registry_browser:pull", args=["hub", "library/nginx"]),
        {"tag": "1.27"},
    )
    job = Job.objects.get()
    assert job.kind == "pull" and job.params["reference"] == "nginx:1.27"
    assert "username" not in job.params


def test_hub_rate_limiting_says_when_to_try_again(hub, viewer_client):
    response = viewer_client.get(
        reverse("registry_browser:catalog", args=["hub"]), {"q": "busy"}
    )
    assert response.status_code == 502
    assert "rate-limiting" in response.content.decode()


@override_settings(BERTH_DOCKER_HUB_API="http://127.0.0.1:9")
def test_hub_unreachable_says_so(viewer_client):
    response = viewer_client.get(
        reverse("registry_browser:catalog", args=["hub"]), {"q": "nginx"}
    )
    assert response.status_code == 502
    assert "cannot be reached" in response.content.decode()
