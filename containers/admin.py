"""The catalog in the Django admin: templates editable, services read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from containers.models import PortReservation, Service, ServiceTemplate


@admin.register(ServiceTemplate)
class ServiceTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "image", "enabled", "default_ttl_hours", "edited")
    list_filter = ("enabled", "edited")
    search_fields = ("name", "slug", "image")

    def save_model(
        self, request: HttpRequest, obj: ServiceTemplate, form: Any, change: bool
    ) -> None:
        # load_catalog must not overwrite what an admin changed by hand.
        obj.edited = True
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows Berth keeps itself: looked at here, changed through Berth's pages."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "template_slug",
        "team",
        "owner_name",
        "status",
        "expires_at",
    )
    list_filter = ("status", "template_slug", "team")
    search_fields = ("name", "owner_name", "container_id")
    exclude = ("credentials_sealed",)


@admin.register(PortReservation)
class PortReservationAdmin(ReadOnlyAdmin):
    list_display = (
        "host_port",
        "protocol",
        "host_ip",
        "service",
        "job",
        "container_id",
    )
