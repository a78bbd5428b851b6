"""Catalog pages: the catalog, "My services", one service with its
connection details, and the actions on it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from console import dockerapi
from console.audit import Actor
from console.permissions import Access, access_for
from containers import catalog_services, services
from containers.catalog_forms import CatalogLaunchForm, ExtendForm, RemoveServiceForm
from containers.catalog_services import (
    can_manage,
    can_see,
    can_see_credentials,
    connection_info,
    service_host,
)
from containers.models import Service, ServiceTemplate


@require_GET
def catalog(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    templates = ServiceTemplate.objects.filter(enabled=True)
    entries = [(t, CatalogLaunchForm(template=t, access=access)) for t in templates]
    return render(request, "containers/catalog.html", {"entries": entries})


@require_POST
def catalog_launch(request: HttpRequest, slug: str) -> HttpResponse:
    access = access_for(request.user)
    if not access.can_launch:
        raise PermissionDenied("Viewers cannot launch services.")
    chosen = get_object_or_404(ServiceTemplate, slug=slug, enabled=True)
    form = CatalogLaunchForm(request.POST, template=chosen, access=access)
    if form.is_valid():
        outcome, service = catalog_services.service_launch(
            actor=Actor.from_request(request),
            ask=form.launch_request(owner=access.username),
        )
        if outcome.ok:
            return redirect(service)
        form.add_error(None, outcome.message)
    entries = [
        (t, form if t.pk == chosen.pk else CatalogLaunchForm(template=t, access=access))
        for t in ServiceTemplate.objects.filter(enabled=True)
    ]
    return render(
        request,
        "containers/catalog.html",
        {"entries": entries, "failed": chosen.slug},
        status=400,
    )


def visible_services(access: Access, user: Any) -> QuerySet[Service]:
    """Mine and my teams' (admins: everyone's)."""
    rows = Service.objects.select_related("job")
    if access.is_admin:
        return rows
    return rows.filter(Q(owner=user) | Q(team__in=access.teams, team__gt=""))


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    show_ended = request.GET.get("ended") == "1"
    rows = visible_services(access, request.user)
    if not show_ended:
        rows = rows.exclude(status__in=(Service.Status.REMOVED, Service.Status.FAILED))
    rows = list(rows[:500])
    # One engine request tells the state and health of every listed service.
    live = {c.id: c for c in dockerapi.list_containers(label="berth.template")}
    return render(
        request,
        "containers/service_list.html",
        {
            "rows": [
                (s, live.get(s.container_id), can_manage(access, s)) for s in rows
            ],
            "show_ended": show_ended,
        },
    )


def _visible_service(request: HttpRequest, service_id: int) -> tuple[Service, Access]:
    service = get_object_or_404(Service.objects.select_related("job"), pk=service_id)
    access = access_for(request.user)
    if not (can_see(access, service) or service.owner_id == request.user.pk):
        raise Http404(f"No service {service_id}.")
    return service, access


@require_GET
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    service, access = _visible_service(request, service_id)
    container = None
    if service.container_id:
        try:
            container = dockerapi.inspect_container(service.container_id)
        except dockerapi.NotFound:
            container = None
    show_secrets = can_see_credentials(access, service)
    info = None
    if show_secrets and service.is_live:
        try:
            info = connection_info(service, service_host(request.get_host()))
        except ValueError as error:  # sealed under an earlier SECRET_KEY
            messages.error(request, f"The credentials cannot be shown: {error}.")
    return render(
        request,
        "containers/service_detail.html",
        {
            "service": service,
            "container": container,
            "job": service.job,
            "info": info,
            "show_secrets": show_secrets,
            "can_manage": can_manage(access, service),
            "host": service_host(request.get_host()),
            "extend_form": ExtendForm(),
            "remove_form": RemoveServiceForm(),
        },
    )


@require_POST
def service_extend(request: HttpRequest, service_id: int) -> HttpResponse:
    service, _ = _visible_service(request, service_id)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["by"]))
        return redirect(service)
    outcome = catalog_services.service_extend(
        actor=Actor.from_request(request), service=service, by=form.cleaned_data["by"]
    )
    _tell(request, outcome)
    return redirect(_back(request, service.get_absolute_url()))


@require_POST
def service_action(request: HttpRequest, service_id: int, action: str) -> HttpResponse:
    """Stop or start the service's container (the containers' own service)."""
    service, _ = _visible_service(request, service_id)
    if action not in ("start", "stop") or not service.container_id:
        raise Http404(f"Cannot {action} {service.name}.")
    outcome = services.container_act(
        actor=Actor.from_request(request),
        container_id=service.container_id,
        action=action,
    )
    _tell(request, outcome)
    return redirect(_back(request, service.get_absolute_url()))


@require_POST
def service_remove(request: HttpRequest, service_id: int) -> HttpResponse:
    service, _ = _visible_service(request, service_id)
    form = RemoveServiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["volume"]))
        return redirect(service)
    outcome = catalog_services.service_remove(
        actor=Actor.from_request(request),
        service=service,
        remove_volume=form.cleaned_data["volume"] == "remove",
    )
    _tell(request, outcome)
    if outcome.ok:
        return redirect("containers:services")
    return redirect(service)


def _back(request: HttpRequest, default: str) -> str:
    """The page the form came from, if it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return default


def _tell(request: HttpRequest, outcome: services.Outcome) -> None:
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
