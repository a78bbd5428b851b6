"""Console-wide pages: the audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console import permissions
from console.forms import AuditFilterForm
from console.models import AuditEvent
from console.paging import paginate, query_without_page


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_audit(request.user):
        raise PermissionDenied("Only admins can read the audit trail.")
    form = AuditFilterForm(request.GET or None)
    events = form.filter(AuditEvent.objects.all())
    page = paginate(request, events, 100)
    template = "console/audit_list.html"
    if request.htmx:
        template += "#audit-table"
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query_without_page(request)},
    )
