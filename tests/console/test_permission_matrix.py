"""The permission matrix, walked through Berth's real pages and services.

Each role (admin, operator, viewer — all three members of team blue) tries
each action on something of its own team (blue), of another team (red) and
unmanaged (no team). The expected answers are written out here, by hand,
independently of console/permissions.MATRIX; the test compares the whole
table at once so a failure shows every cell that differs.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from console import permissions
from console.crypto import seal
from console.models import AuditEvent, ContainerAssignment, Team
from containers.catalog_templates import load_catalog
from containers.models import Job, Service
from tests.base import logged_in, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.engine]

Y, N = True, False
SCOPES = ("own", "other", "unmanaged")
TEAM_OF_SCOPE = {"own": "blue", "other": "red", "unmanaged": ""}

EXPECTED = {
    "admin": {
        "list row": (Y, Y, Y),
        "detail": (Y, Y, Y),
        "secrets": (Y, Y, Y),
        "act": (Y, Y, Y),
        "logs": (Y, Y, Y),
        "stats": (Y, Y, Y),
        "terminal": (Y, Y, Y),
        "launch": (Y, Y, Y),
        "catalog launch": (Y, Y, Y),
        "credentials": (Y, Y, Y),
        "assign": (Y, Y, Y),
    },
    "operator": {
        "list row": (Y, N, Y),
        "detail": (Y, N, Y),
        "secrets": (Y, N, N),
        "act": (Y, N, N),
        "logs": (Y, N, N),
        "stats": (Y, N, N),
        "terminal": (Y, N, N),
        "launch": (Y, N, N),
        "catalog launch": (Y, N, N),
        "credentials": (Y, N, N),
        "assign": (N, N, N),
    },
    "viewer": {
        "list row": (Y, N, Y),
        "detail": (Y, N, Y),
        "secrets": (N, N, N),
        "act": (N, N, N),
        "logs": (Y, N, N),
        "stats": (Y, N, N),
        "terminal": (N, N, N),
        "launch": (N, N, N),
        "catalog launch": (N, N, N),
        "credentials": (N, N, N),
        "assign": (N, N, N),
    },
}


@pytest.fixture
def world(make_container):
    """Per scope: a labelled container (with a secret in its env), an
    unlabelled one owned through an admin's assignment (for "assign"), and a
    catalog service with sealed credentials."""
    Team.objects.get_or_create(name="red")
    blue = Team.objects.get_or_create(name="blue")[0]
    red = Team.objects.get(name="red")
    load_catalog()
    labelled, assigned, services = {}, {}, {}
    for scope, team in TEAM_OF_SCOPE.items():
        labelled[scope] = make_container(
            team=team, environment=["DB_PASSWORD=hunter2-" + scope]
        )
        assigned[scope] = make_container()
        if team:
            ContainerAssignment.objects.create(
                container_id=assigned[scope]["Id"],
                team={"blue": blue, "red": red}[team],
            )
        services[scope] = Service.objects.create(
            template_slug="redis",
            name=f"svc-{scope}",
            image="redis:7.4",
            owner_name="someone",
            team=team,
            host_ip="127.0.0.1",
            ports=[{"container_port": 6379, "protocol": "tcp", "host_port": 20999}],
            credentials_sealed=seal(json.dumps({"password": f"pw-{scope}-x"})),
            connection_template="redis://:{{ password }}@{{ host }}:{{ port }}/0",
            credentials_template={"password": "{{ password }}"},
            status=Service.Status.ACTIVE,
        )
    return labelled, assigned, services


def people():
    return {
        "admin": make_user("ada", "admin", ["blue"]),
        "operator": make_user("otto", "operator", ["blue"]),
        "viewer": make_user("vera", "viewer", ["blue"]),
    }


def name_of(container) -> str:
    return container["Name"].lstrip("/")


def list_row(client, container) -> bool:
    body = client.get(reverse("containers:list"), {"q": name_of(container)})
    return f'id="container-{container["Id"]}"' in body.content.decode()


def detail(client, container) -> bool:
    return (
        client.get(reverse("containers:detail", args=[container["Id"]])).status_code
        == 200
    )


def secrets(client, container, scope) -> bool:
    response = client.get(reverse("containers:detail", args=[container["Id"]]))
    return f"hunter2-{scope}" in response.content.decode()


def act(client, container, engine) -> bool:
    client.post(reverse("containers:action", args=[container["Id"], "pause"]))
    event = AuditEvent.objects.filter(
        action="container.pause", target_id=container["Id"]
    ).latest("id")
    if event.outcome == "success":
        engine.unpause(container["Id"])
    return event.outcome == "success"


def launch(client, team) -> bool:
    before = Job.objects.count()
    client.post(
        reverse("containers:launch"),
        {
            "image": "berth-test/busybox",
            "team": team,
            "restart_policy": "no",
            "memory": "64m",
            "cpus": "0.5",
            "pids": "64",
        },
    )
    return Job.objects.count() == before + 1


def catalog_launch(client, team) -> bool:
    before = Service.objects.count()
    client.post(
        reverse("containers:catalog_launch", args=["redis"]),
        {"redis-tag": "7.4", "redis-ttl": "1h", "redis-team": team},
    )
    return Service.objects.count() == before + 1


def credentials(client, service, scope) -> bool:
    response = client.get(reverse("containers:service", args=[service.pk]))
    return f"pw-{scope}-x" in response.content.decode()


def assign(client, container) -> bool:
    client.post(reverse("containers:assign", args=[container["Id"]]), {"team": "red"})
    event = AuditEvent.objects.filter(
        action="container.assign", target_id=container["Id"]
    ).latest("id")
    return event.outcome == "success"


def test_every_role_gets_exactly_the_tables_answer_in_every_scope(world, engine):
    labelled, assigned, services = world
    actual = {}
    for role, user in people().items():
        client = logged_in(user)
        rows = {}
        for scope in SCOPES:
            container, team = labelled[scope], TEAM_OF_SCOPE[scope]
            inspected = _summary(user, container)
            rows[scope] = {
                "list row": list_row(client, container),
                "detail": detail(client, container),
                "secrets": secrets(client, container, scope),
                "act": act(client, container, engine),
                "logs": permissions.can(user, permissions.LOGS, inspected),
                "stats": permissions.can(user, permissions.STATS, inspected),
                "terminal": permissions.can(user, permissions.TERMINAL, inspected),
                "launch": launch(client, team),
                "catalog launch": catalog_launch(client, team),
                "credentials": credentials(client, services[scope], scope),
                "assign": assign(client, assigned[scope]),
            }
            _reset_assignment(assigned[scope], team)
        actual[role] = {
            action: tuple(rows[scope][action] for scope in SCOPES)
            for action in EXPECTED[role]
        }
    assert actual == EXPECTED


class _Container:
    def __init__(self, data):
        self.id = data["Id"]
        self.labels = data["Config"]["Labels"] or {}


def _summary(user, container) -> _Container:
    permissions.forget_access(user)
    return _Container(container)


def _reset_assignment(container, team) -> None:
    """Put the assigned container back as it was before "assign" moved it."""
    ContainerAssignment.objects.filter(container_id=container["Id"]).delete()
    if team:
        ContainerAssignment.objects.create(
            container_id=container["Id"], team=Team.objects.get(name=team)
        )
