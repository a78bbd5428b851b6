"""Shared personas: an admin, an operator and a viewer of team blue, and an
outsider (an operator of team red)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from console.models import Profile, Team

PASSWORD = "persona-password-1"


def make_user(username: str, role: str, teams: list[str] = ()) -> object:
    users = get_user_model().objects
    if role == "admin":
        user = users.create_superuser(username=username, password=PASSWORD)
    else:
        user = users.create_user(username=username, password=PASSWORD)
        Profile.objects.create(user=user, role=role)
    for name in teams:
        Team.objects.get_or_create(name=name)[0].members.add(user)
    return user


def logged_in(user: object) -> Client:
    """A test client of its own, so several personas can act in one test."""
    client = Client()
    client.force_login(user)
    return client
