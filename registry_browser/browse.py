"""Reading a registry for the pages: tags with their platforms, tag details.

A page of tags costs one tags request plus one manifest GET per tag, made in
parallel; platform manifests and configs are fetched by digest, so they are
verified and kept (CachedDocument) and a second visit costs only the tag
requests. Nothing here writes to the registry or the audit trail.
"""

from __future__ import annotations

import platform as platform_module
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from registry_browser.client import (
    Document,
    Endpoint,
    RegistryClient,
    RegistryError,
)
from registry_browser.manifests import (
    Descriptor,
    ImageConfig,
    ImageManifest,
    ManifestIndex,
    Platform,
    parse_config,
    parse_manifest,
)
from registry_browser.models import CachedDocument, Registry

FETCH_THREADS = 8
# Go's names for the machine's architecture, as platforms in an index use them.
HOST_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm"}.get(
    platform_module.machine(), platform_module.machine()
)
DOCKER_HUB_HOST = "docker.io"


def endpoint_for(registry: Registry) -> Endpoint:
    return Endpoint(
        key=registry.key,
        url=registry.url,
        username=registry.username,
        password=registry.password(),
        verify_tls=registry.verify_tls,
        realm_hosts=registry.realm_hosts(),
    )


def hub_endpoint() -> Endpoint:
    """Docker Hub's registry, anonymous; its token realm is auth.docker.io."""
    return Endpoint(
        key="hub",
        url=settings.BERTH_DOCKER_HUB_REGISTRY,
        realm_hosts=tuple(settings.BERTH_DOCKER_HUB_REALMS),
    )


@dataclass(frozen=True)
class PlatformRow:
    platform: Platform
    digest: str
    compressed_size: int | None
    created: datetime | None


@dataclass
class Resolved:
    """One tag: its top manifest and, per platform, image manifest and config."""

    tag: str
    top: ImageManifest | ManifestIndex | None = None
    images: dict[str, ImageManifest] = field(default_factory=dict)
    configs: dict[str, ImageConfig] = field(default_factory=dict)
    error: str = ""
    failure: RegistryError | None = None

    @property
    def digest(self) -> str:
        return self.top.digest if self.top else ""

    @property
    def is_index(self) -> bool:
        return isinstance(self.top, ManifestIndex)

    @property
    def rows(self) -> list[PlatformRow]:
        if self.top is None:
            return []
        if isinstance(self.top, ImageManifest):
            return [self._row(self.top.digest, None)]
        return [self._row(entry.digest, entry) for entry in self.top.platforms]

    def _row(self, digest: str, entry: Descriptor | None) -> PlatformRow:
        image = self.images.get(digest)
        config = self.configs.get(image.config.digest) if image else None
        platform = entry.platform if entry and entry.platform else None
        if platform is None:
            platform = config.platform if config else Platform()
        return PlatformRow(
            platform=platform,
            digest=digest,
            compressed_size=image.compressed_size if image else None,
            created=parse_datetime(config.created)
            if config and config.created
            else None,
        )


def _parallel(items: Iterable[str], call: Callable[[str], object]) -> dict[str, object]:
    """`call` on each item in a few threads; errors come back as values."""
    items = list(dict.fromkeys(items))

    def safe(item: str) -> object:
        try:
            return call(item)
        except (RegistryError, ValueError) as error:
            return error

    if len(items) <= 1:
        return {item: safe(item) for item in items}
    with ThreadPoolExecutor(min(FETCH_THREADS, len(items))) as pool:
        return dict(zip(items, pool.map(safe, items), strict=True))


def by_digest(
    client: RegistryClient, repository: str, digests: Iterable[str], *, blob: bool
) -> dict[str, Document | Exception]:
    """Documents by digest: from the cache, else fetched (verified) and kept."""
    wanted = set(digests)
    source = client.endpoint.key
    found: dict[str, Document | Exception] = {
        row.digest: Document(row.digest, row.media_type, bytes(row.body))
        for row in CachedDocument.objects.filter(source=source, digest__in=wanted)
    }

    def fetch(digest: str) -> Document:
        if blob:
            return client.blob(repository, digest)
        return client.manifest(repository, digest)

    fetched = _parallel(wanted - found.keys(), fetch)
    CachedDocument.objects.bulk_create(
        [
            CachedDocument(
                source=source, digest=d.digest, media_type=d.media_type, body=d.body
            )
            for d in fetched.values()
            if isinstance(d, Document)
        ],
        ignore_conflicts=True,
    )
    found.update(fetched)  # type: ignore[arg-type]
    return found


