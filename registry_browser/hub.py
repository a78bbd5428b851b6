"""Docker Hub through Hub's own API (Hub serves no registry catalog).

Search and tag lists come from hub.docker.com (`BERTH_DOCKER_HUB_API`), one
request per page, with per-platform digests and sizes included, so nothing
here counts against Hub's pull limit. Hub's API has its own per-minute limit;
its `X-RateLimit-*` headers are read and shown when few requests remain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from django.conf import settings
from django.utils.dateparse import parse_datetime

from registry_browser.client import RegistryError, connect_error
from registry_browser.manifests import Platform

PAGE_SIZE = 25


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: str

    @property
    def low(self) -> bool:
        return self.remaining <= max(5, self.limit // 10)


@dataclass(frozen=True)
class HubRepository:
    path: str  # namespace/name, e.g. library/nginx
    description: str
    stars: int
    pulls: int
    official: bool

    @property
    def familiar(self) -> str:
        return self.path.removeprefix("library/")


@dataclass(frozen=True)
class HubImage:
    platform: Platform
    digest: str
    size: int
    last_pushed: datetime | None


@dataclass(frozen=True)
class HubTag:
    name: str
    digest: str
    full_size: int
    last_updated: datetime | None
    images: tuple[HubImage, ...]

    @property
    def platforms(self) -> tuple[HubImage, ...]:
        return tuple(
            image
            for image in self.images
            if (image.platform.os, image.platform.architecture)
            != ("unknown", "unknown")
        )


@dataclass(frozen=True)
class HubPage:
    items: list[Any]
    count: int
    page: int
    has_next: bool
    rate_limit: RateLimit | None


def split_path(repository: str) -> tuple[str, str]:
    """ "nginx" → ("library", "nginx"); "grafana/loki" → ("grafana", "loki")."""
    namespace, _, name = repository.rpartition("/")
    return namespace or "library", name


def _get(path: str, params: dict[str, Any] | None = None) -> httpx.Response:
    base = settings.BERTH_DOCKER_HUB_API.rstrip("/")
    host = httpx.URL(base).host
    try:
        response = httpx.get(
            f"{base}{path}",
            params=params,
            timeout=settings.BERTH_REGISTRY_TIMEOUT,
            follow_redirects=True,
            headers={"User-Agent": "Berth registry browser"},
        )
    except httpx.TimeoutException:
        raise RegistryError("timeout", f"Docker Hub ({host}) did not answer.") from None
    except httpx.HTTPError as error:
        raise connect_error(error, host) from None
    if response.status_code == 404:
        raise RegistryError(
            "not_found", "Docker Hub has no such repository or tag.", 404
        )
    if response.status_code == 429:
        retry = response.headers.get("x-retry-after") or response.headers.get(
            "retry-after"
        )
        wait = f" Try again after {retry}." if retry else " Try again in a minute."
        raise RegistryError(
            "rate_limited", f"Docker Hub's API is rate-limiting Berth (429).{wait}", 429
        )
    if response.status_code >= 400:
        raise RegistryError(
            "error", f"Docker Hub answered HTTP {response.status_code}.", 0
        )
    return response


def rate_limit(response: httpx.Response) -> RateLimit | None:
    try:
        return RateLimit(
            limit=int(response.headers["x-ratelimit-limit"]),
            remaining=int(response.headers["x-ratelimit-remaining"]),
            reset=response.headers.get("x-ratelimit-reset", ""),
        )
    except (KeyError, ValueError):
        return None


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise RegistryError("invalid", "Docker Hub answered with non-JSON.") from None
    return body if isinstance(body, dict) else {}


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def search(query: str, page: int = 1) -> HubPage:
    """Repositories on Docker Hub matching `query`, a page at a time."""
    response = _get(
        "/v2/search/repositories/",
        {"query": query, "page": page, "page_size": PAGE_SIZE},
    )
    body = _body(response)
    items = [
        HubRepository(
            path=_repository_path(item),
            description=str(item.get("short_description") or ""),
            stars=_int(item.get("star_count")),
            pulls=_int(item.get("pull_count")),
            official=bool(item.get("is_official")),
        )
        for item in body.get("results") or []
        if isinstance(item, dict)
    ]
    return HubPage(
        items,
        _int(body.get("count")),
        page,
        bool(body.get("next")),
        rate_limit(response),
    )


def _repository_path(item: dict[str, Any]) -> str:
    name = str(item.get("repo_name") or item.get("name") or "")
    if "/" not in name:
        namespace = str(item.get("namespace") or item.get("repo_owner") or "library")
        name = f"{namespace}/{name}"
    return name


def _tag(item: dict[str, Any]) -> HubTag:
    return HubTag(
        name=str(item.get("name") or ""),
        digest=str(item.get("digest") or ""),
        full_size=_int(item.get("full_size")),
        last_updated=_when(item.get("last_updated")),
        images=tuple(
            HubImage(
                platform=Platform.from_dict(image),
                digest=str(image.get("digest") or ""),
                size=_int(image.get("size")),
                last_pushed=_when(image.get("last_pushed")),
            )
            for image in item.get("images") or []
            if isinstance(image, dict)
        ),
    )


def _when(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None


def tags(repository: str, page: int = 1) -> HubPage:
    """A page of a Hub repository's tags, with per-platform digests and sizes."""
    namespace, name = split_path(repository)
    response = _get(
        f"/v2/namespaces/{namespace}/repositories/{name}/tags",
        {"page": page, "page_size": PAGE_SIZE},
    )
    body = _body(response)
    items = [_tag(item) for item in body.get("results") or [] if isinstance(item, dict)]
    return HubPage(
        items,
        _int(body.get("count")),
        page,
        bool(body.get("next")),
        rate_limit(response),
    )


def tag(repository: str, name: str) -> tuple[HubTag, RateLimit | None]:
    namespace, short = split_path(repository)
    response = _get(f"/v2/namespaces/{namespace}/repositories/{short}/tags/{name}")
    return _tag(_body(response)), rate_limit(response)
