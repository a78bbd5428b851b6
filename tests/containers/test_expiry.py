"""Expiry against the real engine: a service launched with a TTL of seconds
is stopped and removed by the beat task, its data kept for the grace period
and removed by a later run, each step audited, the owner told."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from console.models import AuditEvent
from containers import tasks
from containers.catalog_templates import load_catalog
from containers.expiry import services_expire
from containers.models import PortReservation, Service
from tests.containers.test_catalog import launch_redis

pytestmark = [pytest.mark.engine, pytest.mark.django_db(transaction=True)]


def volume_names(engine) -> set[str]:
    return {v["Name"] for v in engine.volumes()["Volumes"] or []}


def test_a_service_past_its_ttl_is_removed_and_its_data_later(
    celery_worker, redis_standin, operator_client, engine, settings
):
    load_catalog()
    settings.BERTH_VOLUME_GRACE_HOURS = 1
    service = launch_redis(operator_client, ttl="3s")
    other = launch_redis(operator_client, ttl="1d")
    assert engine.inspect_container(service.container_id)["State"]["Running"]
    assert tasks.expire_services() == {"expired": 0, "volumes_removed": 0}
    time.sleep(max(0.0, (service.expires_at - timezone.now()).total_seconds()) + 0.2)

    assert tasks.expire_services() == {"expired": 1, "volumes_removed": 0}
    service.refresh_from_db()
    assert service.status == "expired"
    assert not engine.containers(all=True, filters={"id": service.container_id})
    assert service.volume_name in volume_names(engine)
    assert engine.inspect_container(other.container_id)["State"]["Running"]
    assert not PortReservation.objects.filter(container_id=service.container_id)
    expired = AuditEvent.objects.get(action="service.expire")
    assert (expired.source, expired.outcome, expired.target_id) == (
        "system",
        "success",
        service.container_id,
    )
    listed = operator_client.get(reverse("containers:services")).content.decode()
    assert f'id="service-{service.pk}" data-status="expired"' in listed
    assert "data kept until" in listed

    later = timezone.now() + timedelta(hours=1, minutes=1)
    assert services_expire(now=later)["volumes_removed"] == 1
    assert service.volume_name not in volume_names(engine)
    assert Service.objects.get(pk=service.pk).volume_removed
    removed = AuditEvent.objects.get(action="service.volume_remove")
    assert removed.params == {"volume": service.volume_name}
    assert services_expire(now=later) == {"expired": 0, "volumes_removed": 0}


def test_the_beat_schedule_runs_expiry(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["expire-services"]
    assert entry["task"] == "containers.tasks.expire_services"
    assert entry["schedule"] == float(settings.BERTH_EXPIRE_EVERY)
