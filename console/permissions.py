"""Who may do what. Every view, job and websocket asks here, on the server."""

from __future__ import annotations

from typing import Any


def is_admin(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def can_see_secrets(user: Any) -> bool:
    """Unmasked env values and raw inspect data."""
    return is_admin(user)


def can_force_remove_image(user: Any) -> bool:
    return is_admin(user)


def can_view_audit(user: Any) -> bool:
    return is_admin(user)


def can_act_on_container(user: Any, container: Any) -> bool:
    """Start, stop, remove... Every signed-in user, until teams and roles."""
    return bool(user and user.is_authenticated)
