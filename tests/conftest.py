"""Fixtures shared by the whole suite: personas, the real engine, a live Berth."""

from __future__ import annotations

import pytest

from tests.base import logged_in, make_user

pytest_plugins = [
    "tests.support.engine",
    "tests.support.live",
    "tests.support.registry",
]


@pytest.fixture
def admin_user(db):
    return make_user("ada", "admin")


@pytest.fixture
def operator_user(db):
    return make_user("otto", "operator", ["blue"])


@pytest.fixture
def viewer_user(db):
    return make_user("vera", "viewer", ["blue"])


@pytest.fixture
def outsider_user(db):
    return make_user("oscar", "operator", ["red"])


@pytest.fixture
def admin_client(admin_user):
    return logged_in(admin_user)


@pytest.fixture
def operator_client(operator_user):
    return logged_in(operator_user)


@pytest.fixture
def viewer_client(viewer_user):
    return logged_in(viewer_user)


@pytest.fixture
def outsider_client(outsider_user):
    return logged_in(outsider_user)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running
    in the main thread for the rest of the session, and async tests (the
    websocket consumers) cannot run their own loop after that."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
