"""Registry pages: the registries, a catalog, a repository's tags, one tag.

Reads go to the cached catalog (the database) or, for tags and manifests,
to the registry through browse.py; anything that changes something goes
through services.py. A registry that fails shows its message in the page,
never a 500.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console import permissions
from console.audit import Actor
from console.paging import paginate, query_without_page
from registry_browser import browse, hub_views, services
from registry_browser.client import RegistryError, valid_repository, valid_tag
from registry_browser.forms import RegistryForm, SearchForm, TagActionForm
from registry_browser.models import Registry, Repository

STATUS = {"not_found": 404, "unauthorized": 502, "rate_limited": 503}


def _registry(key: str) -> Registry:
    if not key.isdigit():
        raise Http404("No such registry.")
    return get_object_or_404(Registry, pk=int(key))


def check_names(repository: str, tag: str | None = None) -> None:
    """404 for names outside the reference grammar (they would reach the
    registry's URLs with its credentials attached)."""
    if not valid_repository(repository) or (tag is not None and not valid_tag(tag)):
        raise Http404("That is not a repository name or tag.")


def _trouble(request: HttpRequest, context: dict[str, Any], error: Exception) -> Any:
    """The page again, with what went wrong in words (never a 500)."""
    message = getattr(error, "message", str(error))
    status = STATUS.get(getattr(error, "kind", ""), 502)
    context["error"] = message
    return render(request, "registry_browser/trouble.html", context, status=status)


@require_GET
def registry_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registry_browser/registry_list.html",
        {
            "registries": Registry.objects.all(),
            "can_manage": permissions.can_manage_registries(request.user),
            "hub_api": settings.BERTH_DOCKER_HUB_API,
        },
    )


def _require_manager(request: HttpRequest) -> None:
    if not permissions.can_manage_registries(request.user):
        raise PermissionDenied("Only admins register registries.")


@require_http_methods(["GET", "POST"])
def registry_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request)
    registry = get_object_or_404(Registry, pk=pk) if pk else None
    form = RegistryForm(request.POST or None, instance=registry)
    if request.method == "POST" and form.is_valid():
        outcome, saved = services.registry_save(
            actor=Actor.from_request(request),
            registry=registry,
            data=form.registry_data(),
            password=form.password_change(),
        )
        if saved is not None:
            check = services.registry_check(saved)
            messages.success(request, outcome.message)
            (messages.success if check.ok else messages.warning)(
                request, f"Connection check: {check.message}"
            )
            return redirect(saved)
        messages.error(request, outcome.message)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registry_browser/registry_form.html",
        {"form": form, "registry": registry},
        status=status,
    )


@require_POST
def registry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    registry = get_object_or_404(Registry, pk=pk)
    outcome = services.registry_remove(
        actor=Actor.from_request(request), registry=registry
    )
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect("registry_browser:list")


@require_GET
def catalog(request: HttpRequest, key: str) -> HttpResponse:
    if key == "hub":
        return hub_views.hub_search(request)
    registry = _registry(key)
    form = SearchForm(request.GET or None)
    # Plain names: no model instances for a page of 50 out of tens of thousands.
    repositories = Repository.objects.filter(registry=registry).values_list(
        "name", flat=True
    )
    if query := form.query():
        repositories = repositories.filter(name__contains=query.lower())
    page = paginate(request, repositories, settings.BERTH_PAGE_SIZE)
    # Repository names are URL-safe ([a-z0-9._/-]); one reverse for the page
    # instead of one per row keeps a page of 50 cheap.
    prefix = reverse("registry_browser:catalog", args=[registry.key])
    rows = [(name, f"{prefix}{name}/-/tags/") for name in page.object_list]
    template = "registry_browser/catalog.html"
    if request.htmx:
        template += "#catalog-table"
    return render(
        request,
        template,
        {
            "registry": registry,
            "form": form,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "can_refresh": permissions.can_refresh_catalog(request.user),
            "can_manage": permissions.can_manage_registries(request.user),
        },
    )


@require_POST
def catalog_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    registry = get_object_or_404(Registry, pk=pk)
    outcome, job = services.catalog_refresh_start(
        actor=Actor.from_request(request), registry=registry
    )
    if job is None:
        messages.error(request, outcome.message)
        return redirect(registry)
    return redirect(job)


@require_GET
def repository(request: HttpRequest, key: str, repository: str) -> HttpResponse:
    check_names(repository)
    if key == "hub":
        return hub_views.hub_tags(request, repository)
    registry = _registry(key)
    context: dict[str, Any] = {"registry": registry, "repository": repository}
    last = request.GET.get("last", "")
    try:
        page = browse.tags_page(browse.endpoint_for(registry), repository, last)
    except (RegistryError, ValueError) as error:
        return _trouble(request, context, error)
    context.update({"page": page, "last": last})
    return render(request, "registry_browser/repository.html", context)


@require_GET
def tag(request: HttpRequest, key: str, repository: str, tag: str) -> HttpResponse:
    check_names(repository, tag)
    if key == "hub":
        return hub_views.hub_tag(request, repository, tag)
    registry = _registry(key)
    context: dict[str, Any] = {"registry": registry, "repository": repository}
    context["tag"] = tag
    try:
        detail = browse.tag_detail(
            browse.endpoint_for(registry),
            registry.host,
            repository,
            tag,
            platform=request.GET.get("platform", ""),
        )
    except (RegistryError, ValueError) as error:
        return _trouble(request, context, error)
    context.update(hub_views.tag_context(request, detail))
    context["can_delete"] = permissions.can_delete_from_registry(request.user)
    return render(request, "registry_browser/tag.html", context)


@require_POST
def tag_pull(request: HttpRequest, key: str, repository: str) -> HttpResponse:
    check_names(repository)
    registry = None if key == "hub" else _registry(key)
    form = TagActionForm(request.POST)
    if not form.is_valid():
        raise Http404("Say which tag to pull.")
    host = registry.host if registry else browse.DOCKER_HUB_HOST
    reference = browse.image_reference(host, repository, form.cleaned_data["tag"])
    outcome, job = services.pull_start(
        actor=Actor.from_request(request), registry=registry, reference=reference
    )
    if job is None:
        raise PermissionDenied(outcome.message)
    return redirect(job)


@require_POST
def tag_delete(request: HttpRequest, key: str, repository: str) -> HttpResponse:
    check_names(repository)
    registry = _registry(key)
    form = TagActionForm(request.POST)
    if not form.is_valid():
        raise Http404("Say which tag to delete.")
    outcome = services.manifest_delete(
        actor=Actor.from_request(request),
        registry=registry,
        repository=repository,
        tag=form.cleaned_data["tag"],
        expected_digest=form.cleaned_data["digest"],
    )
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    if outcome.ok:
        return redirect(
            reverse("registry_browser:repository", args=[registry.key, repository])
        )
    return redirect(
        reverse(
            "registry_browser:tag",
            args=[registry.key, repository, form.cleaned_data["tag"]],
        )
    )
