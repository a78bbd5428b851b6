from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from console.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail cannot be edited or deleted from the admin."""

    list_display = (
        "created",
        "actor_name",
        "source",
        "action",
        "target_name",
        "outcome",
    )
    list_filter = ("outcome", "source", "action")
    search_fields = ("actor_name", "action", "target_name", "target_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
