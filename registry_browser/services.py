"""Registry actions: permission, the registry call, one audit event each.

Registering a registry and changing its credentials, deleting a manifest,
starting a pull or a catalog refresh. The refresh itself is a job service
(`catalog_refresh`), run by a worker. Credentials never appear in audit
parameters: the audit names the fields that changed, not their values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from console import permissions
from console.audit import Actor, record
from console.crypto import seal
from containers.jobs import JobContext, JobFailed, job_start
from containers.models import Job
from containers.references import split_image_reference
from containers.services import Outcome
from registry_browser.browse import endpoint_for
from registry_browser.client import RegistryClient, RegistryError
from registry_browser.models import CachedDocument, Registry, Repository

EDITABLE = ("name", "url", "username", "verify_tls", "token_realm_hosts")


def _audit_params(registry: Registry, changed: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {field: getattr(registry, field) for field in EDITABLE}
    params["changed"] = changed
    return params


def registry_save(
    *,
    actor: Actor,
    registry: Registry | None,
    data: dict[str, Any],
    password: str | None,
) -> tuple[Outcome, Registry | None]:
    """Create or update a registry; `password` None keeps the stored one,
    "" clears it. The audit says which fields changed, never their values."""
    action = "registry.update" if registry and registry.pk else "registry.create"
    if not permissions.can_manage_registries(actor.user):
        message = "Only admins register registries and hold their credentials."
        record(actor, action, target_type="registry", outcome="denied", error=message)
        return Outcome(False, message), None
    registry = registry or Registry()
    changed = _apply(registry, data, password)
    registry.save()
    record(
        actor,
        action,
        target_type="registry",
        target_id=registry.key,
        target_name=registry.name,
        params=_audit_params(registry, changed),
    )
    verb = "Updated" if action == "registry.update" else "Registered"
    return Outcome(True, f"{verb} {registry.name}."), registry


def _apply(registry: Registry, data: dict[str, Any], password: str | None) -> list[str]:
    """Set the new values on `registry` (unsaved); the names of those changed."""
    changed = [f for f in EDITABLE if f in data and getattr(registry, f) != data[f]]
    for field in EDITABLE:
        if field in data:
            setattr(registry, field, data[field])
    if password is not None and (password or registry.password_sealed):
        registry.password_sealed = seal(password)
        changed.append("password")
    if "url" in changed and registry.pk:
        # Another address may be another registry: its old catalog is no guide.
        registry.repositories.all().delete()
        registry.catalog_refreshed, registry.catalog_count = None, 0
        registry.catalog_error = ""
    return changed


def registry_remove(*, actor: Actor, registry: Registry) -> Outcome:
    """Forget a registry, its stored credentials and its cached catalog."""
    audit = {
        "target_type": "registry",
        "target_id": registry.key,
        "target_name": registry.name,
    }
    if not permissions.can_manage_registries(actor.user):
        message = "Only admins remove registries."
        record(actor, "registry.delete", **audit, outcome="denied", error=message)
        return Outcome(False, message)
    key = registry.key
    registry.delete()
    CachedDocument.objects.filter(source=key).delete()
    record(actor, "registry.delete", **audit, params={"url": registry.url})
    return Outcome(True, f"Removed {registry.name} and its cached catalog from Berth.")


def registry_check(registry: Registry) -> Outcome:
    """Whether Berth can get in with the stored credentials (GET /v2/)."""
    try:
        with RegistryClient(endpoint_for(registry)) as client:
            client.ping()
    except RegistryError as error:
        return Outcome(False, error.message)
    except ValueError as error:  # the sealed password cannot be read
        return Outcome(False, str(error))
    return Outcome(True, f"{registry.host} answers and lets Berth in.")


def manifest_delete(
    *,
    actor: Actor,
    registry: Registry,
    repository: str,
    tag: str,
    expected_digest: str,
) -> Outcome:
    """Delete the manifest a tag points to, by digest (so every tag sharing it
    goes too). The digest comes from a HEAD with the full Accept list; if it is
    not the one the person saw, nothing is deleted."""
    audit = {
        "target_type": "registry",
        "target_id": registry.key,
        "target_name": f"{registry.host}/{repository}:{tag}",
    }
    params: dict[str, Any] = {"repository": repository, "tag": tag}
    if not permissions.can_delete_from_registry(actor.user):
        message = "Only admins delete from registries."
        record(
            actor,
            "registry.manifest_delete",
            **audit,
            params=params,
            outcome="denied",
            error=message,
        )
        return Outcome(False, message)
    try:
        with RegistryClient(endpoint_for(registry)) as client:
            digest = client.head_manifest(repository, tag).digest
            params["digest"] = digest
            if expected_digest and digest != expected_digest:
                raise RegistryError(
                    "moved",
                    f"{tag} now points to {digest[:19]}…, not the "
                    f"{expected_digest[:19]}… you saw; nothing was deleted. "
                    "Look again before deleting.",
                )
            client.delete_manifest(repository, digest)
    except RegistryError as error:
        record(
            actor,
            "registry.manifest_delete",
            **audit,
            params=params,
            outcome="failure",
            error=error.message,
        )
        return Outcome(False, f"Could not delete {repository}:{tag}: {error.message}")
    record(actor, "registry.manifest_delete", **audit, params=params)
    return Outcome(
        True,
        f"Deleted {repository}@{digest[:19]}… and every tag that pointed to it. "
        "The registry frees the space at its next garbage collection.",
    )


def pull_start(
    *, actor: Actor, registry: Registry | None, reference: str
) -> tuple[Outcome, Job | None]:
    """A pull job for `reference`, with the registry's credentials if it has any."""
    if not permissions.can_launch(actor.user):
        message = "Viewers cannot pull images; ask an operator or admin."
        record(
            actor,
            "image.pull",
            target_type="image",
            target_name=reference,
            outcome="denied",
            error=message,
        )
        return Outcome(False, message), None
    params: dict[str, Any] = {"reference": reference}
    if registry is not None and registry.username:
        params["username"] = registry.username
        params["password_sealed"] = registry.password_sealed
        params["registry"] = registry.name
    job = job_start(actor=actor, kind=Job.Kind.PULL, target=reference, params=params)
    return Outcome(True, f"Pulling {reference}."), job


