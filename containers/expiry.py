"""Expiry of catalog services, run by Celery beat every BERTH_EXPIRE_EVERY s.

A service past its TTL is stopped and removed; its data volume is kept for
BERTH_VOLUME_GRACE_HOURS (so nothing is lost to a forgotten "extend") and a
later run removes it. The owner sees the service as expired in their list.
Every step writes an audit event by the system.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from console import dockerapi
from console.audit import SYSTEM, record
from console.dockerapi import GatewayError
from containers import allocation
from containers.models import Service


def services_expire(now: datetime | None = None) -> dict[str, int]:
    """Expire what is due and drop volumes past their grace; counts of each."""
    now = now or timezone.now()
    due = Service.objects.filter(status=Service.Status.ACTIVE, expires_at__lte=now)
    expired = sum(_expire(service, now) for service in due)
    done = Service.objects.filter(
        status=Service.Status.EXPIRED,
        volume_removed=False,
        volume_kept_until__lte=now,
    ).exclude(volume_name="")
    volumes = sum(_drop_volume(service) for service in done)
    return {"expired": expired, "volumes_removed": volumes}


def _audit(service: Service, action: str) -> dict[str, object]:
    return {
        "action": action,
        "target_type": "container" if service.container_id else "service",
        "target_id": service.container_id or str(service.pk),
        "target_name": service.name,
        "team": service.team,
    }


def _expire(service: Service, now: datetime) -> bool:
    keep_until = now + timedelta(hours=settings.BERTH_VOLUME_GRACE_HOURS)
    # Claim the row first: two beat runs at once expire each service once.
    claimed = Service.objects.filter(
        pk=service.pk, status=Service.Status.ACTIVE
    ).update(
        status=Service.Status.EXPIRED,
        ended_at=now,
        volume_kept_until=keep_until if service.volume_name else None,
    )
    if not claimed:
        return False
    audit = _audit(service, "service.expire")
    params = {
        "expired_at": service.expires_at.isoformat() if service.expires_at else "",
        "volume": service.volume_name,
        "volume_kept_until": keep_until.isoformat() if service.volume_name else "",
    }
    try:
        _stop_and_remove(service.container_id)
    except dockerapi.EngineUnavailable:
        Service.objects.filter(pk=service.pk).update(status=Service.Status.ACTIVE)
        raise
    except GatewayError as error:
        # Still there: the next run tries again.
        Service.objects.filter(pk=service.pk).update(status=Service.Status.ACTIVE)
        record(SYSTEM, **audit, params=params, outcome="failure", error=error.message)
        return False
    allocation.release_container(service.container_id)
    record(SYSTEM, **audit, params=params)
    return True


def _stop_and_remove(container_id: str) -> None:
    if not container_id:
        return
    try:
        dockerapi.run_action(container_id, "stop", timeout=10)
    except dockerapi.NotFound:
        return
    except dockerapi.Conflict:
        pass  # not running any more; remove it all the same
    try:
        dockerapi.remove_container(container_id, force=True)
    except dockerapi.NotFound:
        pass


def _drop_volume(service: Service) -> bool:
    audit = _audit(service, "service.volume_remove")
    audit["params"] = {"volume": service.volume_name}
    try:
        dockerapi.remove_volume(service.volume_name)
    except dockerapi.NotFound:
        pass
    except dockerapi.EngineUnavailable:
        raise
    except GatewayError as error:
        # In use by some container: try again in an hour, not every minute.
        Service.objects.filter(pk=service.pk).update(
            volume_kept_until=timezone.now() + timedelta(hours=1)
        )
        record(SYSTEM, **audit, outcome="failure", error=error.message)
        return False
    Service.objects.filter(pk=service.pk).update(volume_removed=True)
    record(SYSTEM, **audit)
    return True
