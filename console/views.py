"""Console-wide pages: the audit trail, its CSV export, a container's timeline."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console import permissions
from console.csvstream import stream_csv
from console.forms import AuditFilterForm
from console.models import AuditEvent
from console.paging import paginate, query_without_page

CSV_COLUMNS = (
    "id",
    "created",
    "actor_name",
    "source",
    "action",
    "target_type",
    "target_id",
    "target_name",
    "team",
    "outcome",
    "error",
    "params",
    "client_ip",
    "hash",
)


def _require_admin(request: HttpRequest) -> None:
    if not permissions.can_view_audit(request.user):
        raise PermissionDenied("Only admins can read the audit trail.")


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = AuditFilterForm(request.GET or None)
    events = form.filter(AuditEvent.objects.all())
    if request.GET.get("format") == "csv":
        return audit_csv(events)
    page = paginate(request, events, 100)
    template = "console/audit_list.html"
    if request.htmx:
        template += "#audit-table"
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query_without_page(request)},
    )


def audit_csv(events: QuerySet[AuditEvent]) -> StreamingHttpResponse:
    """Every matching event as CSV, streamed in chunks (never all in memory)."""
    rows = (
        [
            event.pk,
            event.created.isoformat(),
            event.actor_name,
            event.source,
            event.action,
            event.target_type,
            event.target_id,
            event.target_name,
            event.team,
            event.outcome,
            event.error,
            event.params,
            event.client_ip or "",
            event.hash,
        ]
        for event in events.order_by("id").iterator(chunk_size=2000)
    )
    return stream_csv("audit", CSV_COLUMNS, rows)


def container_events(container_id: str) -> QuerySet[AuditEvent]:
    """One container's story: Berth's actions on it, the launch job that made
    it, and what the watcher saw done to it outside Berth."""
    if len(container_id) >= 64:
        on_it = Q(target_type="container", target_id=container_id)
    else:
        on_it = Q(target_type="container", target_id__startswith=container_id)
    story = on_it | Q(params__container_id=container_id)
    # A catalog service's own events (its launch) name the service, not the
    # container; the containers app knows which service a container is.
    from containers.models import Service

    services = Service.objects.filter(container_id=container_id).values_list(
        "pk", flat=True
    )
    if services:
        story |= Q(target_type="service", target_id__in=[str(pk) for pk in services])
    return AuditEvent.objects.filter(story).order_by("id")


@require_GET
def container_timeline(request: HttpRequest, container_id: str) -> HttpResponse:
    _require_admin(request)
    events = list(container_events(container_id)[:1000])
    name = next((e.target_name for e in reversed(events) if e.target_name), "")
    return render(
        request,
        "console/timeline.html",
        {"events": events, "container_id": container_id, "name": name},
    )