def resolve_tags(
    client: RegistryClient, repository: str, tags: list[str]
) -> list[Resolved]:
    """Each tag's manifest, its platforms' manifests and their configs."""
    tops = _parallel(tags, lambda tag: client.manifest(repository, tag))
    resolved = []
    for tag in tags:
        item = Resolved(tag)
        document = tops[tag]
        if isinstance(document, RegistryError):
            item.error, item.failure = document.message, document
        elif isinstance(document, Exception):
            item.error = str(document)
        else:
            try:
                item.top = parse_manifest(document)  # type: ignore[arg-type]
            except ValueError as error:
                item.error = f"Cannot read this manifest: {error}"
        resolved.append(item)
    _fill_images(client, repository, resolved)
    _fill_configs(client, repository, resolved)
    return resolved


def _fill_images(
    client: RegistryClient, repository: str, resolved: list[Resolved]
) -> None:
    wanted = []
    for item in resolved:
        if isinstance(item.top, ImageManifest):
            item.images[item.top.digest] = item.top
        elif isinstance(item.top, ManifestIndex):
            wanted += [entry.digest for entry in item.top.platforms]
    documents = by_digest(client, repository, wanted, blob=False)
    for item in resolved:
        if not isinstance(item.top, ManifestIndex):
            continue
        for entry in item.top.platforms:
            document = documents.get(entry.digest)
            if isinstance(document, Document):
                parsed = _parse_or_none(document)
                if isinstance(parsed, ImageManifest):
                    item.images[entry.digest] = parsed


def _parse_or_none(document: Document) -> ImageManifest | ManifestIndex | None:
    try:
        return parse_manifest(document)
    except ValueError:
        return None


def _fill_configs(
    client: RegistryClient, repository: str, resolved: list[Resolved]
) -> None:
    wanted = [
        image.config.digest
        for item in resolved
        for image in item.images.values()
        if image.config.digest
    ]
    documents = by_digest(client, repository, wanted, blob=True)
    for item in resolved:
        for image in item.images.values():
            document = documents.get(image.config.digest)
            if isinstance(document, Document):
                try:
                    item.configs[image.config.digest] = parse_config(document.body)
                except ValueError:
                    pass  # not an image config (an artifact): no platform facts


@dataclass(frozen=True)
class TagsPage:
    rows: list[Resolved]
    next_last: str
    warnings: list[str]
    rate_limit: dict[str, str]


def tags_page(endpoint: Endpoint, repository: str, last: str = "") -> TagsPage:
    """One page of a repository's tags, resolved; raises RegistryError."""
    with RegistryClient(endpoint) as client:
        tags, following = client.tags_page(
            repository, settings.BERTH_REGISTRY_TAGS_PAGE, last
        )
        rows = resolve_tags(client, repository, tags)
        return TagsPage(rows, following, client.warnings, client.rate_limit)


@dataclass(frozen=True)
class TagDetail:
    repository: str
    tag: str
    resolved: Resolved
    image: ImageManifest | None  # the platform shown (the image itself if single)
    config: ImageConfig | None
    pull_reference: str
    warnings: list[str]

    @property
    def digest_reference(self) -> str:
        name = self.pull_reference.rsplit(":", 1)[0]
        return f"{name}@{self.resolved.digest}"

    @property
    def launch_url(self) -> str:
        query = {"image": self.pull_reference}
        if self.config and self.config.launch_ports:
            query["ports"] = "\n".join(self.config.launch_ports)
        return f"{reverse('containers:launch')}?{urlencode(query)}"


def image_reference(host: str, repository: str, tag: str) -> str:
    """How docker names this image (Hub's official images without library/)."""
    if host == DOCKER_HUB_HOST:
        return f"{repository.removeprefix('library/')}:{tag}"
    return f"{host}/{repository}:{tag}"


def tag_detail(
    endpoint: Endpoint, host: str, repository: str, tag: str, platform: str = ""
) -> TagDetail:
    """A tag's manifest, and the config and layers of one of its platforms."""
    with RegistryClient(endpoint) as client:
        resolved = resolve_tags(client, repository, [tag])[0]
        warnings = client.warnings
    if resolved.failure:
        raise resolved.failure
    if resolved.error:
        raise RegistryError("invalid", resolved.error)
    image = _chosen_image(resolved, platform)
    config = resolved.configs.get(image.config.digest) if image else None
    return TagDetail(
        repository=repository,
        tag=tag,
        resolved=resolved,
        image=image,
        config=config,
        pull_reference=image_reference(host, repository, tag),
        warnings=warnings,
    )


def _chosen_image(resolved: Resolved, platform: str) -> ImageManifest | None:
    if isinstance(resolved.top, ImageManifest):
        return resolved.top
    rows = resolved.rows
    if platform and platform in resolved.images:
        return resolved.images[platform]
    # The host's own platform first: that is what a pull here would fetch.
    preferred = [r for r in rows if r.platform.architecture == HOST_ARCH] or rows
    for row in preferred:
        if row.digest in resolved.images:
            return resolved.images[row.digest]
    return None
