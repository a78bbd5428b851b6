"""Writing the audit trail: who did what, on what, from where, and how it went.

Every mutating action — web, job, websocket, login, and changes seen by the
watcher outside Berth — goes through `record()`. Parameters are redacted
before they are stored, and each event carries the hash of the one before it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest

from console.models import AuditEvent

SECRET_KEY_PATTERN = re.compile(
    r"PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|PRIVATE|CERT", re.IGNORECASE
)
REDACTED = "••••••"
# One constant key for PostgreSQL's advisory lock that serialises the chain.
_CHAIN_LOCK_KEY = 0x6265727468


@dataclass(frozen=True)
class Actor:
    """Who is acting, and through which door."""

    user: Any = None  # a User, or None for the engine / the system
    client_ip: str = ""
    source: str = AuditEvent.Source.WEB

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        return cls(user=request.user, client_ip=client_ip(request))

    @classmethod
    def from_scope(cls, scope: dict[str, Any]) -> Actor:
        client = scope.get("client") or ("", 0)
        return cls(
            user=scope.get("user"),
            client_ip=client[0] or "",
            source=AuditEvent.Source.WEBSOCKET,
        )

    @property
    def name(self) -> str:
        if self.user is None or not getattr(self.user, "is_authenticated", False):
            return ""
        return self.user.get_username()


ENGINE = Actor(source=AuditEvent.Source.ENGINE)
SYSTEM = Actor(source=AuditEvent.Source.SYSTEM)


def client_ip(request: HttpRequest) -> str:
    """The peer address (proxies are not trusted to tell us another)."""
    return request.META.get("REMOTE_ADDR", "") or ""


def looks_secret(key: str) -> bool:
    return bool(SECRET_KEY_PATTERN.search(key))


def redact(value: Any, key: str = "") -> Any:
    """A copy of `value` with every secret-looking key's value masked.

    Handles nested dicts and lists, and KEY=VALUE strings such as env lines.
    """
    if key and looks_secret(key) and value not in ("", None, [], {}):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str) and "=" in value and "\n" not in value:
        name, _, secret = value.partition("=")
        if looks_secret(name) and secret and " " not in name:
            return f"{name}={REDACTED}"
    return value


def _normalised_ip(text: str) -> str | None:
    try:
        return ipaddress.ip_address(text).compressed if text else None
    except ValueError:
        return None


def record(
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: str = "",
    target_name: str = "",
    team: str = "",
    params: dict[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    error: str = "",
) -> AuditEvent:
    """Append one event to the trail, chained to the one before it."""
    user = actor.user if actor.name else None
    event = AuditEvent(
        actor=user,
        actor_name=actor.name,
        source=actor.source,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_name=target_name[:255],
        team=team,
        params=redact(params or {}),
        outcome=outcome,
        error=error,
        client_ip=_normalised_ip(actor.client_ip),
    )
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or ""
        event.hash = event.compute_hash()
        event.save()
    return event


def _lock_chain() -> None:
    # SQLite runs this transaction as BEGIN IMMEDIATE (see settings), which
    # already serialises writers; PostgreSQL needs an explicit lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def verify_chain() -> AuditEvent | None:
    """The first event whose link is broken, or None when the chain holds."""
    previous = ""
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != previous or event.compute_hash() != event.hash:
            return event
        previous = event.hash
    return None
