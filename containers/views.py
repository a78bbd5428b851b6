"""Containers and images pages. Reads go to the gateway, changes to services."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from console import dockerapi, permissions
from console.audit import Actor
from console.paging import paginate, query_without_page
from console.permissions import Access, access_for
from containers import services
from containers.display import env_rows, masked_inspect
from containers.forms import (
    BulkActionForm,
    ContainerActionForm,
    ContainerFilterForm,
    ImageFilterForm,
    ImageRemoveForm,
)
from registry_browser.models import Registry


def _partial(request: HttpRequest, template: str, partial: str) -> str:
    return f"{template}#{partial}" if request.htmx else template


@dataclass(frozen=True)
class ContainerRow:
    """One row of the list: the container and what this user may do with it."""

    container: dockerapi.ContainerSummary
    can_act: bool
    team: str
    assigned: bool
    can_logs: bool = False


def container_rows(access: Access, containers: list) -> list[ContainerRow]:
    return [
        ContainerRow(
            container=c,
            can_act=access.can(permissions.ACT, c),
            team=access.team_of(c),
            assigned="berth.team" not in c.labels and c.id in access.assignments,
            can_logs=access.can(permissions.LOGS, c),
        )
        for c in containers
    ]


@require_GET
def container_rows_partial(request: HttpRequest) -> HttpResponse:
    """Rows by id (ids=...), as the list renders them: the live page asks for
    the rows the watcher said changed, in one engine request."""
    ids = [i for value in request.GET.getlist("ids") for i in value.split(",") if i]
    access = access_for(request.user)
    found = access.visible(dockerapi.list_containers(ids=ids[:100])) if ids else []
    return render(
        request,
        "containers/container_list.html#container-rows",
        {"rows": container_rows(access, found), "here": request.GET.get("next", "")},
    )


@require_GET
def container_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request.user)
    form = ContainerFilterForm(request.GET or None)
    containers = access.visible(dockerapi.list_containers(**form.engine_filters()))
    page = paginate(request, form.narrow(containers), settings.BERTH_PAGE_SIZE)
    template = _partial(request, "containers/container_list.html", "container-table")
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "rows": container_rows(access, page.object_list),
            "query": query_without_page(request),
            "here": request.get_full_path(),
        },
    )


@require_GET
def container_detail(request: HttpRequest, container_id: str) -> HttpResponse:
    container = _visible_container(request, container_id)
    access = access_for(request.user)
    return render(
        request,
        "containers/container_detail.html",
        {
            "container": container,
            "env": env_rows(
                container.env, reveal=access.can(permissions.SECRETS, container)
            ),
            "can_act": access.can(permissions.ACT, container),
            "can_logs": access.can(permissions.LOGS, container),
            "can_stats": access.can(permissions.STATS, container),
            "can_terminal": access.can(permissions.TERMINAL, container),
            "team": access.team_of(container),
            "assigned": "berth.team" not in container.labels
            and container.id in access.assignments,
            "assign_teams": _assign_choices(access, container),
        },
    )


def _assign_choices(access: Access, container: dockerapi.ContainerDetail) -> list:
    """Teams an admin may give this container to (none when it has a label)."""
    if (
        not access.can(permissions.ASSIGN, container)
        or "berth.team" in container.labels
    ):
        return []
    from console.models import Team

    return list(Team.objects.values_list("name", flat=True))


@require_GET
def container_inspect(request: HttpRequest, container_id: str) -> HttpResponse:
    """The raw inspect JSON, masked unless the user may see secrets."""
    container = _visible_container(request, container_id)
    reveal = permissions.can(request.user, permissions.SECRETS, container)
    return render(
        request,
        "containers/container_detail.html#raw-inspect",
        {
            "raw_inspect": masked_inspect(container.raw, reveal=reveal),
        },
    )


def _visible_container(
    request: HttpRequest, container_id: str
) -> dockerapi.ContainerDetail:
    """The container, or 404 when it is gone or not this user's to see."""
    try:
        container = dockerapi.inspect_container(container_id)
    except dockerapi.NotFound:
        container = None
    if container is None or not permissions.can(
        request.user, permissions.VIEW, container
    ):
        raise Http404(f"No container {container_id} (it may have been removed).")
    return container


