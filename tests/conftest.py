"""Fixtures shared by the whole suite: the real engine, personas, a live Berth."""

from __future__ import annotations

import pytest
from django.test import Client

pytest_plugins = ["tests.support.engine", "tests.support.live"]


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(
        username="ada", password="ada-password-1"
    )


@pytest.fixture
def member_user(django_user_model):
    return django_user_model.objects.create_user(
        username="mo", password="mo-password-1"
    )


@pytest.fixture
def admin_client(admin_user):
    return logged_in(admin_user)


@pytest.fixture
def member_client(member_user):
    return logged_in(member_user)


def logged_in(user) -> Client:
    """A test client of its own, so several personas can act in one test."""
    client = Client()
    client.force_login(user)
    return client
