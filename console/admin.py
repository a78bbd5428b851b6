from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from console.audit import Actor, record
from console.models import AuditEvent, ContainerAssignment, Profile, Team


class AuditedAdmin(admin.ModelAdmin):
    """Changes made in the admin go to Berth's audit trail too."""

    audit_action = ""

    def audit_params(self, obj: Any) -> dict[str, Any]:
        return {}

    def audit(self, request: HttpRequest, obj: Any, verb: str) -> None:
        record(
            Actor.from_request(request),
            f"{self.audit_action}.{verb}",
            target_type=self.audit_action,
            target_id=str(obj.pk),
            target_name=str(obj)[:255],
            params={"via": "admin", **self.audit_params(obj)},
        )

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        # After the inlines and many-to-many fields, so the event shows them.
        super().save_related(request, form, formsets, change)
        self.audit(request, form.instance, "change" if change else "add")

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.audit(request, obj, "delete")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.audit(request, obj, "delete")
        super().delete_queryset(request, queryset)


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
class TeamAdmin(AuditedAdmin):
    audit_action = "team"
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

    def audit_params(self, team: Team) -> dict[str, Any]:
        return {
            "members": sorted(team.members.values_list("username", flat=True)),
            "max_running_containers": team.max_running_containers,
            "max_total_memory_mb": team.max_total_memory_mb,
            "max_container_memory_mb": team.max_container_memory_mb,
            "max_container_cpus": str(team.max_container_cpus or ""),
        }


class TeamMembershipInline(admin.TabularInline):
    """Teams on the user's own page, so one screen sets role and teams."""

    model = Team.members.through
    extra = 1
    verbose_name = "team"
    verbose_name_plural = "teams"


@admin.register(ContainerAssignment)
class ContainerAssignmentAdmin(AuditedAdmin):
    audit_action = "assignment"
    list_display = ("container_name", "container_id", "team", "assigned_by", "created")

    def audit_params(self, assignment: ContainerAssignment) -> dict[str, Any]:
        return {"container_id": assignment.container_id, "team": str(assignment.team)}


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    verbose_name = "Berth role"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class BerthUserAdmin(AuditedAdmin, UserAdmin):
    audit_action = "user"
    inlines = [ProfileInline, TeamMembershipInline]

    def audit_params(self, user: Any) -> dict[str, Any]:
        from console.permissions import role_of

        return {
            "role": role_of(user),
            "teams": sorted(user.teams.values_list("name", flat=True)),
            "active": user.is_active,
        }

    list_display = ("username", "email", "is_superuser", "role")

    @admin.display(description="role")
    def role(self, user: Any) -> str:
        from console.permissions import role_of

        return role_of(user)
