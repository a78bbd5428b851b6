from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from console.models import AuditEvent, ContainerAssignment, Profile, Team


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


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "member_count",
        "max_running_containers",
        "max_total_memory_mb",
        "max_container_memory_mb",
        "max_container_cpus",
    )
    filter_horizontal = ("members",)
    fieldsets = (
        (None, {"fields": ("name", "members")}),
        (
            "Quotas (empty: no limit; admins are never limited)",
            {
                "fields": (
                    "max_running_containers",
                    "max_total_memory_mb",
                    "max_container_memory_mb",
                    "max_container_cpus",
                )
            },
        ),
    )

    @admin.display(description="members")
    def member_count(self, team: Team) -> int:
        return team.members.count()


class TeamMembershipInline(admin.TabularInline):
    """Teams on the user's own page, so one screen sets role and teams."""

    model = Team.members.through
    extra = 1
    verbose_name = "team"
    verbose_name_plural = "teams"


@admin.register(ContainerAssignment)
class ContainerAssignmentAdmin(admin.ModelAdmin):
    list_display = ("container_name", "container_id", "team", "assigned_by", "created")


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name = "Berth role"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class BerthUserAdmin(UserAdmin):
    inlines = [ProfileInline, TeamMembershipInline]
    list_display = ("username", "email", "is_superuser", "role")

    @admin.display(description="role")
    def role(self, user: Any) -> str:
        from console.permissions import role_of

        return role_of(user)
