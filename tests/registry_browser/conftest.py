"""Registries filled for the registry browser's tests, and Registry rows for them."""

from __future__ import annotations

import pytest

from console.crypto import seal
from registry_browser.models import Registry
from tests.support.oci import RegistryAPI, basic


@pytest.fixture(scope="session")
def filled_registry(auth_registry, engine, busybox_image, httpd_image):
    """The htpasswd registry with engine-pushed images, an API-made index
    (two platforms and an attestation) and a few tiny repositories."""
    auth_registry.push(engine, busybox_image, "rb/busybox", "v1")
    auth_registry.push(engine, busybox_image, "rb/busybox", "v2")
    auth_registry.push(engine, httpd_image, "rb/web", "1.0")
    api = RegistryAPI(
        auth_registry.url, basic(auth_registry.username, auth_registry.password)
    )
    digests = api.multi_platform("rb/multi", "1")
    for name in ("rb/alpha-one", "rb/alpha-two", "rb/beta-three"):
        api.image(name, "latest")
    auth_registry.index = digests
    return auth_registry


def register(registry, *, password: str | None = None, name: str = "private"):
    return Registry.objects.create(
        name=name,
        url=registry.url,
        username=registry.username,
        password_sealed=seal(registry.password if password is None else password),
    )


@pytest.fixture
def private_registry(db, filled_registry):
    return register(filled_registry)
