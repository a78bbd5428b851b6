"""Docker Hub pages: search, a repository's tags, one tag.

Listings come from Hub's API (no pull counted). A tag's digest is read with a
HEAD on Hub's registry, which does not count as a pull either; the full
manifest and config are fetched only when asked, since a manifest GET does.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console import permissions
from console.paging import query_without_page
from containers.display import env_rows
from registry_browser import browse, hub
from registry_browser.client import RegistryClient, RegistryError
from registry_browser.forms import SearchForm

HUB = {"name": "Docker Hub", "key": "hub", "host": browse.DOCKER_HUB_HOST}


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(1, int(raw)) if raw.isdigit() else 1


def _trouble(request: HttpRequest, context: dict[str, Any], error: Exception) -> Any:
    context["error"] = getattr(error, "message", str(error))
    status = 404 if getattr(error, "kind", "") == "not_found" else 502
    return render(request, "registry_browser/trouble.html", context, status=status)


def tag_context(request: HttpRequest, detail: browse.TagDetail) -> dict[str, Any]:
    """What a tag page shows, shared by private registries and Docker Hub."""
    access = permissions.access_for(request.user)
    config = detail.config
    return {
        "detail": detail,
        "config": config,
        "env": env_rows(config.env, reveal=access.can_launch) if config else [],
        "can_launch": access.can_launch,
        "launch_url": detail.launch_url,
    }


def hub_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, Any] = {"registry": HUB, "form": form, "hub": True}
    if query := form.query():
        try:
            context["results"] = hub.search(query, _page_number(request))
        except RegistryError as error:
            return _trouble(request, context, error)
    context["query"] = query_without_page(request)
    return render(request, "registry_browser/hub_search.html", context)


def hub_tags(request: HttpRequest, repository: str) -> HttpResponse:
    context: dict[str, Any] = {"registry": HUB, "repository": repository, "hub": True}
    try:
        context["results"] = hub.tags(repository, _page_number(request))
    except RegistryError as error:
        return _trouble(request, context, error)
    return render(request, "registry_browser/hub_tags.html", context)


def hub_tag(request: HttpRequest, repository: str, tag: str) -> HttpResponse:
    namespace, name = hub.split_path(repository)
    path = f"{namespace}/{name}"
    context: dict[str, Any] = {
        "registry": HUB,
        "repository": path,
        "tag": tag,
        "hub": True,
        "can_launch": permissions.can_launch(request.user),
        "pull_reference": browse.image_reference(browse.DOCKER_HUB_HOST, path, tag),
    }
    if request.GET.get("manifest"):
        try:
            detail = browse.tag_detail(
                browse.hub_endpoint(),
                browse.DOCKER_HUB_HOST,
                path,
                tag,
                platform=request.GET.get("platform", ""),
            )
        except RegistryError as error:
            return _trouble(request, context, error)
        context.update(tag_context(request, detail))
        return render(request, "registry_browser/tag.html", context)
    try:
        context["hub_tag"], context["rate_limit"] = hub.tag(path, tag)
    except RegistryError as error:
        return _trouble(request, context, error)
    context["digest"], context["registry_error"], context["pull_limit"] = _head(
        path, tag
    )
    return render(request, "registry_browser/hub_tag.html", context)


def _head(repository: str, tag: str) -> tuple[str, str, str]:
    """The tag's digest from Hub's registry by HEAD (not counted as a pull),
    and the pull allowance Hub reports in its headers (read, never assumed)."""
    try:
        with RegistryClient(browse.hub_endpoint()) as client:
            document = client.head_manifest(repository, tag, fallback_get=False)
            limits = client.rate_limit
    except RegistryError as error:
        return "", error.message, ""
    allowance = ""
    if "ratelimit-remaining" in limits:
        remaining = limits["ratelimit-remaining"].split(";")[0]
        limit = limits.get("ratelimit-limit", "?").split(";")[0]
        allowance = f"{remaining} of {limit} pulls left in the current window"
    return document.digest, "", allowance
