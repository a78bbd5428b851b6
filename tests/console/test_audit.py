"""The audit trail: secrets redacted, events chained, list filterable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit import REDACTED, Actor, record, redact, verify_chain
from console.models import AuditEvent


def test_redact_masks_secret_looking_keys_and_env_lines():
    params = {
        "name": "db",
        "env": ["POSTGRES_PASSWORD=hunter2", "TZ=UTC", "API_TOKEN=abc"],
        "nested": {"secret_key": "x", "port": 5432},
    }
    assert redact(params) == {
        "name": "db",
        "env": [f"POSTGRES_PASSWORD={REDACTED}", "TZ=UTC", f"API_TOKEN={REDACTED}"],
        "nested": {"secret_key": REDACTED, "port": 5432},
    }


@pytest.mark.django_db
def test_record_stores_who_what_and_outcome(operator_user):
    actor = Actor(user=operator_user, client_ip="127.0.0.1")
    event = record(
        actor,
        "container.stop",
        target_type="container",
        target_id="abc",
        target_name="web",
        params={"password": "p"},
        outcome="failure",
        error="boom",
    )
    event.refresh_from_db()
    assert (event.actor, event.actor_name, event.action) == (
        operator_user,
        "otto",
        "container.stop",
    )
    assert event.params == {"password": REDACTED}
    assert (event.outcome, event.error, event.client_ip) == (
        "failure",
        "boom",
        "127.0.0.1",
    )


@pytest.mark.django_db
def test_events_are_chained_and_a_changed_one_is_found(operator_user):
    actor = Actor(user=operator_user)
    first = record(actor, "a")
    second = record(actor, "b")
    third = record(actor, "c")
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert verify_chain() is None
    AuditEvent.objects.filter(pk=second.pk).update(action="tampered")
    assert verify_chain() == AuditEvent.objects.get(pk=second.pk)


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted_through_the_model(operator_user):
    event = record(Actor(user=operator_user), "a")
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


@pytest.mark.django_db
def test_admins_filter_the_trail_by_actor_and_outcome(admin_client, operator_user):
    record(Actor(user=operator_user), "container.stop", target_name="web")
    record(
        Actor(user=operator_user),
        "container.kill",
        target_name="db",
        outcome="failure",
        error="no such container",
    )
    response = admin_client.get(reverse("audit"), {"outcome": "failure"})
    body = response.content.decode()
    assert "container.kill" in body and "no such container" in body
    assert "container.stop" not in body
    response = admin_client.get(reverse("audit"), {"actor": "otto", "action": "stop"})
    assert "container.stop" in response.content.decode()
