from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from console import permissions


def berth(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    access = permissions.access_for(user)
    return {"user_is_admin": access.is_admin, "user_can_launch": access.can_launch}