def registry_credentials(reference: str) -> dict[str, Any]:
    """Job parameters with the stored credentials of the registered registry
    `reference` lives on (so a launch can pull from it), or {}."""
    try:
        domain = split_image_reference(reference).domain
    except ValueError:
        return {}
    for registry in Registry.objects.exclude(username=""):
        if registry.host == domain:
            return {
                "username": registry.username,
                "password_sealed": registry.password_sealed,
                "registry": registry.name,
            }
    return {}


def push_params(registry: Registry, target: str) -> tuple[str, dict[str, Any]]:
    """The push target on `registry` and the job parameters carrying its
    credentials; ValueError when the target names another registry."""
    typed = target.strip()
    first, _, rest = typed.partition("/")
    # Docker's rule: a first component with a dot, a colon or "localhost" is a host.
    if rest and ("." in first or ":" in first or first == "localhost"):
        if first != registry.host:
            raise ValueError(
                f"{typed} names the registry {first}, not {registry.name} "
                f"({registry.host}); leave the host out or choose that registry."
            )
        typed = rest
    parsed = split_image_reference(f"{registry.host}/{typed}")
    full = f"{parsed.repository}:{parsed.tag or 'latest'}"
    params = {"target": full, "registry": registry.name}
    if registry.username:
        params["username"] = registry.username
        params["password_sealed"] = registry.password_sealed
    return full, params


def catalog_refresh_start(
    *, actor: Actor, registry: Registry
) -> tuple[Outcome, Job | None]:
    if not permissions.can_refresh_catalog(actor.user):
        message = "Viewers cannot refresh catalogs."
        record(
            actor,
            "registry.refresh",
            target_type="registry",
            target_id=registry.key,
            target_name=registry.name,
            outcome="denied",
            error=message,
        )
        return Outcome(False, message), None
    job = job_start(
        actor=actor,
        kind=Job.Kind.REGISTRY_REFRESH,
        target=registry.name,
        params={"registry_id": registry.pk},
    )
    return Outcome(True, f"Refreshing the catalog of {registry.name}."), job


def refresh_catalog(
    registry: Registry,
    *,
    page_size: int | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> int:
    """Read the whole catalog page by page (Link headers, `n` = page_size), then
    replace the cached rows in one transaction; returns how many repositories.
    On a registry error the cached catalog is left as it was."""
    names: list[str] = []
    page_size = page_size or settings.BERTH_REGISTRY_CATALOG_PAGE
    with RegistryClient(endpoint_for(registry)) as client:
        for number, page in enumerate(client.catalog_pages(page_size), start=1):
            names.extend(page)
            if on_page:
                on_page(number, len(names))
    _replace_catalog(registry, names)
    return len(names)


def _replace_catalog(registry: Registry, names: list[str]) -> None:
    wanted = set(names)
    with transaction.atomic():
        existing = set(registry.repositories.values_list("name", flat=True))
        gone = existing - wanted
        for start in range(0, len(gone), 500):
            chunk = sorted(gone)[start : start + 500]
            registry.repositories.filter(name__in=chunk).delete()
        Repository.objects.bulk_create(
            [Repository(registry=registry, name=n) for n in sorted(wanted - existing)],
            batch_size=2000,
        )
        Registry.objects.filter(pk=registry.pk).update(
            catalog_refreshed=timezone.now(),
            catalog_count=len(wanted),
            catalog_error="",
        )


def catalog_refresh(context: JobContext) -> dict[str, Any]:
    """The job service: refresh one registry's cached catalog, with progress."""
    registry = Registry.objects.filter(pk=context.params["registry_id"]).first()
    if registry is None:
        raise JobFailed("This registry was removed from Berth.")
    previous = registry.catalog_count
    context.progress(0, step=f"Reading the catalog of {registry.name}")

    def on_page(number: int, count: int) -> None:
        # Percent is estimated from the last refresh's count, when there was one.
        percent = min(95, 95 * count // previous) if previous else None
        context.progress(percent, step=f"Page {number}: {count} repositories so far")
        context.check_cancelled()

    try:
        count = refresh_catalog(registry, on_page=on_page)
    except RegistryError as error:
        Registry.objects.filter(pk=registry.pk).update(catalog_error=error.message)
        raise JobFailed(error.message) from None
    except ValueError as error:  # sealed password unreadable
        raise JobFailed(str(error)) from None
    context.log(f"{registry.name}: {count} repositories in the catalog.")
    return {
        "registry": registry.name,
        "registry_id": registry.pk,
        "repositories": count,
    }
