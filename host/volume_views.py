"""Volume pages: list, detail, create, remove, prune, and the file browser.

The list costs two engine requests (volumes, and one container list for
"who uses it"); sizes come from the last background `docker system df`.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from console import dockerapi, permissions
from console.audit import Actor, record
from console.dockerapi.volume_files import MAX_ENTRIES
from console.models import Team
from console.paging import paginate, query_without_page
from console.permissions import ACT, VIEW, Access, access_for, can_on_object
from host import services
from host.forms import PruneForm, VolumeCreateForm, VolumeFilterForm


@dataclass(frozen=True)
class VolumeRow:
    volume: dockerapi.VolumeSummary
    users: tuple[dockerapi.ContainerSummary, ...]
    hidden_users: int
    size: int | None
    can_act: bool


def volume_users(
    containers: list[dockerapi.ContainerSummary],
) -> dict[str, list[dockerapi.ContainerSummary]]:
    users: dict[str, list[dockerapi.ContainerSummary]] = defaultdict(list)
    for container in containers:
        for name in container.volumes:
            users[name].append(container)
    return users


def volume_rows(access: Access, volumes: list, containers: list) -> list[VolumeRow]:
    users = volume_users(containers)
    snapshot = services.latest_disk_usage()
    sizes = snapshot.usage.volume_sizes if snapshot else {}
    rows = []
    for volume in volumes:
        mine = users.get(volume.name, [])
        seen = tuple(c for c in mine if access.can(VIEW, c))
        rows.append(
            VolumeRow(
                volume=volume,
                users=seen,
                hidden_users=len(mine) - len(seen),
                size=sizes.get(volume.name),
                can_act=can_on_object(access, ACT, volume),
            )
        )
    return rows


def _narrow(rows: list[VolumeRow], form: VolumeFilterForm) -> list[VolumeRow]:
    data = form.cleaned_data if form.is_valid() else {}
    text = (data.get("q") or "").strip().lower()
    if text:
        rows = [
            r
            for r in rows
            if text in r.volume.name.lower()
            or any(text in f"{k}={v}".lower() for k, v in r.volume.labels.items())
        ]
    usage = data.get("usage") or ""
    if usage == "dangling":
        rows = [r for r in rows if not r.users and not r.hidden_users]
    elif usage == "in-use":
        rows = [r for r in rows if r.users or r.hidden_users]
    return rows


def _create_form(request: HttpRequest, data: dict | None = None) -> VolumeCreateForm:
    teams = list(Team.objects.values_list("name", flat=True))
    return VolumeCreateForm(data, access=access_for(request.user), teams=teams)


@require_GET
def volume_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


def _render_list(
    request: HttpRequest, create_form: VolumeCreateForm | None = None
) -> HttpResponse:
    """The list page; with a bound `create_form` after a failed create."""
    access = access_for(request.user)
    form = VolumeFilterForm(request.GET or None)
    volumes = permissions.visible_objects(access, dockerapi.list_volumes())
    rows = _narrow(volume_rows(access, volumes, dockerapi.list_containers()), form)
    page = paginate(request, rows, settings.BERTH_PAGE_SIZE)
    template = "host/volume_list.html"
    if request.htmx and request.method == "GET":
        template += "#volume-table"
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "usage": services.latest_disk_usage(),
            "create_form": create_form or _create_form(request),
            "can_create": access.can_launch,
            "can_prune": permissions.can_prune_volumes(access),
        },
        status=400 if create_form is not None else 200,
    )


def _visible_volume(request: HttpRequest, name: str) -> dockerapi.VolumeSummary:
    try:
        volume = dockerapi.inspect_volume(name)
    except dockerapi.NotFound:
        volume = None
    if volume is None or not can_on_object(access_for(request.user), VIEW, volume):
        raise Http404(f"No volume {name} (it may have been removed).")
    return volume


@require_GET
def volume_detail(request: HttpRequest, name: str) -> HttpResponse:
    volume = _visible_volume(request, name)
    access = access_for(request.user)
    row = volume_rows(access, [volume], dockerapi.list_containers(volume=name))[0]
    return render(
        request,
        "host/volume_detail.html",
        {
            "row": row,
            "volume": volume,
            "usage": services.latest_disk_usage(),
            "can_browse": permissions.can_browse_volume_files(access),
        },
    )


@require_POST
def volume_create(request: HttpRequest) -> HttpResponse:
    form = _create_form(request, request.POST)
    if not form.is_valid():
        return _render_list(request, create_form=form)
    data = form.cleaned_data
    outcome = services.volume_create(
        actor=Actor.from_request(request),
        name=data["name"],
        driver=data["driver"],
        labels=data["labels"],
        driver_options=data.get("driver_options") or {},
        team=data["team"],
    )
    _tell(request, outcome)
    if not outcome.ok:
        return _render_list(request, create_form=form)
    return redirect("host:volumes")


def _tell(request: HttpRequest, outcome: services.Outcome) -> None:
    (messages.success if outcome.ok else messages.error)(request, outcome.message)


@require_POST
def volume_remove(request: HttpRequest, name: str) -> HttpResponse:
    outcome = services.volume_remove(actor=Actor.from_request(request), name=name)
    _tell(request, outcome)
    if outcome.ok:
        return redirect("host:volumes")
    return redirect(request.POST.get("next") or reverse("host:volumes"))


def _unused_volumes(label: str) -> list[VolumeRow]:
    """What a prune would remove now: volumes (with the label) no container
    mounts, with their last known sizes."""
    admin = Access(role=permissions.ADMIN, teams=frozenset(), assignments={})
    volumes = dockerapi.list_volumes(label=label)
    rows = volume_rows(admin, volumes, dockerapi.list_containers())
    return [r for r in rows if not r.users and not r.hidden_users]


@require_GET
def volume_prune_confirm(request: HttpRequest) -> HttpResponse:
    """The prune preview: the list and the space it would free."""
    if not permissions.can_prune_volumes(access_for(request.user)):
        raise PermissionDenied("Only admins may prune volumes.")
    form = PruneForm(request.GET or None)
    label = form.cleaned_data["label"] if form.is_valid() else ""
    rows = _unused_volumes(label) if not form.errors else []
    known = [r.size for r in rows if r.size is not None]
    return render(
        request,
        "host/volume_prune.html",
        {
            "form": form,
            "rows": rows,
            "label": label,
            "total": sum(known),
            "unknown_sizes": len(rows) - len(known),
            "usage": services.latest_disk_usage(),
        },
    )


@require_POST
def volume_prune(request: HttpRequest) -> HttpResponse:
    form = PruneForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("label", ["Invalid label."])))
        return redirect("host:volume_prune_confirm")
    _tell(
        request,
        services.volume_prune(
            actor=Actor.from_request(request), label=form.cleaned_data["label"]
        ),
    )
    return redirect("host:volumes")


def _admin_volume(request: HttpRequest, name: str) -> dockerapi.VolumeSummary:
    volume = _visible_volume(request, name)
    if not permissions.can_browse_volume_files(access_for(request.user)):
        raise PermissionDenied("Only admins may read a volume's files.")
    return volume


@require_GET
def volume_files(request: HttpRequest, name: str) -> HttpResponse:
    """One directory of the volume (admins), read by a helper container."""
    volume = _admin_volume(request, name)
    try:
        path = dockerapi.clean_path(request.GET.get("path", ""))
        entries = dockerapi.list_volume_dir(
            volume.name, path, image=settings.BERTH_HELPER_IMAGE
        )
        error = ""
    except ValueError as problem:
        raise Http404(str(problem)) from None
    except dockerapi.EngineUnavailable:
        raise
    except dockerapi.GatewayError as problem:
        entries, error = [], problem.message
    crumbs = _breadcrumbs(path)
    return render(
        request,
        "host/volume_files.html",
        {
            "volume": volume,
            "path": path,
            "crumbs": crumbs,
            "parent": crumbs[-2][1] if len(crumbs) > 1 else None,
            "entries": entries,
            "truncated": len(entries) >= MAX_ENTRIES,
            "error": error,
        },
        status=404 if error.startswith("No directory") else 200,
    )


def _breadcrumbs(path: str) -> list[tuple[str, str]]:
    crumbs = [("/", "")]
    parts = path.split("/") if path else []
    for index, part in enumerate(parts):
        crumbs.append((part, "/".join(parts[: index + 1])))
    return crumbs


@require_GET
def volume_download(request: HttpRequest, name: str) -> HttpResponse:
    """One file of the volume, streamed (admins); every download is audited."""
    volume = _admin_volume(request, name)
    actor = Actor.from_request(request)
    path = request.GET.get("path", "")
    audit = {"action": "volume.download", "target_type": "volume"}
    audit |= {"target_id": volume.name, "target_name": volume.name}
    audit |= {"team": volume.team, "params": {"path": path}}
    try:
        opened = dockerapi.open_volume_file(
            volume.name, path, image=settings.BERTH_HELPER_IMAGE
        )
    except ValueError as problem:
        record(actor, **audit, outcome="denied", error=str(problem))
        raise Http404(str(problem)) from None
    except dockerapi.EngineUnavailable:
        raise
    except dockerapi.GatewayError as problem:
        record(actor, **audit, outcome="failure", error=problem.message)
        messages.error(request, f"Could not download {path}: {problem.message}")
        return redirect(_files_url(volume.name, path.rpartition("/")[0]))
    record(actor, **audit)
    response = _VolumeFileResponse(opened, content_type="application/octet-stream")
    response["Content-Length"] = str(opened.size)
    response["Content-Disposition"] = _attachment(opened.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _VolumeFileResponse(StreamingHttpResponse):
    """Streams a volume file; closing the response (Django does, when the
    body is sent or the client has gone) removes the helper container."""

    def __init__(self, opened: dockerapi.VolumeFile, **kwargs: Any) -> None:
        super().__init__(_closing(opened), **kwargs)
        self._opened = opened

    def close(self) -> None:
        # Not on the caller's thread (it may be the one sync_to_async thread).
        _DOWNLOAD_THREADS.submit(self._opened.close)
        super().close()


# Reading the engine's archive stream blocks: never on the event loop nor on
# the one sync_to_async thread, so downloads get threads of their own.
_DOWNLOAD_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="download")


async def _closing(opened: dockerapi.VolumeFile) -> AsyncIterator[bytes]:
    """The file's chunks as an async iterator: under ASGI Django would read a
    sync iterator into a list first, i.e. hold the whole file in memory.

    A client that goes away cancels this generator, which runs the finally:
    the helper container never outlives the download.
    """
    loop = asyncio.get_running_loop()
    chunks = iter(opened.chunks)
    try:
        while (
            chunk := await loop.run_in_executor(_DOWNLOAD_THREADS, next, chunks, None)
        ) is not None:
            yield chunk
    finally:
        await loop.run_in_executor(_DOWNLOAD_THREADS, opened.close)


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    ascii_name = ascii_name.replace("\\", "_").replace("\r", "_").replace("\n", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _files_url(name: str, path: str) -> str:
    url = reverse("host:volume_files", args=[name])
    return f"{url}?{urlencode({'path': path})}" if path else url
