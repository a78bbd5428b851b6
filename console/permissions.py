"""Who may do what. Every view, job, websocket and service asks here.

Roles: admin (everything), operator (launch; act on their teams' containers;
logs, stats, terminal and secrets on them), viewer (see their teams'
containers and logs; no actions, no terminal, no secrets). A container's
team comes from its `berth.team` label or, for a container Berth did not
launch, from an admin's assignment. Containers with neither are unmanaged:
everyone sees them listed, only admins do anything else with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

ADMIN, OPERATOR, VIEWER = "admin", "operator", "viewer"
OWN, OTHER, UNMANAGED = "own team", "other team", "unmanaged"

# The capabilities on one container, by role and by whose container it is.
# SECRETS also covers a catalog service's credentials; ASSIGN is giving an
# unmanaged container to a team.
VIEW, LOGS, STATS, ACT, TERMINAL, SECRETS, ASSIGN = (
    "view",
    "logs",
    "stats",
    "act",
    "terminal",
    "secrets",
    "assign",
)
EVERYTHING = frozenset({VIEW, LOGS, STATS, ACT, TERMINAL, SECRETS, ASSIGN})
OPERATOR_OWN = EVERYTHING - {ASSIGN}
MATRIX: dict[str, dict[str, frozenset[str]]] = {
    ADMIN: {OWN: EVERYTHING, OTHER: EVERYTHING, UNMANAGED: EVERYTHING},
    OPERATOR: {OWN: OPERATOR_OWN, OTHER: frozenset(), UNMANAGED: frozenset({VIEW})},
    VIEWER: {
        OWN: frozenset({VIEW, LOGS, STATS}),
        OTHER: frozenset(),
        UNMANAGED: frozenset({VIEW}),
    },
}


class ContainerLike(Protocol):
    id: str
    labels: dict[str, str]


@dataclass(frozen=True)
class Access:
    """One user's rights, read once per request (role, teams, assignments)."""

    role: str
    teams: frozenset[str]
    assignments: dict[str, str]
    username: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def can_launch(self) -> bool:
        return self.role in (ADMIN, OPERATOR)

    def can_launch_into(self, team: str) -> bool:
        """Whether this user may launch a container owned by `team` ("" = none)."""
        if self.is_admin:
            return True
        return self.role == OPERATOR and bool(team) and team in self.teams

    def team_of(self, container: ContainerLike) -> str:
        return container.labels.get("berth.team") or self.assignments.get(
            container.id, ""
        )

    def scope(self, container: ContainerLike) -> str:
        return self.team_scope(self.team_of(container))

    def team_scope(self, team: str) -> str:
        if not team:
            return UNMANAGED
        return OWN if team in self.teams else OTHER

    def can(self, capability: str, container: ContainerLike) -> bool:
        return self.can_in_team(capability, self.team_of(container))

    def can_in_team(self, capability: str, team: str) -> bool:
        """The matrix's answer for something owned by `team` ("" = unmanaged)."""
        if not self.role:
            return False
        return capability in MATRIX[self.role][self.team_scope(team)]

    def visible(self, containers: list[Any]) -> list[Any]:
        return [c for c in containers if self.can(VIEW, c)]


NOBODY = Access(role="", teams=frozenset(), assignments={})


def role_of(user: Any) -> str:
    if user is None or not user.is_authenticated:
        return ""
    if user.is_superuser:
        return ADMIN
    from console.models import Profile

    profile = Profile.objects.filter(user=user).only("role").first()
    return profile.role if profile else VIEWER


def access_for(user: Any) -> Access:
    """The user's Access, cached on the user object for this request."""
    if user is None or not user.is_authenticated:
        return NOBODY
    cached = getattr(user, "_berth_access", None)
    if cached is None:
        from console.models import ContainerAssignment

        cached = Access(
            role=role_of(user),
            teams=frozenset(user.teams.values_list("name", flat=True)),
            assignments=dict(
                ContainerAssignment.objects.values_list("container_id", "team__name")
            ),
            username=user.get_username(),
        )
        user._berth_access = cached
    return cached


def forget_access(user: Any) -> None:
    """Drop the cached Access (after a role, team or assignment change)."""
    if hasattr(user, "_berth_access"):
        del user._berth_access


def is_admin(user: Any) -> bool:
    return access_for(user).is_admin


def can_launch(user: Any) -> bool:
    return access_for(user).can_launch


def can(user: Any, capability: str, container: ContainerLike) -> bool:
    return access_for(user).can(capability, container)


def can_act_on_container(user: Any, container: ContainerLike) -> bool:
    return can(user, ACT, container)


def can_see_secrets(user: Any, container: ContainerLike | None = None) -> bool:
    """Unmasked env values and raw inspect data: admins, and their team's
    operators (who could read them through a terminal anyway)."""
    if container is None:
        return is_admin(user)
    return can(user, SECRETS, container)


def can_remove_image(user: Any) -> bool:
    return access_for(user).can_launch


def can_force_remove_image(user: Any) -> bool:
    return is_admin(user)


def can_view_audit(user: Any) -> bool:
    return is_admin(user)


# Registries: everyone browses; operators pull and refresh catalogs; admins
# register registries, hold their credentials, and delete from them.
def can_manage_registries(user: Any) -> bool:
    return is_admin(user)


def can_delete_from_registry(user: Any) -> bool:
    return is_admin(user)


def can_refresh_catalog(user: Any) -> bool:
    return access_for(user).can_launch


# Volumes and networks: the same matrix, with the team read from the object's
# own `berth.team` label (there are no assignments for them). Unlabelled
# objects are unmanaged: everyone sees them, only admins act on them.


class LabelledObject(Protocol):
    labels: dict[str, str]


def object_scope(access: Access, obj: LabelledObject) -> str:
    team = obj.labels.get("berth.team", "")
    if not team:
        return UNMANAGED
    return OWN if team in access.teams else OTHER


def can_on_object(access: Access, capability: str, obj: LabelledObject) -> bool:
    """VIEW or ACT on a volume or network, by role and whose it is."""
    if not access.role:
        return False
    return capability in MATRIX[access.role][object_scope(access, obj)]


def visible_objects(access: Access, objects: list[Any]) -> list[Any]:
    return [obj for obj in objects if can_on_object(access, VIEW, obj)]


def creatable_teams(access: Access, all_teams: list[str]) -> list[str]:
    """Teams a new volume or network may be stamped with: admins any (or
    none, leaving it unmanaged), operators only their own, viewers none."""
    if access.is_admin:
        return list(all_teams)
    if access.role == OPERATOR:
        return sorted(access.teams)
    return []


def can_use_driver_options(access: Access) -> bool:
    """Volume driver options can bind-mount any host path
    (`type=none,o=bind,device=/`): admins only."""
    return access.is_admin


def can_browse_volume_files(access: Access) -> bool:
    return access.is_admin


def can_prune_volumes(access: Access) -> bool:
    return access.is_admin