@require_POST
def container_action(
    request: HttpRequest, container_id: str, action: str
) -> HttpResponse:
    if action not in dockerapi.ACTIONS:
        raise Http404(f"No action called {action}.")
    form = ContainerActionForm(request.POST)
    form.is_valid()
    outcome = services.container_act(
        actor=Actor.from_request(request),
        container_id=container_id,
        action=action,
        remove_volumes=form.cleaned_data.get("remove_volumes", False),
    )
    if request.htmx:
        return _container_row(request, container_id, outcome)
    _tell(request, outcome)
    if action == "remove" and outcome.ok:
        return redirect("containers:list")
    return redirect(
        request.POST.get("next") or reverse("containers:detail", args=[container_id])
    )


def _tell(request: HttpRequest, outcome: services.Outcome) -> None:
    (messages.success if outcome.ok else messages.error)(request, outcome.message)


def _container_row(
    request: HttpRequest, container_id: str, outcome: services.Outcome
) -> HttpResponse:
    """The row again, as it is now, with the outcome written in it."""
    access = access_for(request.user)
    found = access.visible(dockerapi.list_containers(ids=[container_id]))
    return render(
        request,
        "containers/container_list.html#container-row",
        {
            "row": container_rows(access, found)[0] if found else None,
            "container_id": container_id,
            "outcome": outcome,
            "here": request.POST.get("next", ""),
        },
    )


@require_POST
def container_assign(request: HttpRequest, container_id: str) -> HttpResponse:
    outcome = services.container_assign(
        actor=Actor.from_request(request),
        container_id=container_id,
        team=request.POST.get("team", "").strip(),
    )
    _tell(request, outcome)
    return redirect("containers:detail", container_id)


@require_POST
def container_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    else:
        actor = Actor.from_request(request)
        for container_id in form.cleaned_data["ids"]:
            _tell(
                request,
                services.container_act(
                    actor=actor,
                    container_id=container_id,
                    action=form.cleaned_data["action"],
                    remove_volumes=form.cleaned_data["remove_volumes"],
                ),
            )
    next_url = reverse("containers:list")
    if query := request.POST.get("query"):
        next_url = f"{next_url}?{query}"
    return redirect(next_url)


@require_GET
def image_list(request: HttpRequest) -> HttpResponse:
    form = ImageFilterForm(request.GET or None)
    dangling = form.is_valid() and form.cleaned_data["dangling"]
    images = form.narrow(dockerapi.list_images(dangling_only=dangling))
    used_by: dict[str, list[str]] = defaultdict(list)
    for container in dockerapi.list_containers():
        used_by[container.image_id].append(container.name)
    page = paginate(request, images, settings.BERTH_PAGE_SIZE)
    rows = [(image, sorted(used_by.get(image.id, []))) for image in page]
    template = _partial(request, "containers/image_list.html", "image-table")
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "can_remove": permissions.can_remove_image(request.user),
            "can_force": permissions.can_force_remove_image(request.user),
            "registries": Registry.objects.only("id", "name", "url"),
        },
    )


@require_POST
def image_remove(request: HttpRequest) -> HttpResponse:
    form = ImageRemoveForm(request.POST)
    if form.is_valid():
        _tell(
            request,
            services.image_remove(
                actor=Actor.from_request(request),
                image=form.cleaned_data["image"],
                force=form.cleaned_data["force"],
            ),
        )
    else:
        messages.error(request, "Say which image to remove.")
    next_url = reverse("containers:images")
    if query := request.POST.get("query"):
        next_url = f"{next_url}?{query}"
    return redirect(next_url)
