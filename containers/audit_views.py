"""The admin's audit view of what runs now (the activity trail is in console)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console import dockerapi, permissions
from console.csvstream import stream_csv
from console.models import Team
from console.paging import paginate, query_without_page
from console.permissions import access_for
from containers import running
from containers.forms import RunningFilterForm


@require_GET
def running_now(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_audit(request.user):
        raise PermissionDenied("Only admins see the audit view.")
    access = access_for(request.user)
    form = RunningFilterForm(
        request.GET or None,
        teams=list(Team.objects.values_list("name", flat=True)),
        flags=running.FLAGS,
    )
    data = form.data_or_empty
    reads = running.Reads(lists=1)
    state = "" if data.get("state") == "all" else "running"
    rows = running.rows_for(access, dockerapi.list_containers(state=state))
    rows = _narrow(rows, data)
    flag = data.get("flag") or ""
    export = request.GET.get("format") == "csv"
    if flag in running.INSPECT_FLAGS or export:
        running.read_facts(rows, reads)  # the flag needs every candidate's facts
    if flag:
        running.annotate(rows)
        rows = [row for row in rows if flag in row.flags]
    if export:
        running.annotate(rows)
        return _csv(rows)
    page = paginate(request, rows, settings.BERTH_PAGE_SIZE)
    if flag not in running.INSPECT_FLAGS:
        running.read_facts(page.object_list, reads)
    running.annotate(page.object_list)
    return render(
        request,
        "containers/running.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "reads": reads,
            "long_days": settings.BERTH_LONG_RUNNING_DAYS,
        },
    )


def _narrow(rows: list[running.RunningRow], data: dict) -> list[running.RunningRow]:
    team = data.get("team") or ""
    if team == "-":
        rows = [row for row in rows if not row.team]
    elif team:
        rows = [row for row in rows if row.team == team]
    if owner := (data.get("owner") or "").strip().lower():
        rows = [row for row in rows if owner in row.owner.lower()]
    return sorted(rows, key=lambda row: (row.team, row.container.name))


CSV_COLUMNS = (
    "name",
    "id",
    "image",
    "state",
    "owner",
    "team",
    "template",
    "launched by",
    "created",
    "started",
    "expires",
    "ports",
    "flags",
)


def _csv(rows: list[running.RunningRow]) -> StreamingHttpResponse:
    return stream_csv("running", CSV_COLUMNS, (_csv_row(row) for row in rows))


def _csv_row(row: running.RunningRow) -> list[str]:
    container = row.container
    return [
        container.name,
        container.id,
        container.image,
        container.state,
        row.owner,
        row.team,
        row.template,
        row.launched_by,
        container.created.isoformat() if container.created else "",
        row.started_at.isoformat() if row.started_at else "",
        row.expires_at.isoformat() if row.expires_at else "",
        " ".join(str(p) for p in container.ports if p.is_published),
        " ".join(row.flags),
    ]
