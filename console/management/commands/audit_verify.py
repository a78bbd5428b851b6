"""Check the audit trail's hash chain; name the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from console.audit import verify_chain
from console.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Verify that no audit event was changed, removed or inserted since it "
        "was written (exit status 1 and the first broken link when one was)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        count = AuditEvent.objects.count()
        if broken is None:
            self.stdout.write(f"Audit chain intact: {count} events.")
            return
        raise CommandError(describe(broken))


def describe(event: AuditEvent) -> str:
    """What is wrong at the first broken link, in words."""
    before = (
        AuditEvent.objects.filter(id__lt=event.pk).order_by("-id").only("id", "hash")
    ).first()
    where = (
        f"event #{event.pk} ({event.created:%Y-%m-%d %H:%M:%S}, "
        f"{event.actor_name or 'unknown'}, {event.action})"
    )
    if event.prev_hash != (before.hash if before else ""):
        previous = f"#{before.pk}" if before else "the start of the trail"
        return (
            f"Broken link at {where}: it does not follow {previous}; an event "
            "between them was removed or the earlier one was changed."
        )
    return (
        f"Broken link at {where}: its content no longer matches its hash; it "
        "was changed after it was written."
    )
