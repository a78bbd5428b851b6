"""Pieces of the registry client and manifest reader, on their own."""

from __future__ import annotations

import json

import httpx
import pytest

from registry_browser.client import (
    ACCEPT_MANIFESTS,
    Document,
    Endpoint,
    RegistryClient,
    RegistryError,
    digest_of,
    next_link,
    parse_challenge,
)
from registry_browser.manifests import ImageManifest, ManifestIndex, parse_config
from registry_browser.manifests import parse_manifest as parse


def test_the_accept_header_lists_all_four_manifest_types():
    for media_type in (
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ):
        assert media_type in ACCEPT_MANIFESTS


def test_a_bearer_challenge_is_read_with_quoted_commas():
    scheme, params = parse_challenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:samalba/my-app:pull,push"'
    )
    assert scheme == "bearer"
    assert params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:samalba/my-app:pull,push",
    }


def test_the_next_link_is_found_among_other_links():
    response = httpx.Response(
        200, headers={"Link": '</v2/_catalog?last=b&n=2>; rel="next"'}
    )
    assert next_link(response) == "/v2/_catalog?last=b&n=2"
    assert next_link(httpx.Response(200)) is None


@pytest.mark.parametrize(
    ("registry", "realm", "extra", "allowed"),
    [
        ("https://r.example", "https://r.example/token", (), True),
        ("https://r.example", "https://auth.example/token", (), False),
        ("https://r.example", "https://auth.example/token", ("auth.example",), True),
        (
            "https://r.example",
            "https://auth.example:8443/t",
            ("auth.example:8443",),
            True,
        ),
        ("https://r.example", "http://r.example/token", (), False),  # downgrade
        ("https://r.example", "https://evil.example/token", ("auth.example",), False),
    ],
)
def test_credentials_go_only_to_allowed_realm_hosts(registry, realm, extra, allowed):
    endpoint = Endpoint(key="k", url=registry, realm_hosts=extra)
    with RegistryClient(endpoint) as client:
        assert client.realm_allowed(realm) is allowed


def test_a_manifest_fetched_by_digest_must_match_it():
    body = b'{"schemaVersion":2}'
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    with RegistryClient(
        Endpoint(key="d", url="http://r.test"), transport=transport
    ) as c:
        with pytest.raises(RegistryError) as refused:
            c.manifest("team/app", "sha256:" + "0" * 64)
        assert c.manifest("team/app", digest_of(body)).digest == digest_of(body)
    assert "does not trust it" in refused.value.message


def document(data: dict, media_type: str = "") -> Document:
    body = json.dumps(data).encode()
    return Document(digest_of(body), media_type, body)


def test_an_index_hides_attestations_by_annotation_or_unknown_platform():
    index = parse(
        document(
            {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [
                    {
                        "digest": "sha256:a",
                        "size": 1,
                        "platform": {"os": "linux", "architecture": "amd64"},
                    },
                    {
                        "digest": "sha256:b",
                        "size": 1,
                        "platform": {"os": "unknown", "architecture": "unknown"},
                    },
                    {
                        "digest": "sha256:c",
                        "size": 1,
                        "annotations": {
                            "vnd.docker.reference.type": "attestation-manifest"
                        },
                    },
                ],
            }
        )
    )
    assert isinstance(index, ManifestIndex)
    assert [entry.digest for entry in index.platforms] == ["sha256:a"]
    assert len(index.attestations) == 2


def test_a_manifest_without_media_type_is_read_by_its_shape():
    manifest = parse(
        document(
            {
                "schemaVersion": 2,
                "config": {"digest": "sha256:c", "size": 100},
                "layers": [{"digest": "sha256:l", "size": 1000}],
            }
        )
    )
    assert isinstance(manifest, ImageManifest)
    assert manifest.compressed_size == 1100


def test_exposed_ports_become_launch_form_lines():
    config = parse_config(
        json.dumps(
            {
                "os": "linux",
                "architecture": "arm64",
                "variant": "v8",
                "config": {"ExposedPorts": {"443/tcp": {}, "53/udp": {}, "80/tcp": {}}},
            }
        ).encode()
    )
    assert config.launch_ports == ["53/udp", "80", "443"]
    assert config.platform.label == "linux/arm64/v8"


def test_names_outside_the_reference_grammar_are_dropped():
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("_catalog"):
            names = ["team/app", "../../admin", "Bad/Case", '"><script>', "a" * 300]
            return httpx.Response(200, json={"repositories": names})
        return httpx.Response(200, json={"tags": ["1.0", "x/y", "", "<b>", 7]})

    endpoint = Endpoint(key="n", url="http://r.test")
    with RegistryClient(endpoint, transport=httpx.MockTransport(answer)) as client:
        assert list(client.catalog_pages(10)) == [["team/app"]]
        assert client.tags_page("team/app", 10) == (["1.0"], "")
