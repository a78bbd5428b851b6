"""Network pages: list, detail, create, remove, connect and disconnect.

The list and the detail page each cost two engine requests: the networks
(or one network's inspect) and one container list, which carries every
container's attachments with their IPs (the engine's network list leaves
`Containers` empty, and its inspect omits stopped containers).
"""

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
from console.models import Team
from console.paging import paginate, query_without_page
from console.permissions import ACT, VIEW, Access, access_for, can_on_object
from host import services
from host.forms import NetworkConnectForm, NetworkCreateForm


@dataclass(frozen=True)
class Attached:
    """A container on a network, with its address there."""

    container: dockerapi.ContainerSummary
    attachment: dockerapi.NetworkAttachment
    can_act: bool


@dataclass(frozen=True)
class NetworkRow:
    network: dockerapi.NetworkSummary
    attached: tuple[Attached, ...]
    hidden: int
    can_act: bool


def attachments(
    access: Access, containers: list[dockerapi.ContainerSummary]
) -> dict[str, list[Attached]]:
    """Network id (or "name:" + name) → the containers attached to it.

    A container that never ran lists its networks by name with an empty
    NetworkID, hence the second key.
    """
    found: dict[str, list[Attached]] = defaultdict(list)
    for container in containers:
        for attachment in container.networks:
            key = attachment.network_id or f"name:{attachment.name}"
            found[key].append(
                Attached(container, attachment, access.can(ACT, container))
            )
    return found


def network_rows(access: Access, networks: list, containers: list) -> list[NetworkRow]:
    by_network = attachments(access, containers)
    rows = []
    for network in networks:
        on_it = by_network.get(network.id, []) + by_network.get(
            f"name:{network.name}", []
        )
        seen = tuple(a for a in on_it if access.can(VIEW, a.container))
        rows.append(
            NetworkRow(
                network=network,
                attached=tuple(sorted(seen, key=lambda a: a.container.name)),
                hidden=len(on_it) - len(seen),
                can_act=can_on_object(access, ACT, network) and not network.is_default,
            )
        )
    return rows


def _create_form(request: HttpRequest, data: dict | None = None) -> NetworkCreateForm:
    teams = list(Team.objects.values_list("name", flat=True))
    return NetworkCreateForm(data, access=access_for(request.user), teams=teams)


@require_GET
def network_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


def _render_list(
    request: HttpRequest, create_form: NetworkCreateForm | None = None
) -> HttpResponse:
    access = access_for(request.user)
    networks = permissions.visible_objects(access, dockerapi.list_networks())
    text = request.GET.get("q", "").strip().lower()
    if text:
        networks = [
            n for n in networks if text in n.name.lower() or n.id.startswith(text)
        ]
    rows = network_rows(access, networks, dockerapi.list_containers())
    page = paginate(request, rows, settings.BERTH_PAGE_SIZE)
    return render(
        request,
        "host/network_list.html",
        {
            "page": page,
            "q": request.GET.get("q", ""),
            "query": query_without_page(request),
            "create_form": create_form or _create_form(request),
            "can_create": access.can_launch,
        },
        status=400 if create_form is not None else 200,
    )


@require_GET
def network_detail(request: HttpRequest, network_id: str) -> HttpResponse:
    return _render_detail(request, network_id)


def _render_detail(
    request: HttpRequest,
    network_id: str,
    connect_form: NetworkConnectForm | None = None,
) -> HttpResponse:
    access = access_for(request.user)
    network = _visible_network(request, network_id)
    containers = dockerapi.list_containers()
    row = network_rows(access, [network], containers)[0]
    on_it = {a.container.id for a in row.attached}
    choices = _connectable(access, containers, on_it)
    can_attach = can_on_object(access, ACT, network)
    return render(
        request,
        "host/network_detail.html",
        {
            "network": network,
            "row": row,
            "can_attach": can_attach and network.name not in ("host", "none"),
            "connect_form": connect_form or NetworkConnectForm(containers=choices),
            "has_choices": bool(choices),
        },
        status=400 if connect_form is not None else 200,
    )


def _connectable(
    access: Access, containers: list[dockerapi.ContainerSummary], on_it: set[str]
) -> list[tuple[str, str]]:
    return sorted(
        (c.id, c.name) for c in containers if c.id not in on_it and access.can(ACT, c)
    )


def _visible_network(request: HttpRequest, network_id: str) -> dockerapi.NetworkSummary:
    try:
        network = dockerapi.inspect_network(network_id)
    except dockerapi.NotFound:
        network = None
    if network is None or not can_on_object(access_for(request.user), VIEW, network):
        raise Http404(f"No network {network_id} (it may have been removed).")
    return network


def _tell(request: HttpRequest, outcome: services.Outcome) -> None:
    (messages.success if outcome.ok else messages.error)(request, outcome.message)


@require_POST
def network_create(request: HttpRequest) -> HttpResponse:
    form = _create_form(request, request.POST)
    if not form.is_valid():
        return _render_list(request, create_form=form)
    data = form.cleaned_data
    outcome = services.network_create(
        actor=Actor.from_request(request),
        name=data["name"],
        subnet=data["subnet"],
        gateway=data["gateway"],
        internal=data["internal"],
        labels=data["labels"],
        team=data["team"],
    )
    _tell(request, outcome)
    if not outcome.ok:
        return _render_list(request, create_form=form)
    return redirect("host:networks")


@require_POST
def network_remove(request: HttpRequest, network_id: str) -> HttpResponse:
    outcome = services.network_remove(
        actor=Actor.from_request(request), network=network_id
    )
    _tell(request, outcome)
    if outcome.ok:
        return redirect("host:networks")
    return redirect(request.POST.get("next") or reverse("host:networks"))


@require_POST
def network_connect(request: HttpRequest, network_id: str) -> HttpResponse:
    # Any container id is a valid choice here; the service checks the rights.
    submitted = request.POST.get("container", "")
    form = NetworkConnectForm(request.POST, containers=[(submitted, submitted)])
    if not form.is_valid():
        return _render_detail(request, network_id, connect_form=form)
    _tell(
        request,
        services.network_connect(
            actor=Actor.from_request(request),
            network=network_id,
            container=form.cleaned_data["container"],
            alias=form.cleaned_data["alias"],
        ),
    )
    return redirect("host:network", network_id)


@require_POST
def network_disconnect(request: HttpRequest, network_id: str) -> HttpResponse:
    _tell(
        request,
        services.network_disconnect(
            actor=Actor.from_request(request),
            network=network_id,
            container=request.POST.get("container", ""),
        ),
    )
    return redirect("host:network", network_id)
