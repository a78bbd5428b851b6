"""Engine data is attacker-controlled: labels and commands render as text."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.engine]

SCRIPT = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def hostile(make_container):
    return make_container(
        f"echo '{SCRIPT}'; " + "trap 'exit 0' TERM; sleep 3600 & wait",
        labels={"berth.owner": SCRIPT, "berth.team": IMG, IMG: SCRIPT},
        environment=[f"NOTE={IMG}"],
    )


@pytest.mark.parametrize(
    "view", ["containers:list", "containers:detail", "containers:inspect"]
)
def test_hostile_labels_and_commands_are_escaped(admin_client, hostile, view):
    args = [] if view == "containers:list" else [hostile["Id"]]
    query = {"q": hostile["Id"][:12]} if view == "containers:list" else {}
    body = admin_client.get(reverse(view, args=args), query).content.decode()
    assert hostile["Id"][:12] in body
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert "&lt;script&gt;" in body or "\\u003cscript" in body
