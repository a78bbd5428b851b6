"""Pages of the live features (logs, merged logs, stats, terminal) and their
HTTP helpers: server-side log search, whole-log download, list usage."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import datetime

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_GET

from console import dockerapi, permissions
from console.live import run_blocking
from console.permissions import access_for
from containers.loghub import encode_line
from containers.sampler import sampler
from containers.views import _visible_container

SEARCH_LIMIT = 2000  # matching lines a search returns at most


def _allowed_container(
    request: HttpRequest, container_id: str, capability: str
) -> dockerapi.ContainerDetail:
    container = _visible_container(request, container_id)
    if not permissions.can(request.user, capability, container):
        raise Http404(f"No container {container_id} to show here.")
    return container


def _tabs(request: HttpRequest, container: dockerapi.ContainerDetail) -> dict:
    access = access_for(request.user)
    return {
        "container": container,
        "can_logs": access.can(permissions.LOGS, container),
        "can_stats": access.can(permissions.STATS, container),
        "can_terminal": access.can(permissions.TERMINAL, container),
    }


@require_GET
def container_logs(request: HttpRequest, container_id: str) -> HttpResponse:
    container = _allowed_container(request, container_id, permissions.LOGS)
    return render(request, "containers/logs.html", _tabs(request, container))


@require_GET
def merged_logs(request: HttpRequest) -> HttpResponse:
    ids = [i for value in request.GET.getlist("ids") for i in value.split(",") if i]
    project = request.GET.get("project", "")
    return render(
        request,
        "containers/merged_logs.html",
        {"ids": ",".join(ids), "project": project},
    )


@require_GET
def container_stats(request: HttpRequest, container_id: str) -> HttpResponse:
    container = _allowed_container(request, container_id, permissions.STATS)
    return render(request, "containers/stats.html", _tabs(request, container))


@require_GET
def container_terminal(request: HttpRequest, container_id: str) -> HttpResponse:
    container = _allowed_container(request, container_id, permissions.TERMINAL)
    return render(request, "containers/terminal.html", _tabs(request, container))


def _epoch(text: str) -> float | None:
    """A datetime-local or ISO value from a form, as epoch seconds."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:  # the browser sends local wall time
        moment = timezone.make_aware(moment)
    return moment.timestamp()


def _matcher(text: str, use_regex: bool) -> re.Pattern[str] | None:
    if use_regex:
        try:
            return re.compile(text)
        except re.error:
            return None
    return re.compile(re.escape(text), re.IGNORECASE)


@require_GET
def logs_search(request: HttpRequest, container_id: str) -> HttpResponse:
    """Lines of the whole log (or since/until) that match, as NDJSON, streamed
    from the engine: the search reaches past what the page holds."""
    container = _allowed_container(request, container_id, permissions.LOGS)
    pattern = _matcher(request.GET.get("q", ""), request.GET.get("regex") == "1")
    if pattern is None:
        return JsonResponse(
            {"error": "That is not a valid regular expression."}, status=400
        )
    since, until = (
        _epoch(request.GET.get("since", "")),
        _epoch(request.GET.get("until", "")),
    )
    stream = dockerapi.open_logs(
        container.id, tty=container.tty, follow=False, since=since, until=until
    )

    async def matches() -> AsyncIterator[str]:
        found = 0
        async for batch in _batches(stream):
            hits = [encode_line(line) for line in batch if pattern.search(line.text)]
            hits = hits[: SEARCH_LIMIT - found]
            found += len(hits)
            if hits:
                yield "".join(f"{hit}\n" for hit in hits)
            if found >= SEARCH_LIMIT:
                yield json.dumps({"limit": SEARCH_LIMIT}) + "\n"
                return
        yield json.dumps({"done": found}) + "\n"

    response = StreamingHttpResponse(matches(), content_type="application/x-ndjson")
    response["X-Accel-Buffering"] = "no"
    return response


@require_GET
def logs_download(request: HttpRequest, container_id: str) -> HttpResponse:
    """The whole log as a text file, streamed from the engine as it is read."""
    container = _allowed_container(request, container_id, permissions.LOGS)
    with_times = request.GET.get("timestamps") == "1"
    stream = dockerapi.open_logs(container.id, tty=container.tty, follow=False)

    async def text() -> AsyncIterator[bytes]:
        async for batch in _batches(stream):
            if with_times:
                lines = (f"{line.timestamp} {line.text}\n" for line in batch)
            else:
                lines = (f"{line.text}\n" for line in batch)
            yield "".join(lines).encode()

    name = get_valid_filename(f"{container.name}.log") or "container.log"
    response = StreamingHttpResponse(text(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


async def _batches(stream: dockerapi.LogStream) -> AsyncIterator[list]:
    """A log's batches, each read in the blocking pool; closed however it ends."""
    batches = stream.batches()
    try:
        while (batch := await run_blocking(next, batches, None)) is not None:
            yield batch
    finally:
        stream.close()


@require_GET
def container_usage(request: HttpRequest) -> JsonResponse:
    """CPU and memory of the running containers asked for (ids=...), from the
    background sampler: one engine request (the list, for permissions)."""
    ids = [i for value in request.GET.getlist("ids") for i in value.split(",") if i]
    ids = ids[:200]
    if not ids:
        return JsonResponse({"usage": {}})
    access = access_for(request.user)
    running = access.visible(dockerapi.list_containers(ids=ids, state="running"))
    return JsonResponse({"usage": sampler().usage([c.id for c in running])})
