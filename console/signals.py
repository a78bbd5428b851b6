"""Login, logout and failed logins go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver
from django.http import HttpRequest

from console.audit import Actor, client_ip, record
from console.models import AuditEvent


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    actor = Actor(user=user, client_ip=client_ip(request))
    record(actor, "auth.login", target_type="user", target_name=user.get_username())


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    actor = Actor(user=user, client_ip=client_ip(request))
    record(actor, "auth.logout", target_type="user", target_name=user.get_username())


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    actor = Actor(client_ip=client_ip(request) if request else "")
    record(
        actor,
        "auth.login_failed",
        target_type="user",
        target_name=str(credentials.get("username", ""))[:150],
        outcome=AuditEvent.Outcome.FAILURE,
        error="Wrong username or password",
    )
