"""Every page needs a login; logging in and out works and is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.models import AuditEvent
from tests.base import PASSWORD

PAGES = [
    "/",
    "/containers/",
    "/containers/abc/",
    "/containers/abc/inspect/",
    "/images/",
    "/audit/",
]
ACTIONS = [
    "/containers/abc/stop/",
    "/containers/abc/remove/",
    "/containers/bulk/",
    "/images/remove/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES + ACTIONS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ACTIONS)
def test_action_urls_refuse_get_with_405(viewer_client, path):
    assert viewer_client.get(path).status_code == 405


@pytest.mark.django_db
def test_a_wrong_password_is_told_plainly_and_audited(client, viewer_user):
    response = client.post(reverse("login"), {"username": "vera", "password": "nope"})
    assert response.status_code == 200
    assert "Wrong username or password" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.target_name == "vera"
    assert event.outcome == "failure"
    assert "nope" not in str(event.params)


@pytest.mark.django_db
def test_logging_in_and_out_is_audited(client, viewer_user):
    response = client.post(reverse("login"), {"username": "vera", "password": PASSWORD})
    assert response.status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    actions = list(
        AuditEvent.objects.order_by("id").values_list("action", "actor_name")
    )
    assert actions == [("auth.login", "vera"), ("auth.logout", "vera")]
    assert client.get("/containers/").status_code == 302


@pytest.mark.django_db
def test_logout_refuses_get(viewer_client):
    assert viewer_client.get(reverse("logout")).status_code == 405


@pytest.mark.django_db
def test_the_audit_trail_is_for_admins_only(viewer_client):
    assert viewer_client.get(reverse("audit")).status_code == 403
