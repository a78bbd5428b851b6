"""The registry the tests start really stores what the engine pushes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.engine


def test_the_engine_pushes_to_the_test_registry(registry, engine, busybox_image):
    pushed = registry.push(engine, busybox_image, "fixture/check", "v1")
    assert pushed == f"{registry.host}/fixture/check:v1"
    with urllib.request.urlopen(f"{registry.url}/v2/fixture/check/tags/list") as r:
        assert json.load(r)["tags"] == ["v1"]


def test_the_auth_registry_wants_credentials(auth_registry, engine, busybox_image):
    auth_registry.push(engine, busybox_image, "fixture/private", "v1")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{auth_registry.url}/v2/_catalog")
    assert refused.value.code == 401
