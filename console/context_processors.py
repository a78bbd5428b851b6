from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from console import permissions


def berth(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"user_is_admin": permissions.is_admin(user)}
